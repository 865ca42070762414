//! Every match of a query, written out for spreadsheets and scripts.

use std::io::Write;
use std::str::FromStr;

use super::query::Expr;
use super::{ArchiveError, Result, Search};
use crate::store::{Store, StoredDocument};

/// Documents read from the record per batch while exporting.
const BATCH: usize = 200;

/// Spreadsheets refuse cells longer than 32,767 characters; CSV texts are
/// cut below that, with a mark.
const CSV_TEXT_CHARS: usize = 32_000;

/// The file format of an export, chosen with `format=` or `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// One row per document, header first; lists joined with `; `.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl FromStr for ExportFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<ExportFormat, String> {
        match text {
            "csv" => Ok(ExportFormat::Csv),
            "jsonl" => Ok(ExportFormat::Jsonl),
            other => Err(format!("unknown format '{other}'; use csv or jsonl")),
        }
    }
}

impl ExportFormat {
    /// The HTTP `Content-Type` an export in this format is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Jsonl => "application/x-ndjson",
        }
    }
}

#[derive(serde::Serialize)]
struct Row<'a> {
    id: i64,
    published: &'a str,
    title: &'a str,
    url: &'a str,
    sources: Vec<&'a str>,
    language: Option<&'a str>,
    kind: &'a str,
    entities: Vec<&'a str>,
    text: &'a str,
}

impl<'a> Row<'a> {
    fn of(document: &'a StoredDocument) -> Row<'a> {
        Row {
            id: document.id,
            published: &document.published,
            title: &document.title,
            url: &document.url,
            sources: document.sources.iter().map(String::as_str).collect(),
            language: document.language.as_deref(),
            kind: &document.kind,
            entities: document
                .entities
                .iter()
                .map(|(id, _)| id.as_str())
                .collect(),
            text: &document.text,
        }
    }
}

/// Writes every document matching `query`, newest first, to `out`, and
/// returns how many. The query is parsed already and lowered before
/// anything is written, so a bad query writes nothing.
pub fn export(
    search: &Search,
    store: &Store,
    query: &Expr,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<usize> {
    let ids = search.matching_ids(query)?;
    let io = ArchiveError::Write;
    let mut written = 0;
    match format {
        ExportFormat::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer
                .write_record([
                    "id",
                    "published",
                    "title",
                    "url",
                    "sources",
                    "language",
                    "kind",
                    "entities",
                    "text",
                ])
                .map_err(csv_error)?;
            for chunk in ids.chunks(BATCH) {
                for document in store.documents_by_ids(chunk)? {
                    let row = Row::of(&document);
                    let text = spreadsheet_cell(row.text);
                    writer
                        .write_record([
                            row.id.to_string().as_str(),
                            row.published,
                            row.title,
                            row.url,
                            &row.sources.join("; "),
                            row.language.unwrap_or(""),
                            row.kind,
                            &row.entities.join("; "),
                            &text,
                        ])
                        .map_err(csv_error)?;
                    written += 1;
                }
                // Hand each batch on, so a long export streams.
                writer.flush().map_err(io)?;
            }
        }
        ExportFormat::Jsonl => {
            for chunk in ids.chunks(BATCH) {
                let mut buffer = Vec::new();
                for document in store.documents_by_ids(chunk)? {
                    serde_json::to_writer(&mut buffer, &Row::of(&document))
                        .map_err(|error| io(error.into()))?;
                    buffer.push(b'\n');
                    written += 1;
                }
                out.write_all(&buffer).map_err(io)?;
            }
            out.flush().map_err(io)?;
        }
    }
    Ok(written)
}

/// `text`, cut to [`CSV_TEXT_CHARS`] characters with a mark if longer.
fn spreadsheet_cell(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(CSV_TEXT_CHARS) {
        None => text.into(),
        Some((cut, _)) => format!("{}… [cut]", &text[..cut]).into(),
    }
}

fn csv_error(error: csv::Error) -> ArchiveError {
    ArchiveError::Write(std::io::Error::other(error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_cut_to_fit_a_spreadsheet_cell() {
        assert_eq!(spreadsheet_cell("court"), "court");
        let exact = "é".repeat(CSV_TEXT_CHARS);
        assert_eq!(spreadsheet_cell(&exact), exact);
        let long = "é".repeat(CSV_TEXT_CHARS + 1);
        let cell = spreadsheet_cell(&long);
        assert!(cell.ends_with("… [cut]"));
        assert_eq!(
            cell.chars().count(),
            CSV_TEXT_CHARS + "… [cut]".chars().count()
        );
    }
}
