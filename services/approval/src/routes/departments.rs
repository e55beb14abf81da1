use actix_web::{web, HttpResponse};
use platform::auth::{AuthUser, Role};
use platform::http::ValidQuery;
use platform::json::ValidJson;
use platform::pagination::{Page, PageRequest};
use platform::ApiResult;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::catalogue::model::{Department, DepartmentInput};
use crate::catalogue::store::{self, Deleted, DepartmentFilter};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only children of this department.
    pub parent_id: Option<i32>,
    /// Include retired (soft-deleted) departments.
    #[serde(default)]
    pub include_deleted: bool,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List departments.
#[utoipa::path(get, path = "/v1/departments", tag = "catalogue", params(ListQuery), security(("bearer_auth" = [])), responses(
    (status = 200, body = Page<Department>),
    (status = 401, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn list(
    state: web::Data<AppState>,
    _user: AuthUser,
    q: ValidQuery<ListQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let f = DepartmentFilter {
        parent_id: q.parent_id,
        include_deleted: q.include_deleted,
    };
    Ok(HttpResponse::Ok().json(store::list_departments(&state.db, f, page).await?))
}

/// One department. A soft-deleted department (kept because cases or staff reference it) still
/// reads 200, with `deleted_at` set; lists leave it out unless `include_deleted=true`.
#[utoipa::path(get, path = "/v1/departments/{id}", tag = "catalogue", security(("bearer_auth" = [])), responses(
    (status = 200, body = Department),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn get(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    _user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<Department>> {
    Ok(web::Json(
        store::get_department(&state.db, id.into_inner())
            .await?
            .into(),
    ))
}

/// Create a department (system administrator).
#[utoipa::path(post, path = "/v1/departments", tag = "catalogue", request_body = DepartmentInput, security(("bearer_auth" = [])), responses(
    (status = 201, body = Department),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 409, description = "duplicate code", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid field", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn create(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<DepartmentInput>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Sysadmin])?;
    let d = store::create_department(&state.db, &user, state.now(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(d))
}

/// Replace a department (system administrator).
#[utoipa::path(put, path = "/v1/departments/{id}", tag = "catalogue", request_body = DepartmentInput, security(("bearer_auth" = [])), responses(
    (status = 200, body = Department),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn update(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    body: ValidJson<DepartmentInput>,
) -> ApiResult<web::Json<Department>> {
    user.require(&[Role::Sysadmin])?;
    Ok(web::Json(
        store::update_department(
            &state.db,
            &user,
            state.now(),
            id.into_inner(),
            body.into_inner(),
        )
        .await?,
    ))
}

/// Delete a department (system administrator): soft when anything references it, refused while it has live sub-departments.
#[utoipa::path(delete, path = "/v1/departments/{id}", tag = "catalogue", security(("bearer_auth" = [])), responses(
    (status = 200, body = Deleted),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn delete(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<Deleted>> {
    user.require(&[Role::Sysadmin])?;
    Ok(web::Json(
        store::delete_department(&state.db, &user, state.now(), id.into_inner()).await?,
    ))
}
