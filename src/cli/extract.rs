//! `veille extract`: what the article extractor reads off a saved page.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use url::Url;
use veille::fetch::charset;
use veille::sources::article::{Article, extract_article};

#[derive(clap::Args)]
pub(crate) struct ExtractArgs {
    /// The HTML file.
    file: PathBuf,
    /// The page's URL, to resolve relative links (canonical URL).
    #[arg(long)]
    url: Option<Url>,
    /// CSS selector for the article body, as `content_selector` on a feed.
    #[arg(long)]
    selector: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Also show which extractor won and why: the page's visible length,
    /// each extractor's length and share of it, the rule that decided, and
    /// the paragraphs dropped as boilerplate.
    #[arg(long)]
    explain: bool,
}

pub(crate) fn extract(args: ExtractArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    if let Some(selector) = &args.selector {
        scraper::Selector::parse(selector)
            .map_err(|err| anyhow::anyhow!("invalid CSS selector {selector:?}: {err}"))?;
    }
    let decoded = charset::decode(&bytes, None);
    let article = extract_article(&decoded.text, args.url.as_ref(), args.selector.as_deref())
        .with_context(|| format!("nothing to extract from {}", args.file.display()))?;
    if args.json {
        let mut printed = serde_json::to_value(&article)?;
        if args.explain {
            printed["explanation"] = serde_json::to_value(&article.explanation)?;
        }
        println!("{}", serde_json::to_string_pretty(&printed)?);
        return Ok(ExitCode::SUCCESS);
    }
    let field = |name: &str, value: Option<String>| {
        println!("{name:10} {}", value.unwrap_or_else(|| "-".to_owned()));
    };
    field("title", article.title.clone());
    field("author", article.author.clone());
    field("published", article.published.map(|date| date.to_rfc3339()));
    field(
        "canonical",
        article.canonical_url.as_ref().map(Url::to_string),
    );
    field("language", article.language.clone());
    field("method", Some(article.method.to_owned()));
    field("encoding", Some(decoded.encoding.name().to_owned()));
    if args.explain {
        explain(&article);
    }
    println!("\n{}", article.text);
    Ok(ExitCode::SUCCESS)
}

fn explain(article: &Article) {
    let Some(explanation) = &article.explanation else {
        println!("\nexplain    the selector matched; no extractor ran");
        return;
    };
    println!(
        "\nexplain    page: {} visible characters",
        explanation.page_chars
    );
    for candidate in &explanation.candidates {
        println!(
            "           {}: {} characters in {} paragraphs, {:.0}% of the page{}",
            candidate.extractor,
            candidate.chars,
            candidate.paragraphs,
            candidate.page_share * 100.0,
            candidate
                .error
                .as_ref()
                .map(|error| format!(", failed: {error}"))
                .unwrap_or_default()
        );
        for removed in &candidate.removed {
            println!("             dropped as boilerplate: {removed}");
        }
        for unconfirmed in &candidate.unconfirmed {
            println!("             dropped, not kept by the other extractor: {unconfirmed}");
        }
    }
    println!(
        "           winner: {} ({})",
        explanation.winner, explanation.reason
    );
    for lead in &explanation.lead {
        println!("           lead put back from the article's header: {lead}");
    }
}
