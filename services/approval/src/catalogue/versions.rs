//! What the versioned registers share — the power list (权责清单) and the staff register
//! (窗口工作人员): the optimistic check of the version a client read (`If-Match`), the full
//! snapshot kept per version, and the optional reason of a change.

use platform::{ApiError, FieldError};
use serde::Serialize;

/// 409 `stale_version` when the client read another version than the current one.
pub fn check_if_match(
    what: &str,
    id: i32,
    current: i64,
    if_match: Option<i64>,
) -> Result<(), ApiError> {
    match if_match {
        Some(v) if v != current => Err(ApiError::conflict(
            "stale_version",
            format!("{what} {id} is at version {current}, not {v}"),
        )),
        _ => Ok(()),
    }
}

/// 409 `stale_version` when a guarded update found the row changed since it was read.
pub fn changed_meanwhile(what: &str, id: i32) -> ApiError {
    ApiError::conflict(
        "stale_version",
        format!("{what} {id} changed meanwhile; reload it"),
    )
}

/// The snapshot column of a history row.
pub fn snapshot<T: Serialize>(v: &T) -> Result<String, ApiError> {
    serde_json::to_string(v).map_err(|e| ApiError::Internal(e.to_string()))
}

/// A stored snapshot read back.
pub fn read_snapshot(what: &str, id: i32, raw: &str) -> Result<serde_json::Value, ApiError> {
    serde_json::from_str(raw)
        .map_err(|e| ApiError::Internal(format!("stored snapshot of {what} {id}: {e}")))
}

/// The optional reason of a change, at most 2000 characters.
pub fn reason_rule(reason: &Option<String>, errs: &mut Vec<FieldError>) {
    if reason.as_ref().is_some_and(|r| r.chars().count() > 2000) {
        errs.push(FieldError::new("reason", "must be at most 2000 characters"));
    }
}

/// The reason as kept in the history: trimmed, absent when blank.
pub fn reason_of(reason: &Option<String>) -> Option<String> {
    reason
        .as_ref()
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
}
