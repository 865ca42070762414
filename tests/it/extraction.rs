//! The article extractor scored on the two shared sets (the scoring is in
//! `support::extraction_scoring`, shared with `benches/extraction.rs`), and
//! `veille extract`.

use url::Url;
use veille::fetch::charset;
use veille::sources::article::{Article, extract_article};

use crate::support::extraction_scoring::{
    self, Expected, Page, PageScore, article_benchmark, score_page, score_set, shingle_matching,
    trafilatura_eval,
};
use crate::support::shared_data;

/// Below this the extraction has regressed on the article-extraction
/// benchmark (shingle F1, averaged over pages). veille scores 0.957 there
/// (precision 0.942, recall 0.972); 0.959 before the lead was put back:
/// the benchmark's truth is the page's schema.org `articleBody`, which
/// leaves the standfirst out, so the lead costs precision here while it
/// is story on trafilatura's pages (and to an analyst).
const MINIMUM_BENCHMARK_F1: f64 = 0.955;

/// Below this the extraction has regressed on trafilatura's evaluation
/// pages (snippet F1 over all pages). veille scores 0.937 there (precision
/// 0.923, recall 0.952; 0.894 before the second extractor and the
/// boilerplate rules, 0.927 before the lead and the credit rules), above
/// the goal of 0.93 and trafilatura's own 0.928.
const MINIMUM_TRAFILATURA_EVAL_F1: f64 = 0.935;

/// The page's article as veille extracts it, if it does.
fn extracted(page: &Page) -> Option<Article> {
    let decoded = charset::decode(&page.bytes(), None);
    let url = page.url.as_deref().and_then(|url| Url::parse(url).ok());
    extract_article(&decoded.text, url.as_ref(), None).ok()
}

/// Title and text, as trafilatura's pages are scored on.
fn title_and_text(page: &Page) -> String {
    extracted(page)
        .map(|article| format!("{} {}", article.title.unwrap_or_default(), article.text))
        .unwrap_or_default()
}

/// The text alone, as the article-extraction benchmark is scored on.
fn text_only(page: &Page) -> String {
    extracted(page)
        .map(|article| article.text)
        .unwrap_or_default()
}

#[test]
fn scoring_matches_each_sets_definition() {
    let page = |tp, fp, fn_| PageScore {
        true_positives: tp,
        false_positives: fp,
        false_negatives: fn_,
    };
    let perfect = shingle_matching("a b c d e", "a b c d e");
    assert_eq!(perfect, page(1.0, 0.0, 0.0));
    // Half the predicted shingles are noise.
    let noisy = shingle_matching("a b c d e", "a b c d e x y z w v");
    assert!(
        (extraction_scoring::body_precision(&noisy) - 2.0 / 7.0).abs() < 1e-9,
        "{noisy:?}"
    );
    assert_eq!(extraction_scoring::body_recall(&noisy), 1.0);

    // Snippets match across collapsed whitespace, and a kept `without`
    // snippet is a false positive.
    let snippets = Expected::Snippets {
        with: vec!["le convoi  est\narrivé".into(), "absent".into()],
        without: vec!["Lire aussi".into(), "Abonnez-vous".into()],
    };
    let scored = score_page(
        &snippets,
        "Titre Le jour où le convoi est arrivé.\n\nLire aussi : x",
    );
    assert_eq!(scored, page(1.0, 1.0, 1.0));
    let total = extraction_scoring::total(&snippets, &[scored, page(3.0, 0.0, 0.0)]);
    assert!((total.precision - 0.8).abs() < 1e-9, "{total:?}");
    assert!((total.recall - 0.8).abs() < 1e-9, "{total:?}");
}

#[test]
fn extractor_scores_on_the_article_extraction_benchmark() {
    let pages = article_benchmark(&shared_data());
    assert!(pages.len() >= 180, "benchmark has {} pages", pages.len());
    let started = std::time::Instant::now();
    let score = score_set(&pages, text_only);
    eprintln!(
        "article extraction benchmark: {} pages, {score} ({:.1} s)",
        pages.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        score.f1 >= MINIMUM_BENCHMARK_F1,
        "F1 {:.3} below {MINIMUM_BENCHMARK_F1}",
        score.f1
    );
}

#[test]
fn extractor_scores_on_trafilaturas_evaluation_pages() {
    let pages = trafilatura_eval(&shared_data());
    assert!(
        pages.len() >= 800,
        "evaluation set has {} pages",
        pages.len()
    );
    let started = std::time::Instant::now();
    let score = score_set(&pages, title_and_text);
    eprintln!(
        "trafilatura evaluation pages: {} pages, {score} ({:.1} s)",
        pages.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        score.f1 >= MINIMUM_TRAFILATURA_EVAL_F1,
        "F1 {:.3} below {MINIMUM_TRAFILATURA_EVAL_F1}",
        score.f1
    );
}

#[test]
fn extract_command_prints_what_would_be_stored() {
    let fixtures = crate::support::project_root().join("tests/it/fixtures/extract");
    let page = fixtures.join("kayes-convoi.html");
    let output = crate::support::veille_command()
        .arg("extract")
        .arg(&page)
        .args(["--url", "https://relais-diboli.example/x", "--json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        crate::support::text(&output.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures.join("kayes-convoi.expected.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(printed, expected);
    // The page's navigation, cookie banner, sidebar and footer stay out.
    let text = printed["text"].as_str().unwrap();
    for boilerplate in [
        "Politique",
        "cookies",
        "Les plus lus",
        "Mentions légales",
        "S'abonner",
    ] {
        assert!(
            !text.contains(boilerplate),
            "{boilerplate:?} leaked into {text}"
        );
    }

    let output = crate::support::veille_command()
        .arg("extract")
        .arg(&page)
        .args(["--selector", "div.article-body"])
        .output()
        .unwrap();
    let stdout = crate::support::text(&output.stdout);
    assert!(stdout.contains("method     selector"), "{stdout}");
    assert!(stdout.contains("\n\nSept camions-citernes"), "{stdout}");
    assert!(
        output.stderr.is_empty(),
        "{}",
        crate::support::text(&output.stderr)
    );

    // --explain says which extractor won, and why: this page is prose with
    // nothing short to confirm, so Readability is not run.
    let output = crate::support::veille_command()
        .arg("extract")
        .arg(&page)
        .arg("--explain")
        .output()
        .unwrap();
    let stdout = crate::support::text(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("explain    page: "), "{stdout}");
    assert!(stdout.contains("           extractor: "), "{stdout}");
    assert!(stdout.contains("winner: extractor ("), "{stdout}");
    assert!(stdout.contains("Readability not run"), "{stdout}");
    let output = crate::support::veille_command()
        .arg("extract")
        .arg(&page)
        .args(["--explain", "--json"])
        .output()
        .unwrap();
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    let explanation = &printed["explanation"];
    assert_eq!(explanation["winner"], "extractor", "{explanation}");
    assert_eq!(explanation["candidates"].as_array().map(Vec::len), Some(1));
    assert!(explanation["page_chars"].as_u64().unwrap() > 0);

    let output = crate::support::veille_command()
        .args(["extract", "--selector", "div["])
        .arg(&page)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(crate::support::text(&output.stderr).contains("invalid CSS selector"));
}
