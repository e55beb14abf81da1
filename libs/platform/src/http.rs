//! actix-web glue shared by the services: query/path errors and unknown routes as problems.

use actix_web::{HttpRequest, HttpResponse};

use crate::error::ApiError;

/// A query string that does not parse: 400 `invalid_query`, naming the field when serde does.
pub fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    let msg = err.to_string();
    let field = msg.split('`').nth(1).map(str::to_string);
    ApiError::BadRequest {
        code: "invalid_query",
        message: format!("query string: {msg}"),
        field,
    }
    .into()
}

/// A path segment that does not parse (e.g. `/items/abc`): 400 `invalid_path`.
pub fn path_error(err: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest {
        code: "invalid_path",
        message: format!("path: {err}"),
        field: None,
    }
    .into()
}

/// Unknown routes answer with a problem too.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound {
        resource: "route",
        id: format!("{} {}", req.method(), req.path()),
    })
}
