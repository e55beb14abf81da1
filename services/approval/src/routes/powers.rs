//! The power list (权责清单) routes: admins write, every signed-in role reads (department staff
//! read every department's powers: the list is public administration).

use actix_web::{web, HttpRequest, HttpResponse};
use platform::auth::AuthUser;
use platform::http::ValidQuery;
use platform::json::ValidJson;
use platform::pagination::{Page, PageRequest};
use platform::ApiResult;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::catalogue::powers::{self, Power, PowerFilter, PowerInput, PowerStatus, PowerVersion};
use crate::routes::if_match;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only the powers of this department.
    pub department_id: Option<i32>,
    /// Only powers in this status.
    pub status: Option<PowerStatus>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The power list (权责清单), by id.
#[utoipa::path(get, path = "/v1/powers", tag = "catalogue", params(ListQuery), security(("bearer_auth" = [])), responses(
    (status = 200, body = Page<Power>),
    (status = 401, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn list(
    state: web::Data<AppState>,
    _user: AuthUser,
    q: ValidQuery<ListQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let f = PowerFilter {
        department_id: q.department_id,
        status: q.status,
    };
    Ok(HttpResponse::Ok().json(powers::list_powers(&state.db, f, page).await?))
}

/// One power with the items that exercise it (`item_ids`). The `ETag` is its version.
#[utoipa::path(get, path = "/v1/powers/{id}", tag = "catalogue", security(("bearer_auth" = [])), responses(
    (status = 200, body = Power),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn get(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    _user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<HttpResponse> {
    let p = powers::get_power(&state.db, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", format!("\"{}\"", p.version)))
        .json(p))
}

/// Add a power to the list (system administrator): version 1, the first history row, a `power_changed` event.
#[utoipa::path(post, path = "/v1/powers", tag = "catalogue", request_body = PowerInput, security(("bearer_auth" = [])), responses(
    (status = 201, body = Power),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 409, description = "the code is taken (`duplicate_code`)", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, description = "bad field (a power needs its `legal_basis`), unknown department", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn create(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<PowerInput>,
) -> ApiResult<HttpResponse> {
    let p = powers::create_power(&state.db, &user, state.now(), body.into_inner()).await?;
    state.announce_events();
    Ok(HttpResponse::Created()
        .insert_header(("ETag", format!("\"{}\"", p.version)))
        .json(p))
}

/// Replace a power (system administrator), every field: version + 1, a history row (with the optional
/// `reason`), a `power_changed` event. With `If-Match: "<version>"` the change is refused
/// (409 `stale_version`) when the power changed since it was read.
#[utoipa::path(put, path = "/v1/powers/{id}", tag = "catalogue", request_body = PowerInput, security(("bearer_auth" = [])),
    params(("If-Match" = Option<String>, Header, description = "the power version the client read")),
    responses(
        (status = 200, body = Power),
        (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`duplicate_code`, or `stale_version`", body = platform::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i32>,
    body: ValidJson<PowerInput>,
) -> ApiResult<HttpResponse> {
    let version = if_match(&req, "power")?;
    let p = powers::update_power(
        &state.db,
        &user,
        state.now(),
        id.into_inner(),
        body.into_inner(),
        version,
    )
    .await?;
    state.announce_events();
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", format!("\"{}\"", p.version)))
        .json(p))
}

/// Every version of a power, oldest first: the full snapshot, who, when, why.
#[utoipa::path(get, path = "/v1/powers/{id}/history", tag = "catalogue", security(("bearer_auth" = [])), responses(
    (status = 200, body = Vec<PowerVersion>),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn history(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    _user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<Vec<PowerVersion>>> {
    Ok(web::Json(
        powers::history(&state.db, id.into_inner()).await?,
    ))
}
