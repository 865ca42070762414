//! Small text helpers shared by every transcript format.
//!
//! Whatever the source format, a segment's text ends up searched, tagged and
//! quoted, so all formats funnel through the same entity decoding and
//! whitespace rules; otherwise the same sentence would index differently
//! depending on how the station happened to publish it.

/// Decodes the character references that transcript producers actually
/// emit.
///
/// WebVTT cue text is specified with HTML's character references, and
/// subtitle converters leak `&amp;`/`&nbsp;` into SRT and JSON too. The full
/// HTML table (2,000+ names) buys nothing here, so only the common names and
/// numeric references are decoded; an unknown name is kept verbatim, which
/// also keeps text like `AT&T` or `Q&A` intact.
pub(crate) fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match char_ref(rest) {
            Some((decoded, used)) => {
                out.push(decoded);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Reads one character reference at the start of `text` (which begins with
/// `&`), returning the character and the number of bytes it spans.
fn char_ref(text: &str) -> Option<(char, usize)> {
    let body = &text[1..];
    if let Some(numeric) = body.strip_prefix('#') {
        let (digits, radix, prefix) = match numeric.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16, 2),
            None => (numeric, 10, 1),
        };
        let len = digits
            .find(|c: char| !c.is_digit(radix))
            .unwrap_or(digits.len());
        if len == 0 {
            return None;
        }
        // Out-of-range values saturate; they decode to U+FFFD like NUL and
        // surrogates, as HTML does, rather than leaking the raw reference.
        let value = u32::from_str_radix(&digits[..len], radix).unwrap_or(u32::MAX);
        let decoded = match value {
            0 => '\u{FFFD}',
            v => char::from_u32(v).unwrap_or('\u{FFFD}'),
        };
        // HTML tolerates a missing semicolon after numeric references.
        let semicolon = usize::from(digits[len..].starts_with(';'));
        return Some((decoded, 1 + prefix + len + semicolon));
    }
    let end = body.find(';')?;
    let decoded = match &body[..end] {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{A0}',
        "lrm" => '\u{200E}',
        "rlm" => '\u{200F}',
        _ => return None,
    };
    Some((decoded, end + 2))
}

/// Drops a leading byte order mark and turns CRLF and lone CR into LF.
///
/// Transcripts are exported from Windows tools, old Mac tools and web
/// forms alike; line-based formats need one terminator to split on.
pub(crate) fn normalize_newlines(text: &str) -> String {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    if !text.contains('\r') {
        return text.to_owned();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Collapses every run of whitespace (line breaks and no-break spaces
/// included) to one space and trims the ends: caption line breaks are
/// layout, not meaning.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Splits the leading ASCII digits off `text`; `None` when there are none.
pub(crate) fn digits(text: &str) -> Option<(&str, &str)> {
    let len = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    (len > 0).then(|| text.split_at(len))
}

/// Parses a loose clock reading such as `0:53`, `12:34`, `1:02:03`,
/// `00:01:02.500` or `00:01:02,5` into seconds.
///
/// HTML and plain-text transcripts (and some JSON producers) write times for
/// people, not parsers, so this accepts what a person would: any number of
/// leading hour/minute digits, two-digit later fields below 60, an optional
/// fraction with either decimal mark.
pub(crate) fn parse_clock(text: &str) -> Option<f64> {
    let (whole, fraction) = match text.find(['.', ',']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let fields: Vec<&str> = whole.split(':').collect();
    if !(2..=3).contains(&fields.len()) {
        return None;
    }
    let mut seconds = 0.0;
    for (index, field) in fields.iter().enumerate() {
        if field.is_empty() || !field.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let value: f64 = field.parse().ok()?;
        if index > 0 && (field.len() != 2 || value >= 60.0) {
            return None;
        }
        seconds = seconds * 60.0 + value;
    }
    if let Some(fraction) = fraction {
        if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        seconds += format!("0.{fraction}").parse::<f64>().ok()?;
    }
    // The first field is unbounded, and enough digits read as infinity.
    seconds.is_finite().then_some(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_known_and_numeric_references() {
        assert_eq!(
            decode_entities("Q&amp;A &lt;b&gt; caf&#233; &#x1F600; &#39;ok&#39"),
            "Q&A <b> café 😀 'ok'"
        );
        assert_eq!(decode_entities("a&nbsp;b"), "a\u{A0}b");
        assert_eq!(decode_entities("&rlm;مرحبا&lrm;"), "\u{200F}مرحبا\u{200E}");
    }

    #[test]
    fn leaves_unknown_references_alone() {
        assert_eq!(
            decode_entities("AT&T &copy; & &#; &#xZZ;"),
            "AT&T &copy; & &#; &#xZZ;"
        );
        assert_eq!(decode_entities("&#0; &#99999999999;"), "\u{FFFD} \u{FFFD}");
    }

    #[test]
    fn normalizes_line_ends_and_bom() {
        assert_eq!(normalize_newlines("\u{FEFF}a\r\nb\rc\n"), "a\nb\nc\n");
        assert_eq!(normalize_newlines("a\r\r\nb"), "a\n\nb");
    }

    #[test]
    fn collapses_all_whitespace() {
        assert_eq!(
            collapse_whitespace("  Bonjour\n\tà\u{A0}tous  "),
            "Bonjour à tous"
        );
        assert_eq!(collapse_whitespace(" \n "), "");
    }

    #[test]
    fn reads_human_clocks() {
        assert_eq!(parse_clock("0:53"), Some(53.0));
        assert_eq!(parse_clock("12:34"), Some(754.0));
        assert_eq!(parse_clock("1:02:03"), Some(3723.0));
        assert_eq!(parse_clock("00:01:02.500"), Some(62.5));
        assert_eq!(parse_clock("00:01:02,5"), Some(62.5));
        assert_eq!(parse_clock("125:00"), Some(7500.0));
        for bad in [
            "",
            "12",
            "1:2",
            "1:60",
            "a:00",
            "1:00:00:00",
            "1:00.",
            "1:00.x",
        ] {
            assert_eq!(parse_clock(bad), None, "{bad}");
        }
    }
}
