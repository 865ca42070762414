//! Polling a `kind = "transcript"` source: what its URL serves (a podcast
//! feed, a transcript file, or a page listing transcript files) or what its
//! drop folder holds, turned into entries; and an entry's transcript turned
//! into a document that keeps its time codes.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use url::Url;

use super::IngestError;
use super::poll::{Mode, Pipeline, PollReport, Preview, PreviewOutcome, off_the_runtime};
use crate::config::{DropFolder, Feed};
use crate::enrich::dedup::{Identity, Newness, body_hash, content_hash, newness};
use crate::fetch::{ACCEPT_TRANSCRIPT, Fetched, charset, folder};
use crate::sources::broadcast::{Broadcast, Sidecar};
use crate::sources::dates::plausible_published;
use crate::sources::feed::parse_feed;
use crate::sources::transcript::{self, Segment, TranscriptFormat, layout, transcript_links};
use crate::sources::{Entry, TranscriptLink, TranscriptSource, extension};
use crate::store::{DocumentTranscript, NewDocument};

/// Extensions of recordings looked for beside a dropped transcript.
const AUDIO_EXTENSIONS: [&str; 5] = ["mp3", "m4a", "ogg", "opus", "wav"];

/// Parses a transcript whose format is known, or guessed from its content
/// when nothing else tells.
fn read_transcript(
    text: &str,
    format: Option<TranscriptFormat>,
) -> Result<(TranscriptFormat, Vec<Segment>), IngestError> {
    // A `.txt` name says little: pipelines write SRT or VTT under it too.
    let format = format
        .filter(|format| *format != TranscriptFormat::Text)
        .unwrap_or_else(|| TranscriptFormat::sniff(text));
    let segments = transcript::parse(text, format)?;
    Ok((format, segments))
}

/// The last segment of a URL's path, percent-decoded: what a pipeline
/// named the file.
fn file_name(url: &Url) -> String {
    let raw = url
        .path_segments()
        .and_then(|mut segments| segments.next_back());
    percent_encoding::percent_decode_str(raw.unwrap_or_default())
        .decode_utf8_lossy()
        .into_owned()
}

fn looks_like_feed(text: &str) -> bool {
    let head: String = text.chars().take(512).collect();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    ["<?xml", "<rss", "<feed", "<rdf:RDF"]
        .iter()
        .any(|start| head.starts_with(start))
}

/// Says, once per poll, how many files the `file_pattern` passed over: a
/// wrong pattern would otherwise look like a quiet source.
fn note_unmatched(feed: &Feed, count: usize, report: &mut PollReport) {
    if let (Some(pattern), 1..) = (&feed.file_pattern, count) {
        report.warnings.push(format!(
            "{count} transcript file(s) skipped: their names do not match file_pattern {:?}",
            pattern.as_str()
        ));
    }
}

impl Pipeline {
    /// The entries of what a transcript source's URL served.
    pub(super) async fn transcript_entries(
        &self,
        feed: &Feed,
        fetched: Fetched,
        report: &mut PollReport,
    ) -> Result<Vec<Entry>, IngestError> {
        let base = fetched.final_url.clone();
        let text = charset::decode(&fetched.body, fetched.content_type.as_deref()).text;
        let named = extension(base.path()).and_then(TranscriptFormat::from_extension);
        let sniffed = TranscriptFormat::sniff(&text);
        let is_file = matches!(sniffed, TranscriptFormat::WebVtt | TranscriptFormat::Srt)
            || matches!(
                named,
                Some(TranscriptFormat::WebVtt | TranscriptFormat::Srt | TranscriptFormat::Text)
            );
        if !is_file && looks_like_feed(&text) {
            return self.podcast_entries(&text, &base, report).await;
        }
        if sniffed == TranscriptFormat::Json && named.is_none() {
            // A JSON Feed, or a Podcasting 2.0 JSON transcript.
            if let Ok(entries) = self.podcast_entries(&text, &base, report).await {
                return Ok(entries);
            }
        }
        if sniffed == TranscriptFormat::Html && named != Some(TranscriptFormat::Html) {
            let page = text.clone();
            let page_base = base.clone();
            let links = off_the_runtime("page reader", move || {
                Ok(transcript_links(&page, &page_base))
            })
            .await?;
            if links.is_empty() {
                // Not a transcript either, unless named so: a maintenance
                // page or a redesigned archive must fail, not be stored.
                return Err(IngestError::NoTranscriptLink);
            }
            return Ok(self.linked_files(feed, links, report));
        }
        // One transcript file.
        let format = named.filter(|format| *format != TranscriptFormat::Text);
        let body = text.clone();
        let (format, segments) =
            off_the_runtime("transcript parser", move || read_transcript(&body, format)).await?;
        let broadcast = feed
            .file_pattern
            .as_ref()
            .and_then(|pattern| pattern.read(&file_name(&base), feed.timezone));
        // The key follows the content: a URL that serves the latest
        // bulletin each day brings a new document each day.
        let key = format!("{base}#{}", &body_hash(text.as_bytes())[..16]);
        Ok(vec![Entry {
            key,
            url: Some(base),
            transcript: Some(TranscriptSource::Read { format, segments }),
            broadcast,
            ..Entry::default()
        }])
    }

    /// A podcast feed's items that offer a transcript.
    async fn podcast_entries(
        &self,
        text: &str,
        base: &Url,
        report: &mut PollReport,
    ) -> Result<Vec<Entry>, IngestError> {
        let body = text.to_owned();
        let feed_base = base.clone();
        let parsed =
            off_the_runtime("feed parser", move || Ok(parse_feed(&body, &feed_base)?)).await?;
        report.repaired = parsed.repaired;
        let total = parsed.entries.len();
        let entries: Vec<Entry> = parsed
            .entries
            .into_iter()
            .filter(|entry| entry.transcript.is_some())
            .map(|mut entry| {
                // An episode's title names the programme in time codes.
                entry.broadcast = Some(Broadcast {
                    programme: Some(entry.title.clone()).filter(|title| !title.is_empty()),
                    ..Broadcast::default()
                });
                entry
            })
            .collect();
        if entries.len() < total {
            report.warnings.push(format!(
                "{} of {total} items offer no <podcast:transcript>; they are skipped",
                total - entries.len()
            ));
        }
        Ok(entries)
    }

    /// Entries for the transcript files a page links to; with a
    /// `file_pattern`, only the files whose name matches it.
    fn linked_files(
        &self,
        feed: &Feed,
        links: Vec<(Url, TranscriptFormat)>,
        report: &mut PollReport,
    ) -> Vec<Entry> {
        let total = links.len();
        let entries: Vec<Entry> = links
            .into_iter()
            .filter_map(|(url, format)| {
                let broadcast = match &feed.file_pattern {
                    Some(pattern) => Some(pattern.read(&file_name(&url), feed.timezone)?),
                    None => None,
                };
                Some(Entry {
                    key: url.to_string(),
                    transcript: Some(TranscriptSource::Links(vec![TranscriptLink {
                        url: url.clone(),
                        format: Some(format),
                        language: None,
                    }])),
                    url: Some(url),
                    broadcast,
                    ..Entry::default()
                })
            })
            .collect();
        note_unmatched(feed, total - entries.len(), report);
        entries
    }

    /// The finished, unseen transcripts of a drop folder, read. A file that
    /// cannot be read is a warning and stays unseen, so that it is tried
    /// again once the pipeline rewrites it.
    pub(super) async fn read_folder(
        &self,
        feed: &Feed,
        drop: &DropFolder,
        report: &mut PollReport,
        mode: Mode,
    ) -> Result<Vec<Entry>, IngestError> {
        let path = drop.path.clone();
        let min_age = drop.min_age;
        let listing =
            off_the_runtime("folder reader", move || Ok(folder::list(&path, min_age)?)).await?;
        for name in &listing.settling {
            report.warnings.push(format!(
                "{name}: changed less than {} ago; read once it stops changing",
                humantime::format_duration(min_age)
            ));
        }
        let names: HashSet<&str> = listing
            .files
            .iter()
            .map(|file| file.name.as_str())
            .chain(listing.settling.iter().map(String::as_str))
            .collect();
        let mut entries = Vec::new();
        let mut unmatched = 0;
        for file in &listing.files {
            let Some((stem, format)) = file.name.rsplit_once('.').and_then(|(stem, extension)| {
                Some((stem, TranscriptFormat::from_extension(extension)?))
            }) else {
                continue;
            };
            let from_name = match &feed.file_pattern {
                None => Broadcast::default(),
                Some(pattern) => match pattern.read(&file.name, feed.timezone) {
                    Some(broadcast) => broadcast,
                    None => {
                        unmatched += 1;
                        continue;
                    }
                },
            };
            // A sidecar still being written would be read half-done.
            if listing.settling.contains(&format!("{stem}.toml")) {
                continue;
            }
            let Ok(url) = Url::from_file_path(&file.path) else {
                continue;
            };
            // A file is known by its name only, until it is read.
            if newness(&self.store, &feed.id, &file.name, &Identity::default())? == Newness::Seen {
                report.already_seen += 1;
                if mode == Mode::DryRun {
                    report.previews.push(Preview {
                        key: file.name.clone(),
                        title: String::new(),
                        url: Some(url.to_string()),
                        outcome: PreviewOutcome::Seen,
                    });
                }
                continue;
            }
            match self
                .read_dropped(feed, &url, stem, format, &names, from_name)
                .await
            {
                Ok(mut entry) => {
                    entry.key = file.name.clone();
                    entries.push(entry);
                }
                Err(error) => {
                    report.unread += 1;
                    report.warnings.push(format!("{}: {error}", file.name));
                }
            }
        }
        note_unmatched(feed, unmatched, report);
        Ok(entries)
    }

    /// One dropped transcript with what its sidecar and neighbours say.
    async fn read_dropped(
        &self,
        feed: &Feed,
        url: &Url,
        stem: &str,
        format: TranscriptFormat,
        names: &HashSet<&str>,
        from_name: Broadcast,
    ) -> Result<Entry, IngestError> {
        let (text, _) = self.fetch_text(url, feed, ACCEPT_TRANSCRIPT).await?;
        let (format, segments) = off_the_runtime("transcript parser", move || {
            read_transcript(&text, Some(format))
        })
        .await?;
        let sidecar_name = format!("{stem}.toml");
        let mut broadcast = from_name;
        if names.contains(sidecar_name.as_str()) {
            let sidecar_url = url.join(&sidecar_name)?;
            let (text, _) = self.fetch_text(&sidecar_url, feed, "*/*").await?;
            broadcast = Sidecar::read(&text, feed.timezone)
                .map_err(|reason| IngestError::Sidecar {
                    name: sidecar_name,
                    reason,
                })?
                .or(broadcast);
        }
        let audio = broadcast
            .audio
            .as_deref()
            .and_then(|audio| url.join(audio).ok())
            .filter(|audio| crate::sources::beside(audio, url))
            .or_else(|| {
                let name = AUDIO_EXTENSIONS
                    .iter()
                    .map(|extension| format!("{stem}.{extension}"))
                    .find(|name| names.contains(name.as_str()))?;
                url.join(&name).ok()
            });
        Ok(Entry {
            url: Some(url.clone()),
            audio,
            transcript: Some(TranscriptSource::Read { format, segments }),
            broadcast: Some(broadcast),
            ..Entry::default()
        })
    }

    /// Fetches the first of the offered transcripts that can be read.
    async fn fetch_transcript(
        &self,
        feed: &Feed,
        links: &[TranscriptLink],
    ) -> Result<(TranscriptFormat, Vec<Segment>, Option<String>), IngestError> {
        let mut errors = Vec::new();
        for link in links {
            let fetched = self.fetch_text(&link.url, feed, ACCEPT_TRANSCRIPT).await;
            let parsed = match fetched {
                Ok((text, _)) => {
                    let format = link.format;
                    off_the_runtime("transcript parser", move || read_transcript(&text, format))
                        .await
                }
                Err(error) => Err(error),
            };
            match parsed {
                Ok((format, segments)) => return Ok((format, segments, link.language.clone())),
                Err(error) => errors.push((link.url.clone(), error)),
            }
        }
        Err(IngestError::TranscriptOffers(errors))
    }

    /// The document for a transcript entry: the segments laid out as text,
    /// with the broadcast, the audio and each segment's place kept.
    pub(super) async fn transcript_document(
        &self,
        feed: &Feed,
        entry: &Entry,
        fetched_at: DateTime<Utc>,
    ) -> Result<NewDocument, IngestError> {
        let (format, segments, offered_language) = match &entry.transcript {
            Some(TranscriptSource::Read { format, segments }) => (*format, segments.clone(), None),
            Some(TranscriptSource::Links(links)) => self.fetch_transcript(feed, links).await?,
            None => return Err(IngestError::NoTranscript),
        };
        Ok(transcript_document(
            feed,
            entry,
            format,
            &segments,
            offered_language,
            fetched_at,
        ))
    }
}

fn transcript_document(
    feed: &Feed,
    entry: &Entry,
    format: TranscriptFormat,
    segments: &[Segment],
    offered_language: Option<String>,
    fetched_at: DateTime<Utc>,
) -> NewDocument {
    let broadcast = entry.broadcast.clone().unwrap_or_default();
    let (text, places) = layout(segments);
    let station = broadcast.station.unwrap_or_else(|| feed.name.clone());
    let programme = broadcast.programme.or_else(|| {
        broadcast.air_time.map(|time| {
            time.with_timezone(&feed.timezone)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
    });
    let title = [Some(entry.title.clone()), broadcast.title]
        .into_iter()
        .flatten()
        .find(|title| !title.trim().is_empty())
        .unwrap_or_else(|| match &programme {
            Some(programme) => format!("{station}, {programme}"),
            None => station.clone(),
        });
    let published = plausible_published(broadcast.air_time.or(entry.published), fetched_at);
    // The offer's own language is the most specific statement there is;
    // then the broadcast's, the operator's, and the channel's.
    let language = offered_language
        .or(broadcast.language)
        .or_else(|| feed.language.clone())
        .or_else(|| entry.language.clone());
    let canonical_url = format!("veille:{}/{}", feed.id, entry.key);
    NewDocument {
        url: entry.url.as_ref().map(Url::to_string).unwrap_or_default(),
        content_hash: content_hash(&title, &text),
        canonical_url,
        aliases: Vec::new(),
        title,
        text,
        author: None,
        // Implausible dates are dropped here, so every reader of the
        // record (index, timeline, digests) sees the same bounded date.
        published_is_fetch_time: published.is_none(),
        published: published.unwrap_or(fetched_at),
        fetched: fetched_at,
        language_hint: language,
        extraction: format.as_str().to_owned(),
        enrichment: Default::default(),
        transcript: Some(DocumentTranscript {
            station: Some(station),
            programme,
            audio_url: entry.audio.as_ref().map(Url::to_string),
            format: format.as_str().to_owned(),
            segments: places,
        }),
    }
}
