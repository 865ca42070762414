//! Integration tests: one binary, sharing the loopback server and fixtures.

mod support;

mod alerts;
mod api;
mod archive;
mod config_errors;
mod daemon;
mod dedup;
mod extraction;
mod feedparser_corpus;
mod fetching;
mod html_sources;
mod properties;
mod samples;
mod tagging;
mod transcript_formats;
mod transcripts;
mod webvtt_conformance;
