//! The query language analysts type, parsed and turned into a Tantivy query.
//!
//! Words are ANDed unless joined by `OR`; `NOT` or a leading `-` excludes;
//! parentheses group; "double quotes" make a phrase. `field:value` filters
//! on what the record knows of a document rather than on its words:
//! `entity:`, `place:`, `type:`, `source:`, `lang:`, `kind:`, `title:`,
//! `since:` and `until:`. Entities are looked up in the gazetteer, so
//! `entity:"Nioro du Sahel"`, `entity:نيورو` and `entity:nioro-du-sahel`
//! are one filter, and it matches however the text spelled the name.
//!
//! Operators are upper case only, because "or" is a French word and "not"
//! an English one.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Bound;

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeDelta, Utc};
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use super::analysis;
use super::schema::Fields;
use crate::enrich::Gazetteer;
use crate::enrich::gazetteer::EntityType;
use crate::enrich::normalise::normalise_alias;

/// A query that cannot be run, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("{message} (at column {column})")]
pub struct QueryError {
    /// What is wrong, written for the analyst who typed the query.
    pub message: String,
    /// 1-based, in characters.
    pub column: usize,
}

/// The filter fields, as the README lists them.
pub const FIELDS: &[&str] = &[
    "entity", "place", "type", "source", "lang", "kind", "title", "since", "until",
];

/// How many parentheses and `NOT`s may enclose a term. Parsing, lowering
/// and matching recurse once per level, so an unbounded depth is a stack
/// overflow one request away; no analyst's query comes near this.
pub const MAX_NESTING: usize = 32;

/// Entity types accepted by `type:`.
const ENTITY_TYPES: &[&str] = &[
    "armed_group",
    "person",
    "place",
    "organisation",
    "force",
    "infrastructure",
    "country",
];

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Matches every document (the empty query).
    All,
    /// A word, or a "phrase", searched in titles and texts.
    Text {
        /// The word or phrase as typed, without its quotes.
        text: String,
        /// Whether it was in double quotes, so its words must follow each
        /// other in that order.
        phrase: bool,
        /// Where it starts in the query, for errors found when lowering.
        column: usize,
    },
    /// A `field:value` condition on what the record knows of a document.
    Filter(Filter),
    /// Every one of these (words side by side, or joined by `AND`).
    And(Vec<Expr>),
    /// Any one of these (joined by `OR`).
    Or(Vec<Expr>),
    /// Documents this does not match (`NOT` or a leading `-`).
    Not(Box<Expr>),
}

/// One `field:value` condition of a query, already checked and normalised.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `title:`: words searched in titles only.
    Title(String),
    /// Any of these entity ids (an alias shared by two entities, or a place
    /// with the places inside it).
    Entity(Vec<String>),
    /// `type:`: documents naming any entity of this gazetteer type, such as
    /// `armed_group` or `place`.
    EntityType(String),
    /// `source:`: documents from the feed with this id.
    Source(String),
    /// `lang:`: documents detected in this language code, lower case.
    Lang(String),
    /// `kind:`: `article` or `transcript`.
    Kind(String),
    /// `since:`: documents published at or after this instant.
    Since(DateTime<Utc>),
    /// `until:`: documents published before this instant (for a day, the
    /// end of that day).
    Until(DateTime<Utc>),
}

impl Expr {
    /// Every one of `parts`: the query itself for one, [`Expr::All`] for
    /// none, as the parser builds a run of terms.
    pub fn all_of(mut parts: Vec<Expr>) -> Expr {
        match parts.len() {
            0 => Expr::All,
            1 => parts.pop().expect("one part"),
            _ => Expr::And(parts),
        }
    }

    /// Any one of `parts` (none: nothing to choose from, so `None`).
    pub fn any_of(mut parts: Vec<Expr>) -> Option<Expr> {
        match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(Expr::Or(parts)),
        }
    }

    /// Whether the query searches words (and so has a relevance order).
    pub fn has_text(&self) -> bool {
        match self {
            Expr::Text { .. } | Expr::Filter(Filter::Title(_)) => true,
            Expr::And(children) | Expr::Or(children) => children.iter().any(Expr::has_text),
            Expr::All | Expr::Filter(_) | Expr::Not(_) => false,
        }
    }

    /// The entity ids that positive `entity:`/`place:` filters ask for.
    pub fn wanted_entities(&self, into: &mut HashSet<String>) {
        match self {
            Expr::Filter(Filter::Entity(ids)) => into.extend(ids.iter().cloned()),
            Expr::And(children) | Expr::Or(children) => children
                .iter()
                .for_each(|child| child.wanted_entities(into)),
            _ => {}
        }
    }
}

/// Maps every spelling of every entity (and its id) to entity ids.
#[derive(Debug, Clone, Default)]
pub struct EntityLookup {
    by_spelling: HashMap<String, Vec<String>>,
    children: HashMap<String, Vec<String>>,
}

impl EntityLookup {
    /// Indexes every entity of `gazetteer`, so a query can name one by any
    /// of its spellings; built once per gazetteer, not per query.
    pub fn new(gazetteer: &Gazetteer) -> EntityLookup {
        let mut lookup = EntityLookup::default();
        for entity in gazetteer.entities() {
            let keys = std::iter::once(entity.id.as_str())
                .chain(entity.spellings())
                .map(normalise_alias)
                .collect::<HashSet<_>>();
            for key in keys {
                lookup
                    .by_spelling
                    .entry(key)
                    .or_default()
                    .push(entity.id.clone());
            }
            if let Some(parent) = &entity.parent {
                lookup
                    .children
                    .entry(parent.clone())
                    .or_default()
                    .push(entity.id.clone());
            }
        }
        lookup
    }

    /// The entities written `spelling` (an id, name or alias, in any case).
    pub fn resolve(&self, spelling: &str) -> &[String] {
        self.by_spelling
            .get(&normalise_alias(spelling))
            .map_or(&[], Vec::as_slice)
    }

    /// `id` and every place inside it, at any depth.
    fn with_descendants(&self, id: &str) -> Vec<String> {
        // A country holds thousands of villages: a set keeps this linear.
        let mut all = vec![id.to_owned()];
        let mut seen: HashSet<&str> = HashSet::from([id]);
        let mut next = 0;
        while next < all.len() {
            if let Some(children) = self.children.get(&all[next]) {
                for child in children {
                    if seen.insert(child) {
                        all.push(child.clone());
                    }
                }
            }
            next += 1;
        }
        all
    }
}

/// What a query is parsed against.
pub struct QueryContext<'a> {
    /// Where `entity:` and `place:` values are checked and their places
    /// found.
    pub gazetteer: &'a Gazetteer,
    /// The same gazetteer's spellings, indexed by [`EntityLookup::new`].
    pub lookup: &'a EntityLookup,
    /// For relative dates (`since:7d`).
    pub now: DateTime<Utc>,
}

/// Parses a query as an analyst typed it, resolving entities and relative
/// dates against `context`; an error gives the column of the problem.
pub fn parse(input: &str, context: &QueryContext<'_>) -> Result<Expr, QueryError> {
    let tokens = lex(input)?;
    if tokens.is_empty() {
        return Ok(Expr::All);
    }
    let mut parser = Parser {
        tokens,
        next: 0,
        context,
        end_column: input.chars().count() + 1,
        depth: 0,
    };
    let expr = parser.or_expr()?;
    if let Some(token) = parser.peek() {
        // Only a stray ')' can stop the top-level expression early.
        return Err(error(token.column, "')' without a matching '('"));
    }
    Ok(expr)
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Word(String),
    Phrase(String),
    Field {
        name: String,
        value: String,
        value_column: usize,
    },
    Open,
    Close,
    And,
    Or,
    Not,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    column: usize,
}

fn error(column: usize, message: impl Into<String>) -> QueryError {
    QueryError {
        message: message.into(),
        column,
    }
}

fn lex(input: &str) -> Result<Vec<Token>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let read_quoted = |start: usize| -> Result<(String, usize), QueryError> {
        let close = chars[start + 1..]
            .iter()
            .position(|&c| c == '"')
            .ok_or_else(|| error(start + 1, "this quote is never closed"))?;
        let text: String = chars[start + 1..start + 1 + close].iter().collect();
        Ok((text, start + close + 2))
    };
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let kind = match c {
            '(' => {
                i += 1;
                Kind::Open
            }
            ')' => {
                i += 1;
                Kind::Close
            }
            '"' => {
                let (text, after) = read_quoted(i)?;
                i = after;
                Kind::Phrase(text)
            }
            '-' if chars.get(i + 1).is_some_and(|next| !next.is_whitespace())
                && (i == 0 || chars[i - 1].is_whitespace() || chars[i - 1] == '(') =>
            {
                i += 1;
                Kind::Not
            }
            _ => {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() && !"()\"".contains(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                match word.split_once(':') {
                    // "10:30" and "https://…" are words, not fields.
                    Some((name, value))
                        if !name.is_empty()
                            && name.chars().all(|c| c.is_ascii_alphabetic())
                            && !value.starts_with("//") =>
                    {
                        let name = name.to_ascii_lowercase();
                        let value_column = start + name.chars().count() + 2;
                        if value.is_empty() && chars.get(i) == Some(&'"') {
                            let (text, after) = read_quoted(i)?;
                            i = after;
                            Kind::Field {
                                name,
                                value: text,
                                value_column,
                            }
                        } else if value.is_empty() {
                            return Err(error(column, format!("'{name}:' needs a value")));
                        } else {
                            Kind::Field {
                                name,
                                value: value.to_owned(),
                                value_column,
                            }
                        }
                    }
                    _ => match word.as_str() {
                        "AND" => Kind::And,
                        "OR" => Kind::Or,
                        "NOT" => Kind::Not,
                        _ => Kind::Word(word),
                    },
                }
            }
        };
        tokens.push(Token { kind, column });
    }
    Ok(tokens)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    next: usize,
    context: &'a QueryContext<'a>,
    end_column: usize,
    /// How many `(` and `NOT` enclose the token being parsed.
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    /// Enters one level of nesting at `column`, refusing past [`MAX_NESTING`].
    fn descend(&mut self, column: usize) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(error(
                column,
                format!(
                    "the query is nested too deeply (more than {MAX_NESTING} levels of parentheses and NOT)"
                ),
            ));
        }
        Ok(())
    }

    fn or_expr(&mut self) -> Result<Expr, QueryError> {
        let mut alternatives = vec![self.and_expr()?];
        while let Some(Token {
            kind: Kind::Or,
            column,
        }) = self.peek().cloned()
        {
            self.next += 1;
            if self.at_operand_end() {
                return Err(error(column, "OR needs a term after it"));
            }
            alternatives.push(self.and_expr()?);
        }
        Ok(if alternatives.len() == 1 {
            alternatives.pop().expect("one alternative")
        } else {
            Expr::Or(alternatives)
        })
    }

    /// Whether the next token cannot start an operand.
    fn at_operand_end(&self) -> bool {
        matches!(
            self.peek().map(|token| &token.kind),
            None | Some(Kind::Close | Kind::Or | Kind::And)
        )
    }

    fn and_expr(&mut self) -> Result<Expr, QueryError> {
        let mut all = vec![self.unary()?];
        loop {
            match self.peek().cloned() {
                None => break,
                Some(Token {
                    kind: Kind::Or | Kind::Close,
                    ..
                }) => break,
                Some(Token {
                    kind: Kind::And,
                    column,
                }) => {
                    self.next += 1;
                    if self.at_operand_end() {
                        return Err(error(column, "AND needs a term after it"));
                    }
                }
                Some(_) => {}
            }
            all.push(self.unary()?);
        }
        Ok(if all.len() == 1 {
            all.pop().expect("one operand")
        } else {
            Expr::And(all)
        })
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        let Some(token) = self.peek().cloned() else {
            return Err(error(
                self.end_column,
                "the query ends where a term was expected",
            ));
        };
        match token.kind {
            Kind::Not => {
                self.next += 1;
                if self.at_operand_end() {
                    return Err(error(token.column, "NOT needs a term after it"));
                }
                self.descend(token.column)?;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(Expr::Not(Box::new(inner)))
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        let token = self.peek().cloned().expect("unary checked for a token");
        self.next += 1;
        match token.kind {
            Kind::Open => {
                if matches!(self.peek().map(|t| &t.kind), Some(Kind::Close)) {
                    return Err(error(token.column, "empty parentheses"));
                }
                self.descend(token.column)?;
                let inner = self.or_expr()?;
                self.depth -= 1;
                match self.peek() {
                    Some(Token {
                        kind: Kind::Close, ..
                    }) => {
                        self.next += 1;
                        Ok(inner)
                    }
                    _ => Err(error(token.column, "this '(' is never closed")),
                }
            }
            Kind::Close => Err(error(token.column, "')' without a matching '('")),
            Kind::And | Kind::Or => Err(error(
                token.column,
                format!(
                    "{} needs a term before it",
                    if token.kind == Kind::And { "AND" } else { "OR" }
                ),
            )),
            Kind::Not => unreachable!("unary handles NOT"),
            Kind::Word(text) => Ok(Expr::Text {
                text,
                phrase: false,
                column: token.column,
            }),
            Kind::Phrase(text) => {
                if text.trim().is_empty() {
                    return Err(error(token.column, "empty phrase"));
                }
                Ok(Expr::Text {
                    text,
                    phrase: true,
                    column: token.column,
                })
            }
            Kind::Field {
                name,
                value,
                value_column,
            } => self
                .context
                .field(&name, &value, token.column, value_column),
        }
    }
}

impl QueryContext<'_> {
    /// The filter `name:value` from a value already split off (a form's
    /// field, an API parameter), checked as the parser checks one typed in
    /// a query, with the same messages; errors point at column 1, the
    /// value's start.
    pub fn filter(&self, name: &str, value: &str) -> Result<Expr, QueryError> {
        self.field(name, value, 1, 1)
    }

    fn field(
        &self,
        name: &str,
        value: &str,
        column: usize,
        value_column: usize,
    ) -> Result<Expr, QueryError> {
        let filter = match name {
            "title" => {
                if analysis::terms(&mut analysis::folded(), value).is_empty() {
                    return Err(unsearchable(value, value_column));
                }
                Filter::Title(value.to_owned())
            }
            "entity" => {
                let ids = self.lookup.resolve(value);
                if ids.is_empty() {
                    return Err(error(
                        value_column,
                        format!("no entity in the gazetteer is called '{value}'"),
                    ));
                }
                Filter::Entity(ids.to_vec())
            }
            "place" => {
                let places: Vec<&String> = self
                    .lookup
                    .resolve(value)
                    .iter()
                    .filter(|id| {
                        self.gazetteer.get(id).is_some_and(|entity| {
                            matches!(entity.kind, EntityType::Place | EntityType::Country)
                        })
                    })
                    .collect();
                if places.is_empty() {
                    return Err(error(
                        value_column,
                        format!("no place in the gazetteer is called '{value}'"),
                    ));
                }
                let mut ids = Vec::new();
                let mut seen = HashSet::new();
                for place in places {
                    for id in self.lookup.with_descendants(place) {
                        if seen.insert(id.clone()) {
                            ids.push(id);
                        }
                    }
                }
                Filter::Entity(ids)
            }
            "type" => {
                let wanted = value.to_ascii_lowercase().replace('-', "_");
                if !ENTITY_TYPES.contains(&wanted.as_str()) {
                    return Err(error(
                        value_column,
                        format!(
                            "unknown entity type '{value}'; types are {}",
                            ENTITY_TYPES.join(", ")
                        ),
                    ));
                }
                Filter::EntityType(wanted)
            }
            "source" => Filter::Source(value.to_owned()),
            "lang" => Filter::Lang(value.to_lowercase()),
            "kind" => {
                let kind = value.to_ascii_lowercase();
                if kind != "article" && kind != "transcript" {
                    return Err(error(
                        value_column,
                        format!("unknown kind '{value}'; kinds are article and transcript"),
                    ));
                }
                Filter::Kind(kind)
            }
            "since" => Filter::Since(self.date(value, false, value_column)?),
            "until" => Filter::Until(self.date(value, true, value_column)?),
            _ => {
                return Err(error(
                    column,
                    format!("unknown field '{name}:'; fields are {}", FIELDS.join(", ")),
                ));
            }
        };
        Ok(Expr::Filter(filter))
    }

    /// A date: `2025-09-01`, an RFC 3339 time, or an age such as `7d`,
    /// `24h`, `2w`. `until:` a day includes that whole day.
    fn date(&self, value: &str, until: bool, column: usize) -> Result<DateTime<Utc>, QueryError> {
        if let Some(age) = parse_age(value) {
            return self
                .now
                .checked_sub_signed(age)
                .ok_or_else(|| error(column, format!("'{value}' is too long ago to be a date")));
        }
        if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
            let day = if until {
                day.checked_add_days(Days::new(1)).unwrap_or(day)
            } else {
                day
            };
            return Ok(day.and_time(NaiveTime::MIN).and_utc());
        }
        if let Ok(time) = DateTime::parse_from_rfc3339(value) {
            return Ok(time.with_timezone(&Utc));
        }
        Err(error(
            column,
            format!(
                "'{value}' is not a date; write 2025-09-01, 2025-09-01T08:00:00Z, or an age such as 7d, 24h, 2w"
            ),
        ))
    }
}

fn parse_age(value: &str) -> Option<TimeDelta> {
    let unit = value.chars().last()?;
    let amount: i64 = value[..value.len() - unit.len_utf8()].parse().ok()?;
    if amount < 0 {
        return None;
    }
    match unit {
        'h' => TimeDelta::try_hours(amount),
        'd' => TimeDelta::try_days(amount),
        'w' => TimeDelta::try_weeks(amount),
        _ => None,
    }
}

/// Turns parsed queries into Tantivy queries over [`Fields`].
pub struct Lowering<'a> {
    fields: &'a Fields,
    /// The text fields a word is searched in, each with its analyser and
    /// weight.
    text_fields: Vec<(Field, TextAnalyzer, f32)>,
    title: TextAnalyzer,
}

/// A title match counts this much more than a match in the text.
const TITLE_BOOST: f32 = 2.0;

impl<'a> Lowering<'a> {
    /// Prepares the analysers of the index's text fields, so a query's
    /// words are cut and folded exactly as the documents' were.
    pub fn new(fields: &'a Fields) -> Lowering<'a> {
        let mut text_fields = vec![(fields.body, analysis::folded(), 1.0)];
        for (language, field) in &fields.stemmed {
            let analyser = analysis::stemmed(language).expect("stemmed field has an analyser");
            text_fields.push((*field, analyser, 1.0));
        }
        text_fields.push((fields.title, analysis::folded(), TITLE_BOOST));
        Lowering {
            fields,
            text_fields,
            title: analysis::folded(),
        }
    }

    /// The Tantivy query for `expr`. It fails when a word leaves nothing
    /// searchable after analysis (only punctuation, or too long to index).
    pub fn lower(&mut self, expr: &Expr) -> Result<Box<dyn Query>, QueryError> {
        Ok(match expr {
            Expr::All => Box::new(AllQuery),
            Expr::Text { text, column, .. } => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for (field, analyser, boost) in &mut self.text_fields {
                    if let Some(query) = terms_query(*field, analyser, text) {
                        let query: Box<dyn Query> = if *boost == 1.0 {
                            query
                        } else {
                            Box::new(BoostQuery::new(query, *boost))
                        };
                        clauses.push((Occur::Should, query));
                    }
                }
                if clauses.is_empty() {
                    return Err(unsearchable(text, *column));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Expr::Filter(Filter::Title(text)) => {
                terms_query(self.fields.title, &mut self.title, text)
                    .ok_or_else(|| unsearchable(text, 1))?
            }
            Expr::Filter(filter) => Box::new(ConstScoreQuery::new(self.filter(filter), 0.0)),
            Expr::And(children) => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for child in children {
                    match child {
                        Expr::Not(inner) => clauses.push((Occur::MustNot, self.lower(inner)?)),
                        other => clauses.push((Occur::Must, self.lower(other)?)),
                    }
                }
                if clauses.iter().all(|(occur, _)| *occur == Occur::MustNot) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Expr::Or(children) => Box::new(BooleanQuery::new(
                children
                    .iter()
                    .map(|child| Ok((Occur::Should, self.lower(child)?)))
                    .collect::<Result<_, QueryError>>()?,
            )),
            Expr::Not(inner) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                (Occur::MustNot, self.lower(inner)?),
            ])),
        })
    }

    fn filter(&self, filter: &Filter) -> Box<dyn Query> {
        let exact = |field: Field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, value),
                IndexRecordOption::Basic,
            ))
        };
        let date = |time: &DateTime<Utc>| {
            Term::from_field_date_for_search(
                self.fields.published,
                super::schema::index_date(time.timestamp()),
            )
        };
        match filter {
            Filter::Entity(ids) => Box::new(BooleanQuery::new(
                ids.iter()
                    .map(|id| (Occur::Should, exact(self.fields.entity, id)))
                    .collect(),
            )),
            Filter::EntityType(kind) => exact(self.fields.entity_type, kind),
            Filter::Source(source) => exact(self.fields.source, source),
            Filter::Lang(lang) => exact(self.fields.lang, lang),
            Filter::Kind(kind) => exact(self.fields.kind, kind),
            Filter::Since(time) => Box::new(RangeQuery::new(
                Bound::Included(date(time)),
                Bound::Unbounded,
            )),
            Filter::Until(time) => Box::new(RangeQuery::new(
                Bound::Unbounded,
                Bound::Excluded(date(time)),
            )),
            Filter::Title(_) => unreachable!("titles are text, lowered above"),
        }
    }
}

/// Why `text` gives no term: nothing to search for, or only words longer
/// than the index keeps.
fn unsearchable(text: &str, column: usize) -> QueryError {
    if text.chars().any(char::is_alphanumeric) {
        error(
            column,
            format!(
                "'{text}' has no word of at most {} bytes: longer words (base64, run-together addresses) are not indexed, so they cannot be searched",
                analysis::LONGEST_TOKEN_BYTES
            ),
        )
    } else {
        error(
            column,
            format!("'{text}' has no letters or digits to search for"),
        )
    }
}

/// A term query for one term, a phrase query for several, nothing for none.
fn terms_query(field: Field, analyser: &mut TextAnalyzer, text: &str) -> Option<Box<dyn Query>> {
    let terms = analysis::terms(analyser, text);
    match terms.as_slice() {
        [] => None,
        [one] => Some(Box::new(TermQuery::new(
            Term::from_field_text(field, one),
            IndexRecordOption::WithFreqs,
        ))),
        many => Some(Box::new(PhraseQuery::new(
            many.iter()
                .map(|term| Term::from_field_text(field, term))
                .collect(),
        ))),
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::All => f.write_str("*"),
            Expr::Text {
                text, phrase: true, ..
            } => write!(f, "\"{text}\""),
            Expr::Text { text, .. } => f.write_str(text),
            Expr::Filter(filter) => write!(f, "{filter:?}"),
            Expr::And(children) | Expr::Or(children) => {
                let joiner = if matches!(self, Expr::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                write!(f, "(")?;
                for (i, child) in children.iter().enumerate() {
                    if i > 0 {
                        f.write_str(joiner)?;
                    }
                    write!(f, "{child}")?;
                }
                write!(f, ")")
            }
            Expr::Not(inner) => write!(f, "NOT {inner}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn gazetteer() -> Gazetteer {
        Gazetteer::from_sources(&[(
            Path::new("test.toml"),
            r#"
            [[entity]]
            id = "jnim"
            type = "armed_group"
            name = "JNIM"
            aliases = ["GSIM", "جماعة نصرة الإسلام والمسلمين"]
            [[entity]]
            id = "mali"
            type = "country"
            name = "Mali"
            country = "ML"
            lat = 17.0
            lon = -4.0
            [[entity]]
            id = "kayes-region"
            type = "place"
            name = "Région de Kayes"
            country = "ML"
            parent = "mali"
            lat = 14.0
            lon = -11.0
            [[entity]]
            id = "diboli"
            type = "place"
            name = "Diboli"
            country = "ML"
            parent = "kayes-region"
            lat = 14.6
            lon = -12.1
            [[entity]]
            id = "nioro-du-sahel"
            type = "place"
            name = "Nioro du Sahel"
            aliases = ["نيورو"]
            country = "ML"
            parent = "kayes-region"
            lat = 15.2
            lon = -9.6
            "#,
        )])
        .unwrap()
    }

    fn parse_with(input: &str) -> Result<Expr, QueryError> {
        let gazetteer = gazetteer();
        let lookup = EntityLookup::new(&gazetteer);
        let now = DateTime::parse_from_rfc3339("2025-10-01T12:00:00Z")
            .unwrap()
            .to_utc();
        parse(
            input,
            &QueryContext {
                gazetteer: &gazetteer,
                lookup: &lookup,
                now,
            },
        )
    }

    fn shape(input: &str) -> String {
        parse_with(input).unwrap().to_string()
    }

    #[test]
    fn words_are_anded_and_or_binds_looser() {
        assert_eq!(shape("jnim blocus"), "(jnim AND blocus)");
        assert_eq!(shape("a b OR c"), "((a AND b) OR c)");
        assert_eq!(shape("a AND (b OR c)"), "(a AND (b OR c))");
        assert_eq!(shape("a -b NOT c"), "(a AND NOT b AND NOT c)");
        assert_eq!(
            shape("\"blocus carburant\" or"),
            "(\"blocus carburant\" AND or)"
        );
        assert_eq!(shape(""), "*");
    }

    #[test]
    fn entities_resolve_from_any_spelling() {
        for spelling in [
            "jnim",
            "GSIM",
            "\"jama'a nusrat\"",
            "\"جماعة نصرة الإسلام والمسلمين\"",
        ] {
            let query = format!("entity:{spelling}");
            if spelling.contains("nusrat") {
                assert!(parse_with(&query).is_err());
                continue;
            }
            assert_eq!(
                parse_with(&query).unwrap(),
                Expr::Filter(Filter::Entity(vec!["jnim".into()])),
                "{query}"
            );
        }
        assert_eq!(
            parse_with("entity:نيورو").unwrap(),
            parse_with("entity:\"Nioro du Sahel\"").unwrap()
        );
    }

    #[test]
    fn a_place_includes_the_places_inside_it() {
        let Expr::Filter(Filter::Entity(ids)) = parse_with("place:\"région de kayes\"").unwrap()
        else {
            panic!("not an entity filter");
        };
        assert_eq!(ids, ["kayes-region", "diboli", "nioro-du-sahel"]);
        let error = parse_with("place:jnim").unwrap_err();
        assert_eq!(error.column, 7);
    }

    #[test]
    fn dates_absolute_relative_and_until_a_whole_day() {
        assert_eq!(
            parse_with("since:2025-09-01").unwrap(),
            Expr::Filter(Filter::Since("2025-09-01T00:00:00Z".parse().unwrap()))
        );
        assert_eq!(
            parse_with("until:2025-09-30").unwrap(),
            Expr::Filter(Filter::Until("2025-10-01T00:00:00Z".parse().unwrap()))
        );
        assert_eq!(
            parse_with("since:7d").unwrap(),
            Expr::Filter(Filter::Since("2025-09-24T12:00:00Z".parse().unwrap()))
        );
    }

    #[test]
    fn errors_say_what_and_where() {
        let cases = [
            ("jnim (blocus", 6, "never closed"),
            ("jnim (blocus OR", 14, "OR needs a term after it"),
            ("jnim blocus)", 12, "without a matching"),
            ("\"blocus carburant", 1, "never closed"),
            ("kayes OR", 7, "OR needs a term after it"),
            ("AND kayes", 1, "AND needs a term before it"),
            ("jnim NOT", 6, "NOT needs a term after it"),
            ("since:hier", 7, "not a date"),
            ("foo:bar", 1, "unknown field 'foo:'"),
            ("entity:atlantis", 8, "no entity"),
            ("type:rebels", 6, "unknown entity type"),
            ("kind:podcast", 6, "unknown kind"),
            ("kayes ()", 7, "empty parentheses"),
        ];
        for (query, column, message) in cases {
            let error = parse_with(query).expect_err(query);
            assert_eq!(error.column, column, "{query}: {error}");
            assert!(error.message.contains(message), "{query}: {error}");
        }
    }

    #[test]
    fn nesting_is_bounded_and_says_so() {
        let deep = |depth: usize| format!("{}x{}", "(".repeat(depth), ")".repeat(depth));
        assert!(parse_with(&deep(MAX_NESTING)).is_ok());
        let error = parse_with(&deep(MAX_NESTING + 1)).unwrap_err();
        assert!(error.message.contains("nested too deeply"), "{error}");
        assert_eq!(error.column, MAX_NESTING + 1);
        let nots = format!("{}x", "NOT ".repeat(MAX_NESTING + 1));
        assert!(
            parse_with(&nots)
                .unwrap_err()
                .message
                .contains("nested too deeply")
        );
        // Siblings are not nesting.
        assert!(parse_with(&"(a) ".repeat(500)).is_ok());
    }

    #[test]
    fn dates_out_of_range_are_errors_and_far_ones_are_kept() {
        for query in ["since:9999999999d", "until:9999999999w", "since:-5d"] {
            assert!(parse_with(query).is_err(), "{query}");
        }
        assert_eq!(
            parse_with("until:2300-01-01").unwrap(),
            Expr::Filter(Filter::Until("2300-01-02T00:00:00Z".parse().unwrap()))
        );
    }

    #[test]
    fn a_long_word_is_named_as_too_long_not_as_empty() {
        let fields = super::super::schema::build().1;
        let word = "é".repeat(40);
        let error = Lowering::new(&fields)
            .lower(&parse_with(&word).unwrap())
            .err()
            .unwrap();
        assert!(error.message.contains("longer words"), "{error}");
        let error = Lowering::new(&fields)
            .lower(&parse_with("--- ...").unwrap())
            .err()
            .unwrap();
        assert!(error.message.contains("no letters or digits"), "{error}");
    }

    #[test]
    fn times_and_urls_are_words_not_fields() {
        assert_eq!(shape("10:30"), "10:30");
        assert_eq!(shape("https://example.org/a"), "https://example.org/a");
    }
}
