//! JSON request bodies whose errors name the offending field.
//!
//! `ValidJson<T>` reads the body (size-limited), requires `application/json`, and deserialises
//! with `serde_path_to_error`, so a wrong type deep inside an array is reported as
//! `materials[2].required`. Types use `#[serde(deny_unknown_fields)]` so unknown fields are refused.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Maximum JSON body size, bytes; configured as app data, default 256 KiB.
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit(pub usize);

impl Default for BodyLimit {
    fn default() -> Self {
        BodyLimit(256 * 1024)
    }
}

#[derive(Debug)]
pub struct ValidJson<T>(pub T);

impl<T> ValidJson<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<BodyLimit>>()
            .map(|l| l.0)
            .unwrap_or_else(|| BodyLimit::default().0);
        let content_type_ok = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                let v = v.to_ascii_lowercase();
                v.starts_with("application/json") || v.contains("+json")
            })
            .unwrap_or(false);
        let declared_len = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !content_type_ok {
                return Err(ApiError::Unsupported {
                    message: "request body must be JSON (Content-Type: application/json)".into(),
                });
            }
            if declared_len.is_some_and(|n| n > limit) {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| ApiError::bad_request("bad_body", e.to_string()))?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            parse_json(&body).map(ValidJson)
        })
    }
}

/// Deserialise JSON bytes, mapping serde's error to a problem naming the field.
///
/// The whole body must be one JSON value (trailing bytes other than whitespace are refused),
/// no string in it may carry a control or bidi-override character ([`crate::text`]), and no
/// string or list may be longer than its limit ([`crate::limits`]).
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => v,
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            return Err(classify(path, inner));
        }
    };
    de.end().map_err(|e| ApiError::BadRequest {
        code: "malformed_json",
        message: format!(
            "request body is not valid JSON: {} (one JSON value only, nothing after it)",
            strip_position(&e.to_string())
        ),
        field: None,
    })?;
    // The typed value has been read; the same bytes as a tree, for the checks every text
    // field gets whatever its type: characters, then lengths.
    if let Ok(raw) = serde_json::from_slice::<serde_json::Value>(body) {
        if crate::text::json_may_contain_forbidden(body) {
            if let Some((field, c)) = crate::text::find_in_json(&raw) {
                return Err(ApiError::Validation {
                    code: "invalid_characters",
                    errors: vec![crate::error::FieldError::new(
                        field,
                        crate::text::message(c),
                    )],
                });
            }
        }
        crate::limits::check_json(&raw)?;
    }
    Ok(value)
}

fn classify(path: String, err: serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let message = strip_position(&err.to_string());
    match err.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::BadRequest {
            code: "malformed_json",
            message: format!("request body is not valid JSON: {message}"),
            field: None,
        },
        Category::Data => {
            // serde names unknown/missing fields in backticks; the path is the parent object.
            let named = backticked(&message);
            let (code, field) = if message.starts_with("unknown field") {
                ("unknown_field", join_path(&path, named.as_deref()))
            } else if message.starts_with("missing field") {
                ("missing_field", join_path(&path, named.as_deref()))
            } else {
                (
                    "invalid_field",
                    if path == "." { String::new() } else { path },
                )
            };
            let field = if field.is_empty() {
                "body".to_string()
            } else {
                field
            };
            ApiError::Validation {
                code,
                errors: vec![crate::error::FieldError::new(field, message)],
            }
        }
    }
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn backticked(msg: &str) -> Option<String> {
    let start = msg.find('`')? + 1;
    let end = msg[start..].find('`')? + start;
    Some(msg[start..end].to_string())
}

fn join_path(parent: &str, name: Option<&str>) -> String {
    // serde_path_to_error already ends the path with an unknown field's name.
    if let Some(n) = name {
        if parent == n || parent.ends_with(&format!(".{n}")) {
            return parent.to_string();
        }
    }
    match (parent, name) {
        (".", Some(n)) | ("", Some(n)) => n.to_string(),
        (p, Some(n)) => format!("{p}.{n}"),
        (p, None) => p.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        name: String,
        required: bool,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        code: String,
        items: Vec<Inner>,
    }

    fn field_of(err: ApiError) -> (&'static str, String) {
        let code = err.code();
        match err {
            ApiError::Validation { errors, .. } => (code, errors[0].field.clone()),
            ApiError::BadRequest { .. } => (code, String::new()),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn names_nested_wrong_type() {
        let err = parse_json::<Outer>(br#"{"code":"a","items":[{"name":"x","required":"yes"}]}"#)
            .unwrap_err();
        assert_eq!(field_of(err), ("invalid_field", "items[0].required".into()));
    }

    #[test]
    fn names_unknown_and_missing_fields() {
        let err = parse_json::<Outer>(br#"{"code":"a","items":[],"colour":1}"#).unwrap_err();
        assert_eq!(field_of(err), ("unknown_field", "colour".into()));
        let err = parse_json::<Outer>(br#"{"code":"a","items":[{"name":"x"}]}"#).unwrap_err();
        assert_eq!(field_of(err), ("missing_field", "items[0].required".into()));
        let err = parse_json::<Outer>(br#"{"items":[]}"#).unwrap_err();
        assert_eq!(field_of(err), ("missing_field", "code".into()));
    }

    #[test]
    fn trailing_garbage_is_refused() {
        let err = parse_json::<Outer>(br#"{"code":"a","items":[]} garbage"#).unwrap_err();
        assert_eq!(field_of(err).0, "malformed_json");
        let err = parse_json::<Outer>(br#"{"code":"a","items":[]}{}"#).unwrap_err();
        assert_eq!(field_of(err).0, "malformed_json");
        assert!(parse_json::<Outer>(b"{\"code\":\"a\",\"items\":[]}\n  ").is_ok());
    }

    #[test]
    fn control_characters_name_their_field() {
        let err = parse_json::<Outer>(br#"{"code":"a\u0000","items":[]}"#).unwrap_err();
        assert_eq!(field_of(err), ("invalid_characters", "code".into()));
        let err = parse_json::<Outer>(
            "{\"code\":\"a\",\"items\":[{\"name\":\"x\u{202e}\",\"required\":true}]}".as_bytes(),
        )
        .unwrap_err();
        assert_eq!(
            field_of(err),
            ("invalid_characters", "items[0].name".into())
        );
        assert!(parse_json::<Outer>(br#"{"code":"line\nbreak \u00e9","items":[]}"#).is_ok());
    }

    #[test]
    fn malformed_json_is_bad_request() {
        let err = parse_json::<Outer>(br#"{"code": "#).unwrap_err();
        assert_eq!(field_of(err).0, "malformed_json");
        let err = parse_json::<Outer>(b"not json").unwrap_err();
        assert_eq!(field_of(err).0, "malformed_json");
    }
}
