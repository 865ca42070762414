//! Writing a corpus where veille can read it: feed files (with article
//! pages when the feeds only carry teasers) plus a `feeds.toml` that polls
//! them, or documents stored straight into a record, enriched as a poll
//! would have stored them.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use chrono::Duration;

use super::feed::{ItemText, page, rss};
use super::{CorpusError, Document, Generator};
use veille::enrich::dedup::{canonical_url, content_hash};
use veille::enrich::{Tagger, enrich};
use veille::store::{NewDocument, Recorded, SourceRef, Store};

/// What [`write_feeds`] wrote.
#[derive(Debug, Clone, Default)]
pub struct Written {
    /// Feed files written.
    pub feeds: usize,
    /// Documents in them.
    pub documents: usize,
    /// Feed files and pages together.
    pub bytes: u64,
    /// Words of the documents' text.
    pub words: u64,
    /// The `feeds.toml` that polls the feed files.
    pub config: PathBuf,
}

/// Writes documents `range` as RSS files of `per_feed` items under
/// `out/feeds/`, and with [`ItemText::Teaser`] their pages under
/// `out/pages/`; then `out/feeds.toml`, which polls every file with the
/// record under `out/store/` and tags with `gazetteer`.
pub fn write_feeds(
    generator: &Generator,
    range: Range<u64>,
    per_feed: usize,
    text: ItemText,
    out: &Path,
    gazetteer: Option<&Path>,
) -> Result<Written, CorpusError> {
    let per_feed = per_feed.max(1) as u64;
    let feeds_dir = out.join("feeds");
    let pages_dir = out.join("pages");
    create_dir(&feeds_dir)?;
    if text == ItemText::Teaser {
        create_dir(&pages_dir)?;
    }
    let mut written = Written::default();
    let mut config = config_header(gazetteer);
    let mut start = range.start;
    while start < range.end {
        let end = (start + per_feed).min(range.end);
        let documents: Vec<Document> = (start..end).map(|i| generator.document(i)).collect();
        let id = format!("corpus-{:06}", start / per_feed);
        for document in &documents {
            written.words += document.words as u64;
            if text == ItemText::Teaser {
                let path = pages_dir.join(format!("{}.html", document.index));
                written.bytes += write_file(&path, &page(document))?;
            }
        }
        let xml = rss(&id, &documents, text, &|document| match text {
            ItemText::Full => document.url(),
            ItemText::Teaser => format!("../pages/{}.html", document.index),
        });
        let path = feeds_dir.join(format!("{id}.xml"));
        written.bytes += write_file(&path, &xml)?;
        config.push_str(&format!(
            "\n[[feed]]\nid = \"{id}\"\nurl = \"file:feeds/{id}.xml\"\n"
        ));
        written.feeds += 1;
        written.documents += documents.len();
        start = end;
    }
    written.config = out.join("feeds.toml");
    write_file(&written.config, &config)?;
    Ok(written)
}

/// The start of a `feeds.toml` for a generated corpus: its record beside
/// it, feeds read as often as an operator would poll a large desk's
/// sources, and as many items per feed as the files carry.
pub fn config_header(gazetteer: Option<&Path>) -> String {
    let gazetteer = match gazetteer {
        Some(path) => format!("gazetteer = [{:?}]", path.display().to_string()),
        None => "gazetteer = []".to_owned(),
    };
    format!(
        "# Written by veille-corpus.\n\
         [storage]\ndir = \"store\"\ncommit_interval = \"1s\"\n\n\
         [server]\nbind = \"127.0.0.1:0\"\n\n\
         [fetch]\nmax_items = 10000\n\n\
         [enrich]\n{gazetteer}\n\n\
         [defaults]\nschedule = \"every 1h\"\n"
    )
}

/// What [`write_record`] stored.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stored {
    /// Documents the record did not have before.
    pub new: usize,
    /// Documents the record already had (a second run over the same record).
    pub duplicates: usize,
    /// Bytes of title and text.
    pub bytes: u64,
}

/// Stores documents `range` in `store`, each enriched by `tagger` (language
/// and entities) as a poll would, from outlet feeds `corpus-0` to
/// `corpus-39`. Generating and enriching run on `threads` threads; the
/// record is written by the calling one, in the corpus's order.
/// `progress` hears the count stored so far.
pub fn write_record(
    generator: &Generator,
    range: Range<u64>,
    store: &Store,
    tagger: &Tagger,
    threads: usize,
    progress: &mut dyn FnMut(usize),
) -> Result<Stored, CorpusError> {
    const CHUNK: u64 = 256;
    let threads = threads.max(1) as u64;
    let mut stored = Stored::default();
    std::thread::scope(|scope| {
        // One bounded channel per worker, read in turn: documents reach the
        // record in index order, whichever worker is ahead.
        let receivers: Vec<mpsc::Receiver<Vec<(u64, NewDocument)>>> = (0..threads)
            .map(|worker| {
                let (sender, receiver) = mpsc::sync_channel(2);
                let range = range.clone();
                scope.spawn(move || {
                    let mut start = range.start + worker * CHUNK;
                    while start < range.end {
                        let end = (start + CHUNK).min(range.end);
                        let batch = (start..end)
                            .map(|index| {
                                let document = generator.document(index);
                                (document.source(), new_document(&document, tagger))
                            })
                            .collect();
                        if sender.send(batch).is_err() {
                            return;
                        }
                        start += threads * CHUNK;
                    }
                });
                receiver
            })
            .collect();
        let mut turn = 0;
        let mut idle = 0;
        while idle < receivers.len() {
            let Ok(batch) = receivers[turn % receivers.len()].recv() else {
                idle += 1;
                turn += 1;
                continue;
            };
            idle = 0;
            turn += 1;
            for (source, document) in &batch {
                let feed_id = format!("corpus-{source}");
                let key = entry_key(&document.url);
                let outcome = store.record(
                    document,
                    SourceRef {
                        feed_id: &feed_id,
                        entry_key: &key,
                        url: &document.url,
                        tags: &[],
                    },
                )?;
                match outcome {
                    Recorded::New(_) => stored.new += 1,
                    _ => stored.duplicates += 1,
                }
                stored.bytes += (document.title.len() + document.text.len()) as u64;
            }
            progress(stored.new + stored.duplicates);
        }
        Ok::<(), CorpusError>(())
    })?;
    Ok(stored)
}

fn entry_key(url: &str) -> String {
    url.rsplit('-').next().unwrap_or(url).to_owned()
}

/// The document a poll of its full-text feed item would store.
pub fn new_document(document: &Document, tagger: &Tagger) -> NewDocument {
    let url = document.url();
    let parsed = url::Url::parse(&url).expect("generated URLs are valid");
    let text = document.text();
    NewDocument {
        canonical_url: canonical_url(&parsed),
        aliases: Vec::new(),
        content_hash: content_hash(&document.title, &text),
        enrichment: enrich(tagger, &document.title, &text, None),
        title: document.title.clone(),
        text,
        author: Some(document.author.clone()),
        published: document.published,
        published_is_fetch_time: false,
        fetched: document.published + Duration::minutes(20),
        language_hint: None,
        extraction: "feed".to_owned(),
        transcript: None,
        url,
    }
}

fn create_dir(path: &Path) -> Result<(), CorpusError> {
    std::fs::create_dir_all(path).map_err(|error| CorpusError::Io {
        path: path.to_owned(),
        error,
    })
}

fn write_file(path: &Path, contents: &str) -> Result<u64, CorpusError> {
    std::fs::write(path, contents).map_err(|error| CorpusError::Io {
        path: path.to_owned(),
        error,
    })?;
    Ok(contents.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use veille::enrich::Gazetteer;

    #[test]
    fn feed_files_and_their_config_load_and_cover_the_range() {
        let dir = tempfile::tempdir().unwrap();
        let generator = Generator::new(4, &Gazetteer::default());
        let written =
            write_feeds(&generator, 10..35, 10, ItemText::Teaser, dir.path(), None).unwrap();
        assert_eq!((written.feeds, written.documents), (3, 25));
        let config = veille::config::load(&written.config).unwrap();
        assert_eq!(config.feeds.len(), 3);
        assert_eq!(config.storage_dir(), dir.path().join("store"));
        assert!(dir.path().join("pages/34.html").exists());
        assert!(!dir.path().join("pages/35.html").exists());
        let last = std::fs::read_to_string(dir.path().join("feeds/corpus-000003.xml")).unwrap();
        assert_eq!(last.matches("<item>").count(), 5);
    }

    #[test]
    fn records_are_stored_once_in_order_with_their_enrichment() {
        let dir = tempfile::tempdir().unwrap();
        let gazetteer = Gazetteer::load(&[crate::project_root().join("entities.toml")]).unwrap();
        let tagger = Tagger::new(gazetteer.clone()).unwrap();
        let generator = Generator::new(9, &gazetteer);
        let store = Store::open(dir.path()).unwrap();
        let stored = write_record(&generator, 0..600, &store, &tagger, 3, &mut |_| {}).unwrap();
        assert_eq!((stored.new, stored.duplicates), (600, 0));
        let again = write_record(&generator, 0..600, &store, &tagger, 2, &mut |_| {}).unwrap();
        assert_eq!(again.new, 0, "the same stories are known");
        let documents = store.changed_after(0, 1_000).unwrap();
        assert_eq!(documents.len(), 600);
        let (mut named, mut missed) = (0, Vec::new());
        for (position, stored) in documents.iter().enumerate() {
            let document = generator.document(position as u64);
            assert_eq!(stored.title, document.title, "stored in the corpus's order");
            assert_eq!(stored.language.as_deref(), Some(document.language));
            let ids: Vec<&str> = stored.entities.iter().map(|(id, _)| id.as_str()).collect();
            // The enrichment is stored: what the corpus named is there, but
            // for the few names whose random neighbours are counter-evidence.
            for id in &document.entities {
                named += 1;
                if !ids.contains(&id.as_str()) {
                    missed.push(format!("{id} not in {ids:?}"));
                }
            }
        }
        assert!(
            missed.len() * 50 <= named,
            "{} of {named} missed: {missed:#?}",
            missed.len()
        );
    }
}
