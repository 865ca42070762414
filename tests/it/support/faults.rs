//! A loopback server that misbehaves in every way the web does.
//!
//! Each [`Fault`] is served on a port of its own, so that a fault that
//! holds back its host (a `Retry-After`, a connection that never answers)
//! holds back only itself: veille's per-host politeness sees one origin
//! per fault. Every port answers `/robots.txt` with a 404 (everything
//! allowed), so the fault, not robots.txt, is what veille meets.
//!
//! Everything is bounded: the drip ends after two minutes, the 1 GiB bodies
//! are written from one reused buffer and stop when the client hangs up,
//! and dropping the [`FaultServer`] ends every connection, hanging ones
//! included. The large bodies (gzip bomb, 100,000-item feed, deep page) are
//! built once per test process.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use super::server::read_request;

/// One way a source can be hostile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// 500 Internal Server Error.
    ServerError,
    /// 503 with `Retry-After: 120`.
    Unavailable,
    /// 429 with `Retry-After: 3600`.
    TooManyRequests,
    /// Reads the request and never answers.
    Hang,
    /// Headers at once, then the body one byte a second (for two minutes).
    Drip,
    /// `Content-Length` larger than what is sent, then the connection closes.
    Truncated,
    /// 1 MiB of gzip inflating to 1 GiB, with `Content-Encoding: gzip`.
    GzipBomb,
    /// 1 GiB body with its `Content-Length`.
    HugeBody,
    /// 1 GiB body without a length (ends when the connection closes).
    HugeUnsizedBody,
    /// `/a` → `/b` → `/a` → …
    RedirectLoop,
    /// Windows-1252 bytes labelled UTF-8 (header and XML declaration).
    WrongCharset,
    /// UTF-8 bytes labelled ISO-8859-1 (header and XML declaration).
    WrongCharsetReverse,
    /// A UTF-8 feed with ill-formed byte sequences in some titles.
    InvalidUtf8,
    /// A web page (`text/html`) where the feed should be.
    HtmlNotFeed,
    /// A valid RSS feed of 100,000 small items, newest first.
    HundredThousandItems,
    /// A page of 100,000 nested `<div>`, read as a `kind = "html"` listing.
    DeepListing,
    /// A feed (`full_text = true`) whose one item links to that page.
    DeepArticle,
}

impl Fault {
    pub const ALL: [Fault; 17] = [
        Fault::ServerError,
        Fault::Unavailable,
        Fault::TooManyRequests,
        Fault::Hang,
        Fault::Drip,
        Fault::Truncated,
        Fault::GzipBomb,
        Fault::HugeBody,
        Fault::HugeUnsizedBody,
        Fault::RedirectLoop,
        Fault::WrongCharset,
        Fault::WrongCharsetReverse,
        Fault::InvalidUtf8,
        Fault::HtmlNotFeed,
        Fault::HundredThousandItems,
        Fault::DeepListing,
        Fault::DeepArticle,
    ];

    /// A short name, usable as a feed id.
    pub fn name(self) -> &'static str {
        match self {
            Fault::ServerError => "http-500",
            Fault::Unavailable => "http-503",
            Fault::TooManyRequests => "http-429",
            Fault::Hang => "hang",
            Fault::Drip => "drip",
            Fault::Truncated => "truncated",
            Fault::GzipBomb => "gzip-bomb",
            Fault::HugeBody => "huge-body",
            Fault::HugeUnsizedBody => "huge-unsized-body",
            Fault::RedirectLoop => "redirect-loop",
            Fault::WrongCharset => "wrong-charset",
            Fault::WrongCharsetReverse => "wrong-charset-reverse",
            Fault::InvalidUtf8 => "invalid-utf8",
            Fault::HtmlNotFeed => "html-not-feed",
            Fault::HundredThousandItems => "items-100k",
            Fault::DeepListing => "deep-listing",
            Fault::DeepArticle => "deep-article",
        }
    }

    /// What veille should make of it: a failure whose recorded reason
    /// contains this text, or `None` when the source is readable and its
    /// documents should be stored.
    pub fn expected_error(self) -> Option<&'static str> {
        match self {
            Fault::ServerError => Some("HTTP 500"),
            Fault::Unavailable => Some("HTTP 503: the server asks not to come back before"),
            Fault::TooManyRequests => Some("HTTP 429: the server asks not to come back before"),
            Fault::Hang | Fault::Drip => Some("timed out after"),
            Fault::Truncated => Some("body cut short"),
            Fault::GzipBomb | Fault::HugeBody | Fault::HugeUnsizedBody => {
                Some("body larger than max_body_bytes")
            }
            Fault::RedirectLoop => Some("redirects"),
            Fault::HtmlNotFeed => Some("got an HTML page, not a feed"),
            Fault::DeepListing => Some("nested more than"),
            Fault::WrongCharset
            | Fault::WrongCharsetReverse
            | Fault::InvalidUtf8
            | Fault::HundredThousandItems
            | Fault::DeepArticle => None,
        }
    }

    fn path(self) -> String {
        format!("/{}", self.name())
    }
}

pub struct FaultServer {
    addrs: HashMap<Fault, SocketAddr>,
    hits: Arc<HashMap<Fault, AtomicUsize>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FaultServer {
    /// Binds one port per fault on 127.0.0.1 and serves them on a thread
    /// and runtime of its own.
    pub fn start() -> FaultServer {
        let mut listeners = Vec::new();
        let mut addrs = HashMap::new();
        for fault in Fault::ALL {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
            listener.set_nonblocking(true).expect("nonblocking");
            addrs.insert(fault, listener.local_addr().expect("local addr"));
            listeners.push((fault, listener));
        }
        let hits: Arc<HashMap<Fault, AtomicUsize>> = Arc::new(
            Fault::ALL
                .iter()
                .map(|fault| (*fault, AtomicUsize::new(0)))
                .collect(),
        );
        let counted = hits.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("fault server runtime");
            runtime.block_on(async move {
                for (fault, listener) in listeners {
                    let listener = TcpListener::from_std(listener).expect("tokio listener");
                    let hits = counted.clone();
                    tokio::spawn(async move {
                        while let Ok((stream, _)) = listener.accept().await {
                            let hits = hits.clone();
                            tokio::spawn(async move {
                                let _ = serve(stream, fault, &hits).await;
                            });
                        }
                    });
                }
                let _ = stopped.await;
            });
            // Dropping the runtime drops every connection task: hangs,
            // drips and huge bodies end here.
        });
        FaultServer {
            addrs,
            hits,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The URL serving `fault`.
    pub fn url(&self, fault: Fault) -> String {
        format!("http://{}{}", self.addrs[&fault], fault.path())
    }

    /// Requests for `fault`, robots.txt not counted.
    pub fn hits(&self, fault: Fault) -> usize {
        self.hits[&fault].load(Ordering::SeqCst)
    }

    /// A `[[feed]]` table reading `fault` (id = its name), with the kind,
    /// listing selectors and `full_text` it needs.
    pub fn feed_toml(&self, fault: Fault) -> String {
        let mut table = format!(
            "\n[[feed]]\nid = \"{}\"\nurl = \"{}\"\n",
            fault.name(),
            self.url(fault)
        );
        match fault {
            Fault::DeepListing => {
                table
                    .push_str("kind = \"html\"\nlisting = { item = \"div.item\", link = \"a\" }\n");
            }
            Fault::DeepArticle => table.push_str("full_text = true\n"),
            _ => {}
        }
        table
    }

    /// One `[[feed]]` per fault.
    pub fn all_feeds_toml(&self) -> String {
        Fault::ALL
            .iter()
            .map(|fault| self.feed_toml(*fault))
            .collect()
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What a response starts with: status line, headers, and the end of the
/// head. Every connection serves one request and closes.
fn head(status: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

async fn respond(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<()> {
    let length = body.len().to_string();
    let mut all = headers.to_vec();
    all.push(("Content-Length", &length));
    stream.write_all(&head(status, &all)).await?;
    stream.write_all(body).await?;
    stream.flush().await
}

const RSS: &str = "application/rss+xml; charset=utf-8";
const GIB: usize = 1 << 30;

async fn serve(
    mut stream: TcpStream,
    fault: Fault,
    hits: &HashMap<Fault, AtomicUsize>,
) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    let Some(request) = read_request(&mut stream, &mut buffer).await? else {
        return Ok(());
    };
    if request.path == "/robots.txt" {
        return respond(&mut stream, "404 Not Found", &[], b"").await;
    }
    hits[&fault].fetch_add(1, Ordering::SeqCst);
    let ok = "200 OK";
    match fault {
        Fault::ServerError => respond(&mut stream, "500 Internal Server Error", &[], b"oops").await,
        Fault::Unavailable => {
            let headers = [("Retry-After", "120")];
            respond(&mut stream, "503 Service Unavailable", &headers, b"").await
        }
        Fault::TooManyRequests => {
            let headers = [("Retry-After", "3600")];
            respond(&mut stream, "429 Too Many Requests", &headers, b"").await
        }
        Fault::Hang => {
            // Never answers; ends when the server's runtime is dropped.
            std::future::pending().await
        }
        Fault::Drip => {
            let body = feed(&[("1", "Goutte à goutte")]);
            let body = &body.as_bytes()[..120];
            let length = body.len().to_string();
            let headers = [("Content-Type", RSS), ("Content-Length", &length)];
            stream.write_all(&head(ok, &headers)).await?;
            for byte in body {
                stream.write_all(&[*byte]).await?;
                stream.flush().await?;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Ok(())
        }
        Fault::Truncated => {
            let body = feed(&[("1", "Coupé net")]);
            let headers = [("Content-Type", RSS), ("Content-Length", "100000")];
            stream.write_all(&head(ok, &headers)).await?;
            stream.write_all(&body.as_bytes()[..body.len() / 2]).await?;
            stream.flush().await
        }
        Fault::GzipBomb => {
            let headers = [("Content-Type", RSS), ("Content-Encoding", "gzip")];
            respond(&mut stream, ok, &headers, gzip_bomb()).await
        }
        Fault::HugeBody | Fault::HugeUnsizedBody => {
            let length = GIB.to_string();
            let mut headers = vec![("Content-Type", RSS)];
            if fault == Fault::HugeBody {
                headers.push(("Content-Length", &length));
            }
            stream.write_all(&head(ok, &headers)).await?;
            // One buffer written again and again: the server must not hold
            // the gigabyte either. A client hanging up ends the loop with
            // an error.
            let chunk = vec![b' '; 64 * 1024];
            let mut left = GIB;
            while left > 0 {
                let size = left.min(chunk.len());
                stream.write_all(&chunk[..size]).await?;
                left -= size;
            }
            stream.flush().await
        }
        Fault::RedirectLoop => {
            let next = if request.path.ends_with("/b") {
                fault.path()
            } else {
                format!("{}/b", fault.path())
            };
            respond(&mut stream, "302 Found", &[("Location", &next)], b"").await
        }
        Fault::WrongCharset => {
            let text = charset_feed().replace("encoding=\"UTF-8\"", "encoding=\"utf-8\"");
            let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
            assert!(!unmappable);
            respond(&mut stream, ok, &[("Content-Type", RSS)], &bytes).await
        }
        Fault::WrongCharsetReverse => {
            let text = charset_feed().replace("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"");
            let headers = [("Content-Type", "application/rss+xml; charset=iso-8859-1")];
            respond(&mut stream, ok, &headers, text.as_bytes()).await
        }
        Fault::InvalidUtf8 => {
            respond(
                &mut stream,
                ok,
                &[("Content-Type", RSS)],
                &invalid_utf8_feed(),
            )
            .await
        }
        Fault::HtmlNotFeed => {
            let page = "\n\n<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">\
                <title>Journal du Sahel – Accueil</title></head><body><h1>À la une</h1>\
                <p>Notre flux RSS a déménagé.</p></body></html>\n";
            let headers = [("Content-Type", "text/html; charset=utf-8")];
            respond(&mut stream, ok, &headers, page.as_bytes()).await
        }
        Fault::HundredThousandItems => {
            respond(
                &mut stream,
                ok,
                &[("Content-Type", RSS)],
                hundred_thousand_items(),
            )
            .await
        }
        Fault::DeepListing => {
            let headers = [("Content-Type", "text/html; charset=utf-8")];
            respond(&mut stream, ok, &headers, deep_page()).await
        }
        Fault::DeepArticle if request.path.ends_with("/page") => {
            let headers = [("Content-Type", "text/html; charset=utf-8")];
            respond(&mut stream, ok, &headers, deep_page()).await
        }
        Fault::DeepArticle => {
            let link = format!("http://{}{}/page", local(&stream), fault.path());
            let body = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
                 <title>Profondeurs</title><link>http://example.org/</link>\n<item><guid>deep-1</guid>\
                 <title>Un article très imbriqué</title><link>{link}</link>\
                 <description>Le résumé du flux reste lisible.</description></item></channel></rss>\n"
            );
            respond(&mut stream, ok, &[("Content-Type", RSS)], body.as_bytes()).await
        }
    }
}

fn local(stream: &TcpStream) -> SocketAddr {
    stream.local_addr().expect("local addr")
}

/// An RSS feed of `(guid, title)` items, each with a short description.
fn feed(items: &[(&str, &str)]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Sahel hostile</title><link>http://example.org/</link>\n",
    );
    for (guid, title) in items {
        out.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title>\
             <pubDate>Mon, 02 Nov 2026 08:15:00 +0000</pubDate>\
             <description>{title} : les habitants racontent la journée.</description></item>\n"
        ));
    }
    out.push_str("</channel></rss>\n");
    out
}

/// Titles of the charset feeds, in the order served.
pub const CHARSET_TITLES: [&str; 4] = [
    "Ségou : le marché de céréales rouvre",
    "Nioro du Sahel — attaque contre un poste de gendarmerie",
    "Kidal : les déplacés reviennent à Anéfis",
    "Mopti : la crue du fleuve inquiète les éleveurs peuls",
];

fn charset_feed() -> String {
    let items: Vec<(String, &str)> = CHARSET_TITLES
        .iter()
        .enumerate()
        .map(|(n, title)| (format!("cs-{n}"), *title))
        .collect();
    let refs: Vec<(&str, &str)> = items.iter().map(|(g, t)| (g.as_str(), *t)).collect();
    feed(&refs)
}

/// Titles of the invalid-UTF-8 feed: `\u{fffd}` marks where an ill-formed
/// sequence is served, and what a reader should see there.
pub const INVALID_UTF8_TITLES: [&str; 8] = [
    "Tombouctou : l'économie à l'arrêt après le blocus",
    "Gao \u{fffd} nouvelle attaque près du marché",
    "Ménaka : des élèves déplacés reprennent les cours",
    "Kayes : la route nationale rouverte \u{fffd}",
    "Sévaré : réunion des chefs de village à la préfecture",
    "Bandiagara \u{fffd}\u{fffd} pénurie de carburant",
    "Diré : les pêcheurs du fleuve réclament des aides",
    "Tessalit : retour au calme selon les élus",
];

/// The feed with, in place of each `\u{fffd}`, one ill-formed sequence:
/// a lone continuation byte, a lead byte without its continuations, a
/// truncated three-byte sequence, an `\xff`.
fn invalid_utf8_feed() -> Vec<u8> {
    let bad: [&[u8]; 4] = [b"\x80", b"\xc3", b"\xe2\x80", b"\xff"];
    let mut bad = bad.iter().cycle();
    let text = {
        let items: Vec<(String, &str)> = INVALID_UTF8_TITLES
            .iter()
            .enumerate()
            .map(|(n, title)| (format!("bad-{n}"), *title))
            .collect();
        let refs: Vec<(&str, &str)> = items.iter().map(|(g, t)| (g.as_str(), *t)).collect();
        feed(&refs)
    };
    let mut out = Vec::new();
    for (index, part) in text.split('\u{fffd}').enumerate() {
        if index > 0 {
            out.extend_from_slice(bad.next().unwrap());
        }
        out.extend_from_slice(part.as_bytes());
    }
    out
}

/// Items of the large feed.
pub const MANY_ITEMS: usize = 100_000;

/// A valid RSS feed of [`MANY_ITEMS`] items, newest first: the first is
/// titled `Dépêche n°100000`, the last `Dépêche n°1`. About 6 MB, under the
/// default body cap, so that it is the item count that veille meets.
pub fn hundred_thousand_items() -> &'static [u8] {
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    BODY.get_or_init(|| {
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
             <title>Cent mille dépêches</title><link>http://example.org/</link>\n",
        );
        for number in (1..=MANY_ITEMS).rev() {
            out.push_str(&format!(
                "<item><guid>d{number}</guid><title>Dépêche n°{number}</title></item>\n"
            ));
        }
        out.push_str("</channel></rss>\n");
        out.into_bytes()
    })
}

/// Levels of `<div>` in the deep page.
pub const DEEP_LEVELS: usize = 100_000;

/// A page of [`DEEP_LEVELS`] nested `<div class="item">` around one link.
pub fn deep_page() -> &'static [u8] {
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    BODY.get_or_init(|| {
        format!(
            "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Profond</title></head><body>\
             {}<a href=\"/deep/1\">Au fond</a><p>Texte tout au fond de la page.</p>{}</body></html>\n",
            "<div class=\"item\">".repeat(DEEP_LEVELS),
            "</div>".repeat(DEEP_LEVELS)
        )
        .into_bytes()
    })
}

/// Bytes the gzip bomb inflates to.
pub const BOMB_INFLATED: u64 = 1 << 30;

/// A gzip member inflating to [`BOMB_INFLATED`] zero bytes, about 1 MB
/// on the wire. Built from one deflated MiB of zeros, ended by a full flush
/// so that it is byte-aligned and refers to nothing before it, repeated
/// 1024 times in a single deflate stream; the trailer carries the CRC and
/// size of the whole, so the bomb is a valid gzip file.
pub fn gzip_bomb() -> &'static [u8] {
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    BODY.get_or_init(|| {
        use flate2::{Compress, Compression, Crc, FlushCompress};
        const BLOCK: usize = 1 << 20;
        let blocks = (BOMB_INFLATED / BLOCK as u64) as usize;
        let zeros = vec![0u8; BLOCK];
        let mut compress = Compress::new(Compression::best(), false);
        let mut segment = Vec::with_capacity(64 * 1024);
        compress
            .compress_vec(&zeros, &mut segment, FlushCompress::Full)
            .expect("deflate");
        assert_eq!(
            compress.total_in(),
            BLOCK as u64,
            "segment buffer too small"
        );
        let mut end = Vec::with_capacity(64);
        compress
            .compress_vec(&[], &mut end, FlushCompress::Finish)
            .expect("deflate end");

        let mut block_crc = Crc::new();
        block_crc.update(&zeros);
        let mut crc = Crc::new();
        for _ in 0..blocks {
            crc.combine(&block_crc);
        }

        let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
        for _ in 0..blocks {
            out.extend_from_slice(&segment);
        }
        out.extend_from_slice(&end);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        out.extend_from_slice(&(BOMB_INFLATED as u32).to_le_bytes());
        out
    })
}
