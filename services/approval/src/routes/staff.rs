//! The staff register (窗口工作人员) routes: admins write, every signed-in role reads (who works
//! at which window is no secret in the hall).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use platform::auth::AuthUser;
use platform::http::ValidQuery;
use platform::json::ValidJson;
use platform::pagination::{Page, PageRequest};
use platform::ApiResult;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::catalogue::staff::{self, Staff, StaffFilter, StaffInput, StaffVersion};
use crate::routes::if_match;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only the staff of this department.
    pub department_id: Option<i32>,
    /// Only staff assigned on this day (`YYYY-MM-DD`): `assigned_from` ≤ day ≤ `assigned_to`
    /// (or no `assigned_to`).
    #[param(value_type = Option<String>, format = Date, example = "2025-06-02")]
    pub on: Option<NaiveDate>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The staff register (窗口工作人员), by id.
#[utoipa::path(get, path = "/v1/staff", tag = "staff", params(ListQuery), security(("bearer_auth" = [])), responses(
    (status = 200, body = Page<Staff>),
    (status = 400, description = "bad query parameter, e.g. `on` not a `YYYY-MM-DD` date", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 401, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, description = "`on` outside the years 1949–2999, bad `limit` or `cursor`", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn list(
    state: web::Data<AppState>,
    _user: AuthUser,
    q: ValidQuery<ListQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let f = StaffFilter {
        department_id: q.department_id,
        on: q.on,
    };
    Ok(HttpResponse::Ok().json(staff::list_staff(&state.db, f, page).await?))
}

/// One staff record. The `ETag` is its version.
#[utoipa::path(get, path = "/v1/staff/{id}", tag = "staff", security(("bearer_auth" = [])), responses(
    (status = 200, body = Staff),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn get(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    _user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<HttpResponse> {
    let s = staff::get_staff(&state.db, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", format!("\"{}\"", s.version)))
        .json(s))
}

/// Add a person to the register (system administrator): version 1, the first history row, a `staff_changed`
/// event.
#[utoipa::path(post, path = "/v1/staff", tag = "staff", request_body = StaffInput, security(("bearer_auth" = [])), responses(
    (status = 201, body = Staff),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 409, description = "the user account is linked to an overlapping assignment (`user_already_staff`)", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, description = "bad field (`assigned_to` before `assigned_from`, unknown `post`), unknown department or user, a reviewer's or approver's account of another department (`user_department_mismatch`)", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn create(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<StaffInput>,
) -> ApiResult<HttpResponse> {
    let s = staff::create_staff(&state.db, &user, state.now(), body.into_inner()).await?;
    state.announce_events();
    Ok(HttpResponse::Created()
        .insert_header(("ETag", format!("\"{}\"", s.version)))
        .json(s))
}

/// Replace a staff record (system administrator), every field: version + 1, a history row (with the optional
/// `reason`), a `staff_changed` event. With `If-Match: "<version>"` the change is refused
/// (409 `stale_version`) when the record changed since it was read.
#[utoipa::path(put, path = "/v1/staff/{id}", tag = "staff", request_body = StaffInput, security(("bearer_auth" = [])),
    params(("If-Match" = Option<String>, Header, description = "the staff record's version the client read")),
    responses(
        (status = 200, body = Staff),
        (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`user_already_staff`, or `stale_version`", body = platform::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "as for `POST /v1/staff`", body = platform::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i32>,
    body: ValidJson<StaffInput>,
) -> ApiResult<HttpResponse> {
    let version = if_match(&req, "staff record")?;
    let s = staff::update_staff(
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
        .insert_header(("ETag", format!("\"{}\"", s.version)))
        .json(s))
}

/// Every version of a staff record, oldest first: the full snapshot, who, when, why.
#[utoipa::path(get, path = "/v1/staff/{id}/history", tag = "staff", security(("bearer_auth" = [])), responses(
    (status = 200, body = Vec<StaffVersion>),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn history(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    _user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<Vec<StaffVersion>>> {
    Ok(web::Json(staff::history(&state.db, id.into_inner()).await?))
}
