//! Listing pages of sites without a feed, read with operator-given selectors.
//!
//! Many West African outlets publish no RSS, only an "Actualités" page of
//! teasers. A `kind = "html"` source names, in CSS, what one teaser is and
//! where its link, title and date sit; this module turns such a page into the
//! same [`Entry`] values a feed gives, so that the rest of the pipeline (seen
//! keys, article fetch, tagging) does not know the difference. Only the
//! listing is read here: the article text is fetched separately.
//!
//! Pages are untrusted. A page nested deeper than browsers build is refused
//! before parsing ([`nesting`](super::nesting)), and every walk over the tree
//! is iterative and bounded, so that a page nested a hundred thousand levels
//! deep, or one with a hundred thousand matching items, costs bounded time
//! and never overflows the stack.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use ego_tree::NodeRef;
use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use super::Entry;
use super::dates::parse_listing_date;
use super::nesting::{self, TooDeep};

/// Items read from one page at most. Real listings show a few dozen teasers;
/// a selector matching thousands of elements is a misconfiguration or a
/// hostile page, and reading them all would only flood the record.
const MAX_ITEMS: usize = 500;

/// Nodes visited at most when looking for something inside one item. An item
/// is a teaser a few dozen nodes big; the bound keeps an item wrapping a huge
/// subtree (or items nested in each other) from making the page quadratic.
const ITEM_NODE_BUDGET: usize = 2_000;

/// Characters kept at most of a title, and of a summary. Longer text is not a
/// title or a teaser but a selector that caught a whole block.
const MAX_TITLE_CHARS: usize = 1_000;
const MAX_SUMMARY_CHARS: usize = 5_000;

/// Links longer than this are not article links (data smuggled into a query
/// string, or a hostile page); they would only bloat keys.
const MAX_LINK_LEN: usize = 4_096;

/// Elements whose text is never what a reader sees.
const INVISIBLE: &[&str] = &[
    "script", "style", "noscript", "template", "iframe", "svg", "object", "embed", "canvas",
    "select", "head",
];

/// Elements that do not break a line: text on both sides of them is one run,
/// so `Bama<b>ko</b>` stays `Bamako`. Any other element separates words.
const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "ins", "kbd",
    "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "del",
];

/// The selectors of one `kind = "html"` source, compiled.
#[derive(Debug, Clone)]
pub struct ListingSelectors {
    /// Each match is one item (article teaser) of the listing.
    pub item: Selector,
    /// Inside an item: the element whose href is the article link. Default:
    /// the first `a[href]` in the item (or the item itself if it is an
    /// `a[href]`).
    pub link: Option<Selector>,
    /// Inside an item: the title element. Default: the link's text; if
    /// empty, the link's `title` attribute; else the item's first heading
    /// h1–h6 text.
    pub title: Option<Selector>,
    /// Inside an item: the date element. Read, in order, its `datetime`,
    /// `content`, `title` attribute, then its text. Default: the item's first
    /// `<time>` element, the one element HTML defines for machine-readable
    /// dates.
    pub date: Option<Selector>,
    /// Inside an item: teaser text. Default: none (the article page will be
    /// fetched for the text anyway).
    pub summary: Option<Selector>,
    /// In the whole page: the "next page" link. `link[rel=next]` works too.
    pub next: Option<Selector>,
}

/// How a listing writes its dates.
#[derive(Debug, Clone)]
pub struct DateReading {
    /// A chrono strftime format for sites whose dates the automatic reading
    /// gets wrong, e.g. "%d.%m.%Y". When set, it is the only reading tried.
    pub format: Option<String>,
    /// Dates without an offset are read in this zone (a Bamako site writes
    /// local time).
    pub timezone: chrono_tz::Tz,
}

/// What one listing page gave.
#[derive(Debug, Clone)]
pub struct ListingPage {
    /// Items in page order, each link once.
    pub entries: Vec<Entry>,
    /// Absolute, http(s) only, not equal to the page's own URL.
    pub next_page: Option<Url>,
    /// Items matched by `item` but skipped (no usable link), so
    /// `veille fetch --dry-run` can explain. Repeats of a link already seen
    /// on the page are not counted: they are expected, not a problem.
    pub skipped: usize,
}

/// Reads a listing page.
///
/// `base` is the page's final URL; relative links resolve against it, or
/// against a `<base href>` in the page if present. `now` is the fetch time,
/// for relative dates.
///
/// Items without a usable link (none, `javascript:`, `mailto:`, a link to the
/// page itself) are counted in [`ListingPage::skipped`]. A link seen earlier on
/// the page is dropped: listings repeat their lead stories in an "à la une"
/// block, and the first occurrence wins. At most 500 items are read. A page
/// nested deeper than [`nesting::MAX_DEPTH`] is refused.
pub fn parse_listing(
    html: &str,
    base: &Url,
    selectors: &ListingSelectors,
    dates: &DateReading,
    now: DateTime<Utc>,
) -> Result<ListingPage, TooDeep> {
    nesting::check(html)?;
    let document = Html::parse_document(html);
    let page = without_fragment(base.clone());
    let link_base = document_base(&document, base);
    let language = document_language(&document);

    let mut entries = Vec::new();
    let mut seen = HashSet::new();
    let mut skipped = 0;
    for item in document.select(&selectors.item).take(MAX_ITEMS) {
        let Some((link_element, link)) =
            item_link(item, selectors.link.as_ref(), &link_base, &page)
        else {
            skipped += 1;
            continue;
        };
        if !seen.insert(link.as_str().to_owned()) {
            continue;
        }
        entries.push(Entry {
            key: link.as_str().to_owned(),
            title: item_title(item, link_element, selectors.title.as_ref()),
            summary: selectors
                .summary
                .as_ref()
                .and_then(|selector| find_in(item, selector).next())
                .map(|summary| element_text(summary, MAX_SUMMARY_CHARS))
                .unwrap_or_default(),
            published: item_date(item, selectors.date.as_ref(), dates, now),
            language: language.clone(),
            url: Some(link),
            ..Default::default()
        });
    }

    let next_page = selectors.next.as_ref().and_then(|selector| {
        document
            .select(selector)
            .take(MAX_ITEMS)
            .find_map(|element| usable_link(element, &link_base, &page))
    });

    Ok(ListingPage {
        entries,
        next_page,
        skipped,
    })
}

/// The URL relative links resolve against: the first `<base href>` of the
/// document, as browsers do, if it resolves to an http(s) URL; else the page.
fn document_base(document: &Html, page: &Url) -> Url {
    document
        .tree
        .root()
        .descendants()
        .filter_map(ElementRef::wrap)
        .find(|element| element.value().name() == "base" && element.attr("href").is_some())
        .and_then(|element| page.join(element.attr("href")?.trim()).ok())
        .filter(|base| super::followable(base, page))
        .unwrap_or_else(|| page.clone())
}

/// Primary subtag of `<html lang>`, lower-case: `fr-ML` → `fr`. Anything that
/// is not a plausible subtag (empty, digits, a sentence) is ignored rather
/// than recorded as a language.
fn document_language(document: &Html) -> Option<String> {
    // Not `Html::root_element`, which panics on a tree without one.
    let root = document.tree.root().children().find_map(ElementRef::wrap)?;
    let lang = root.attr("lang")?;
    let primary = lang.trim().split(['-', '_']).next()?;
    ((2..=8).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic()))
        .then(|| primary.to_ascii_lowercase())
}

/// The item's article link: the first element the `link` selector matches
/// (the item itself included) that carries a usable href, by default the
/// first `a[href]`. Later candidates are tried because teasers often start
/// with a share button or a `javascript:` thumbnail link.
fn item_link<'a>(
    item: ElementRef<'a>,
    selector: Option<&Selector>,
    base: &Url,
    page: &Url,
) -> Option<(ElementRef<'a>, Url)> {
    let is_link = |element: &ElementRef<'_>| match selector {
        Some(selector) => selector.matches_with_scope(element, Some(item)),
        None => element.value().name() == "a" && element.attr("href").is_some(),
    };
    bounded_elements(item)
        .filter(is_link)
        .find_map(|element| Some((element, usable_link(element, base, page)?)))
}

/// The element's href as an absolute http(s) URL without fragment, unless it
/// points back at the page itself or is absurdly long. A `file:` listing
/// (the operator's own) may link to `file:` pages; a web page may not make
/// veille read local files.
///
/// An href that is only a fragment (`#`, `#comments`) is an in-page anchor or
/// a placeholder for a script, whatever a `<base href>` would make of it.
fn usable_link(element: ElementRef<'_>, base: &Url, page: &Url) -> Option<Url> {
    let href = element.attr("href")?.trim();
    if href.is_empty() || href.starts_with('#') || href.len() > MAX_LINK_LEN {
        return None;
    }
    let link = without_fragment(base.join(href).ok()?);
    (super::followable(&link, page) && !same_page(&link, page)).then_some(link)
}

/// Equal up to an empty query: `liste?` is `liste`.
fn same_page(link: &Url, page: &Url) -> bool {
    let plain = |url: &Url| {
        let mut url = url.clone();
        if url.query() == Some("") {
            url.set_query(None);
        }
        url
    };
    plain(link) == plain(page)
}

fn without_fragment(mut url: Url) -> Url {
    url.set_fragment(None);
    url
}

/// The configured title element's text; failing that (selector absent, or
/// matching nothing but empty elements), the link's text, its `title`
/// attribute, the item's first heading, and last the alt text of an image in
/// the link (teasers whose only link is a thumbnail).
fn item_title(item: ElementRef<'_>, link: ElementRef<'_>, selector: Option<&Selector>) -> String {
    let configured = selector.and_then(|selector| {
        find_in(item, selector)
            .map(|element| element_text(element, MAX_TITLE_CHARS))
            .find(|text| !text.is_empty())
    });
    configured
        .or_else(|| Some(element_text(link, MAX_TITLE_CHARS)).filter(|text| !text.is_empty()))
        .or_else(|| attribute_text(link, "title"))
        .or_else(|| {
            bounded_elements(item)
                .filter(|element| is_heading(element.value().name()))
                .map(|heading| element_text(heading, MAX_TITLE_CHARS))
                .find(|text| !text.is_empty())
        })
        .or_else(|| {
            bounded_elements(link)
                .filter(|element| element.value().name() == "img")
                .find_map(|image| attribute_text(image, "alt"))
        })
        .unwrap_or_default()
}

fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

/// The first date one of the date elements gives, trying on each its
/// `datetime`, `content` and `title` attributes and then its text: the
/// attributes are for machines and more often exact, the text is what is left
/// when a theme has none.
fn item_date(
    item: ElementRef<'_>,
    selector: Option<&Selector>,
    dates: &DateReading,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let is_date = |element: &ElementRef<'_>| match selector {
        Some(selector) => selector.matches_with_scope(element, Some(item)),
        None => element.value().name() == "time",
    };
    let read = |text: &str| parse_listing_date(text, dates.format.as_deref(), dates.timezone, now);
    bounded_elements(item)
        .skip(1)
        .filter(is_date)
        .find_map(|element| {
            ["datetime", "content", "title"]
                .into_iter()
                .filter_map(|name| element.attr(name))
                .find_map(read)
                .or_else(|| read(&element_text(element, MAX_TITLE_CHARS)))
        })
}

/// Elements inside `item` (not the item itself) matching `selector`, with
/// `:scope` meaning the item.
fn find_in<'a, 'b>(
    item: ElementRef<'a>,
    selector: &'b Selector,
) -> impl Iterator<Item = ElementRef<'a>> + use<'a, 'b> {
    bounded_elements(item)
        .skip(1)
        .filter(move |element| selector.matches_with_scope(element, Some(item)))
}

/// The element and its descendant elements in document order, stopping after
/// [`ITEM_NODE_BUDGET`] nodes.
fn bounded_elements(root: ElementRef<'_>) -> impl Iterator<Item = ElementRef<'_>> {
    root.descendants()
        .take(ITEM_NODE_BUDGET)
        .filter_map(ElementRef::wrap)
}

/// An attribute's value with whitespace normalised, if not blank.
fn attribute_text(element: ElementRef<'_>, name: &str) -> Option<String> {
    let text = collapse(element.attr(name)?, usize::MAX);
    (!text.is_empty()).then_some(text)
}

/// The visible text of an element on one line: scripts and the like left
/// out, block boundaries and `<br>` read as spaces, whitespace runs collapsed,
/// at most `max_chars` characters. The walk is bounded like any other here.
fn element_text(element: ElementRef<'_>, max_chars: usize) -> String {
    let mut raw = String::new();
    // The invisible element being skipped, until its end.
    let mut hidden: Option<NodeRef<'_, Node>> = None;
    for edge in element.traverse().take(2 * ITEM_NODE_BUDGET) {
        match edge {
            Edge::Open(node) if hidden.is_none() => match node.value() {
                Node::Text(text) => raw.push_str(text),
                Node::Element(inner) if INVISIBLE.contains(&inner.name()) => hidden = Some(node),
                Node::Element(inner) if !INLINE.contains(&inner.name()) => raw.push(' '),
                _ => {}
            },
            Edge::Close(node) => {
                if hidden == Some(node) {
                    hidden = None;
                } else if hidden.is_none()
                    && let Node::Element(inner) = node.value()
                    && !INLINE.contains(&inner.name())
                {
                    raw.push(' ');
                }
            }
            Edge::Open(_) => {}
        }
        // Whitespace may shrink a lot when collapsed; stop only well past
        // the limit.
        if raw.len() > max_chars.saturating_mul(8) {
            break;
        }
    }
    collapse(&raw, max_chars)
}

/// Whitespace runs to single spaces, trimmed, cut at `max_chars` characters.
fn collapse(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for word in text.split_whitespace() {
        let room = max_chars.saturating_sub(chars + usize::from(!out.is_empty()));
        if room == 0 {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
            chars += 1;
        }
        for character in word.chars().take(room) {
            out.push(character);
            chars += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Africa::{Bamako, Lagos};
    use std::fmt::Write as _;

    /// Thursday 10 July 2025, noon UTC.
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 7, 10, 12, 0, 0).unwrap()
    }

    fn css(text: &str) -> Selector {
        Selector::parse(text).unwrap()
    }

    fn selectors(item: &str) -> ListingSelectors {
        ListingSelectors {
            item: css(item),
            link: None,
            title: None,
            date: None,
            summary: None,
            next: None,
        }
    }

    fn local(timezone: chrono_tz::Tz) -> DateReading {
        DateReading {
            format: None,
            timezone,
        }
    }

    fn utc(text: &str) -> Option<DateTime<Utc>> {
        Some(DateTime::parse_from_rfc3339(text).unwrap().to_utc())
    }

    /// A Bamako outlet's "Actualités" page, as its WordPress theme writes it:
    /// a menu of links, a lead story repeated in an "à la une" block,
    /// thumbnails before titles, French dates in three styles, a `<base>`.
    const MALIAN_PAGE: &str = r##"<!DOCTYPE html>
<html lang="fr-ML">
<head>
  <meta charset="utf-8">
  <title>Actualités – L'Écho du Sahel</title>
  <base href="https://www.echodusahel.ml/fr/">
  <script>var menu = '<a href="/piege">piège</a>';</script>
</head>
<body class="archive category-actualites">
<header class="site-header">
  <a class="logo" href="/"><img src="/logo.png" alt="L'Écho du Sahel"></a>
  <nav class="menu"><ul>
    <li><a href="./">Accueil</a></li>
    <li><a href="actualites/">Actualités</a></li>
    <li><a href="politique/">Politique</a></li>
    <li><a href="https://www.facebook.com/echodusahel">Facebook</a></li>
  </ul></nav>
</header>

<section class="a-la-une">
  <h2 class="block-title">À la une</h2>
  <article class="post featured">
    <a class="thumb" href="actualites/2025/07/kayes-citernes-bloquees/#respond"><img src="/img/citernes.jpg" alt="Des camions-citernes à Diboli"></a>
    <h3 class="entry-title"><a href="actualites/2025/07/kayes-citernes-bloquees/">Kayes :   les camions-citernes
        bloqués à Diboli</a></h3>
    <time class="entry-date" datetime="2025-07-10T08:15:00+00:00">10 juillet 2025</time>
  </article>
</section>

<main id="content">
  <article class="post">
    <a class="thumb" href="https://www.echodusahel.ml/fr/actualites/2025/07/kayes-citernes-bloquees/"><img src="/img/citernes.jpg" alt=""></a>
    <h3 class="entry-title"><a href="https://www.echodusahel.ml/fr/actualites/2025/07/kayes-citernes-bloquees/">Kayes : les camions-citernes bloqués (mise à jour)</a></h3>
    <span class="date">il y a 4 heures</span>
  </article>

  <article class="post">
    <a class="share" href="javascript:void(0)" onclick="partager()">Partager</a>
    <h3 class="entry-title"><a href="/fr/actualites/2025/07/ségou-récolte-riz/" title="Ségou : la récolte de riz">Ségou&nbsp;: la récolte <em>de riz</em> s'annonce bonne</a></h3>
    <span class="date">Publié le 8 juillet 2025 à 16h45</span>
    <div class="excerpt"><p>Les producteurs de l'Office du Niger
      attendent <strong>plus de 800 000 tonnes</strong>.</p><script>suivre();</script></div>
  </article>

  <article class="post">
    <h3 class="entry-title">Communiqué du Conseil des ministres</h3>
    <span class="date">hier</span>
  </article>

  <article class="post">
    <div class="thumb"><a href="actualites/2025/07/sikasso-rentree/?utm_source=une"><img src="/img/ecole.jpg" alt="Écoliers à Sikasso"></a></div>
    <h3 class="entry-title">Sikasso : la rentrée<br>avancée d'une semaine</h3>
    <span class="date">hier à 14h20</span>
  </article>

  <article class="post">
    <h3 class="entry-title"><a href="mailto:redaction@echodusahel.ml">Écrivez à la rédaction</a></h3>
  </article>
</main>

<div class="pagination">
  <a class="prev" href="#">« Précédent</a>
  <a class="next page-numbers" href="actualites/page/2/">Suivant »</a>
</div>
<footer><a href="mentions-legales/">Mentions légales</a></footer>
</body>
</html>
"##;

    fn malian_selectors() -> ListingSelectors {
        ListingSelectors {
            date: Some(css("time, .date")),
            summary: Some(css(".excerpt")),
            next: Some(css("a.next")),
            ..selectors("article.post")
        }
    }

    #[test]
    fn malian_listing() {
        let page = Url::parse("https://www.echodusahel.ml/fr/actualites/").unwrap();
        let listing = parse_listing(
            MALIAN_PAGE,
            &page,
            &malian_selectors(),
            &local(Bamako),
            now(),
        )
        .unwrap();
        let fr = Some("fr".to_owned());
        let kayes = "https://www.echodusahel.ml/fr/actualites/2025/07/kayes-citernes-bloquees/";
        let segou = "https://www.echodusahel.ml/fr/actualites/2025/07/s%C3%A9gou-r%C3%A9colte-riz/";
        let sikasso =
            "https://www.echodusahel.ml/fr/actualites/2025/07/sikasso-rentree/?utm_source=une";
        let expected = vec![
            // From the "à la une" block: the thumbnail link comes first, its
            // fragment dropped; the title is the heading's, the thumbnail
            // having no text; the date is the `datetime` attribute's.
            Entry {
                key: kayes.to_owned(),
                url: Some(Url::parse(kayes).unwrap()),
                title: "Kayes : les camions-citernes bloqués à Diboli".to_owned(),
                published: utc("2025-07-10T08:15:00Z"),
                language: fr.clone(),
                ..Default::default()
            },
            // The share button's `javascript:` link is passed over.
            Entry {
                key: segou.to_owned(),
                url: Some(Url::parse(segou).unwrap()),
                title: "Ségou : la récolte de riz s'annonce bonne".to_owned(),
                summary: "Les producteurs de l'Office du Niger attendent plus de 800 000 tonnes."
                    .to_owned(),
                published: utc("2025-07-08T16:45:00Z"),
                language: fr.clone(),
                ..Default::default()
            },
            Entry {
                key: sikasso.to_owned(),
                url: Some(Url::parse(sikasso).unwrap()),
                title: "Sikasso : la rentrée avancée d'une semaine".to_owned(),
                published: utc("2025-07-09T14:20:00Z"),
                language: fr.clone(),
                ..Default::default()
            },
        ];
        assert_eq!(listing.entries, expected);
        // The communiqué without a link, and the mailto.
        assert_eq!(listing.skipped, 2);
        // Resolved against `<base href>`, not against the page.
        assert_eq!(
            listing.next_page.as_ref().map(Url::as_str),
            Some("https://www.echodusahel.ml/fr/actualites/page/2/")
        );
    }

    #[test]
    fn malian_listing_dates_follow_the_source_zone() {
        let page = Url::parse("https://www.echodusahel.ml/fr/actualites/").unwrap();
        let listing = parse_listing(
            MALIAN_PAGE,
            &page,
            &malian_selectors(),
            &local(Lagos),
            now(),
        )
        .unwrap();
        let dates: Vec<_> = listing
            .entries
            .iter()
            .map(|entry| entry.published)
            .collect();
        assert_eq!(
            dates,
            [
                // Stated offset: unchanged.
                utc("2025-07-10T08:15:00Z"),
                utc("2025-07-08T15:45:00Z"),
                utc("2025-07-09T13:20:00Z"),
            ]
        );
    }

    #[test]
    fn configured_title_and_link_selectors() {
        let page = Url::parse("https://www.echodusahel.ml/fr/actualites/").unwrap();
        let selectors = ListingSelectors {
            link: Some(css(".entry-title a")),
            title: Some(css(".entry-title")),
            ..malian_selectors()
        };
        let listing = parse_listing(MALIAN_PAGE, &page, &selectors, &local(Bamako), now()).unwrap();
        let titles: Vec<_> = listing.entries.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Kayes : les camions-citernes bloqués à Diboli",
                "Ségou : la récolte de riz s'annonce bonne",
            ]
        );
        // Sikasso's only link is the thumbnail, which `.entry-title a` does
        // not match; the communiqué and the mailto as before.
        assert_eq!(listing.skipped, 3);
    }

    const ENGLISH_PAGE: &str = r#"<!doctype html>
<html lang="en-NG">
<head>
  <title>Latest news | The Lagos Courier</title>
  <link rel="next" href="/news?page=2">
</head>
<body>
  <nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
  <div class="stories">
    <div class="story">
      <h2><a href="/news/2025/07/fuel-queues-return">Fuel queues return to Lagos</a></h2>
      <p class="meta">By Ada Obi · <span class="date">3 hours ago</span></p>
      <p class="standfirst">Motorists waited for hours on Wednesday.</p>
    </div>
    <div class="story">
      <h2><a href="/news/2025/07/port-congestion" title="Apapa port congestion eases"><img src="/p.jpg" alt=""></a></h2>
      <p class="meta"><span class="date">Jul 1, 2025 10:30 AM</span></p>
    </div>
    <div class="story">
      <h2><a href="https://www.lagoscourier.ng/news/2025/07/naira-steadies#comments">Naira steadies against the dollar</a></h2>
      <p class="meta"><span class="date">yesterday</span></p>
    </div>
    <div class="story sponsored">
      <h2>Advertisement</h2>
    </div>
  </div>
</body>
</html>
"#;

    #[test]
    fn english_listing() {
        let page = Url::parse("https://www.lagoscourier.ng/news").unwrap();
        let selectors = ListingSelectors {
            date: Some(css(".date")),
            summary: Some(css(".standfirst")),
            next: Some(css("link[rel=next]")),
            ..selectors("div.story")
        };
        let listing = parse_listing(ENGLISH_PAGE, &page, &selectors, &local(Lagos), now()).unwrap();
        let got: Vec<_> = listing
            .entries
            .iter()
            .map(|entry| {
                (
                    entry.key.as_str(),
                    entry.title.as_str(),
                    entry.summary.as_str(),
                    entry.published,
                    entry.language.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "https://www.lagoscourier.ng/news/2025/07/fuel-queues-return",
                    "Fuel queues return to Lagos",
                    "Motorists waited for hours on Wednesday.",
                    utc("2025-07-10T09:00:00Z"),
                    Some("en"),
                ),
                (
                    "https://www.lagoscourier.ng/news/2025/07/port-congestion",
                    // An image-only link: its `title` attribute.
                    "Apapa port congestion eases",
                    "",
                    // 10:30 in Lagos.
                    utc("2025-07-01T09:30:00Z"),
                    Some("en"),
                ),
                (
                    "https://www.lagoscourier.ng/news/2025/07/naira-steadies",
                    "Naira steadies against the dollar",
                    "",
                    // Midnight, Lagos time.
                    utc("2025-07-08T23:00:00Z"),
                    Some("en"),
                ),
            ]
        );
        assert_eq!(listing.skipped, 1);
        assert_eq!(
            listing.next_page.as_ref().map(Url::as_str),
            Some("https://www.lagoscourier.ng/news?page=2")
        );
    }

    #[test]
    fn default_date_is_the_time_element_and_format_is_used() {
        let html = r#"<ul>
            <li><a href="/a">Un</a> <time datetime="2025-07-01">1 juillet</time></li>
            <li><a href="/b">Deux</a> <time>02.07.2025</time></li>
            <li><a href="/c">Trois</a> <span>03.07.2025</span></li>
        </ul>"#;
        let page = Url::parse("https://example.ml/").unwrap();
        let dates = DateReading {
            format: Some("%d.%m.%Y".to_owned()),
            timezone: Bamako,
        };
        let listing = parse_listing(html, &page, &selectors("li"), &dates, now()).unwrap();
        let published: Vec<_> = listing.entries.iter().map(|e| e.published).collect();
        // The first `datetime` is ISO, which the format does not read; the
        // element's text is tried next, and "1 juillet" is not the format
        // either. No `<time>` in the third item.
        assert_eq!(published, [None, utc("2025-07-02T00:00:00Z"), None]);
        // No `<html lang>`: no language.
        assert_eq!(listing.entries[0].language, None);
    }

    #[test]
    fn the_item_itself_may_be_the_link() {
        let html = r#"<div class="grid">
            <a class="card" href="/a"><h3>Un</h3></a>
            <a class="card" href="/b" title="Deux"></a>
            <a class="card" href="/a">Un, encore</a>
            <a class="card">Sans lien</a>
        </div>"#;
        let page = Url::parse("https://example.sn/actualites").unwrap();
        let listing =
            parse_listing(html, &page, &selectors("a.card"), &local(Bamako), now()).unwrap();
        let got: Vec<_> = listing
            .entries
            .iter()
            .map(|entry| (entry.key.as_str(), entry.title.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("https://example.sn/a", "Un"),
                ("https://example.sn/b", "Deux"),
            ]
        );
        assert_eq!(listing.skipped, 1);
        assert!(listing.next_page.is_none());
    }

    #[test]
    fn unusable_links_are_skipped_and_counted() {
        let long = format!("/{}", "a".repeat(10_000));
        let html = format!(
            r##"<base href="javascript:alert(1)">
            <div class="i"><a href="javascript:alert(1)">js</a></div>
            <div class="i"><a href="mailto:a@b.ml">mail</a></div>
            <div class="i"><a href="tel:+22320000000">tel</a></div>
            <div class="i"><a href="data:text/html,x">data</a></div>
            <div class="i"><a href="ftp://example.ml/x">ftp</a></div>
            <div class="i"><a href="http://[::1">broken</a></div>
            <div class="i"><a href="http://">no host</a></div>
            <div class="i"><a href="#top">anchor</a></div>
            <div class="i"><a href="">empty</a></div>
            <div class="i"><a href="?">self</a></div>
            <div class="i"><a href="{long}">long</a></div>
            <div class="i"><a href="
                 //cdn.example.ml/x  ">protocol-relative</a></div>
            <div class="i"><a href="HTTPS://EXAMPLE.ML/Y#z">upper</a></div>
            <a class="next" href="https://example.ml/liste#bas">self again</a>"##
        );
        let page = Url::parse("https://example.ml/liste").unwrap();
        let selectors = ListingSelectors {
            next: Some(css("a.next")),
            ..selectors("div.i")
        };
        let listing = parse_listing(&html, &page, &selectors, &local(Bamako), now()).unwrap();
        let keys: Vec<_> = listing.entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["https://cdn.example.ml/x", "https://example.ml/Y"]);
        assert_eq!(listing.skipped, 11);
        assert_eq!(listing.next_page, None);
    }

    #[test]
    fn empty_and_itemless_pages() {
        let page = Url::parse("https://example.ml/").unwrap();
        for html in ["", "<html>", "\u{0}\u{feff}<<<>>>", "<p>Rien</p>"] {
            let listing =
                parse_listing(html, &page, &malian_selectors(), &local(Bamako), now()).unwrap();
            assert!(listing.entries.is_empty(), "{html:?}");
            assert_eq!(listing.skipped, 0);
            assert_eq!(listing.next_page, None);
        }
    }

    #[test]
    fn hostile_pages_cost_bounded_work() {
        let page = Url::parse("https://example.ml/").unwrap();
        // Items nested in each other as deep as a page may go, with the
        // only link at the bottom, on a small stack: nothing recursive,
        // nothing quadratic. Deeper than that, the page is refused unparsed
        // (html5ever itself is quadratic on nested `<div>`s).
        let nest = |depth: usize| {
            format!(
                "{}<a href=\"/fond\">Fond</a>{}",
                "<div class=\"post\">".repeat(depth),
                "</div>".repeat(depth)
            )
        };
        let nested = nest(nesting::MAX_DEPTH - 10);
        let listing = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(move || {
                let selectors = ListingSelectors {
                    title: Some(css(".post em")),
                    date: Some(css("div > time")),
                    summary: Some(css(".post .post b")),
                    ..selectors("div.post")
                };
                parse_listing(&nested, &page, &selectors, &local(Bamako), now()).unwrap()
            })
            .unwrap()
            .join()
            .unwrap();
        assert!(listing.entries.len() <= 1);
        assert!(listing.entries.len() + listing.skipped <= MAX_ITEMS);
        let page = Url::parse("https://example.ml/").unwrap();
        let started = std::time::Instant::now();
        let refused = parse_listing(
            &nest(100_000),
            &page,
            &selectors("div.post"),
            &local(Bamako),
            now(),
        );
        assert_eq!(refused.unwrap_err(), TooDeep);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));

        // Far more items than any listing has.
        let many = (0..20_000).fold(String::new(), |mut many, n| {
            write!(
                many,
                "<article class=\"post\"><a href=\"/{n}\">Article {n}</a></article>"
            )
            .expect("writing to a String cannot fail");
            many
        });
        let page = Url::parse("https://example.ml/").unwrap();
        let listing = parse_listing(
            &many,
            &page,
            &selectors("article.post"),
            &local(Bamako),
            now(),
        )
        .unwrap();
        assert_eq!(listing.entries.len(), MAX_ITEMS);
        assert_eq!(listing.entries[499].title, "Article 499");

        // A title the size of a book is cut.
        let huge = format!(
            "<div class=\"post\"><a href=\"/x\">{}</a></div>",
            "mot ".repeat(100_000)
        );
        let listing =
            parse_listing(&huge, &page, &selectors("div.post"), &local(Bamako), now()).unwrap();
        let length = listing.entries[0].title.chars().count();
        assert!((MAX_TITLE_CHARS - 4..=MAX_TITLE_CHARS).contains(&length));
    }

    #[test]
    fn language_is_the_primary_subtag() {
        let page = Url::parse("https://example.ml/").unwrap();
        let language = |html: &str| {
            parse_listing(html, &page, &selectors("p"), &local(Bamako), now())
                .unwrap()
                .entries
                .first()
                .and_then(|entry| entry.language.clone())
        };
        let item = "<p><a href=\"/a\">a</a></p>";
        assert_eq!(
            language(&format!("<html lang=\"FR-sn\">{item}")),
            Some("fr".to_owned())
        );
        assert_eq!(
            language(&format!("<html lang=\"wo\">{item}")),
            Some("wo".to_owned())
        );
        assert_eq!(language(&format!("<html lang=\"\">{item}")), None);
        assert_eq!(
            language(&format!("<html lang=\"français du Mali\">{item}")),
            None
        );
        assert_eq!(language(item), None);
    }
}
