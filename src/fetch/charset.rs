//! Turning fetched bytes into text.
//!
//! Small West African sites serve Windows-1252 pages labelled ISO-8859-1,
//! UTF-8 pages labelled Windows-1252, and pages with no label at all. The
//! order of evidence follows the HTML standard's sniffing: a byte order mark,
//! then the HTTP header, then the document's own declaration, then a
//! statistical detector (chardetng, the one Firefox uses). One exception to
//! that order: bytes that are valid UTF-8 and not plain ASCII are UTF-8,
//! whatever a legacy label says, since no real Windows-1252 text is also
//! valid multi-byte UTF-8 by accident.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// Where the encoding decision came from, kept for diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharsetSource {
    /// A byte order mark at the start of the body.
    ByteOrderMark,
    /// The `charset` parameter of the HTTP `Content-Type` header.
    Header,
    /// The document's own `<meta charset>` or XML declaration.
    Declaration,
    /// The bytes are valid non-ASCII UTF-8, which overrides a legacy label.
    ValidUtf8,
    /// No usable label: chardetng guessed from the bytes.
    Detected,
}

/// Text decoded from a body, and how its encoding was chosen.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The body as text; undecodable bytes become U+FFFD.
    pub text: String,
    /// The encoding the bytes were read as.
    pub encoding: &'static Encoding,
    /// Which evidence chose the encoding.
    pub source: CharsetSource,
}

/// How far into a document its declaration is looked for, as in the HTML
/// standard's prescan.
const PRESCAN_BYTES: usize = 1024;

/// Decodes `bytes`, given the response's `Content-Type` header if any.
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> Decoded {
    if let Some((encoding, bom_length)) = Encoding::for_bom(bytes) {
        return finish(&bytes[bom_length..], encoding, CharsetSource::ByteOrderMark);
    }
    // XML 1.0 appendix F: UTF-16 without a BOM shows in its first bytes.
    match bytes {
        [0, b'<', 0, b'?', ..] => return finish(bytes, UTF_16BE, CharsetSource::Declaration),
        [b'<', 0, b'?', 0, ..] => return finish(bytes, UTF_16LE, CharsetSource::Declaration),
        _ => {}
    }
    let declared = content_type
        .and_then(charset_from_content_type)
        .map(|encoding| (encoding, CharsetSource::Header))
        .or_else(|| {
            declared_in_document(bytes).map(|encoding| (encoding, CharsetSource::Declaration))
        });

    let utf8 = Utf8Evidence::of(bytes);
    match declared {
        Some((encoding, source)) if encoding == UTF_8 && utf8.is_likely_as_labelled() => {
            finish(bytes, encoding, source)
        }
        // A UTF-8 label on bytes that are not UTF-8 is a lie: detect instead.
        Some((encoding, _)) if encoding == UTF_8 => detect(bytes),
        Some(_) if utf8.is_valid() && utf8.multibyte > 0 => {
            finish(bytes, UTF_8, CharsetSource::ValidUtf8)
        }
        Some((encoding, source)) => finish(bytes, encoding, source),
        None if utf8.is_likely() => finish(bytes, UTF_8, CharsetSource::ValidUtf8),
        None => detect(bytes),
    }
}

/// How UTF-8-like a byte string is. One stray byte in a long UTF-8 page
/// (a truncated character, a pasted Windows quote) must not send the whole
/// page to the detector, which gives up on UTF-8 at the first bad sequence.
struct Utf8Evidence {
    /// Well-formed characters of two bytes or more.
    multibyte: usize,
    /// Ill-formed sequences.
    invalid: usize,
}

impl Utf8Evidence {
    fn of(bytes: &[u8]) -> Utf8Evidence {
        let mut evidence = Utf8Evidence {
            multibyte: 0,
            invalid: 0,
        };
        for chunk in bytes.utf8_chunks() {
            evidence.multibyte += chunk.valid().chars().filter(|c| c.len_utf8() > 1).count();
            evidence.invalid += usize::from(!chunk.invalid().is_empty());
        }
        evidence
    }

    fn is_valid(&self) -> bool {
        self.invalid == 0
    }

    /// Valid, or with far more good multi-byte characters than bad bytes.
    fn is_likely(&self) -> bool {
        self.is_valid() || self.multibyte >= 8 * self.invalid
    }

    /// For bytes labelled UTF-8: valid, or with more good multi-byte
    /// characters than bad sequences. The label is evidence of its own, and
    /// legacy text almost never forms valid multi-byte sequences (a
    /// Windows-1252 `é` followed by a letter is a bad one), so when most
    /// non-ASCII characters read as UTF-8, reading the rest as U+FFFD gets
    /// more of the text right than the detector's legacy guess, which would
    /// turn every good `é` into `Ã©`.
    fn is_likely_as_labelled(&self) -> bool {
        self.is_valid() || self.multibyte > self.invalid
    }
}

fn detect(bytes: &[u8]) -> Decoded {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    finish(
        bytes,
        detector.guess(None, chardetng::Utf8Detection::Allow),
        CharsetSource::Detected,
    )
}

fn finish(bytes: &[u8], encoding: &'static Encoding, source: CharsetSource) -> Decoded {
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    let text = match text {
        Cow::Borrowed(text) => text.to_owned(),
        Cow::Owned(text) => text,
    };
    Decoded {
        text,
        encoding,
        source,
    }
}

fn charset_from_content_type(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| label_to_encoding(value.trim().trim_matches(['"', '\''])))
            .flatten()
    })
}

/// Per the HTML standard, a UTF-16 label on a byte stream that got this far
/// (no BOM) means UTF-8.
fn label_to_encoding(label: &str) -> Option<&'static Encoding> {
    let encoding = Encoding::for_label(label.as_bytes())?;
    Some(if encoding.output_encoding() == UTF_8 {
        UTF_8
    } else {
        encoding
    })
}

/// Finds `<?xml … encoding="…"?>`, `<meta charset="…">` or
/// `<meta http-equiv="Content-Type" content="…; charset=…">` near the start.
fn declared_in_document(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(PRESCAN_BYTES)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    if head.trim_start().starts_with("<?xml") {
        let declaration = &head[..head.find("?>").unwrap_or(head.len())];
        if let Some(label) = attribute_value(declaration, "encoding") {
            return label_to_encoding(label);
        }
    }
    let mut rest = head.as_str();
    while let Some(start) = rest.find("<meta") {
        let tag_end = rest[start..]
            .find('>')
            .map_or(rest.len(), |end| start + end);
        let tag = &rest[start..tag_end];
        if let Some(label) = attribute_value(tag, "charset") {
            return label_to_encoding(label);
        }
        if let Some(content) = attribute_value(tag, "content")
            && let Some(position) = content.find("charset=")
        {
            let label = content[position + "charset=".len()..]
                .split([';', ' '])
                .next()
                .unwrap_or_default();
            return label_to_encoding(label);
        }
        rest = &rest[tag_end..];
    }
    None
}

/// The value of `name=` in a tag or declaration, quoted or not.
fn attribute_value<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut search = tag;
    while let Some(position) = search.find(name) {
        let preceded_ok = search[..position]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || c == '<' || c == ';');
        let after = search[position + name.len()..].trim_start();
        if preceded_ok && let Some(value) = after.strip_prefix('=') {
            let value = value.trim_start();
            let value = match value.chars().next() {
                Some(quote @ ('"' | '\'')) => value[1..].split(quote).next().unwrap_or_default(),
                _ => value
                    .split(|c: char| c.is_whitespace() || c == '>' || c == '/' || c == ';')
                    .next()
                    .unwrap_or_default(),
            };
            return Some(value);
        }
        search = &search[position + name.len()..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_from_header() {
        let bytes = b"<p>Enl\xe8vement pr\xe8s de K\xe9dougou \x96 r\xe9cit</p>";
        let decoded = decode(bytes, Some("text/html; charset=ISO-8859-1"));
        assert_eq!(decoded.text, "<p>Enlèvement près de Kédougou – récit</p>");
        assert_eq!(decoded.source, CharsetSource::Header);
    }

    #[test]
    fn xml_declaration_and_meta() {
        let xml = b"<?xml version='1.0' encoding='windows-1252'?><rss>\xe9</rss>";
        assert_eq!(decode(xml, None).source, CharsetSource::Declaration);
        assert!(decode(xml, None).text.ends_with("<rss>é</rss>"));
        let html = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"></head>\xe9";
        assert!(decode(html, Some("text/html")).text.ends_with('é'));
    }

    #[test]
    fn valid_utf8_beats_a_legacy_label() {
        let bytes = "Kédougou".as_bytes();
        let decoded = decode(bytes, Some("text/xml; charset=iso-8859-1"));
        assert_eq!(decoded.text, "Kédougou");
        assert_eq!(decoded.source, CharsetSource::ValidUtf8);
    }

    #[test]
    fn false_utf8_label_falls_back_to_detection() {
        let bytes =
            b"Les d\xe9plac\xe9s arrivent \xe0 Kidira apr\xe8s l'attaque de la route nationale.";
        let decoded = decode(bytes, Some("application/rss+xml; charset=utf-8"));
        assert!(decoded.text.contains("déplacés"), "{}", decoded.text);
        assert_eq!(decoded.source, CharsetSource::Detected);
    }

    #[test]
    fn one_bad_byte_does_not_spoil_a_utf8_page() {
        let mut bytes =
            "Les déplacés arrivent à Kidira après l'attaque de la route nationale près de Diboli. "
                .repeat(3)
                .into_bytes();
        bytes.push(0xe9); // a lone Latin-1 é
        bytes.extend_from_slice("Fin du récit.".as_bytes());
        for header in [Some("text/html; charset=utf-8"), None] {
            let decoded = decode(&bytes, header);
            assert_eq!(decoded.encoding, UTF_8, "{header:?}");
            assert!(
                decoded.text.contains("déplacés") && decoded.text.contains("\u{fffd}Fin du récit.")
            );
        }
    }

    #[test]
    fn a_utf8_label_holds_while_most_accents_are_good() {
        let mut bytes = "Tombouctou : l'économie à l'arrêt. Ménaka : élèves déplacés. Gao "
            .as_bytes()
            .to_vec();
        bytes.extend_from_slice(b"\xc3( \xff \xe2\x80 nouvelle attaque.");
        let decoded = decode(&bytes, Some("application/rss+xml; charset=utf-8"));
        assert_eq!(decoded.encoding, UTF_8);
        assert!(decoded.text.contains("l'économie"), "{}", decoded.text);
        assert!(
            decoded
                .text
                .ends_with("Gao \u{fffd}( \u{fffd} \u{fffd} nouvelle attaque.")
        );
        // Unlabelled, the same bytes need stronger evidence.
        assert_ne!(decode(&bytes, None).encoding, UTF_8);
    }

    #[test]
    fn byte_order_mark_wins() {
        let decoded = decode(b"\xef\xbb\xbfabc", Some("text/plain; charset=windows-1252"));
        assert_eq!(decoded.text, "abc");
        assert_eq!(decoded.source, CharsetSource::ByteOrderMark);
    }
}
