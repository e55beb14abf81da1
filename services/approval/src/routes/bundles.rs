use actix_web::{web, HttpResponse};
use platform::auth::{AuthUser, Role};
use platform::http::ValidQuery;
use platform::json::ValidJson;
use platform::pagination::{Page, PageRequest};
use platform::ApiResult;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::catalogue::model::{Bundle, BundleInput};
use crate::catalogue::store::{self, BundleFilter, Deleted};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only bundles led by this department.
    pub lead_department_id: Option<i32>,
    #[serde(default)]
    pub include_deleted: bool,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List parallel bundles (并联套餐).
#[utoipa::path(get, path = "/v1/bundles", tag = "catalogue", params(ListQuery), security(("bearer_auth" = [])), responses(
    (status = 200, body = Page<Bundle>),
    (status = 401, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn list(
    state: web::Data<AppState>,
    _user: AuthUser,
    q: ValidQuery<ListQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let f = BundleFilter {
        lead_department_id: q.lead_department_id,
        include_deleted: q.include_deleted,
    };
    Ok(HttpResponse::Ok().json(store::list_bundles(&state.db, f, page).await?))
}

/// One bundle with its stages. A soft-deleted bundle (kept because cases were accepted on it)
/// still reads 200, with `deleted_at` set.
#[utoipa::path(get, path = "/v1/bundles/{id}", tag = "catalogue", security(("bearer_auth" = [])), responses(
    (status = 200, body = Bundle),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn get(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    _user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<Bundle>> {
    Ok(web::Json(
        store::get_bundle(&state.db, id.into_inner()).await?,
    ))
}

/// Create a bundle (system administrator). Stages list item codes; the promise must fit the stages' statutory limits.
#[utoipa::path(post, path = "/v1/bundles", tag = "catalogue", request_body = BundleInput, security(("bearer_auth" = [])), responses(
    (status = 201, body = Bundle),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn create(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<BundleInput>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Sysadmin])?;
    let b = store::create_bundle(&state.db, &user, state.now(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(b))
}

/// Replace a bundle (system administrator).
#[utoipa::path(put, path = "/v1/bundles/{id}", tag = "catalogue", request_body = BundleInput, security(("bearer_auth" = [])), responses(
    (status = 200, body = Bundle),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn update(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    body: ValidJson<BundleInput>,
) -> ApiResult<web::Json<Bundle>> {
    user.require(&[Role::Sysadmin])?;
    Ok(web::Json(
        store::update_bundle(
            &state.db,
            &user,
            state.now(),
            id.into_inner(),
            body.into_inner(),
        )
        .await?,
    ))
}

/// Delete a bundle (system administrator).
#[utoipa::path(delete, path = "/v1/bundles/{id}", tag = "catalogue", security(("bearer_auth" = [])), responses(
    (status = 200, body = Deleted),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn delete(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<Deleted>> {
    user.require(&[Role::Sysadmin])?;
    Ok(web::Json(
        store::delete_bundle(&state.db, &user, state.now(), id.into_inner()).await?,
    ))
}
