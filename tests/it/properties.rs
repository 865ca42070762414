//! Property tests: whatever text a feed, web page or transcript holds, the
//! parsers and the tagger return (no panic, no hang), give the same answer
//! twice, and keep the invariants their callers rely on (entry keys never
//! empty, links always followable, segment text trimmed and collapsed, times
//! finite, mentions pointing at the very characters they name...).
//!
//! Uniformly random bytes rarely get past a parser's first check, so most
//! inputs are built from the format's own tokens, or are real files from the
//! shared corpora and `samples/` with byte ranges cut, duplicated and
//! spliced in. Failures proptest found are kept as plain `#[test]`s at the
//! bottom, with the smallest input that showed them.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use scraper::Selector;
use url::Url;

use veille::enrich::dedup::{canonical_url, content_hash};
use veille::enrich::normalise::normalise_alias;
use veille::enrich::{Gazetteer, LanguageSource, Tagger, detect_language, enrich};
use veille::sources::article::{ExtractError, extract_article};
use veille::sources::broadcast::{FilePattern, Sidecar};
use veille::sources::dates::{parse_date, parse_listing_date};
use veille::sources::feed::{escape_stray_ampersands, parse_feed};
use veille::sources::html::{DateReading, ListingSelectors, parse_listing};
use veille::sources::text::{html_to_text, maybe_html_to_text};
use veille::sources::transcript::vtt::{cue_text, parse_cues};
use veille::sources::transcript::{
    self, Segment, TranscriptError, TranscriptFormat, layout, segment_at, transcript_links,
};
use veille::sources::{Entry, followable};

use crate::support::{project_root, shared_data};

/// No regression files: a failure found here becomes an explicit test below,
/// and the repository stays free of proptest's bookkeeping.
///
/// `PROPTEST_CASES`, when set, overrides the counts below, for a longer hunt.
fn cases(cases: u32) -> ProptestConfig {
    let default = ProptestConfig::default();
    ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            default.cases
        } else {
            cases
        },
        failure_persistence: None,
        ..default
    }
}

const ALL_FORMATS: [TranscriptFormat; 5] = [
    TranscriptFormat::WebVtt,
    TranscriptFormat::Srt,
    TranscriptFormat::Json,
    TranscriptFormat::Html,
    TranscriptFormat::Text,
];

fn base() -> Url {
    Url::parse("https://radio.example.org/podcasts/feed.xml").unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
}

// ---------------------------------------------------------------------------
// Inputs

/// Characters that parsers special-case or trip on.
const ODD_CHARACTERS: &[&str] = &[
    "\0", "\u{FFFD}", "\u{FEFF}", "\u{200B}", "\u{A0}", "\r\n", "\r", "\n", "\n\n", " ", "\t", "&",
    "<", ">", "\"", "'", "\u{130}", "ß", "œ", "\u{2028}",
];

/// Text that is not a format token: words, Arabic with and without harakat,
/// combining marks, control and invisible characters, any character at all.
fn noise() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9 .,:;'\"/=-]{0,10}",
        2 => "[\u{0621}-\u{064A}\u{064B}-\u{0652}\u{0640} ]{1,8}",
        1 => "[a-zA-Zéè][\u{0300}-\u{036F}]{1,3}",
        1 => select(ODD_CHARACTERS).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
        1 => ".{0,6}",
        // Beyond what an f64 holds once read as hours.
        1 => "[0-9]{300,330}",
    ]
}

/// Strings glued from a format's `tokens` and [`noise`].
fn soup(tokens: &'static [&'static str], max_parts: usize) -> impl Strategy<Value = String> {
    let part = prop_oneof![
        3 => select(tokens).prop_map(str::to_owned),
        1 => noise(),
    ];
    vec(part, 0..max_parts).prop_map(|parts| parts.concat())
}

/// Arbitrary bytes, decoded the way the fetcher decodes a body it cannot
/// label: lossily.
fn lossy_bytes(max_len: usize) -> impl Strategy<Value = String> {
    vec(any::<u8>(), 0..max_len).prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// A real file with up to eight byte-level edits: truncation, deletion,
/// duplication, a range spliced in from another file, a token inserted.
/// Edits work on bytes, so they also split UTF-8 sequences.
fn mutated(
    corpus: &'static [String],
    tokens: &'static [&'static str],
) -> impl Strategy<Value = String> {
    let insert = prop_oneof![select(tokens).prop_map(str::to_owned), noise()];
    let edit = (
        0..5u8,
        any::<Index>(),
        any::<Index>(),
        any::<Index>(),
        insert,
    );
    (any::<Index>(), vec(edit, 1..8)).prop_map(move |(pick, edits)| {
        let mut bytes = pick.get(corpus).as_bytes().to_vec();
        for (kind, a, b, donor, token) in edits {
            let range = |bytes: &[u8]| {
                let (x, y) = (a.index(bytes.len() + 1), b.index(bytes.len() + 1));
                let start = x.min(y);
                // Bounded so that duplications cannot blow up the input.
                start..x.max(y).min(start + 4_096)
            };
            match kind {
                0 => bytes.truncate(a.index(bytes.len() + 1)),
                1 => {
                    bytes.drain(range(&bytes));
                }
                2 => {
                    let span = range(&bytes);
                    let copy = bytes[span.clone()].to_vec();
                    bytes.splice(span.end..span.end, copy);
                }
                3 => {
                    let other = donor.get(corpus).as_bytes();
                    let span = range(other);
                    let at = b.index(bytes.len() + 1);
                    bytes.splice(at..at, other[span].iter().copied());
                }
                _ => {
                    let at = a.index(bytes.len() + 1);
                    bytes.splice(at..at, token.into_bytes());
                }
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn read_lossy(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Every file under `dir` (recursively) whose name ends with one of
/// `suffixes`.
fn files_under(dir: &Path, suffixes: &[&str], into: &mut Vec<String>) {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = listing.filter_map(|e| Some(e.ok()?.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            files_under(&path, suffixes, into);
        } else if path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| suffixes.iter().any(|suffix| name.ends_with(suffix)))
        {
            into.extend(read_lossy(&path));
        }
    }
}

/// The corpus always holds `seed`, so that strategies have something to
/// pick from even without `../shared`.
fn corpus(seed: &str, sources: &[(PathBuf, &[&str])]) -> Vec<String> {
    let mut files = vec![seed.to_owned()];
    for (dir, suffixes) in sources {
        files_under(dir, suffixes, &mut files);
    }
    files
}

const FEED_TOKENS: &[&str] = &[
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
    "<?xml version=\"1.0\" encoding=\"windows-1252\"?>",
    "<?xml encoding='",
    "<rss version=\"2.0\">",
    "<rss xmlns:podcast=\"https://podcastindex.org/namespace/1.0\" version=\"2.0\">",
    "</rss>",
    "<channel>",
    "</channel>",
    "<item>",
    "</item>",
    "<title>",
    "</title>",
    "<link>",
    "</link>",
    "<link href=\"",
    "\"/>",
    "<guid>",
    "</guid>",
    "<description>",
    "</description>",
    "<pubDate>",
    "</pubDate>",
    "Mon, 02 Nov 2026 08:15:00 +0000",
    "ven., 03 juil. 2020 10:00:00 +0200",
    "<language>fr-ML</language>",
    "<enclosure url=\"https://radio.example.org/a.mp3\" type=\"audio/mpeg\"/>",
    "<podcast:transcript url=\"https://radio.example.org/t.vtt\" type=\"text/vtt\" language=\"fr\"/>",
    "<podcast:transcript url=\"",
    "<![CDATA[",
    "]]>",
    "&amp;",
    "&lt;p&gt;",
    "&#x",
    "&#233;",
    "&eacute;",
    "&",
    ";",
    "<feed xmlns=\"http://www.w3.org/2005/Atom\">",
    "</feed>",
    "<entry>",
    "</entry>",
    "<id>",
    "</id>",
    "<content type=\"html\">",
    "</content>",
    "<summary type=\"xhtml\">",
    "</summary>",
    "<updated>2026-11-02T08:15:00Z</updated>",
    "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\">",
    "<!DOCTYPE rss [<!ENTITY e \"x\">]>",
    "<!-- ",
    " -->",
    "{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"t\",\"items\":[",
    "{\"id\":\"1\",\"url\":\"",
    "\"content_html\":\"<p>a</p>\"",
    "]}",
    "https://example.org/a/1",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "/relative/path",
    "<p>",
    "</p>",
    "<script>x</script>",
];

static FEEDS: LazyLock<Vec<String>> = LazyLock::new(|| {
    corpus(
        &crate::support::rss(
            "Radio",
            &[(
                "1",
                "Kayes &amp; Diboli",
                "/a/1",
                "Texte &lt;b&gt;gras&lt;/b&gt;",
            )],
        ),
        &[
            (
                shared_data().join("feedparser-corpus"),
                &[".xml", ".json", ".rdf"],
            ),
            (shared_data().join("podcast-transcripts"), &[".xml"]),
            (project_root().join("samples/feeds"), &[".xml", ".json"]),
        ],
    )
});

fn feed_input() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => lossy_bytes(512),
        3 => soup(FEED_TOKENS, 48),
        3 => mutated(FEEDS.as_slice(), FEED_TOKENS),
    ]
}

const VTT_TOKENS: &[&str] = &[
    "WEBVTT",
    "WEBVTT - Journal\n",
    "\u{FEFF}",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    " --> ",
    "-->",
    "->",
    "00:00.000",
    "00:01.500",
    "01:02:03.004",
    "00:00:00.000",
    "99:59.999",
    "120:00.000",
    "00:60.000",
    "0:0.0",
    "00:00.0000",
    "00:00,000",
    "999999999999999999999999999999:00:00.000",
    ":00:00.000",
    ":00.000",
    "1",
    "align:start position:10%",
    "<v Awa>",
    "<v.loud Ibrahim Maïga>",
    "<v>",
    "</v>",
    "<c.yellow>",
    "</c>",
    "<b>",
    "<00:00:01.000>",
    "&lt;",
    "&amp;",
    "&#x645;",
    "&#99999999999;",
    "&nbsp;",
    "NOTE ",
    "STYLE\n::cue {}",
    "REGION\nid:x",
    "Awa: ",
    "Bonjour",
    "مرحبا",
];

const SRT_TOKENS: &[&str] = &[
    "1",
    "2",
    "42",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    " --> ",
    "-->",
    "00:00:01,000",
    "00:00:04.500",
    "0:00:01.5",
    "00:61:00,000",
    "99999999999999999999:00:00,000",
    ":00:00,000",
    "00:00:00,",
    ",",
    ".",
    ":",
    " X1:10 Y1:20",
    "<i>",
    "</i>",
    "<font color=\"red\">",
    "{\\an8}",
    "{Y:i}",
    "\\N",
    "&amp;",
    "Amadou : ",
    "Bonjour",
    "السلام عليكم",
];

const JSON_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"segments\"",
    "\"speaker\"",
    "\"startTime\"",
    "\"endTime\"",
    "\"body\"",
    "\"version\"",
    "\"1.0.0\"",
    "\"Awa\"",
    "\"Bonjour\"",
    "\".\"",
    "\"0:53\"",
    "\"1:02:03.5\"",
    "\"NaN\"",
    "\"inf\"",
    "\"-1\"",
    "\"1e999\"",
    "0",
    "1.5",
    "-3",
    "1e308",
    "1e999",
    "-0",
    "123456789012345678901234567890",
    "null",
    "true",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"&amp;\"",
    " ",
    "\n",
];

const HTML_TOKENS: &[&str] = &[
    "<!DOCTYPE html>",
    "<html lang=\"fr-ML\">",
    "<html lang=\"",
    "</html>",
    "<head>",
    "<base href=\"https://radio.example.org/\">",
    "<base href=\"javascript:x\">",
    "<title>",
    "</title>",
    "<body>",
    "<div>",
    "</div>",
    "<div class=\"item\">",
    "<article class=\"post\">",
    "</article>",
    "<li>",
    "<ul>",
    "<p>",
    "</p>",
    "<p class=\"chapo\">",
    "<h1>",
    "<h2>",
    "</h2>",
    "<a href=\"",
    "<a href=\"/a/1\">",
    "<a href=\"https://radio.example.org/t/0730.vtt\">",
    "<a href=\"x.srt#frag\">",
    "<a href=\"file:///etc/passwd.txt\">",
    "<a class=\"next\" href=\"?page=2\">",
    "</a>",
    "\">",
    "<img alt=\"photo\" src=\"x.jpg\">",
    "<time datetime=\"2026-11-20T07:30:00Z\">",
    "<time>",
    "</time>",
    "20 novembre 2026",
    "hier à 14h30",
    "il y a 3 heures",
    "<cite>Awa:</cite>",
    "<cite>",
    "</cite>",
    "0:05",
    "<br>",
    "<script>",
    "</script>",
    "<style>p{}</style>",
    "<template>",
    "<svg>",
    "<math>",
    "<table>",
    "<td>",
    "<select>",
    "<textarea>",
    "<plaintext>",
    "<!--",
    "-->",
    "<![CDATA[",
    "&amp;",
    "&nbsp;",
    "&eacute;",
    "&#x0;",
    "&#1585;",
    "<",
    ">",
    "\"",
    "=",
    "Bonjour",
    "مرحبا",
];

static TRANSCRIPTS: LazyLock<Vec<String>> = LazyLock::new(|| {
    corpus(
        "WEBVTT\n\n00:00.000 --> 00:01.000\n<v Awa>Bonjour\n",
        &[
            (
                shared_data().join("podcast-transcripts"),
                &[".vtt", ".srt", ".json", ".html"],
            ),
            (shared_data().join("srt"), &[".srt"]),
            (shared_data().join("webvtt-vttjs"), &[".vtt"]),
            (project_root().join("samples/radio"), &[".vtt", ".srt"]),
        ],
    )
});

static PAGES: LazyLock<Vec<String>> = LazyLock::new(|| {
    corpus(
        "<html><body><article class=\"post\"><h2><a href=\"/a/1\">Titre</a></h2></article></body></html>",
        &[
            (project_root().join("samples/site"), &[".html"]),
            (project_root().join("samples/articles"), &[".html"]),
            (project_root().join("tests/it/fixtures/extract"), &[".html"]),
            (shared_data().join("podcast-transcripts"), &[".html"]),
        ],
    )
});

/// All token alphabets together: a transcript in one format is often served
/// as another, so every parser gets every format's tokens.
static ALL_TRANSCRIPT_TOKENS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| [VTT_TOKENS, SRT_TOKENS, JSON_TOKENS, HTML_TOKENS].concat());

fn transcript_input() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => lossy_bytes(512),
        2 => soup(VTT_TOKENS, 64),
        2 => soup(SRT_TOKENS, 64),
        2 => soup(JSON_TOKENS, 64),
        1 => soup(HTML_TOKENS, 64),
        3 => mutated(TRANSCRIPTS.as_slice(), ALL_TRANSCRIPT_TOKENS.as_slice()),
    ]
}

/// Markup nested a few hundred levels deep, closed or not, around a soup.
fn deep_html() -> impl Strategy<Value = String> {
    const CONTAINERS: &[&str] = &[
        "div",
        "span",
        "p",
        "a",
        "li",
        "ul",
        "table",
        "td",
        "article",
        "section",
        "b",
        "i",
        "font",
        "blockquote",
        "cite",
        "time",
        "svg",
        "template",
    ];
    (
        vec(select(CONTAINERS), 1..400),
        soup(HTML_TOKENS, 8),
        any::<bool>(),
    )
        .prop_map(|(tags, inner, closed)| {
            let mut html = String::new();
            for tag in &tags {
                html.push_str(&format!(
                    "<{tag} class=\"item\"><a href=\"/n/{}\">",
                    html.len()
                ));
            }
            html.push_str(&inner);
            if closed {
                for tag in tags.iter().rev() {
                    html.push_str(&format!("</a></{tag}>"));
                }
            }
            html
        })
}

fn html_input() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => lossy_bytes(512),
        3 => soup(HTML_TOKENS, 64),
        2 => deep_html(),
        3 => mutated(PAGES.as_slice(), HTML_TOKENS),
    ]
}

// ---------------------------------------------------------------------------
// Invariants shared by several properties

/// Collapsed text: single spaces between words, none at the ends, no other
/// whitespace.
fn is_collapsed(text: &str) -> bool {
    text.split(' ')
        .all(|word| !word.is_empty() && !word.contains(char::is_whitespace))
}

fn check_entry(entry: &Entry, base: &Url) -> Result<(), TestCaseError> {
    prop_assert!(!entry.key.is_empty(), "empty key: {entry:?}");
    prop_assert!(
        entry.title.is_empty() || is_collapsed(&entry.title),
        "title {:?}",
        entry.title
    );
    for text in [&entry.summary, &entry.content] {
        prop_assert_eq!(text.trim(), text.as_str());
    }
    for url in entry.url.iter().chain(&entry.audio) {
        prop_assert!(followable(url, base), "{url} from {base}");
    }
    Ok(())
}

fn check_segments(segments: &[Segment], format: TranscriptFormat) -> Result<(), TestCaseError> {
    prop_assert!(!segments.is_empty());
    for segment in segments {
        prop_assert!(is_collapsed(&segment.text), "{format}: {segment:?}");
        if let Some(speaker) = &segment.speaker {
            prop_assert!(!speaker.trim().is_empty(), "{format}: {segment:?}");
        }
        for time in segment.start.iter().chain(&segment.end) {
            prop_assert!(
                time.is_finite() && *time >= 0.0,
                "{format}: time {time} in {segment:?}"
            );
        }
    }
    // Without an end in the file, an end is the next start, never earlier
    // than the segment's own start; HTML and text have no ends in the file.
    if matches!(format, TranscriptFormat::Html | TranscriptFormat::Text) {
        for segment in segments {
            if let (Some(start), Some(end)) = (segment.start, segment.end) {
                prop_assert!(start <= end, "{format}: {segment:?}");
            }
        }
    }
    // Laid out as a document, every segment is found again at its offset.
    let (text, places) = layout(segments);
    for (segment, place) in segments.iter().zip(&places) {
        prop_assert!(text.is_char_boundary(place.offset));
        prop_assert!(text[place.offset..].starts_with(&segment.text));
        prop_assert_eq!(segment_at(&places, place.offset), Some(place));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Feeds

proptest! {
    #![proptest_config(cases(4_000))]

    #[test]
    fn feeds_parse_without_panic_the_same_way_twice(text in feed_input()) {
        let base = base();
        let first = parse_feed(&text, &base);
        let second = parse_feed(&text, &base);
        match (&first, &second) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!(&a.entries, &b.entries);
                prop_assert_eq!((&a.title, &a.language, a.repaired), (&b.title, &b.language, b.repaired));
                for entry in &a.entries {
                    check_entry(entry, &base)?;
                }
            }
            (Err(a), Err(b)) => {
                prop_assert_eq!(a.to_string(), b.to_string());
                // feed-rs's panics are caught, but a caught panic is still a panic.
                prop_assert!(!a.to_string().contains("crashed"), "{}", a);
            }
            _ => return Err(TestCaseError::fail(format!("differs: {first:?} / {second:?}"))),
        }
    }

    #[test]
    fn stray_ampersands_are_escaped_once_and_for_all(text in soup(FEED_TOKENS, 32)) {
        let escaped = escape_stray_ampersands(&text);
        prop_assert_eq!(escape_stray_ampersands(&escaped), escaped.clone());
        // Only ampersands are touched: removing what was added gives the input back.
        let without_added = escaped.replace("&amp;", "&");
        prop_assert_eq!(without_added, text.replace("&amp;", "&"));
    }
}

// ---------------------------------------------------------------------------
// Transcripts

proptest! {
    #![proptest_config(cases(2_000))]

    #[test]
    fn transcripts_parse_in_every_format_without_panic(text in transcript_input()) {
        for format in ALL_FORMATS {
            let first = transcript::parse(&text, format);
            prop_assert_eq!(&first, &transcript::parse(&text, format));
            if let Ok(segments) = &first {
                check_segments(segments, format)?;
            }
        }
    }

    #[test]
    fn sniffing_agrees_with_the_parsers(text in transcript_input()) {
        let format = TranscriptFormat::sniff(&text);
        let not_vtt = matches!(parse_cues(&text), Err(TranscriptError::NotWebVtt));
        prop_assert_eq!(format == TranscriptFormat::WebVtt, !not_vtt, "{:?}", text);
        if format == TranscriptFormat::Srt {
            prop_assert_ne!(transcript::parse(&text, format), Err(TranscriptError::NotSrt));
        }
    }

    /// A transcript means the same with LF, CRLF or CR line ends: all three
    /// come from real stations' tools.
    #[test]
    fn line_ends_do_not_change_a_transcript(text in transcript_input()) {
        let lf = text.replace('\r', "");
        let crlf = lf.replace('\n', "\r\n");
        let cr = lf.replace('\n', "\r");
        prop_assert_eq!(TranscriptFormat::sniff(&lf), TranscriptFormat::sniff(&crlf));
        prop_assert_eq!(TranscriptFormat::sniff(&lf), TranscriptFormat::sniff(&cr));
        for format in [TranscriptFormat::WebVtt, TranscriptFormat::Srt, TranscriptFormat::Text, TranscriptFormat::Html] {
            let expected = transcript::parse(&lf, format);
            prop_assert_eq!(&transcript::parse(&crlf, format), &expected, "{} CRLF", format);
            prop_assert_eq!(&transcript::parse(&cr, format), &expected, "{} CR", format);
        }
    }

    #[test]
    fn cue_payloads_lose_their_markup(payload in soup(VTT_TOKENS, 24)) {
        let (speaker, text) = cue_text(&payload);
        prop_assert!(text.is_empty() || is_collapsed(&text), "{:?}", text);
        if let Some(speaker) = speaker {
            prop_assert!(is_collapsed(&speaker), "{:?}", speaker);
        }
        if !payload.contains('&') {
            prop_assert!(!text.contains('<'), "{:?} -> {:?}", payload, text);
        }
    }

    #[test]
    fn media_types_and_extensions_never_panic(name in noise(), text in soup(VTT_TOKENS, 4)) {
        let _ = TranscriptFormat::from_media_type(&name);
        let _ = TranscriptFormat::from_extension(&name);
        let _ = TranscriptFormat::sniff(&text);
    }
}

// ---------------------------------------------------------------------------
// Web pages

proptest! {
    #![proptest_config(cases(1_000))]

    #[test]
    fn html_to_text_is_total_and_tidy(html in html_input()) {
        let text = html_to_text(&html);
        prop_assert_eq!(&text, &html_to_text(&html));
        prop_assert_eq!(text.trim(), text.as_str());
        prop_assert!(!text.contains("\n\n\n"));
        for line in text.lines() {
            prop_assert_eq!(line.trim(), line);
        }
        let maybe = maybe_html_to_text(&html);
        prop_assert_eq!(maybe.trim(), maybe.as_str());
    }

    /// Script bodies never reach the text, wherever the script sits among
    /// well-formed markup.
    #[test]
    fn scripts_never_reach_the_text(
        before in vec(select(vec!["div", "p", "span", "li", "table", "td", "b", "article"]), 0..40),
        words in "[a-z ]{0,20}",
        trailing in soup(HTML_TOKENS, 16).prop_map(|html| html.replace('§', "")),
    ) {
        let mut html = String::new();
        for tag in &before {
            html.push_str(&format!("<{tag}>{words}"));
        }
        html.push_str("<script>var SECRET§ = 1;</script>");
        html.push_str(&words);
        for tag in before.iter().rev() {
            html.push_str(&format!("</{tag}>"));
        }
        html.push_str(&trailing);
        prop_assert!(!html_to_text(&html).contains('§'));
        prop_assert!(!maybe_html_to_text(&html).contains('§'));
    }

    #[test]
    fn listing_pages_give_unique_followable_links(html in html_input(), which in 0..3usize) {
        let css = |text: &str| Selector::parse(text).unwrap();
        let selectors = [
            ListingSelectors {
                item: css("article.post"),
                link: Some(css("h2 a")),
                title: None,
                date: Some(css("time")),
                summary: Some(css("p.chapo")),
                next: Some(css("a.next")),
            },
            ListingSelectors {
                item: css("li, article, div.item"),
                link: None,
                title: Some(css("h1, h2, cite")),
                date: None,
                summary: Some(css("p")),
                next: Some(css("a[rel=next], a.next")),
            },
            ListingSelectors {
                item: css("div"),
                link: Some(css("a")),
                title: Some(css("a")),
                date: Some(css("time, span")),
                summary: None,
                next: None,
            },
        ];
        let dates = DateReading {
            format: (which == 2).then(|| "%d/%m/%Y".to_owned()),
            timezone: chrono_tz::Africa::Bamako,
        };
        let page = Url::parse("https://site.example.org/actualites/?page=1").unwrap();
        let listing = parse_listing(&html, &page, &selectors[which], &dates, now());
        let again = parse_listing(&html, &page, &selectors[which], &dates, now());
        // A page nested past the limit is refused, the same way each time.
        let (listing, again) = match (listing, again) {
            (Ok(listing), Ok(again)) => (listing, again),
            (Err(_), Err(_)) => return Ok(()),
            (first, second) => {
                prop_assert!(false, "{:?} then {:?}", first.is_ok(), second.is_ok());
                unreachable!()
            }
        };
        prop_assert!(listing.entries.len() + listing.skipped <= 500);
        let mut seen = std::collections::HashSet::new();
        for entry in &listing.entries {
            let url = entry.url.as_ref().expect("a listing entry has a link");
            prop_assert!(followable(url, &page) && url.fragment().is_none(), "{}", url);
            prop_assert_eq!(&entry.key, url.as_str());
            prop_assert!(seen.insert(url.clone()), "twice: {}", url);
            prop_assert!(entry.title.chars().count() <= 1_000);
            prop_assert!(entry.summary.chars().count() <= 5_000);
            prop_assert!(entry.title.is_empty() || is_collapsed(&entry.title));
        }
        if let Some(next) = &listing.next_page {
            prop_assert!(followable(next, &page) && *next != page, "{}", next);
        }
        prop_assert_eq!(&again.entries, &listing.entries);
        prop_assert_eq!(again.next_page, listing.next_page);
    }

    #[test]
    fn transcript_links_are_followable_files(html in html_input()) {
        let base = base();
        let links = transcript_links(&html, &base);
        prop_assert!(links.len() <= 500);
        for (index, (url, format)) in links.iter().enumerate() {
            prop_assert!(followable(url, &base) && url.fragment().is_none(), "{}", url);
            prop_assert_ne!(*format, TranscriptFormat::Html);
            prop_assert!(!links[..index].iter().any(|(seen, _)| seen == url));
        }
    }
}

proptest! {
    // The extractor is the slowest thing here by far.
    #![proptest_config(cases(300))]

    #[test]
    fn article_extraction_never_crashes(
        html in html_input(),
        selector in select(vec![None, Some("div.article-corps"), Some("p"), Some("::"), Some("")]),
    ) {
        let url = Url::parse("https://site.example.org/articles/1").unwrap();
        match extract_article(&html, Some(&url), selector) {
            Ok(article) => {
                prop_assert!(!article.text.is_empty());
                prop_assert_eq!(article.text.trim(), article.text.as_str());
                if let Some(canonical) = &article.canonical_url {
                    prop_assert!(matches!(canonical.scheme(), "http" | "https"));
                }
            }
            Err(
                ExtractError::NoText | ExtractError::TooDeep(_) | ExtractError::NestedTooDeep(_),
            ) => {}
            Err(ExtractError::Extractor(message)) => {
                // A caught panic is still a panic.
                prop_assert!(!message.contains("crashed"), "{}", message);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Dates, file names, sidecars

const DATE_TOKENS: &[&str] = &[
    " ",
    ",",
    "/",
    "-",
    ".",
    ":",
    "T",
    "Z",
    "+",
    "h",
    "à",
    "le",
    "de",
    "il y a",
    "hier",
    "aujourd'hui",
    "ago",
    "hours",
    "heures",
    "minutes",
    "jours",
    "days",
    "lundi",
    "ven.",
    "Mon",
    "juil.",
    "novembre",
    "Nov",
    "décembre",
    "janvier",
    "Jan",
    "am",
    "pm",
    "1er",
    "2nd",
    "31",
    "12",
    "24",
    "00",
    "60",
    "99",
    "2026",
    "1970",
    "0000",
    "9999",
    "262143",
    "262144",
    "-262144",
    "2147483647",
    "4294967296",
    "+14",
    "-14:00",
    "+0200",
    "-1200",
    "GMT",
    "WAT",
    "UTC",
    "CEST",
    "24:00",
    "23:59:60",
    "14h30",
    "2026-11-20",
    "2026-11-20T07:30:00Z",
    "31/12/262143",
    "262143-12-31T23:59:59-14:00",
    "Mon, 02 Nov 2026 08:15:00 +0000",
    "%Y",
    "%m",
    "%d",
    "%H",
    "%M",
    "%s",
    "%z",
];

const PATTERN_TOKENS: &[&str] = &[
    "{station}",
    "{programme}",
    "{date}",
    "{time}",
    "{lang}",
    "{*}",
    "{",
    "}",
    "{bogus}",
    "{}",
    "_",
    ".",
    "-",
    "vtt",
    "srt",
    "(",
    "[",
    "\\",
    "*",
    "+",
    "?",
    "$",
    "^",
    "|",
    "20261120",
    "0730",
    "07h30",
    "fr",
    "radio",
];

const SIDECAR_TOKENS: &[&str] = &[
    "station = ",
    "air_time = ",
    "title = ",
    "\"",
    "2026-11-20 07:30",
    "2026-03-29 02:30",
    "2026-11-20T07:30:00+00:00",
    "\n",
    "[x]",
    "=",
    "'''",
    "1",
];

proptest! {
    #![proptest_config(cases(4_000))]

    #[test]
    fn dates_never_panic_and_round_trip(text in soup(DATE_TOKENS, 12), format in soup(DATE_TOKENS, 4)) {
        if let Some(date) = parse_date(&text)
            && (0..=9999).contains(&date.year())
        {
            prop_assert_eq!(parse_date(&date.to_rfc3339()), Some(date), "{:?}", text);
        }
        for timezone in [chrono_tz::Africa::Bamako, chrono_tz::Europe::Paris, chrono_tz::Pacific::Kiritimati] {
            let _ = parse_listing_date(&text, None, timezone, now());
            let _ = parse_listing_date(&text, Some(&format), timezone, now());
        }
    }

    #[test]
    fn file_patterns_never_panic(pattern in soup(PATTERN_TOKENS, 10), name in soup(PATTERN_TOKENS, 10)) {
        if let Ok(parsed) = FilePattern::parse(&pattern) {
            let _ = parsed.read(&name, chrono_tz::Africa::Bamako);
            if !pattern.contains('{') {
                prop_assert!(parsed.read(&pattern, chrono_tz::UTC).is_some(), "{:?}", pattern);
            }
        }
    }

    #[test]
    fn sidecars_never_panic(
        text in soup(SIDECAR_TOKENS, 12),
    ) {
        let _ = Sidecar::read(&text, chrono_tz::Europe::Paris);
    }
}

// ---------------------------------------------------------------------------
// Enrichment

static TAGGER: LazyLock<Tagger> = LazyLock::new(|| {
    let gazetteer = Gazetteer::load(&[project_root().join("entities.toml")]).unwrap();
    Tagger::new(gazetteer).unwrap()
});

static SPELLINGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    TAGGER
        .gazetteer()
        .entities()
        .iter()
        .flat_map(|entity| entity.spellings().map(str::to_owned))
        .collect()
});

/// A gazetteer spelling as outlets mangle it: case, tatweel, harakat,
/// decomposed accents, Arabic attached prefixes, an elision or possessive.
fn disguised_spelling() -> impl Strategy<Value = String> {
    use unicode_normalization::UnicodeNormalization;
    (select(SPELLINGS.as_slice()), 0..8u8).prop_map(|(spelling, how)| match how {
        0 => spelling.to_uppercase(),
        1 => spelling.to_lowercase(),
        2 => spelling.chars().flat_map(|c| [c, '\u{0640}']).collect(),
        3 => spelling.chars().flat_map(|c| [c, '\u{064E}']).collect(),
        4 => spelling.nfd().collect(),
        5 => format!("وال{spelling}"),
        6 => format!("l’{spelling}'s"),
        _ => spelling,
    })
}

/// What comes between names: spaces and hyphens of all kinds, elisions,
/// Arabic letters that attach to the next word, invisible characters.
const SEPARATORS: &[&str] = &[
    " ", "-", "’", "'", "\u{A0}", "\n", ", ", "و", "ب", "لل", "\u{200B}", "\u{0301}", "x",
];

/// Tracking parameters (of several spellings) and real ones.
const QUERY_NAMES: &[&str] = &[
    "utm_source",
    "UTM_medium",
    "fbclid",
    "xtor",
    "id",
    "page",
    "q",
    "at_x",
    "a",
];

fn tagger_input() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        3 => disguised_spelling(),
        2 => select(SEPARATORS).prop_map(str::to_owned),
        1 => noise(),
    ];
    prop_oneof![
        4 => vec(part, 0..24).prop_map(|parts| parts.concat()),
        1 => lossy_bytes(256),
    ]
}

proptest! {
    #![proptest_config(cases(2_000))]

    #[test]
    fn mentions_point_at_what_they_name(text in tagger_input()) {
        let chars: Vec<char> = text.chars().collect();
        let tagged = TAGGER.tag(&text);
        prop_assert_eq!(&tagged, &TAGGER.tag(&text));
        let mut ranges = Vec::new();
        for found in &tagged {
            let entity = TAGGER.gazetteer().get(&found.id).unwrap();
            // The matching forms: each spelling, and an Arabic one also
            // without its article.
            let forms: Vec<String> = entity
                .spellings()
                .map(normalise_alias)
                .flat_map(|form| {
                    let bare = form.strip_prefix("ال").map(str::to_owned);
                    std::iter::once(form).chain(bare)
                })
                .collect();
            prop_assert!(!found.mentions.is_empty());
            let mut previous_end = 0;
            for mention in &found.mentions {
                prop_assert!(mention.start < mention.end && mention.end <= chars.len(), "{mention:?}");
                prop_assert!(mention.start >= previous_end, "{mention:?}");
                previous_end = mention.end;
                let slice: String = chars[mention.start..mention.end].iter().collect();
                prop_assert_eq!(&slice, &mention.text);
                // A name read at an administrative level ("Dakar region")
                // is the region's mention without being its spelling.
                let by_form = mention.evidence.as_deref().is_some_and(|e| e.starts_with("form:"));
                prop_assert!(
                    by_form || forms.contains(&normalise_alias(&mention.text)),
                    "{:?} is not a form of {}: {:?}", mention.text, found.id, forms
                );
                ranges.push((mention.start, mention.end));
            }
        }
        ranges.sort_unstable();
        ranges.dedup();
        for pair in ranges.windows(2) {
            prop_assert!(pair[0].1 <= pair[1].0, "overlapping mentions {:?}", pair);
        }
        let enrichment = enrich(&TAGGER, "", &text, Some("fr"));
        prop_assert!(enrichment.entities.iter().all(|(_, count)| *count > 0));
    }

    #[test]
    fn language_detection_is_total_and_honest(text in tagger_input(), hint in select(vec![None, Some("fr"), Some("")])) {
        let language = detect_language(&text, hint);
        prop_assert!((0.0..=1.0).contains(&language.confidence), "{language:?}");
        match language.source {
            LanguageSource::Detector | LanguageSource::Guess => prop_assert!(
                matches!(language.code.as_deref(), Some("fr" | "en" | "ar" | "pt" | "es" | "de")),
                "{language:?}"
            ),
            LanguageSource::Hint => prop_assert_eq!(language.code.as_deref(), hint),
            LanguageSource::Unknown => prop_assert_eq!(language.code, None),
        }
    }

    #[test]
    fn canonical_urls_are_stable(
        https in any::<bool>(),
        www in any::<bool>(),
        path in "(/[a-zA-Z0-9é%._~-]{0,8}){0,4}",
        params in vec((select(QUERY_NAMES), "[a-zA-Z0-9 %+&=é]{0,6}"), 0..6),
        fragment in proptest::option::of("[a-z0-9]{0,6}"),
    ) {
        let scheme = if https { "https" } else { "http" };
        let www = if www { "www." } else { "" };
        let mut text = format!("{scheme}://{www}example.org{path}");
        let mut url = Url::parse(&text).unwrap();
        for (name, value) in &params {
            url.query_pairs_mut().append_pair(name, value);
        }
        url.set_fragment(fragment.as_deref());
        text = canonical_url(&url);
        prop_assert_eq!(canonical_url(&Url::parse(&text).unwrap()), text.clone());
        let canonical = Url::parse(&text).unwrap();
        prop_assert!(canonical.fragment().is_none());
        prop_assert!(!canonical.host_str().unwrap().starts_with("www."));
        let tracked = canonical.query_pairs().any(|(name, _)| {
            let name = name.to_ascii_lowercase();
            name.starts_with("utm_") || name.starts_with("at_") || name == "fbclid" || name == "xtor"
        });
        prop_assert!(!tracked, "{}", text);
        // Parameter order is not identity.
        let mut reversed = url.clone();
        let pairs: Vec<(String, String)> =
            url.query_pairs().map(|(n, v)| (n.into_owned(), v.into_owned())).collect();
        if !pairs.is_empty() {
            reversed.query_pairs_mut().clear().extend_pairs(pairs.iter().rev());
        }
        prop_assert_eq!(canonical_url(&reversed), text);
        // Punctuation and spacing are not identity either.
        let hash = content_hash("titre", &path);
        prop_assert_eq!(hash.len(), 64);
        prop_assert_eq!(content_hash("titre", &path.replace('/', " -- ")), hash);
    }
}

// ---------------------------------------------------------------------------
// Regressions found by the properties above

/// Found by `line_ends_do_not_change_a_transcript`: with CR-only line ends
/// the sniffer saw one long line and took an SRT file for plain text.
#[test]
fn srt_is_sniffed_whatever_the_line_ends() {
    let lf = "1\n00:00:01,800 --> 00:00:0";
    for text in [
        lf.to_owned(),
        lf.replace('\n', "\r\n"),
        lf.replace('\n', "\r"),
    ] {
        assert_eq!(
            TranscriptFormat::sniff(&text),
            TranscriptFormat::Srt,
            "{text:?}"
        );
    }
}

/// Found by `transcripts_parse_in_every_format_without_panic`: 310 digits of
/// hours read as an infinite time, which JSON (and so the record) turns into
/// null. The timing is malformed; the cue goes, the next one stays.
#[test]
fn hours_too_many_for_a_float_are_no_time() {
    let hours = format!("5{}", "0".repeat(309));
    let vtt = format!(
        "WEBVTT\n\n00:00.000 --> {hours}:00:02.000\nperdu\n\n00:00.000 --> 00:02.000\ngardé\n"
    );
    let segments = transcript::parse(&vtt, TranscriptFormat::WebVtt).unwrap();
    assert_eq!(segments.len(), 1);
    assert_eq!(
        (segments[0].end, segments[0].text.as_str()),
        (Some(2.0), "gardé")
    );

    let srt = format!("1\n{hours}:00:01,000 --> 00:00:02,000\nperdu\n");
    assert_eq!(
        transcript::parse(&srt, TranscriptFormat::Srt),
        Err(TranscriptError::NotSrt)
    );

    let text = format!("[{hours}:00] Awa: Bonjour");
    let segments = transcript::parse(&text, TranscriptFormat::Text).unwrap();
    assert_eq!(segments[0].start, None);
}

/// Found by `language_detection_is_total_and_honest`: whatlang names the
/// language of a one-language script even off the allowlist, which came out
/// as "detected, no language" and kept the feed's hint from being used.
#[test]
fn a_script_off_the_allowlist_is_not_a_detection() {
    let unknown = detect_language("ⶀ", None);
    assert_eq!(
        (unknown.code, unknown.source),
        (None, LanguageSource::Unknown)
    );
    let hinted = detect_language("ⶀ", Some("fr"));
    assert_eq!(
        (hinted.code.as_deref(), hinted.source),
        (Some("fr"), LanguageSource::Hint)
    );
}

/// Found while sizing `deep_html`: rs-trafilatura recurses per level and
/// overflowed the stack on nested tables (a page under 100 kB), which aborts
/// the daemon: no panic to catch. Such a page is now refused, while a
/// configured selector, which does not recurse, still reads it.
#[test]
fn pages_nested_thousands_deep_do_not_overflow_the_stack() {
    let depth = 3_000;
    let page = format!(
        "<html><body>{}<div class=\"corps\">Le convoi est arrivé à Kayes.</div>{}</body></html>",
        "<table><tr><td>".repeat(depth),
        "</td></tr></table>".repeat(depth)
    );
    let outcome = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let refused = extract_article(&page, None, None);
            let selected = extract_article(&page, None, Some("div.corps"));
            (refused, selected)
        })
        .unwrap()
        .join()
        .unwrap();
    assert!(
        matches!(outcome.0, Err(ExtractError::TooDeep(_))),
        "{:?}",
        outcome.0
    );
    // Parsing itself costs depth squared, so past the nesting limit even a
    // content selector does not get the page parsed.
    assert!(
        matches!(outcome.1, Err(ExtractError::TooDeep(_))),
        "{:?}",
        outcome.1
    );
}

/// Found by `feeds_parse_without_panic_the_same_way_twice`: a declaration
/// with a legacy encoding anywhere but at the very start, or NULs that made
/// quick-xml guess UTF-16, made quick-xml panic inside feed-rs (caught, but
/// the feed was lost as "crashed").
#[test]
fn xml_declarations_past_the_start_do_not_crash_the_feed_parser() {
    let junk_first =
        "Mon, 02 Nov 2026 08:15:00 +0000<?xml version=\"1.0\" encoding=\"windows-1252\"?>";
    let error = parse_feed(junk_first, &base()).unwrap_err().to_string();
    assert!(!error.contains("crashed"), "{error}");
    let behind_a_comment =
        "<!-- <?xml encoding=' --><?xml version=\"1.0\" encoding=\"windows-1252\"?>";
    let error = parse_feed(behind_a_comment, &base())
        .unwrap_err()
        .to_string();
    assert!(!error.contains("crashed"), "{error}");

    // A UTF-16 feed without BOM, read as a single-byte text.
    let utf16_as_bytes: String = "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss version=\"2.0\"><channel><title>t</title><item><title>Kayes</title></item></channel></rss>"
        .chars()
        .flat_map(|c| ['\0', c])
        .collect();
    let feed = parse_feed(&utf16_as_bytes, &base()).unwrap();
    assert_eq!(feed.entries[0].title, "Kayes");

    let pasted = "<?xml version=\"1.0\" encoding=\"windows-1252\"?><rss version=\"2.0\"><channel><title>t</title>\
        <?xml version='1.0' encoding='ISO-8859-1'?><item><title>Kédougou</title><guid>1</guid></item></channel></rss>";
    let feed = parse_feed(pasted, &base()).unwrap();
    assert_eq!(feed.entries[0].title, "Kédougou");
}
/// Found while sizing `file_patterns_never_panic`: a pattern long enough
/// for its regex to exceed the compiled size limit hit an `expect`, so a
/// bad setting panicked `veille check` instead of being reported.
#[test]
fn file_patterns_too_long_to_compile_are_errors() {
    let pattern = "é".repeat(100_000);
    assert!(matches!(
        FilePattern::parse(&pattern),
        Err(veille::sources::broadcast::PatternError::Regex(_))
    ));
}
