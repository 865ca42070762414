//! What every request passes through: the API token, limits on size and
//! time, and response headers that make the answers inert in a browser.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::AppState;
use super::api::ApiError;
use super::web;

/// Longest request target (path and query) accepted.
const MAX_TARGET_BYTES: usize = 8 * 1024;

/// Largest request body accepted: the login form is the only body taken,
/// and the limit keeps a client from making the server read a big one.
pub(crate) const MAX_BODY_BYTES: u64 = 64 * 1024;

/// An API token, kept as its digest: comparing digests in constant time
/// reveals neither the token's bytes nor its length through timing.
pub(crate) struct Token([u8; 32]);

impl Token {
    pub(crate) fn new(token: &str) -> Token {
        Token(Sha256::digest(token.as_bytes()).into())
    }

    pub(super) fn admits(&self, presented: &str) -> bool {
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        self.0.ct_eq(&presented).into()
    }
}

/// Answers that are data: never sniffed, framed, or allowed to load
/// anything, so a feed's text can reach a browser only as data.
const DATA_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// The web page's own files and nothing else: no inline script or style
/// (so markup smuggled into a page could not run or restyle it), no other
/// origin, forms posting only here.
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

pub(crate) async fn guard(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = match check(&state, &request) {
        Err(refusal) if refusal.status == StatusCode::UNAUTHORIZED && web::is_page(&path) => {
            // A browser is sent to the form that sets the token's cookie,
            // and brought back after.
            let here = request
                .uri()
                .path_and_query()
                .map_or("/", |target| target.as_str());
            let back: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
            Redirect::to(&format!("/login?back={back}")).into_response()
        }
        Err(refusal) => {
            let mut response = refusal.into_response();
            if response.status() == StatusCode::UNAUTHORIZED {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"veille\""),
                );
            }
            response
        }
        Ok(()) => match tokio::time::timeout(state.request_timeout, next.run(request)).await {
            Ok(response) => response,
            Err(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the request took longer than {}; narrow it or try again",
                    humantime::format_duration(state.request_timeout)
                ),
            )
            .into_response(),
        },
    };
    let headers = response.headers_mut();
    let is_page = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(if is_page { PAGE_POLICY } else { DATA_POLICY }),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // Pages and data change with every fetch; only the page's own files
    // say otherwise.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn check(state: &AppState, request: &Request) -> Result<(), ApiError> {
    let token = state
        .token
        .as_ref()
        .filter(|_| !web::is_public(request.uri().path()));
    if let Some(token) = token {
        let bearer = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::to_owned);
        // A browser carries it in the cookie the login form set.
        let presented =
            bearer.or_else(|| web::request::cookie(request.headers(), web::request::TOKEN_COOKIE));
        if !presented.is_some_and(|presented| token.admits(presented.trim())) {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "this server needs an API token: send Authorization: Bearer <token>",
            ));
        }
    }
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    if target > MAX_TARGET_BYTES {
        return Err(ApiError::new(
            StatusCode::URI_TOO_LONG,
            format!("the request target is longer than {MAX_TARGET_BYTES} bytes"),
        ));
    }
    let body = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok())
        .unwrap_or(0);
    if body > MAX_BODY_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request bodies are limited to {MAX_BODY_BYTES} bytes"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_compared_whole() {
        let token = Token::new("s3cret-token-for-tests");
        assert!(token.admits("s3cret-token-for-tests"));
        assert!(!token.admits("s3cret-token-for-test"));
        assert!(!token.admits(""));
    }
}
