//! `GET /`: the dashboard, one self-contained page (HTML, CSS and a small
//! script in one file, nothing loaded from elsewhere) that polls
//! `/emulator/v1/state` and drives the emulator's own endpoints.
//!
//! It is served with a Content-Security-Policy that allows only its own
//! inline script and style (by their SHA-256) and requests to the emulator
//! itself; the script renders every value with `textContent`, never as HTML.

use std::sync::OnceLock;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The dashboard page, as `GET /` serves it.
pub const DASHBOARD_HTML: &str = include_str!("dashboard.html");

/// The text between the first `<{tag}>` and the `</{tag}>` after it.
fn inline(tag: &str) -> &'static str {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    DASHBOARD_HTML
        .split_once(open.as_str())
        .and_then(|(_, rest)| rest.split_once(close.as_str()))
        .map_or("", |(body, _)| body)
}

fn hash_source(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The Content-Security-Policy `GET /` is served with: nothing from
/// anywhere (`default-src 'none'`) but the page's own inline script and
/// style, named by their SHA-256, and `fetch` to the emulator itself
/// (`connect-src 'self'`); no frames, forms, base URI or plug-ins.
pub fn dashboard_csp() -> &'static str {
    static CSP: OnceLock<String> = OnceLock::new();
    CSP.get_or_init(|| {
        format!(
            "default-src 'none'; script-src {}; style-src {}; connect-src 'self'; \
             img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            hash_source(inline("script")),
            hash_source(inline("style")),
        )
    })
}

/// The page with its headers; `X-Content-Type-Options: nosniff` is added
/// by the router's outermost layer, as to every response.
pub(crate) fn response() -> Response {
    let csp = HeaderValue::from_str(dashboard_csp())
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CONTENT_SECURITY_POLICY, csp),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        DASHBOARD_HTML,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_has_one_script_and_one_style_and_loads_nothing() {
        assert_eq!(DASHBOARD_HTML.matches("<script").count(), 1);
        assert_eq!(DASHBOARD_HTML.matches("<style").count(), 1);
        assert!(inline("script").contains("/emulator/v1/state"));
        assert!(inline("style").contains("body {"));
        // Nothing from elsewhere, no HTML made from data, no inline handlers
        // or style attributes (the policy would block them anyway).
        for banned in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
            "http://",
            "https://",
            " src=",
            " href=",
            " style=",
            " onclick=",
            " onsubmit=",
            " onload=",
        ] {
            assert!(
                !DASHBOARD_HTML.contains(banned),
                "the page contains {banned:?}"
            );
        }
    }

    #[test]
    fn a_source_hash_is_the_base64_sha256_of_the_text() {
        // The SHA-256 of the empty string, a known answer.
        assert_eq!(
            hash_source(""),
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
        );
    }

    #[test]
    fn the_policy_names_the_inline_script_and_style() {
        let csp = dashboard_csp();
        assert!(csp.starts_with("default-src 'none'; script-src 'sha256-"));
        let expect = |text: &str| {
            let d = Sha256::digest(text.as_bytes());
            base64::engine::general_purpose::STANDARD.encode(d)
        };
        assert!(csp.contains(&format!("script-src 'sha256-{}'", expect(inline("script")))));
        assert!(csp.contains(&format!("style-src 'sha256-{}'", expect(inline("style")))));
        assert!(!csp.contains("unsafe"));
    }
}
