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
