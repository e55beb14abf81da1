//! What every route of both services may answer besides its own results, added to each
//! operation of the OpenAPI document so the spec lists every status the server sends.
//!
//! - 400 malformed JSON, query or path (`malformed_json`, `invalid_query`, `invalid_path`);
//! - 401 / 403 on authenticated routes (missing or bad token; wrong role or department);
//! - 404 on routes with a path parameter (no such record);
//! - 409 on writes (state conflicts, duplicates, references in use, stale versions);
//! - 413 / 415 / 422 on routes with a body (too large, not JSON, invalid field or rule);
//! - 422 on routes with query parameters (a value out of range, control characters);
//! - 431 on every route (request head over 32 KiB or 64 headers);
//! - 503 on every route (database or Redis unreachable).
//!
//! A status an operation already documents is left as the handler wrote it.

use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::{Content, OpenApi, Ref, RefOr};
use utoipa::Modify;

/// The [`Modify`] adding the common answers; list it in `modifiers(...)`.
pub struct StandardResponses;

fn problem(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                Content::new(Some(Ref::from_schema_name("Problem"))),
            )
            .build(),
    )
}

fn add(op: &mut Operation, status: &str, description: &str) {
    op.responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| problem(description));
}

impl Modify for StandardResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let has_path_param = path.contains('{');
            let probe = matches!(path.as_str(), "/healthz" | "/readyz" | "/metrics");
            for (method, op) in [
                (HttpMethod::Get, item.get.as_mut()),
                (HttpMethod::Post, item.post.as_mut()),
                (HttpMethod::Put, item.put.as_mut()),
                (HttpMethod::Delete, item.delete.as_mut()),
                (HttpMethod::Patch, item.patch.as_mut()),
            ] {
                let Some(op) = op else { continue };
                add(
                    op,
                    "431",
                    "request head larger than 32 KiB or over 64 header lines",
                );
                if probe {
                    continue;
                }
                add(
                    op,
                    "400",
                    "malformed JSON, query string or path segment (`field` names it)",
                );
                add(op, "503", "the database or Redis is unreachable");
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    add(
                        op,
                        "401",
                        "missing, expired, forged or wrong-algorithm token",
                    );
                    add(op, "403", "the caller's role or department may not do this");
                }
                if has_path_param {
                    add(op, "404", "no such record");
                }
                if !matches!(method, HttpMethod::Get) {
                    add(
                        op,
                        "409",
                        "conflicts with the current state (stale version, duplicate, in use)",
                    );
                }
                let has_query = op.parameters.as_ref().is_some_and(|p| {
                    p.iter().any(|p| {
                        matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query)
                    })
                });
                if op.request_body.is_some() {
                    add(op, "413", "request body larger than the configured limit");
                    add(op, "415", "request body is not `application/json`");
                }
                if op.request_body.is_some() || has_query || has_path_param {
                    add(
                        op,
                        "422",
                        "a field or rule refused: `field` names it, `code` says which rule",
                    );
                }
            }
        }
    }
}

/// The schema names that `$ref`s of `spec` (an OpenAPI document as JSON) point to but
/// `components.schemas` does not define: a type used only as a parameter is easily left out
/// of `components`, and generated clients then fail. Both services' tests assert it is empty.
pub fn unresolved_refs(spec: &serde_json::Value) -> std::collections::BTreeSet<String> {
    fn walk(
        v: &serde_json::Value,
        defined: &serde_json::Map<String, serde_json::Value>,
        out: &mut std::collections::BTreeSet<String>,
    ) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(serde_json::Value::String(r)) = m.get("$ref") {
                    if let Some(name) = r.strip_prefix("#/components/schemas/") {
                        if !defined.contains_key(name) {
                            out.insert(name.to_string());
                        }
                    }
                }
                m.values().for_each(|x| walk(x, defined, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, defined, out)),
            _ => {}
        }
    }
    let empty = serde_json::Map::new();
    let defined = spec["components"]["schemas"].as_object().unwrap_or(&empty);
    let mut out = std::collections::BTreeSet::new();
    walk(spec, defined, &mut out);
    out
}

#[cfg(test)]
mod ref_tests {
    #[test]
    fn a_dangling_ref_is_named() {
        let spec = serde_json::json!({
            "paths": {"/a": {"get": {"parameters": [
                {"schema": {"$ref": "#/components/schemas/Known"}},
                {"schema": {"$ref": "#/components/schemas/Missing"}}
            ]}}},
            "components": {"schemas": {"Known": {"type": "string"}}}
        });
        let missing: Vec<String> = super::unresolved_refs(&spec).into_iter().collect();
        assert_eq!(missing, vec!["Missing".to_string()]);
    }
}
