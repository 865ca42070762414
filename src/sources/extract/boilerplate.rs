//! Paragraphs that are the site talking, not the story: paywall and teaser
//! notices, "read also" lines, share and follow bars, cookie and newsletter
//! banners; and headings after which the rest of the page is related
//! articles or comments. French, English and Arabic first (the watch's
//! languages), with the German and Spanish phrases common on the pages the
//! extractor is scored on.
//!
//! Two rules, both on whole paragraphs of the extracted text:
//! - a *notice*: a short paragraph (at most [`NOTICE_MAX_CHARS`]) that
//!   begins with a notice phrase, or contains a paywall phrase, is dropped;
//! - a *tail heading*: a paragraph that is only a heading such as "Dans la
//!   même rubrique" or "Commentaires", coming after at least
//!   [`TAIL_MIN_SHARE`] of the text, is dropped with everything after it.
//!   Earlier in the text it is dropped alone: the story follows it.

use std::collections::HashSet;

/// Longest paragraph that can be a notice; longer ones are story.
pub const NOTICE_MAX_CHARS: usize = 220;
/// Longest paragraph that can be a share or follow bar.
pub const LABEL_MAX_CHARS: usize = 50;
/// Longest paragraph dropped for being a link's whole text; a longer one is
/// a story paragraph that happens to be linked.
pub const LINK_MAX_CHARS: usize = 200;
/// Share of the text that must come before a tail heading for the rest to
/// be cut.
pub const TAIL_MIN_SHARE: f64 = 0.5;

/// Phrases a notice paragraph begins with (compared lower-cased, after
/// leading punctuation and symbols).
const NOTICE_STARTS: &[&str] = &[
    // French
    "lire aussi",
    "à lire aussi",
    "a lire aussi",
    "lire également",
    "à lire également",
    "lire la suite",
    "voir aussi",
    "à voir aussi",
    "pour lire la suite",
    "la suite est réservée",
    "cet article est réservé",
    "article réservé aux abonnés",
    "réservé aux abonnés",
    "abonnez-vous",
    "déjà abonné",
    "il vous reste",
    "inscrivez-vous",
    "recevez notre newsletter",
    "nous utilisons des cookies",
    "ce site utilise des cookies",
    // English
    "read also",
    "read more",
    "also read",
    "see also",
    "related:",
    "recommended:",
    "subscribe to",
    "subscribe now",
    "already a subscriber",
    "sign up for",
    "sign up to",
    "this article is for subscribers",
    "we use cookies",
    "this site uses cookies",
    "this website uses cookies",
    // Arabic
    "اقرأ أيضا",
    "اقرأ أيضاً",
    "إقرأ أيضا",
    "إقرأ أيضاً",
    "اقرأ المزيد",
    "اشترك",
    "للاشتراك",
    // German, Spanish
    "lesen sie auch",
    "lesen sie mehr",
    "auch interessant",
    "mehr zum thema",
    "diese website verwendet cookies",
    "lea también",
    "lea más",
    "leer más",
    "te puede interesar",
    "le puede interesar",
    "lee también",
    "mire:",
    "leia também",
    "veja também",
    "leggi anche",
    "zobacz także",
    "czytaj także",
    "czytaj więcej",
    "möchten sie weiterlesen",
    "jetzt registrieren",
    "mit unserem newsletter",
    "never miss",
    "gefällt mir",
    // Invitations to read elsewhere, rate, donate or follow, all languages
    "auch lesen",
    "lesen sie hier",
    "vea también",
    "puedes ver",
    "mira:",
    "lea:",
    "was this article helpful",
    "did you find this article helpful",
    "cet article vous a-t-il été utile",
    "هل كان هذا المقال مفيدا",
    "war der artikel nützlich",
    "war dieser artikel hilfreich",
    "hier können sie den artikel bewerten",
    "for the latest stories",
    "for the latest news",
    "download our app",
    "téléchargez notre application",
    "téléchargez l'application",
    "حمل تطبيق",
    "if you enjoyed reading",
    "suggested citation",
    "give us feedback",
    "hazte miembro",
    "category:",
    "catégorie:",
    "catégorie :",
    "kategorie:",
    "categoría:",
];

/// Paragraphs that are only a label (compared whole, trailing colon
/// left out): the heading of a contact, source or author box, or a
/// control's text. As the whole paragraph they are never story.
const STANDALONE_LABELS: &[&str] = &[
    "contact",
    "contacts",
    "kontakt",
    "contacto",
    "اتصل بنا",
    "source",
    "sources",
    "quelle",
    "quellen",
    "quellenangaben",
    "quellen ausblenden",
    "fuente",
    "fuentes",
    "المصدر",
    "par",
    "by",
    "von",
    "auteur",
    "auteurs",
    "author",
    "authors",
    "autor",
    "autoren",
    "about the author",
    "à propos de l'auteur",
    "über den autor",
    "عن الكاتب",
    "more information",
    "further information",
    "plus d'informations",
    "pour en savoir plus",
    "weitere informationen",
    "zusatzinformationen",
    "más información",
    "further reading",
    "pour aller plus loin",
    "zum weiterlesen",
    "bild anzeigen",
    "voir l'image",
    "view image",
    "release date",
    "ansprechpartner",
    "ansprechpartnerin",
];

/// Longest paragraph that can be a picture credit ("Foto: A. Touré",
/// "Getty Images"); captions that end with one may be longer.
pub const CREDIT_MAX_CHARS: usize = 80;

/// Labels a picture or source credit begins with, followed by a colon,
/// "by", "via" or "©".
const CREDIT_LABELS: &[&str] = &[
    "photo",
    "photos",
    "crédit",
    "crédits",
    "crédit photo",
    "credit",
    "credits",
    "image",
    "images",
    "illustration",
    "source",
    "foto",
    "fotos",
    "bild",
    "bilder",
    "titelbild",
    "bildquelle",
    "quelle",
    "abbildung",
    "fuente",
    "źródło",
    "الصورة",
    "المصدر",
];

/// Picture agencies and banks whose name in a short line or a closing
/// parenthesis makes it a credit.
const PICTURE_AGENCIES: &[&str] = &[
    "afp",
    "ap photo",
    "reuters",
    "getty",
    "getty images",
    "dpa",
    "epa",
    "keystone",
    "imago",
    "picture alliance",
    "picture-alliance",
    "shutterstock",
    "istock",
    "istockphoto",
    "istock.com",
    "adobe stock",
    "unsplash",
    "pixabay",
    "fotolia",
    "fotolia.com",
];

/// Phrases that make a short paragraph a copyright line.
const COPYRIGHT_PHRASES: &[&str] = &[
    "all rights reserved",
    "tous droits réservés",
    "alle rechte vorbehalten",
    "todos los derechos reservados",
    "جميع الحقوق محفوظة",
];

/// Labels of share and follow bars and advertisement slots. Many are also
/// ordinary words ("شارك" is "took part"), so only a paragraph of at most
/// [`LABEL_MAX_CHARS`] beginning with one is dropped.
const LABELS: &[&str] = &[
    "partager",
    "partagez",
    "suivez-nous",
    "retrouvez-nous",
    "publicité",
    "share this",
    "share on",
    "share",
    "follow us",
    "advertisement",
    "شارك",
    "شارك المقال",
    "تابعونا",
    "تابعوا",
    "إعلان",
    "teilen",
    "diesen artikel teilen",
    "beitrag teilen",
    "folgen sie uns",
    "compartir",
    "síguenos",
    "siguenos",
    "seite teilen",
    "kommentieren",
    "drucken",
    "rezept drucken",
    "permalink",
    "podziel się",
    "drukuj",
    "zurück",
    "nach oben",
    "zurück nach oben",
    "print",
    "imprimer",
];

/// Phrases that make any short paragraph a paywall notice.
const PAYWALL_PHRASES: &[&str] = &[
    "réservé aux abonnés",
    "articles gratuits",
    "article gratuit",
    "pour lire la suite",
    "subscribe to continue",
    "subscribers only",
    "free articles",
    "للمشتركين",
];

/// Headings after which the page is related articles or comments.
const TAIL_HEADINGS: &[&str] = &[
    // French
    "dans la même rubrique",
    "sur le même sujet",
    "à lire aussi",
    "lire aussi",
    "articles similaires",
    "articles liés",
    "nos articles",
    "à lire également",
    "les plus lus",
    "commentaires",
    "laisser un commentaire",
    "laissez un commentaire",
    "réagir",
    "vos réactions",
    // English
    "related articles",
    "related stories",
    "related posts",
    "related",
    "more stories",
    "more from",
    "read more",
    "you may also like",
    "you might also like",
    "recommended",
    "most read",
    "most popular",
    "comments",
    "leave a reply",
    "leave a comment",
    // Arabic
    "مقالات ذات صلة",
    "أخبار ذات صلة",
    "اقرأ أيضا",
    "اقرأ أيضاً",
    "الأكثر قراءة",
    "التعليقات",
    "تعليقات",
    // German, Spanish
    "mehr zum thema",
    "das könnte sie auch interessieren",
    "das könnte dich auch interessieren",
    "ähnliche beiträge",
    "ähnliche artikel",
    "verwandte artikel",
    "weitere artikel",
    "meist gelesen",
    "kommentare",
    "schreibe einen kommentar",
    "kommentar verfassen",
    "das könnte sie auch",
    "das könnte dich auch",
    "neueste artikel",
    "neueste beiträge",
    "empfohlene beiträge",
    "weitere themen",
    "mehr themen",
    "mehr aus der sendung",
    "weiterführende links",
    "zurück zur übersicht",
    "zurück zur liste",
    "viel gelesen",
    "schon gelesen",
    "auch interessant",
    "themen in diesem artikel",
    "vorschau auf den nächsten artikel",
    "temas relacionados",
    "noticias relacionadas",
    "artículos relacionados",
    "contenido relacionado",
    "le puede interesar",
    "te puede interesar",
    "comentarios",
    // Portuguese, Italian, Polish
    "veja também",
    "leia também",
    "notícias relacionadas",
    "articoli correlati",
    "leggi anche",
    "zobacz także",
    "zobacz też",
    "czytaj także",
    "czytaj więcej",
    "polecamy",
    "komentarze",
    // Page navigation between articles
    "previous article",
    "next article",
    "article précédent",
    "article suivant",
];

/// The text kept and the paragraphs dropped.
pub struct Cleaned {
    /// The paragraphs kept, separated as they were in the input.
    pub text: String,
    /// The paragraphs dropped, whole, in page order.
    pub removed: Vec<String>,
}

/// Drops notice paragraphs, tail sections and paragraphs that are wholly
/// the text of one of the page's links (`link_texts`, whitespace
/// normalised: a related article's headline, a menu entry) from `text`
/// (paragraphs separated by blank lines or line breaks).
pub fn clean(text: &str, link_texts: &HashSet<String>) -> Cleaned {
    let paragraphs: Vec<&str> = text
        .split('\n')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let total: usize = paragraphs.iter().map(|p| p.chars().count()).sum();
    let mut kept: Vec<&str> = Vec::with_capacity(paragraphs.len());
    let mut removed = Vec::new();
    let mut before = 0;
    for (index, paragraph) in paragraphs.iter().enumerate() {
        let chars = paragraph.chars().count();
        let key = comparable(paragraph);
        if is_tail_heading(&key) {
            if total > 0 && before as f64 >= TAIL_MIN_SHARE * total as f64 {
                removed.extend(
                    paragraphs[index..]
                        .iter()
                        .map(std::string::ToString::to_string),
                );
                break;
            }
            removed.push(paragraph.to_string());
            continue;
        }
        if (chars <= NOTICE_MAX_CHARS && (is_notice(&key) || is_copyright(paragraph, &key)))
            || is_credit(paragraph, &key, chars)
            || STANDALONE_LABELS.contains(&key.as_str())
            || (chars <= LABEL_MAX_CHARS && starts_with_any(&key, LABELS))
            || (chars <= LINK_MAX_CHARS && link_texts.contains(*paragraph))
        {
            removed.push(paragraph.to_string());
            before += chars;
            continue;
        }
        before += chars;
        kept.push(paragraph);
    }
    // Paragraphs were split on every line break; blank lines between them
    // are how the record marks paragraphs.
    Cleaned {
        text: rejoin(text, &kept),
        removed,
    }
}

/// `kept`'s paragraphs joined the way they were separated in `text`.
fn rejoin(text: &str, kept: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    for paragraph in kept {
        let Some(at) = rest.find(paragraph) else {
            continue;
        };
        if !out.is_empty() {
            let gap = &rest[..at];
            out.push_str(if gap.matches('\n').count() >= 2 || gap.is_empty() {
                "\n\n"
            } else {
                "\n"
            });
        }
        out.push_str(paragraph);
        rest = &rest[at + paragraph.len()..];
    }
    out
}

/// Lower-cased, without leading symbols or trailing punctuation and with
/// Arabic/Latin typographic variants folded, for comparing with phrases.
fn comparable(paragraph: &str) -> String {
    let trimmed = paragraph
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .trim_end_matches(|c: char| !c.is_alphanumeric() && c != ')');
    trimmed
        .chars()
        .map(|c| match c {
            '\u{2019}' | '\u{2018}' => '\'',
            '\u{00a0}' => ' ',
            // Tatweel (Arabic justification stroke) carries no meaning.
            '\u{0640}' => '\0',
            _ => c,
        })
        .filter(|c| *c != '\0')
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_tail_heading(key: &str) -> bool {
    key.chars().count() <= 60
        && TAIL_HEADINGS.iter().any(|heading| {
            key == *heading
                || key
                    .strip_prefix(heading)
                    .is_some_and(|rest| rest.trim_start().starts_with(['(', ':']))
        })
}

/// A copyright line: begins with © or "copyright", or reserves rights.
fn is_copyright(paragraph: &str, key: &str) -> bool {
    paragraph.starts_with('©')
        || key.starts_with("copyright")
        || COPYRIGHT_PHRASES.iter().any(|phrase| key.contains(phrase))
}

/// A picture or source credit: a short line that begins with a credit
/// label ("Foto:", "Photo by", "Source :") or names a picture agency
/// without ending a sentence, or a caption ending with a credit in
/// parentheses ("… (REUTERS/A. Touré)").
fn is_credit(paragraph: &str, key: &str, chars: usize) -> bool {
    if chars > NOTICE_MAX_CHARS {
        return false;
    }
    if let Some(credit) = key
        .strip_suffix(')')
        .and_then(|rest| rest.rfind('(').map(|open| &rest[open + 1..]))
        && (mentions_agency(credit) || begins_with_credit_label(credit))
    {
        return true;
    }
    chars <= CREDIT_MAX_CHARS
        && (begins_with_credit_label(key)
            || (mentions_agency(key) && !paragraph.trim_end().ends_with(['.', '!', '?', ':'])))
}

fn begins_with_credit_label(key: &str) -> bool {
    CREDIT_LABELS.iter().any(|label| {
        key.strip_prefix(label).is_some_and(|rest| {
            let rest = rest.trim_start();
            rest.starts_with([':', '©'])
                || rest.starts_with("by ")
                || rest.starts_with("via ")
                || rest == "via"
        })
    })
}

/// Whether `key` names a picture agency as a whole word.
fn mentions_agency(key: &str) -> bool {
    PICTURE_AGENCIES.iter().any(|agency| {
        key.match_indices(agency).any(|(at, _)| {
            let before = key[..at].chars().next_back();
            let after = key[at + agency.len()..].chars().next();
            before.is_none_or(|c| !c.is_alphanumeric())
                && after.is_none_or(|c| !c.is_alphanumeric())
        })
    })
}

fn is_notice(key: &str) -> bool {
    starts_with_any(key, NOTICE_STARTS) || PAYWALL_PHRASES.iter().any(|phrase| key.contains(phrase))
}

/// Whether `key` begins with one of `phrases` as whole words ("partager"
/// but not "partagera").
fn starts_with_any(key: &str, phrases: &[&str]) -> bool {
    phrases.iter().any(|phrase| {
        key.strip_prefix(phrase)
            .is_some_and(|rest| rest.chars().next().is_none_or(|c| !c.is_alphanumeric()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_go_story_stays() {
        let text = "Le convoi est arrivé à Kayes mardi soir après trois jours de route.\n\n\
                    Lire aussi : Au Mali, la route de Diboli rouverte\n\n\
                    Les chauffeurs ont été accueillis par le gouverneur.\n\n\
                    Il vous reste 3 articles gratuits ce mois-ci.\n\n\
                    اقرأ أيضا: قافلة جديدة إلى كايس\n\n\
                    Partager sur Facebook";
        let cleaned = clean(text, &HashSet::new());
        assert_eq!(
            cleaned.text,
            "Le convoi est arrivé à Kayes mardi soir après trois jours de route.\n\n\
             Les chauffeurs ont été accueillis par le gouverneur."
        );
        assert_eq!(cleaned.removed.len(), 4);
    }

    #[test]
    fn a_story_sentence_beginning_with_a_label_stays() {
        for sentence in [
            "Partager l'eau entre les villages est devenu le premier sujet de discorde.",
            "شارك الرئيس في القمة الطارئة التي عقدت في نيامي يوم الأحد الماضي.",
            "Partagera-t-il ses notes ?",
        ] {
            assert_eq!(clean(sentence, &HashSet::new()).text, sentence);
        }
        assert_eq!(
            clean("Partager :\nFacebook", &HashSet::new()).removed,
            ["Partager :"]
        );
    }

    #[test]
    fn a_paragraph_that_is_a_links_whole_text_goes() {
        let links: HashSet<String> = ["Tombouctou : la route rouverte".to_owned()].into();
        let text = "Le convoi est arrivé.\n\nTombouctou : la route rouverte";
        assert_eq!(clean(text, &links).text, "Le convoi est arrivé.");
    }

    #[test]
    fn a_tail_heading_late_in_the_text_cuts_the_rest() {
        let story =
            "Un long paragraphe de l'article qui raconte ce qui s'est passé à Gao. ".repeat(5);
        let text = format!("{story}\n\nDans la même rubrique\n\nAutre article\n\nEncore un autre");
        let cleaned = clean(&text, &HashSet::new());
        assert_eq!(cleaned.text, story.trim());
        assert_eq!(cleaned.removed.len(), 3);

        let early = format!("Commentaires\n\n{story}");
        assert_eq!(clean(&early, &HashSet::new()).text, story.trim());
    }

    #[test]
    fn picture_credits_go_stories_citing_agencies_stay() {
        let story = "Le convoi est arrivé à Kayes mardi soir, a appris l'AFP auprès du gouverneur.";
        let text = format!(
            "{story}\n\nPhoto : A. Touré\n\nAFP / Issouf Sanogo\n\nLe gouverneur à Kayes (Reuters/A. Touré)\n\nGetty Images"
        );
        let cleaned = clean(&text, &HashSet::new());
        assert_eq!(cleaned.text, story);
        assert_eq!(cleaned.removed.len(), 4);
        for kept in ["Photographie et cinéma au Mali", "Les photos de l'AFP."] {
            assert_eq!(clean(kept, &HashSet::new()).text, kept);
        }
    }

    #[test]
    fn labels_alone_and_copyright_lines_go_sentences_with_them_stay() {
        let story = "Le convoi est arrivé à Kayes mardi soir après trois jours de route.";
        let text = format!(
            "{story}\n\nSources :\n\nÀ propos de l'auteur\n\n© 2024 Le Journal. Tous droits réservés.\n\n\
             Contact : le gouverneur a reçu les chauffeurs à Kayes."
        );
        let cleaned = clean(&text, &HashSet::new());
        assert_eq!(
            cleaned.text,
            format!("{story}\n\nContact : le gouverneur a reçu les chauffeurs à Kayes.")
        );
        assert_eq!(cleaned.removed.len(), 3);
    }
}
