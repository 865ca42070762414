//! The login form at `/login`, in front of the API token: a browser
//! cannot send an `Authorization` header when following a link, so the
//! token it is given here travels in a cookie.

use std::sync::Arc;

use axum::Form;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::Frame;
use super::request::{TOKEN_COOKIE, back, local_path, path_and_query};
use crate::server::AppState;

/// What `login.html` shows.
#[derive(Serialize)]
struct LoginPage {
    /// Where a successful login goes.
    back: String,
    /// The token typed was refused.
    failed: bool,
}

pub(crate) async fn login_form(headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let frame = Frame::new(&headers, path_and_query("/login", raw.as_deref()), "login");
    let page = LoginPage {
        back: local_path(back(raw.as_deref())),
        failed: false,
    };
    frame.render("login.html", StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    token: String,
    back: Option<String>,
}

/// Checks the token the reader typed and keeps it in a cookie that
/// scripts cannot read (`HttpOnly`) and other sites cannot send
/// (`SameSite`).
pub(crate) async fn login(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let back = local_path(form.back);
    let admitted = state
        .token
        .as_ref()
        .is_none_or(|token| token.admits(form.token.trim()));
    if !admitted {
        let frame = Frame::new(&headers, "/login".to_owned(), "login");
        let page = LoginPage { back, failed: true };
        return frame.render("login.html", StatusCode::UNAUTHORIZED, &page);
    }
    let mut response = Redirect::to(&back).into_response();
    let value: String = percent_encoding::utf8_percent_encode(
        form.token.trim(),
        percent_encoding::NON_ALPHANUMERIC,
    )
    .collect();
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "{TOKEN_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax"
    )) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}
