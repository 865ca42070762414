//! Every file of the feedparser test corpus goes through decoding and
//! parsing without a panic.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use url::Url;
use veille::fetch::charset;
use veille::sources::feed::parse_feed;

use crate::support::shared_data;

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable corpus dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            files_under(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("xml" | "rdf" | "rss" | "atom" | "json")
        ) {
            out.push(path);
        }
    }
}

#[test]
fn every_corpus_file_parses_or_fails_cleanly() {
    let root = shared_data().join("feedparser-corpus");
    let mut files = Vec::new();
    files_under(&root, &mut files);
    assert!(files.len() > 2000, "corpus has {} files", files.len());
    let base = Url::parse("http://example.org/feed.xml").unwrap();

    let mut panicked = Vec::new();
    let (mut parsed, mut wellformed, mut wellformed_parsed) = (0, 0, 0);
    for file in &files {
        let bytes = std::fs::read(file).expect("corpus file");
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let decoded = charset::decode(&bytes, None);
            parse_feed(&decoded.text, &base).is_ok()
        }));
        let is_wellformed = file.components().any(|c| c.as_os_str() == "wellformed");
        wellformed += usize::from(is_wellformed);
        match outcome {
            Ok(true) => {
                parsed += 1;
                wellformed_parsed += usize::from(is_wellformed);
            }
            Ok(false) => {}
            Err(_) => panicked.push(
                file.strip_prefix(&root)
                    .unwrap_or(file)
                    .display()
                    .to_string(),
            ),
        }
    }
    eprintln!(
        "feedparser corpus: {} files, {parsed} parsed; well-formed: {wellformed_parsed}/{wellformed}",
        files.len()
    );
    assert!(panicked.is_empty(), "panicked on: {panicked:?}");
    // Most well-formed files are feeds veille must read; the rest test
    // features feed-rs does not model (and that is fine as a clean error).
    assert!(
        wellformed_parsed * 100 >= wellformed * 90,
        "only {wellformed_parsed} of {wellformed} well-formed files parsed"
    );
}
