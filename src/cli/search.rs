//! `veille search` and `veille export`.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use veille::archive::{ExportFormat, Hit, SearchRequest, SearchResults, SortOrder};

#[derive(clap::Args)]
pub struct SearchArgs {
    /// The query (see the README: words, "phrases", AND/OR/NOT, entity:,
    /// place:, type:, source:, lang:, kind:, title:, since:, until:).
    /// Several arguments are joined with spaces. Quote the query, or put
    /// it after `--`, when it starts an argument with `-` (an exclusion):
    /// `veille search 'jnim -mopti'`, `veille search -- jnim -mopti`.
    #[arg(required = true, value_name = "QUERY")]
    query: Vec<String>,
    /// Print the results as JSON (hits, facets, total).
    #[arg(long)]
    json: bool,
    /// Hits per page (at most 100).
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// Hits to skip, for the next pages.
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// relevance or date. Default: relevance when the query has words, else date.
    #[arg(long)]
    sort: Option<SortOrder>,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// The query, as for `veille search`.
    #[arg(required = true, value_name = "QUERY")]
    query: Vec<String>,
    /// csv (for spreadsheets) or jsonl (one JSON object per line).
    #[arg(long, default_value = "csv")]
    format: ExportFormat,
}

pub fn search(config_path: &Path, args: SearchArgs) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_path)?;
    let tagger = Arc::new(super::load_tagger(&config)?);
    let store = super::archive::open_store(&config)?;
    let search = super::archive::open_search(&config, &store, tagger)?;
    let request = SearchRequest {
        query: args.query.join(" "),
        limit: args.limit,
        offset: args.offset,
        sort: args.sort,
    };
    let results = search.search(&store, &request)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &results)?;
        writeln!(out)?;
    } else {
        print_results(&mut out, &results, std::io::stdout().is_terminal())?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn export(config_path: &Path, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_path)?;
    let tagger = Arc::new(super::load_tagger(&config)?);
    let store = super::archive::open_store(&config)?;
    let search = super::archive::open_search(&config, &store, tagger)?;
    let query = search.parse(&args.query.join(" "), chrono::Utc::now())?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = veille::archive::export(&search, &store, &query, args.format, &mut out)?;
    out.flush()?;
    eprintln!("{written} documents exported");
    Ok(ExitCode::SUCCESS)
}

fn print_results(
    out: &mut impl Write,
    results: &SearchResults,
    colour: bool,
) -> std::io::Result<()> {
    let sort = match results.sort {
        SortOrder::Relevance => "by relevance",
        SortOrder::Date => "newest first",
    };
    if results.hits.is_empty() {
        writeln!(out, "{} documents match; none on this page", results.total)?;
    } else {
        writeln!(
            out,
            "{} documents match; {}–{} {sort}\n",
            results.total,
            results.offset + 1,
            results.offset + results.hits.len()
        )?;
    }
    for (rank, hit) in results.hits.iter().enumerate() {
        print_hit(out, results.offset + rank + 1, hit, colour)?;
    }
    let mut entities: Vec<_> = results.facets.entities.values().flatten().collect();
    entities.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
    if !entities.is_empty() {
        let listed: Vec<String> = entities
            .iter()
            .take(8)
            .map(|count| format!("{} {}", count.name, count.count))
            .collect();
        writeln!(out, "entities: {}", listed.join(" · "))?;
    }
    if !results.facets.sources.is_empty() {
        let listed: Vec<String> = results
            .facets
            .sources
            .iter()
            .take(8)
            .map(|count| format!("{} {}", count.value, count.count))
            .collect();
        writeln!(out, "sources:  {}", listed.join(" · "))?;
    }
    Ok(())
}

fn print_hit(out: &mut impl Write, rank: usize, hit: &Hit, colour: bool) -> std::io::Result<()> {
    let date = hit.published.get(..10).unwrap_or(&hit.published);
    let (bold, mark, reset) = if colour {
        ("\x1b[1m", "\x1b[1;33m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    writeln!(out, "{rank:>3}. {bold}{}{reset}", hit.title)?;
    writeln!(
        out,
        "     {date} · {} · {} · #{}",
        hit.sources.join(", "),
        hit.language.as_deref().unwrap_or("?"),
        hit.id
    )?;
    if let Some(timecode) = &hit.timecode {
        let speaker = timecode
            .speaker
            .as_deref()
            .map(|speaker| format!(" ({speaker})"))
            .unwrap_or_default();
        writeln!(out, "     {}{speaker}", timecode.caption)?;
    }
    let mut snippet = String::new();
    let mut at = 0;
    let chars: Vec<char> = hit.snippet.text.chars().collect();
    for &(start, end) in &hit.snippet.highlights {
        snippet.extend(&chars[at..start]);
        snippet.push_str(mark);
        snippet.extend(&chars[start..end]);
        snippet.push_str(reset);
        at = end;
    }
    snippet.extend(&chars[at..]);
    writeln!(out, "     {}", snippet.replace('\n', " "))?;
    let link = hit
        .timecode
        .as_ref()
        .and_then(|timecode| timecode.audio_link.as_deref())
        .unwrap_or(&hit.url);
    writeln!(out, "     {link}\n")
}
