//! Item (事项) routes: every signed-in role reads; an admin or the item's own department's
//! approver writes. A change of an item's link to the power list is published on the feed.

use actix_web::{web, HttpResponse};
use platform::auth::AuthUser;
use platform::http::ValidQuery;
use platform::json::ValidJson;
use platform::pagination::{Page, PageRequest};
use platform::ApiResult;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::catalogue::model::{Item, ItemCategory, ItemInput, ItemKind};
use crate::catalogue::store::{self, Deleted, ItemFilter};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only items handled by this department.
    pub department_id: Option<i32>,
    /// Only items of this category.
    pub category: Option<ItemCategory>,
    /// Only instant or only promised items.
    pub kind: Option<ItemKind>,
    /// Include soft-deleted items.
    #[serde(default)]
    pub include_deleted: bool,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List approval items (事项).
#[utoipa::path(get, path = "/v1/items", tag = "catalogue", params(ListQuery), security(("bearer_auth" = [])), responses(
    (status = 200, body = Page<Item>),
    (status = 401, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn list(
    state: web::Data<AppState>,
    _user: AuthUser,
    q: ValidQuery<ListQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let f = ItemFilter {
        department_id: q.department_id,
        category: q.category,
        kind: q.kind,
        include_deleted: q.include_deleted,
    };
    Ok(HttpResponse::Ok().json(store::list_items(&state.db, f, page).await?))
}

/// One approval item with all its elements. A soft-deleted item (kept because a bundle or a
/// case references it) still reads 200, with `deleted_at` set.
#[utoipa::path(get, path = "/v1/items/{id}", tag = "catalogue", security(("bearer_auth" = [])), responses(
    (status = 200, body = Item),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn get(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    _user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<Item>> {
    Ok(web::Json(
        store::get_item(&state.db, id.into_inner()).await?,
    ))
}

/// Create an item (register it from the published list, 事项清单): the system administrator or
/// the supervising office (审管办); a department approver may not (its limits are the
/// office's: 403 `time_limit_reserved`).
#[utoipa::path(post, path = "/v1/items", tag = "catalogue", request_body = ItemInput, security(("bearer_auth" = [])), responses(
    (status = 201, body = Item),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn create(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<ItemInput>,
) -> ApiResult<HttpResponse> {
    let guard = state.time_limit_guard().await?;
    let i = store::create_item(&state.db, &user, &guard, state.now(), body.into_inner()).await?;
    state.announce_events();
    Ok(HttpResponse::Created().json(i))
}

/// Replace an item: the system administrator, the supervising office (审管办), or the approver
/// of its department (it cannot be moved to another). Its time limits (statutory, promised,
/// unit, supplement policy) only the office changes (403 `time_limit_reserved`).
#[utoipa::path(put, path = "/v1/items/{id}", tag = "catalogue", request_body = ItemInput, security(("bearer_auth" = [])), responses(
    (status = 200, body = Item),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn update(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    body: ValidJson<ItemInput>,
) -> ApiResult<web::Json<Item>> {
    let guard = state.time_limit_guard().await?;
    let i = store::update_item(
        &state.db,
        &user,
        &guard,
        state.now(),
        id.into_inner(),
        body.into_inner(),
    )
    .await?;
    state.announce_events();
    Ok(web::Json(i))
}

/// Delete an item: soft when a bundle references it (it cannot vanish), hard otherwise.
#[utoipa::path(delete, path = "/v1/items/{id}", tag = "catalogue", security(("bearer_auth" = [])), responses(
    (status = 200, body = Deleted),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn delete(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<Deleted>> {
    let guard = state.time_limit_guard().await?;
    let d = store::delete_item(&state.db, &user, &guard, state.now(), id.into_inner()).await?;
    state.announce_events();
    Ok(web::Json(d))
}
