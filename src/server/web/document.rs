//! A document's page at `/documents/{id}`: its text with the entities
//! marked, its sources, its entities by mentions.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;

use super::Frame;
use super::reading::{self, Block, Piece};
use super::search::SearchForm;
use crate::alerts::digest::link;
use crate::archive::DocumentView;
use crate::server::AppState;
use crate::server::api::{ApiError, blocking, internal};

/// What `document.html` shows.
#[derive(Serialize)]
struct DocumentPage {
    document: Facts,
    title: Vec<Piece>,
    body: Vec<Block>,
    transcript: Option<TranscriptFacts>,
    sources: Vec<SourceLink>,
    entities: Vec<EntityLink>,
}

/// What the record says of the document.
#[derive(Serialize)]
struct Facts {
    id: i64,
    url: String,
    published: String,
    fetched: String,
    author: Option<String>,
    language: Option<String>,
    kind: String,
    extraction: String,
}

#[derive(Serialize)]
struct TranscriptFacts {
    station: Option<String>,
    programme: Option<String>,
    audio: Option<String>,
    format: String,
}

/// A source that carried the document, linking to its other documents.
#[derive(Serialize)]
struct SourceLink {
    name: String,
    url: String,
    first_seen: String,
    href: String,
}

/// An entity the document names, linking to the documents naming it.
#[derive(Serialize)]
struct EntityLink {
    name: String,
    kind: String,
    mentions: usize,
    href: String,
}

pub(crate) async fn document(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let frame = Frame::new(&headers, format!("/documents/{id}"), "search");
    let Ok(id) = id.parse::<i64>() else {
        return frame.error(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("{id:?} is not a document number"),
        ));
    };
    let page = blocking(move || {
        let live = state.live();
        let view = live
            .search
            .document(&state.store, id)
            .map_err(internal)?
            .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no document {id}")))?;
        let feed_names: HashMap<&str, &str> = live
            .feeds
            .iter()
            .map(|feed| (feed.id.as_str(), feed.name.as_str()))
            .collect();
        Ok(document_page(&view, &feed_names))
    })
    .await;
    match page {
        Ok(page) => frame.render("document.html", StatusCode::OK, &page),
        Err(error) => frame.error(error),
    }
}

fn document_page(view: &DocumentView, feed_names: &HashMap<&str, &str>) -> DocumentPage {
    let sources = view
        .source_details
        .iter()
        .map(|source| SourceLink {
            name: feed_names
                .get(source.feed_id.as_str())
                .copied()
                .unwrap_or(&source.feed_id)
                .to_owned(),
            url: link(&source.url),
            first_seen: source.first_seen.clone(),
            href: SearchForm::for_source(&source.feed_id).href(),
        })
        .collect();
    let mut entities: Vec<EntityLink> = view
        .entity_mentions
        .iter()
        .map(|entity| EntityLink {
            name: entity.name.clone(),
            kind: entity.kind.clone(),
            mentions: entity.mentions.len(),
            href: SearchForm::for_entity(&entity.id).href(),
        })
        .collect();
    entities.sort_by_key(|entity| std::cmp::Reverse(entity.mentions));
    let document = &view.document;
    DocumentPage {
        document: Facts {
            id: document.id,
            url: link(&document.url),
            published: document.published.clone(),
            fetched: document.fetched.clone(),
            author: document.author.clone(),
            language: document.language.clone(),
            kind: document.kind.clone(),
            extraction: document.extraction.clone(),
        },
        title: reading::title(view),
        body: reading::body(view),
        transcript: document
            .transcript
            .as_ref()
            .map(|transcript| TranscriptFacts {
                station: transcript.station.clone(),
                programme: transcript.programme.clone(),
                audio: transcript.audio_url.as_deref().map(link),
                format: transcript.format.clone(),
            }),
        sources,
        entities,
    }
}
