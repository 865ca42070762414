//! The search form as the address holds it, so a search can be shared by
//! copying the address. Facets add filters beside the typed query rather
//! than editing it, so each can be removed with a click; the form turns
//! into the query structure directly, the typed text being parsed once.

use crate::archive::query::{Expr, QueryContext, QueryError};
use crate::archive::{MAX_OFFSET, SortOrder};

/// Results on a page of the search.
pub(crate) const PAGE_SIZE: usize = 20;

/// Deepest page offered: as the API, past this narrow the query.
pub(crate) const MAX_PAGE: usize = MAX_OFFSET / PAGE_SIZE;

/// The facets a form filters on, as the address and the query language
/// name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Facet {
    Entity,
    Source,
    Lang,
    Kind,
}

impl Facet {
    pub(crate) const ALL: [Facet; 4] = [Facet::Entity, Facet::Source, Facet::Lang, Facet::Kind];

    /// The parameter in the address, which is also the query field.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Facet::Entity => "entity",
            Facet::Source => "source",
            Facet::Lang => "lang",
            Facet::Kind => "kind",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SearchForm {
    pub q: String,
    pub entities: Vec<String>,
    pub sources: Vec<String>,
    pub langs: Vec<String>,
    pub kinds: Vec<String>,
    pub from: String,
    pub to: String,
    pub sort: Option<SortOrder>,
    /// 1-based.
    pub page: usize,
}

impl SearchForm {
    /// The search for documents naming entity `id`, alone.
    pub(crate) fn for_entity(id: &str) -> SearchForm {
        SearchForm {
            entities: vec![id.to_owned()],
            page: 1,
            ..SearchForm::default()
        }
    }

    /// The search for documents carried by source `id`, alone.
    pub(crate) fn for_source(id: &str) -> SearchForm {
        SearchForm {
            sources: vec![id.to_owned()],
            page: 1,
            ..SearchForm::default()
        }
    }

    pub(crate) fn parse(raw: Option<&str>) -> Result<SearchForm, String> {
        let mut form = SearchForm {
            page: 1,
            ..SearchForm::default()
        };
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let value = value.trim().to_owned();
            let filter_value = |value: String| {
                if value.contains('"') {
                    Err(format!("{key}: a value cannot hold a double quote"))
                } else {
                    Ok(value)
                }
            };
            match &*key {
                "q" => form.q = value,
                "entity" => form.entities.push(filter_value(value)?),
                "source" => form.sources.push(filter_value(value)?),
                "lang" => form.langs.push(filter_value(value)?),
                "kind" => form.kinds.push(filter_value(value)?),
                "from" | "to" => {
                    if !value.is_empty()
                        && chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d").is_err()
                    {
                        return Err(format!("{key}: {value:?} is not a date (2026-11-01)"));
                    }
                    if key == "from" {
                        form.from = value;
                    } else {
                        form.to = value;
                    }
                }
                "sort" => {
                    form.sort = match value.as_str() {
                        "" => None,
                        other => Some(other.parse()?),
                    }
                }
                "page" => {
                    form.page = value
                        .parse::<usize>()
                        .ok()
                        .filter(|page| (1..=MAX_PAGE).contains(page))
                        .ok_or_else(|| format!("page: a number from 1 to {MAX_PAGE}"))?;
                }
                other => {
                    return Err(format!(
                        "unknown parameter {other:?}; the page takes q, entity, source, lang, kind, from, to, sort and page"
                    ));
                }
            }
        }
        for facet in Facet::ALL {
            form.values(facet).retain(|value| !value.is_empty());
        }
        Ok(form)
    }

    /// The search as the archive runs it: `typed` (the parsed `q`) and
    /// the filters, each checked as the query language checks it.
    /// Several values of one facet widen; different facets narrow.
    pub(crate) fn query(
        &self,
        typed: Expr,
        context: &QueryContext<'_>,
    ) -> Result<Expr, QueryError> {
        let mut parts = Vec::new();
        if !self.q.is_empty() {
            parts.push(typed);
        }
        for facet in Facet::ALL {
            let filters = self
                .chosen(facet)
                .iter()
                .map(|value| context.filter(facet.key(), value))
                .collect::<Result<Vec<Expr>, QueryError>>()?;
            parts.extend(Expr::any_of(filters));
        }
        if !self.from.is_empty() {
            parts.push(context.filter("since", &self.from)?);
        }
        if !self.to.is_empty() {
            parts.push(context.filter("until", &self.to)?);
        }
        Ok(Expr::all_of(parts))
    }

    /// The search in the query language, for the export link: the
    /// address of `/api/export`, which takes a query as text.
    pub(crate) fn export_text(&self) -> String {
        let mut parts = Vec::new();
        if !self.q.is_empty() {
            parts.push(format!("({})", self.q));
        }
        for facet in Facet::ALL {
            let terms: Vec<String> = self
                .chosen(facet)
                .iter()
                .map(|value| format!("{}:\"{value}\"", facet.key()))
                .collect();
            match terms.len() {
                0 => {}
                1 => parts.push(terms[0].clone()),
                _ => parts.push(format!("({})", terms.join(" OR "))),
            }
        }
        if !self.from.is_empty() {
            parts.push(format!("since:{}", self.from));
        }
        if !self.to.is_empty() {
            parts.push(format!("until:{}", self.to));
        }
        parts.join(" ")
    }

    /// Whether the form asks for nothing: every document.
    pub(crate) fn is_empty(&self) -> bool {
        self.q.is_empty()
            && Facet::ALL
                .iter()
                .all(|facet| self.chosen(*facet).is_empty())
            && self.from.is_empty()
            && self.to.is_empty()
    }

    pub(crate) fn href(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            out.append_pair("q", &self.q);
        }
        for facet in Facet::ALL {
            for value in self.chosen(facet) {
                out.append_pair(facet.key(), value);
            }
        }
        if !self.from.is_empty() {
            out.append_pair("from", &self.from);
        }
        if !self.to.is_empty() {
            out.append_pair("to", &self.to);
        }
        if let Some(sort) = self.sort {
            out.append_pair("sort", sort.name());
        }
        if self.page > 1 {
            out.append_pair("page", &self.page.to_string());
        }
        let query = out.finish();
        if query.is_empty() {
            "/".to_owned()
        } else {
            format!("/?{query}")
        }
    }

    /// This search with `change` made, back on its first page.
    pub(crate) fn with(&self, change: impl FnOnce(&mut SearchForm)) -> String {
        let mut form = self.clone();
        form.page = 1;
        change(&mut form);
        form.href()
    }

    /// This search narrowed to documents naming entity `id`.
    pub(crate) fn with_entity(&self, id: &str) -> String {
        self.with(|form| {
            if !form.entities.iter().any(|chosen| chosen == id) {
                form.entities.push(id.to_owned());
            }
        })
    }

    /// This search on another page.
    pub(crate) fn on_page(&self, page: usize) -> String {
        let mut form = self.clone();
        form.page = page;
        form.href()
    }

    /// The values chosen for `facet`.
    pub(crate) fn chosen(&self, facet: Facet) -> &[String] {
        match facet {
            Facet::Entity => &self.entities,
            Facet::Source => &self.sources,
            Facet::Lang => &self.langs,
            Facet::Kind => &self.kinds,
        }
    }

    pub(crate) fn values(&mut self, facet: Facet) -> &mut Vec<String> {
        match facet {
            Facet::Entity => &mut self.entities,
            Facet::Source => &mut self.sources,
            Facet::Lang => &mut self.langs,
            Facet::Kind => &mut self.kinds,
        }
    }

    /// The filters the search box's form must carry along when
    /// resubmitted.
    pub(crate) fn hidden_fields(&self) -> Vec<(&'static str, String)> {
        Facet::ALL
            .iter()
            .flat_map(|facet| {
                self.chosen(*facet)
                    .iter()
                    .map(|value| (facet.key(), value.clone()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_form_round_trips_through_the_address() {
        let form = SearchForm::parse(Some(
            "q=blocus+carburant&entity=jnim&entity=kayes&lang=fr&from=2026-11-01&sort=date&page=2",
        ))
        .unwrap();
        assert_eq!(form.entities, ["jnim", "kayes"]);
        assert_eq!(
            form.export_text(),
            "(blocus carburant) (entity:\"jnim\" OR entity:\"kayes\") lang:\"fr\" since:2026-11-01"
        );
        let again = SearchForm::parse(form.href().strip_prefix("/?")).unwrap();
        assert_eq!(again, form);
        let narrowed = form.with(|form| form.sources.push("studio-tamani".to_owned()));
        assert!(narrowed.contains("source=studio-tamani") && !narrowed.contains("page="));
    }

    /// The structure the form builds is the one the archive reads from
    /// the same search written as query text.
    #[test]
    fn the_built_query_is_the_parsed_text() {
        use crate::archive::EntityLookup;
        use crate::archive::query::parse;
        use crate::enrich::Gazetteer;
        let gazetteer = Gazetteer::from_sources(&[(
            std::path::Path::new("test.toml"),
            r#"
            [[entity]]
            id = "jnim"
            type = "armed_group"
            name = "JNIM"
            [[entity]]
            id = "diboli"
            type = "place"
            name = "Diboli"
            country = "ML"
            lat = 14.6
            lon = -12.1
            "#,
        )])
        .unwrap();
        let lookup = EntityLookup::new(&gazetteer);
        let context = QueryContext {
            gazetteer: &gazetteer,
            lookup: &lookup,
            now: chrono::Utc::now(),
        };
        for address in [
            "",
            "q=blocus",
            "q=a+OR+b&entity=jnim",
            "q=-mopti&entity=jnim&entity=Diboli&lang=FR&kind=transcript",
            "source=echos&source=tamani&from=2026-11-01&to=2026-11-30",
            "q=%22blocus+carburant%22+NOT+exercice&lang=fr&lang=ar&to=2026-01-01",
        ] {
            let form = SearchForm::parse(Some(address)).unwrap();
            let typed = parse(&form.q, &context).unwrap();
            let built = form.query(typed, &context).unwrap();
            let parsed = parse(&form.export_text(), &context).unwrap();
            // Equal but for the columns of words, which count from the
            // typed text in one and from the joined text in the other.
            assert_eq!(built.to_string(), parsed.to_string(), "{address}");
        }
        let form = SearchForm::parse(Some("entity=atlantis")).unwrap();
        let error = form.query(Expr::All, &context).unwrap_err();
        let parsed = parse(&form.export_text(), &context).unwrap_err();
        assert_eq!(error.message, parsed.message);
        let form = SearchForm::parse(Some("kind=podcast")).unwrap();
        let error = form.query(Expr::All, &context).unwrap_err();
        assert!(error.message.contains("unknown kind"), "{error}");
    }

    #[test]
    fn search_form_refuses_what_it_cannot_mean() {
        for bad in [
            "limit=5",
            "from=yesterday",
            "page=0",
            "page=x",
            "sort=best",
            "entity=a%22+OR+x",
        ] {
            assert!(SearchForm::parse(Some(bad)).is_err(), "{bad}");
        }
        assert!(SearchForm::parse(None).unwrap().is_empty());
    }
}
