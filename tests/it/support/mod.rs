//! Shared test helpers: a loopback HTTP server, temporary setups, the
//! compiled `veille` binary.

pub mod browser;
pub mod daemon;
pub mod extraction_scoring;
pub mod faults;
pub mod server;
pub mod smtp;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use veille::config::{self, Config};
use veille::enrich::{Gazetteer, Tagger};
use veille::fetch::Fetcher;
use veille::ingest::Pipeline;
use veille::store::Store;

pub use server::{Reply, TestServer};

/// `../shared/data`, the public test data beside the project.
pub fn shared_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data")
}

/// The project root.
pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Settings for tests: the API on a port of the system's choosing (so tests
/// running side by side never collide), no politeness delay, quick retries.
/// Ends inside `[fetch]`, so more fetch keys may follow.
pub const FAST_FETCH: &str = "[server]\nbind = \"127.0.0.1:0\"\n[fetch]\nper_host_delay = \"0s\"\nretry_backoff = \"100ms\"\ntimeout = \"10s\"\n";

/// A temporary directory holding a config file.
pub struct Setup {
    pub dir: tempfile::TempDir,
    pub config_path: PathBuf,
}

impl Setup {
    /// Writes `feeds.toml` with `text` in a fresh temporary directory.
    pub fn new(text: &str) -> Setup {
        let dir = tempfile::tempdir().expect("temp dir");
        let config_path = dir.path().join("feeds.toml");
        std::fs::write(&config_path, text).expect("write config");
        Setup { dir, config_path }
    }

    /// A setup with [`FAST_FETCH`], `extra` TOML after it (more `[fetch]`
    /// keys, `[defaults]`), and one `[[feed]]` per `(id, url)`.
    pub fn with_feeds(extra: &str, feeds: &[(&str, &str)]) -> Setup {
        let mut text = format!("{FAST_FETCH}{extra}\n");
        for (id, url) in feeds {
            text.push_str(&format!("\n[[feed]]\nid = \"{id}\"\nurl = \"{url}\"\n"));
        }
        Setup::new(&text)
    }

    pub fn config(&self) -> Config {
        config::load(&self.config_path).unwrap_or_else(|err| panic!("config: {err}"))
    }

    /// A pipeline over this setup's record, as the daemon builds it.
    pub fn pipeline(&self) -> Arc<Pipeline> {
        let config = self.config();
        let gazetteer = Gazetteer::for_config(&config).expect("gazetteer");
        Arc::new(Pipeline {
            fetcher: Fetcher::new(&config.fetch).expect("fetcher"),
            store: Store::open(&config.storage_dir()).expect("store"),
            tagger: Arc::new(Tagger::new(gazetteer).expect("tagger")),
        })
    }

    /// Runs the `veille` binary with `--config` pointing here.
    pub fn veille(&self, args: &[&str]) -> Output {
        veille_command()
            .arg("--config")
            .arg(&self.config_path)
            .args(args)
            .output()
            .expect("run veille")
    }
}

pub fn veille_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_veille"));
    command.env_remove("RUST_LOG");
    command
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An RSS 2.0 feed with `(guid, title, link, description)` items.
pub fn rss(title: &str, items: &[(&str, &str, &str, &str)]) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>{title}</title><link>http://example.org/</link>\n"
    );
    for (guid, title, link, description) in items {
        out.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title><link>{link}</link>\
             <pubDate>Mon, 02 Nov 2026 08:15:00 +0000</pubDate><description>{description}</description></item>\n"
        ));
    }
    out.push_str("</channel></rss>\n");
    out
}

/// A paragraph long enough that the feed's text counts as the article, so
/// that veille does not go looking for the linked page (tests stay on
/// loopback).
pub fn long_text(topic: &str) -> String {
    let sentence = format!("{topic}. ");
    sentence.repeat(600 / sentence.len() + 1)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The shipped config and samples, copied so the test's record is its own,
/// with `extra` appended to the config (more feeds).
pub fn shipped_with(extra: &str) -> Setup {
    let root = project_root();
    let config = std::fs::read_to_string(root.join("feeds.toml")).unwrap();
    let setup = Setup::new(&format!("{config}\n{extra}"));
    copy_dir(&root.join("samples"), &setup.dir.path().join("samples"));
    std::fs::copy(
        root.join("entities.toml"),
        setup.dir.path().join("entities.toml"),
    )
    .unwrap();
    copy_dir(&root.join("gazetteer"), &setup.dir.path().join("gazetteer"));
    copy_dir(&root.join("templates"), &setup.dir.path().join("templates"));
    // The pipeline finished these files long ago; copies are new, and a
    // drop folder waits for files to settle.
    let drop = setup.dir.path().join("samples/radio/drop");
    for entry in std::fs::read_dir(drop).unwrap() {
        let file = std::fs::File::options()
            .write(true)
            .open(entry.unwrap().path())
            .unwrap();
        file.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
            .unwrap();
    }
    setup
}

/// The shipped config and samples, as the README's run command uses them.
pub fn shipped() -> Setup {
    shipped_with("")
}

/// Adds `local.toml` with `toml` after the shipped gazetteer of a
/// [`shipped`] setup, as an operator would.
pub fn add_local_gazetteer(setup: &Setup, toml: &str) {
    std::fs::write(setup.dir.path().join("local.toml"), toml).unwrap();
    let config = std::fs::read_to_string(&setup.config_path)
        .unwrap()
        // The local file is named after the shipped one, before the
        // generated layer's folder if the config names it.
        .replacen(
            "gazetteer = [\"entities.toml\"",
            "gazetteer = [\"entities.toml\", \"local.toml\"",
            1,
        );
    std::fs::write(&setup.config_path, config).unwrap();
}

/// A story a test writes straight into the record, as feed `feed_id`
/// carried it at `https://{feed_id}.example/{name}`.
pub struct Story<'a> {
    pub name: &'a str,
    pub feed_id: &'a str,
    pub language: &'a str,
    pub published: chrono::DateTime<chrono::Utc>,
    pub title: &'a str,
    pub text: &'a str,
}

/// Records `story`, tagged with `tagger`, and returns its document id.
pub fn record_story(store: &Store, tagger: &Tagger, story: &Story<'_>) -> i64 {
    let url = format!("https://{}.example/{}", story.feed_id, story.name);
    let document = veille::store::NewDocument {
        url: url.clone(),
        canonical_url: url.clone(),
        aliases: Vec::new(),
        title: story.title.to_owned(),
        text: story.text.to_owned(),
        author: None,
        published: story.published,
        published_is_fetch_time: false,
        fetched: story.published,
        language_hint: Some(story.language.to_owned()),
        content_hash: story.name.to_owned(),
        extraction: "feed".to_owned(),
        enrichment: veille::enrich::enrich(tagger, story.title, story.text, Some(story.language)),
        transcript: None,
    };
    let source = veille::store::SourceRef {
        feed_id: story.feed_id,
        entry_key: story.name,
        url: &url,
        tags: &[],
    };
    match store.record(&document, source).unwrap() {
        veille::store::Recorded::New(id) => id,
        _ => panic!("{} not new", story.name),
    }
}
