//! Conditional GET (RFC 9110 §13.1–13.2): entity tags, `If-None-Match` with weak comparison, lists
//! and `*`, and `If-Modified-Since`, which is ignored when `If-None-Match` is present or its date
//! does not parse. `conditional_get` evaluates them after compression, on the representation
//! actually selected: a gzip or brotli body gets its own strong entity tag (the identity tag with
//! `-gzip` or `-br` appended, RFC 9110 §8.8.3), and `If-None-Match` is compared with that tag.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// Parses an `If-None-Match` value into its entity tags' opaque parts (without `W/` and quotes).
/// `Err(())` when the list is malformed; `Ok(None)` for `*`.
#[allow(clippy::result_unit_err)]
pub(crate) fn parse_if_none_match(value: &str) -> Result<Option<Vec<&str>>, ()> {
    let v = value.trim();
    if v == "*" {
        return Ok(None);
    }
    let mut tags = Vec::new();
    let mut rest = v;
    loop {
        rest = rest.trim_start_matches([',', ' ', '\t']);
        if rest.is_empty() {
            break;
        }
        let body = rest.strip_prefix("W/").unwrap_or(rest);
        let body = body.strip_prefix('"').ok_or(())?;
        let end = body.find('"').ok_or(())?;
        let tag = &body[..end];
        if !tag
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80)
        {
            return Err(());
        }
        tags.push(tag);
        rest = &body[end + 1..];
        let next = rest.trim_start_matches([' ', '\t']);
        if !(next.is_empty() || next.starts_with(',')) {
            return Err(());
        }
        rest = next;
    }
    if tags.is_empty() {
        return Err(());
    }
    Ok(Some(tags))
}

/// The opaque part of our strong `etag` (`"abc"` → `abc`).
fn opaque(etag: &str) -> &str {
    etag.trim_start_matches("W/").trim_matches('"')
}

/// Formats an instant as an HTTP-date (IMF-fixdate), second resolution.
#[must_use]
pub(crate) fn http_date(ts: jiff::Timestamp) -> String {
    ts.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Parses an HTTP-date in the IMF-fixdate form; other forms are treated as invalid (and so ignored).
#[must_use]
pub(crate) fn parse_http_date(s: &str) -> Option<jiff::Timestamp> {
    let s = s.trim();
    let body = s.strip_suffix(" GMT")?;
    let dt = jiff::civil::DateTime::strptime("%a, %d %b %Y %H:%M:%S", body).ok()?;
    jiff::tz::Offset::UTC.to_timestamp(dt).ok()
}

/// Whether the request's preconditions say the client's copy is current (answer 304).
/// `etag` is our strong tag; `last_modified` the resource's modification time, if it has one.
#[must_use]
pub fn not_modified(
    method: &Method,
    headers: &HeaderMap,
    etag: &str,
    last_modified: Option<jiff::Timestamp>,
) -> bool {
    if method != Method::GET && method != Method::HEAD {
        return false;
    }
    let inm: Vec<&str> = headers
        .get_all(axum::http::header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if headers.contains_key(axum::http::header::IF_NONE_MATCH) {
        // RFC 9110 §13.1.3: If-Modified-Since is ignored whenever If-None-Match is present.
        let ours = opaque(etag);
        return inm.iter().any(|v| match parse_if_none_match(v) {
            Ok(None) => true,
            Ok(Some(tags)) => tags.contains(&ours),
            Err(()) => false,
        });
    }
    let Some(lm) = last_modified else {
        return false;
    };
    let Some(ims) = headers
        .get(axum::http::header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date)
    else {
        return false;
    };
    lm.as_second() <= ims.as_second()
}

/// The entity tag of a content-coded representation: `"abc"` with coding `gzip` → `"abc-gzip"`.
#[must_use]
pub(crate) fn coded_etag(etag: &str, coding: &str) -> String {
    let weak = if etag.starts_with("W/") { "W/" } else { "" };
    format!("{weak}\"{}-{coding}\"", opaque(etag))
}

/// Middleware, outside the compression layer: takes the preconditions off a GET or HEAD, lets the
/// handler and the compression layer pick the representation, gives a content-coded one its own entity
/// tag, then answers 304 (without the body, which is then never compressed) when the preconditions say
/// the client's copy is current. Responses without an `ETag` pass through untouched.
pub(crate) async fn conditional_get(mut req: Request, next: Next) -> Response {
    let method = req.method().clone();
    if method != Method::GET && method != Method::HEAD {
        return next.run(req).await;
    }
    let mut preconditions = HeaderMap::new();
    for name in [header::IF_NONE_MATCH, header::IF_MODIFIED_SINCE] {
        let values: Vec<HeaderValue> = req.headers().get_all(&name).iter().cloned().collect();
        req.headers_mut().remove(&name);
        for v in values {
            preconditions.append(name.clone(), v);
        }
    }
    let mut res = next.run(req).await;
    let Some(identity_tag) = res
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return res;
    };
    let coding = res
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("identity"))
        .map(str::to_ascii_lowercase);
    let etag = match &coding {
        Some(c) if c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => {
            coded_etag(&identity_tag, c)
        }
        _ => identity_tag,
    };
    if let Ok(v) = HeaderValue::from_str(&etag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    if res.status() != StatusCode::OK || preconditions.is_empty() {
        return res;
    }
    let last_modified = res
        .headers()
        .get(header::LAST_MODIFIED)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date);
    if !not_modified(&method, &preconditions, &etag, last_modified) {
        return res;
    }
    let (mut parts, _body) = res.into_parts();
    parts.status = StatusCode::NOT_MODIFIED;
    for h in [
        header::CONTENT_LENGTH,
        header::CONTENT_TYPE,
        header::CONTENT_ENCODING,
        header::TRANSFER_ENCODING,
    ] {
        parts.headers.remove(h);
    }
    Response::from_parts(parts, Body::empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn h(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.append(*k, HeaderValue::from_str(v).unwrap());
        }
        m
    }

    #[test]
    fn if_none_match_lists_and_weak_tags_parse() {
        assert_eq!(
            parse_if_none_match(r#"W/"a", "b",W/"c""#),
            Ok(Some(vec!["a", "b", "c"]))
        );
        assert_eq!(parse_if_none_match("*"), Ok(None));
        assert!(parse_if_none_match("abc").is_err());
        assert!(parse_if_none_match(r#""a" junk"#).is_err());
        assert!(parse_if_none_match("").is_err());
    }

    #[test]
    fn coded_tags_keep_their_strength() {
        assert_eq!(coded_etag("\"abc\"", "gzip"), "\"abc-gzip\"");
        assert_eq!(coded_etag("W/\"abc\"", "br"), "W/\"abc-br\"");
    }

    #[test]
    fn http_dates_round_trip() {
        let ts: jiff::Timestamp = "2024-09-27T03:01:00Z".parse().unwrap();
        let s = http_date(ts);
        assert_eq!(s, "Fri, 27 Sep 2024 03:01:00 GMT");
        assert_eq!(parse_http_date(&s), Some(ts));
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(parse_http_date("Friday, 27-Sep-24 03:01:00 GMT"), None);
    }

    #[test]
    fn the_matrix() {
        let lm: jiff::Timestamp = "2024-09-27T03:01:00Z".parse().unwrap();
        let get = Method::GET;
        let e = "\"abc\"";
        assert!(not_modified(
            &get,
            &h(&[("if-none-match", "\"abc\"")]),
            e,
            Some(lm)
        ));
        assert!(not_modified(
            &get,
            &h(&[("if-none-match", "W/\"abc\"")]),
            e,
            Some(lm)
        ));
        assert!(not_modified(
            &get,
            &h(&[("if-none-match", "\"x\", \"abc\"")]),
            e,
            Some(lm)
        ));
        assert!(not_modified(
            &get,
            &h(&[("if-none-match", "*")]),
            e,
            Some(lm)
        ));
        assert!(!not_modified(
            &get,
            &h(&[("if-none-match", "\"x\"")]),
            e,
            Some(lm)
        ));
        // INM wins over IMS both ways.
        assert!(not_modified(
            &get,
            &h(&[
                ("if-none-match", "\"abc\""),
                ("if-modified-since", "Thu, 01 Jan 1970 00:00:00 GMT")
            ]),
            e,
            Some(lm)
        ));
        assert!(!not_modified(
            &get,
            &h(&[
                ("if-none-match", "\"x\""),
                ("if-modified-since", &http_date(lm))
            ]),
            e,
            Some(lm)
        ));
        assert!(not_modified(
            &get,
            &h(&[("if-modified-since", &http_date(lm))]),
            e,
            Some(lm)
        ));
        assert!(!not_modified(
            &get,
            &h(&[("if-modified-since", "Thu, 01 Jan 1970 00:00:00 GMT")]),
            e,
            Some(lm)
        ));
        assert!(!not_modified(
            &get,
            &h(&[("if-modified-since", "garbage")]),
            e,
            Some(lm)
        ));
        assert!(!not_modified(
            &get,
            &h(&[("if-modified-since", &http_date(lm))]),
            e,
            None
        ));
        assert!(not_modified(
            &Method::HEAD,
            &h(&[("if-none-match", "\"abc\"")]),
            e,
            Some(lm)
        ));
        assert!(!not_modified(
            &Method::POST,
            &h(&[("if-none-match", "\"abc\"")]),
            e,
            Some(lm)
        ));
    }
}
