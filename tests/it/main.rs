//! Integration tests: one binary, sharing the loopback server and fixtures.

#![allow(
    clippy::disallowed_macros,
    clippy::disallowed_methods,
    unreachable_pub,
    reason = "a test binary: it prints progress, reads whole loopback answers, waits with thread::sleep outside async code, and its pub items are shared between its own modules"
)]

mod support;

mod alerts;
mod api;
mod archive;
mod browser;
mod config_errors;
mod config_reference;
mod corpus;
mod crash;
mod daemon;
mod dedup;
mod extraction;
mod feedparser_corpus;
mod fetching;
mod gazetteer;
mod hardening;
mod hostile;
mod html_sources;
mod properties;
mod samples;
mod service;
mod tagging;
mod transcript_formats;
mod transcripts;
mod web;
mod webvtt_conformance;
