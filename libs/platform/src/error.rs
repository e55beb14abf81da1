//! One error enum for the edges, mapped once to RFC 7807 `application/problem+json`.
//!
//! Every problem carries a stable machine-readable `code`; validation problems also name the
//! offending `field` (a JSON path such as `materials[1].name`).

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub type ApiResult<T> = Result<T, ApiError>;

/// One invalid field of a request body or query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// JSON path of the field, e.g. `materials[0].name`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON at all, or the query string cannot be parsed.
    #[error("{message}")]
    BadRequest {
        code: &'static str,
        message: String,
        field: Option<String>,
    },
    /// Well-formed input that breaks a rule: unknown/missing fields, out-of-range values.
    #[error("{}", .errors.first().map(|e| format!("{}: {}", e.field, e.message)).unwrap_or_default())]
    Validation {
        code: &'static str,
        errors: Vec<FieldError>,
    },
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    /// The caller may not do this: `forbidden` for a missing role or department, or a more
    /// precise code (e.g. `separation_of_duties`).
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    #[error("{resource} {id} not found")]
    NotFound { resource: &'static str, id: String },
    /// 404 with a code and message of its own: where the answer must not say more than that
    /// nothing matched (e.g. `case_not_found` of the public lookup, one body for every miss).
    #[error("{message}")]
    NoMatch { code: &'static str, message: String },
    /// The request conflicts with the current state: duplicate code, reference in use, stale version.
    #[error("{message}")]
    Conflict {
        code: &'static str,
        message: String,
        field: Option<String>,
    },
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// Well-formed input refused by a rule of the domain or the law (422). `field` names the
    /// part of the request to blame when there is one the client sent; the message names the
    /// rule and, for a legal rule, the article.
    #[error("{message}")]
    Unprocessable {
        code: &'static str,
        message: String,
        field: Option<String>,
    },
    #[error("{method} is not allowed on {path}")]
    MethodNotAllowed { method: String, path: String },
    #[error(
        "request head is larger than {limit} bytes or has more than {max_headers} header lines"
    )]
    HeadersTooLarge { limit: usize, max_headers: usize },
    #[error("{message}")]
    Unsupported { message: String },
    /// Over a rate limit; retry after this many seconds.
    #[error("too many requests: retry after {retry_after} s")]
    TooManyRequests { retry_after: u64 },
    /// Too many failed sign-ins for this account or from this address: locked for
    /// `retry_after` seconds (登录失败处理, GB/T 22239-2019 8.1.4.1 b).
    #[error("too many failed sign-ins: locked, try again in {retry_after} s (登录失败处理, GB/T 22239-2019 8.1.4.1 b)")]
    LoginLocked { retry_after: u64 },
    /// A dependency (database, Redis) is unreachable.
    #[error("{0}")]
    Unavailable(String),
    /// 503 for a capability this deployment lacks (e.g. `pdf_font_missing`: no CJK font for
    /// PDF reports): retrying does not help until the operator configures it, so no
    /// `Retry-After`.
    #[error("{message}")]
    NotConfigured { code: &'static str, message: String },
    #[error("internal error")]
    Internal(String),
}

/// The problem+json body, as documented in the OpenAPI.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type (`about:blank` style with the code appended).
    #[serde(rename = "type")]
    pub kind: String,
    /// Short, human title: the HTTP reason phrase.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// Stable machine-readable code, e.g. `validation_failed`, `duplicate_code`.
    pub code: String,
    /// What went wrong, naming the field where there is one.
    pub detail: String,
    /// The offending field (JSON path), when one field is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every invalid field, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The request's trace id (32 hex digits, the same as the `x-trace-id` header): quote it
    /// when reporting the problem. Set on every problem answered to an HTTP request, whether
    /// or not traces are exported (see `platform::telemetry`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}

impl ApiError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation {
            code: "validation_failed",
            errors: vec![FieldError::new(field, message)],
        }
    }

    pub fn validation_all(errors: Vec<FieldError>) -> Result<(), Self> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation {
                code: "validation_failed",
                errors,
            })
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Conflict {
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn conflict_on(
        code: &'static str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ApiError::Conflict {
            code,
            message: message.into(),
            field: Some(field.into()),
        }
    }

    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Unprocessable {
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn unprocessable_on(
        code: &'static str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ApiError::Unprocessable {
            code,
            message: message.into(),
            field: Some(field.into()),
        }
    }

    pub fn not_found(resource: &'static str, id: impl ToString) -> Self {
        ApiError::NotFound {
            resource,
            id: id.to_string(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::Forbidden {
            code: "forbidden",
            message: message.into(),
        }
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Unauthorized {
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { code, .. }
            | ApiError::Validation { code, .. }
            | ApiError::Unauthorized { code, .. }
            | ApiError::Conflict { code, .. }
            | ApiError::Unprocessable { code, .. }
            | ApiError::Forbidden { code, .. }
            | ApiError::NoMatch { code, .. }
            | ApiError::NotConfigured { code, .. } => code,
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::HeadersTooLarge { .. } => "headers_too_large",
            ApiError::NotFound { .. } => "not_found",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::Unsupported { .. } => "unsupported_media_type",
            ApiError::TooManyRequests { .. } => "rate_limited",
            ApiError::LoginLocked { .. } => "login_locked",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let (field, errors) = match self {
            ApiError::BadRequest { field, .. }
            | ApiError::Conflict { field, .. }
            | ApiError::Unprocessable { field, .. } => (field.clone(), Vec::new()),
            ApiError::Validation { errors, .. } => {
                (errors.first().map(|e| e.field.clone()), errors.clone())
            }
            _ => (None, Vec::new()),
        };
        Problem {
            kind: format!("urn:problem:{}", self.code()),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            code: self.code().to_string(),
            detail: self.to_string(),
            field,
            errors,
            trace_id: crate::telemetry::current_trace_id(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound { .. } | ApiError::NoMatch { .. } => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::HeadersTooLarge { .. } => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::Unsupported { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests { .. } | ApiError::LoginLocked { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::Unavailable(_) | ApiError::NotConfigured { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(%cause, "internal error");
        }
        let mut builder = HttpResponse::build(self.status_code());
        builder.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if matches!(self, ApiError::Unauthorized { .. }) {
            builder.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let ApiError::TooManyRequests { retry_after } | ApiError::LoginLocked { retry_after } =
            self
        {
            builder.insert_header((header::RETRY_AFTER, retry_after.to_string()));
        }
        if matches!(self, ApiError::Unavailable(_)) {
            builder.insert_header((header::RETRY_AFTER, "1"));
        }
        builder.json(self.problem())
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        use sea_orm::SqlErr;
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => ApiError::Conflict {
                code: "duplicate",
                message: format!("a record with the same key already exists ({detail})"),
                field: None,
            },
            Some(SqlErr::ForeignKeyConstraintViolation(detail)) => ApiError::Conflict {
                code: "reference_violation",
                message: format!("a referenced record is missing or still in use ({detail})"),
                field: None,
            },
            // SQLite: the triggers of migration 5 stand in for foreign keys added later.
            _ if err.to_string().contains("FOREIGN KEY constraint failed") => ApiError::Conflict {
                code: "reference_violation",
                message: format!("a referenced record is missing or still in use ({err})"),
                field: None,
            },
            // PostgreSQL refuses U+0000 in text; the edges refuse it first, this is the net.
            _ if err
                .to_string()
                .contains("invalid byte sequence for encoding") =>
            {
                ApiError::Validation {
                    code: "invalid_characters",
                    errors: vec![FieldError::new(
                        "body",
                        "must not contain the control character U+0000",
                    )],
                }
            }
            // A connection lost mid-request (a restarted or failing-over server, a terminated
            // backend): nothing was committed; the client may retry (503 with Retry-After).
            _ if is_transient(&err) => {
                ApiError::Unavailable(format!("database connection lost, retry: {err}"))
            }
            _ => match err {
                sea_orm::DbErr::Conn(e) => ApiError::Unavailable(format!("database: {e}")),
                sea_orm::DbErr::ConnectionAcquire(e) => {
                    ApiError::Unavailable(format!("database: {e}"))
                }
                other => ApiError::Internal(other.to_string()),
            },
        }
    }
}

/// Errors of a lost or refused connection rather than of the statement: PostgreSQL's
/// `57P01`–`57P03` (terminated by an administrator, crash shutdown, cannot connect now) and
/// class `08` (connection exceptions), I/O errors, a pool that timed out or closed.
fn is_transient(err: &sea_orm::DbErr) -> bool {
    let text = err.to_string().to_ascii_lowercase();
    [
        "terminating connection",
        "57p01",
        "57p02",
        "57p03",
        "08000",
        "08003",
        "08006",
        "connection reset",
        "broken pipe",
        "connection refused",
        "pool timed out",
        "pooltimedout",
        "pool closed",
        "error communicating with database",
        "connection closed",
        "unexpected eof",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}

impl<E: std::fmt::Display> From<sea_orm::TransactionError<E>> for ApiError
where
    E: Into<ApiError> + std::error::Error,
{
    fn from(err: sea_orm::TransactionError<E>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(e) => e.into(),
            sea_orm::TransactionError::Transaction(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DbErr, RuntimeErr};

    #[test]
    fn a_lost_connection_is_503_with_retry_after_not_500() {
        for msg in [
            "error returned from database: terminating connection due to administrator command",
            "error communicating with database: Connection reset by peer (os error 104)",
            "pool timed out while waiting for an open connection",
        ] {
            let err: ApiError = DbErr::Exec(RuntimeErr::Internal(msg.into())).into();
            assert_eq!(err.status_code(), StatusCode::SERVICE_UNAVAILABLE, "{msg}");
            let res = err.error_response();
            assert_eq!(
                res.headers().get(header::RETRY_AFTER).map(|v| v.as_bytes()),
                Some(&b"1"[..])
            );
        }
        let err: ApiError = DbErr::Exec(RuntimeErr::Internal("syntax error".into())).into();
        assert_eq!(err.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
