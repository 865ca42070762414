//! Located diagnostics for TOML files (the config, the gazetteer).
//!
//! Serde stops at the first error, so each table is deserialized on its own
//! from a span-keeping parse of the file. When a table fails, the offending
//! key is taken out and the table tried again, which surfaces every bad key
//! of that table too. Every diagnostic carries file, line, column, table
//! and key.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_spanned::Spanned;
use toml::de::{DeValue, ValueDeserializer};

/// One mistake in a file, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file the mistake is in.
    pub file: PathBuf,
    /// 1-based line and column of the offending key or value.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The table it is in, e.g. `[fetch]` or `[[feed]] "rfi-afrique"`.
    pub table: String,
    /// The key at fault, when there is one.
    pub key: Option<String>,
    /// What is wrong, and what would be right, in words.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.column)?;
        match &self.key {
            Some(key) => write!(f, "{} key `{key}`: ", self.table)?,
            None if !self.table.is_empty() => write!(f, "{}: ", self.table)?,
            None => {}
        }
        f.write_str(&self.message)
    }
}

/// All diagnostics, one a line, and a count.
/// `subject` names what was read: a file, "the gazetteer".
pub fn render(subject: impl fmt::Display, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&diagnostic.to_string());
        out.push('\n');
    }
    let plural = if diagnostics.len() == 1 { "" } else { "s" };
    out.push_str(&format!("{} error{plural} in {subject}", diagnostics.len()));
    out
}

/// Collects located diagnostics for one file.
pub struct Report<'a> {
    /// The file being checked, named in every diagnostic.
    pub file: &'a Path,
    /// Its text, which spans point into.
    pub text: &'a str,
    /// The mistakes found so far.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report<'_> {
    /// The 1-based line and column (in characters) of byte `offset` of the text.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .map_or(0, |tail| tail.chars().count())
            + 1;
        (line, column)
    }

    /// Records a mistake at `span` (bytes of the text), in `table`, about
    /// `key` if there is one.
    pub fn push(&mut self, span: Range<usize>, table: &str, key: Option<&str>, message: String) {
        let (line, column) = self.line_col(span.start);
        self.diagnostics.push(Diagnostic {
            file: self.file.to_owned(),
            line,
            column,
            table: table.to_owned(),
            key: key.map(str::to_owned),
            message,
        });
    }

    /// Reports a problem with `key` of `table`, pointing at its value when the
    /// key is written and at the table (or the innermost written part of a
    /// dotted key) when the value came from a default.
    pub fn push_at_key(
        &mut self,
        label: &str,
        table: Option<&Spanned<DeValue<'_>>>,
        key: &str,
        message: String,
    ) {
        // A dotted key (`listing.item`) points inside an inline or nested
        // table, as far down as it is written.
        let span = table
            .map(|table| {
                let mut found = table;
                for part in key.split('.') {
                    match found.get_ref().get(part) {
                        Some(inner) => found = inner,
                        None => break,
                    }
                }
                found.span()
            })
            .unwrap_or(0..0);
        self.push(span, label, Some(key), message);
    }

    /// Deserializes one table, reporting each bad key in it. Returns the
    /// section only when it has no error at all.
    pub fn section<T: for<'de> Deserialize<'de>>(
        &mut self,
        label: &str,
        value: &Spanned<DeValue<'_>>,
    ) -> Option<T> {
        if !value.get_ref().is_table() {
            self.push(
                value.span(),
                label,
                None,
                format!("expected a table, found {}", value.get_ref().type_str()),
            );
            return None;
        }
        let mut value = value.clone();
        let mut removed: Vec<String> = Vec::new();
        // Each round removes one key, so a table cannot loop longer than it
        // has keys; the bound only guards against a deserializer surprise.
        for _ in 0..256 {
            let error = match T::deserialize(ValueDeserializer::from(value.clone())) {
                Ok(section) => return removed.is_empty().then_some(section),
                Err(error) => error,
            };
            let message = error.message().trim().to_owned();
            if removed
                .iter()
                .any(|key| message == format!("missing field `{key}`"))
            {
                return None;
            }
            let span = error.span().unwrap_or_else(|| value.span());
            let DeValue::Table(table) = value.get_ref() else {
                return None;
            };
            let key = table
                .iter()
                .find(|(key, item)| contains(&key.span(), &span) || contains(&item.span(), &span))
                .map(|(key, _)| key.get_ref().to_string());
            self.push(span, label, key.as_deref(), message);
            let DeValue::Table(table) = value.get_mut() else {
                return None;
            };
            match key {
                Some(key) => {
                    table.remove(key.as_str());
                    removed.push(key);
                }
                None => return None,
            }
        }
        None
    }
}

fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end.max(outer.start + 1)
}
