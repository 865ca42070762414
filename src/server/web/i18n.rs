//! The page's two languages. French comes first: most of the people who
//! read it work in French. The language is the one the reader picked with
//! the switch (a cookie), else the first of French or English their
//! browser asks for, else French.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::{HeaderMap, header};

/// The cookie that remembers the reader's choice.
pub(crate) const COOKIE: &str = "veille_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Fr,
    En,
}

impl Lang {
    pub(crate) const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    pub(crate) fn from_code(code: &str) -> Option<Lang> {
        match code.get(..2)?.to_ascii_lowercase().as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The reader's language, from the switch's cookie or the browser's
    /// `Accept-Language`.
    pub(crate) fn negotiate(headers: &HeaderMap) -> Lang {
        if let Some(chosen) =
            super::request::cookie(headers, COOKIE).and_then(|code| Lang::from_code(&code))
        {
            return chosen;
        }
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .and_then(from_accept_language)
            .unwrap_or(Lang::Fr)
    }

    /// The message `key` in this language.
    pub(crate) fn text(self, key: &str) -> Option<&'static str> {
        let catalog = match self {
            Lang::Fr => &*FRENCH,
            Lang::En => &*ENGLISH,
        };
        catalog.get(key).copied()
    }
}

/// The first of our languages in an `Accept-Language` list, by weight
/// (`en-GB,en;q=0.9,fr;q=0.8` is English).
fn from_accept_language(value: &str) -> Option<Lang> {
    let mut ranked: Vec<(f32, usize, Lang)> = value
        .split(',')
        .enumerate()
        .filter_map(|(position, item)| {
            let mut parts = item.split(';');
            let lang = Lang::from_code(parts.next()?.trim())?;
            let weight = parts
                .find_map(|part| part.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (weight > 0.0).then_some((weight, position, lang))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.first().map(|(_, _, lang)| *lang)
}

type Catalog = HashMap<String, &'static str>;

static FRENCH: LazyLock<Catalog> = LazyLock::new(|| catalog(FRENCH_TEXT));
static ENGLISH: LazyLock<Catalog> = LazyLock::new(|| catalog(ENGLISH_TEXT));

const FRENCH_TEXT: &str = include_str!("../../../assets/web/i18n/fr.toml");
const ENGLISH_TEXT: &str = include_str!("../../../assets/web/i18n/en.toml");

/// A catalog is a flat TOML table of strings; its tests prove both parse
/// and have the same keys, so the `expect` cannot fire in a build that
/// passed them.
fn catalog(text: &'static str) -> Catalog {
    let table: toml::Table = toml::from_str(text).expect("message catalogs are valid TOML");
    table
        .into_iter()
        .map(|(key, value)| {
            let value = value.as_str().expect("messages are strings").to_owned();
            (key, &*Box::leak(value.into_boxed_str()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogs_have_the_same_keys() {
        let mut french: Vec<&String> = FRENCH.keys().collect();
        let mut english: Vec<&String> = ENGLISH.keys().collect();
        french.sort();
        english.sort();
        assert_eq!(french, english);
        assert!(french.len() > 50);
    }

    #[test]
    fn every_key_the_templates_use_exists() {
        let pattern = regex::Regex::new(r#"t\("([a-z0-9_]+)"\s*[,)]"#).unwrap();
        let mut used = 0;
        for (name, source) in super::super::TEMPLATES {
            for capture in pattern.captures_iter(source) {
                used += 1;
                assert!(
                    FRENCH.contains_key(&capture[1]),
                    "{name} uses {:?}, missing from the catalogs",
                    &capture[1]
                );
            }
        }
        assert!(used > 50, "only {used} messages found in the templates");
    }

    #[test]
    fn accept_language_by_weight_then_order() {
        assert_eq!(
            from_accept_language("en-GB,en;q=0.9,fr;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(from_accept_language("de,fr;q=0.5,en;q=0.4"), Some(Lang::Fr));
        assert_eq!(from_accept_language("en;q=0.2,fr-ML;q=0.7"), Some(Lang::Fr));
        assert_eq!(from_accept_language("fr;q=0,en"), Some(Lang::En));
        assert_eq!(from_accept_language("de,ar"), None);
        assert_eq!(from_accept_language(""), None);
    }

    #[test]
    fn the_cookie_wins_over_the_browser() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, "en-US,en".parse().unwrap());
        assert_eq!(Lang::negotiate(&headers), Lang::En);
        headers.insert(header::COOKIE, "a=b; veille_lang=fr".parse().unwrap());
        assert_eq!(Lang::negotiate(&headers), Lang::Fr);
        assert_eq!(Lang::negotiate(&HeaderMap::new()), Lang::Fr);
    }
}
