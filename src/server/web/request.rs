//! What the pages read from a request and write into addresses: percent
//! encoding, strict parameters, cookies, and the local paths a page may
//! send a browser back to. Shared by the pages and by [`super::super::guard`],
//! which reads the token's cookie.

use axum::http::{HeaderMap, header};

/// The cookie that carries the API token for a browser, which cannot send
/// an `Authorization` header when following a link.
pub(crate) const TOKEN_COOKIE: &str = "veille_token";

/// A cookie's value from the request, percent-decoded.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| {
            percent_encoding::percent_decode_str(value)
                .decode_utf8_lossy()
                .into_owned()
        })
}

/// `text` as one component of an address's query.
pub(crate) fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The address a request asked for: `path`, and its query if any.
pub(crate) fn path_and_query(path: &str, raw: Option<&str>) -> String {
    match raw {
        Some(query) if !query.is_empty() => format!("{path}?{query}"),
        _ => path.to_owned(),
    }
}

/// Parameters with the API's strictness: an unknown one is an error.
pub(crate) fn strict_params<T: serde::de::DeserializeOwned>(
    raw: Option<&str>,
) -> Result<T, String> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let value = serde_json::Value::Object(
        pairs
            .into_iter()
            .map(|(key, value)| (key, serde_json::Value::String(value)))
            .collect(),
    );
    serde_json::from_value(value).map_err(|error| error.to_string())
}

/// Where a page sends a browser back to: `?back=`.
#[derive(serde::Deserialize)]
pub(crate) struct BackParams {
    pub back: Option<String>,
}

/// `?back=` of a request, when it parses.
pub(crate) fn back(raw: Option<&str>) -> Option<String> {
    strict_params::<BackParams>(raw)
        .ok()
        .and_then(|params| params.back)
}

/// Only a path on this server: an address from elsewhere (`//evil`,
/// `https://…`) would make the switch an open redirect.
pub(crate) fn local_path(back: Option<String>) -> String {
    back.filter(|back| {
        // Browsers drop tabs and newlines from a URL, so `/\t/evil` would
        // become `//evil`; and a backslash counts as a slash.
        back.starts_with('/')
            && !back.starts_with("//")
            && !back
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    })
    .unwrap_or_else(|| "/".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_back() {
        assert_eq!(local_path(Some("/feeds?x=1".into())), "/feeds?x=1");
        for outside in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil",
            "feeds",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil",
        ] {
            assert_eq!(local_path(Some(outside.into())), "/", "{outside}");
        }
    }

    #[test]
    fn cookies_are_read_and_decoded() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "veille_lang=en; veille_token=a%3Bb%20c".parse().unwrap(),
        );
        assert_eq!(cookie(&headers, TOKEN_COOKIE).as_deref(), Some("a;b c"));
        assert_eq!(cookie(&headers, "other"), None);
    }
}
