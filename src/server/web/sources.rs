//! The sources' page at `/feeds`: every feed's state, failing ones first,
//! each linking to the documents it carried.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::search::SearchForm;
use super::{Frame, Linked};
use crate::server::AppState;
use crate::server::api::blocking;
use crate::server::status::{FeedList, FeedView, feed_list};

pub(crate) async fn feeds(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let frame = Frame::new(&headers, "/feeds".to_owned(), "feeds");
    match blocking(move || feed_list(&state)).await {
        Ok(list) => frame.render("feeds.html", StatusCode::OK, &feeds_page(list)),
        Err(error) => frame.error(error),
    }
}

/// The list with failing sources first, so they are seen.
fn feeds_page(list: FeedList) -> FeedList<Linked<FeedView>> {
    let mut feeds = list.feeds;
    feeds.sort_by_key(|feed| match feed.state {
        "failing" => 0,
        "never_fetched" => 1,
        "ok" => 2,
        _ => 3,
    });
    FeedList {
        total: list.total,
        failing: list.failing,
        feeds: feeds
            .into_iter()
            .map(|feed| {
                let href = SearchForm::for_source(&feed.id).href();
                Linked::new(feed, href)
            })
            .collect(),
    }
}
