//! What the public sees, as JSON (the twins of the `/public` pages): the service guide
//! (办事指南), the case lookup (办件查询) and the published results (结果公开). No token, no
//! cookie: anyone may call them; the lookup is rate-limited per client address and per case
//! number.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use platform::http::ValidQuery;
use platform::json::ValidJson;
use platform::pagination::{Page, PageRequest};
use platform::ApiResult;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::catalogue::model::ItemCategory;
use crate::public::decisions::{self, DecisionFilter, PublicDecision};
use crate::public::guide::{self, GuideFilter, PublicBundle, PublicItem, PublicItemVersion};
use crate::public::lookup::{self, LookupInput, LookupResult};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PublicItemQuery {
    /// Part of the item's name (at most 100 characters).
    pub q: Option<String>,
    /// Only items handled by this department.
    pub department_id: Option<i32>,
    /// Only items of this category.
    pub category: Option<ItemCategory>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The service guide (办事指南): active items with all their elements, searchable. No token.
#[utoipa::path(get, path = "/v1/public/items", tag = "public", params(PublicItemQuery), responses(
    (status = 200, body = Page<PublicItem>),
    (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn items(
    state: web::Data<AppState>,
    q: ValidQuery<PublicItemQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let f = GuideFilter {
        q: q.q,
        department_id: q.department_id,
        category: q.category,
    }
    .checked()?;
    Ok(HttpResponse::Ok().json(guide::search_items(&state.db, &f, page).await?))
}

/// One active item's guide, by its code; an unknown or deleted code is 404. No token.
#[utoipa::path(get, path = "/v1/public/items/{code}", tag = "public", params(("code" = String, Path, description = "事项编码")), responses(
    (status = 200, body = PublicItem),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn item(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> ApiResult<web::Json<PublicItem>> {
    Ok(web::Json(guide::item_by_code(&state.db, &code).await?))
}

/// Every published version of an active item's guide, newest first, each with its stable
/// page (every edit of the item publishes a new version). No token.
#[utoipa::path(get, path = "/v1/public/items/{code}/versions", tag = "public", params(("code" = String, Path, description = "事项编码")), responses(
    (status = 200, body = Vec<PublicItemVersion>),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn item_versions(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> ApiResult<web::Json<Vec<PublicItemVersion>>> {
    Ok(web::Json(guide::item_versions(&state.db, &code).await?))
}

/// One published version of an active item's guide, exactly as it was published (its stable
/// address: the text never changes; `current_version` tells whether it has been superseded).
/// A version the item never had, or an item that is no longer published, is 404. No token.
#[utoipa::path(get, path = "/v1/public/items/{code}/versions/{version}", tag = "public", params(
    ("code" = String, Path, description = "事项编码"),
    ("version" = i32, Path, minimum = 1, description = "版本号"),
), responses(
    (status = 200, body = PublicItem),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn item_version(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
) -> ApiResult<web::Json<PublicItem>> {
    let (code, version) = path.into_inner();
    Ok(web::Json(
        guide::item_version_by_code(&state.db, &code, version).await?,
    ))
}

/// One active bundle (并联套餐) with its items per stage, by its code; unknown or deleted is
/// 404. No token.
#[utoipa::path(get, path = "/v1/public/bundles/{code}", tag = "public", params(("code" = String, Path, description = "套餐编码")), responses(
    (status = 200, body = PublicBundle),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn bundle(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> ApiResult<web::Json<PublicBundle>> {
    Ok(web::Json(guide::bundle_by_code(&state.db, &code).await?))
}

/// The client's address: the socket's peer, or behind a trusted proxy (`TRUSTED_PROXIES`)
/// the address it forwarded (`platform::client`).
pub fn client_address(req: &HttpRequest) -> String {
    match req.app_data::<web::Data<AppState>>() {
        Some(state) => state.config.trusted_proxies.client_of(req),
        None => platform::client::TrustedProxies::default().client_of(req),
    }
}

/// Case progress lookup (办件查询) by case number and check code (the last 6 characters of
/// the applicant's ID number or credit code). A wrong check code and an unknown number get the
/// same 404 `case_not_found`, byte for byte. Rate-limited per client address
/// (`PUBLIC_LOOKUP_PER_ADDRESS`, default 20) and per case number (`PUBLIC_LOOKUP_PER_CASE`,
/// default 10) per ten minutes: 429 with `Retry-After`. No token.
#[utoipa::path(post, path = "/v1/public/lookup", tag = "public", request_body = LookupInput, responses(
    (status = 200, body = LookupResult),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 429, body = platform::error::Problem, content_type = "application/problem+json", headers(("Retry-After" = u64, description = "seconds until the next window"))),
))]
pub async fn lookup_case(
    _no_query: platform::http::NoQuery,
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ValidJson<LookupInput>,
) -> ApiResult<web::Json<LookupResult>> {
    let address = client_address(&req);
    Ok(web::Json(
        lookup::lookup(&state, &address, &body.into_inner()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DecisionQuery {
    /// Only approvals of this item.
    pub item_code: Option<String>,
    /// First day (Asia/Shanghai), inclusive, `YYYY-MM-DD`.
    pub from: Option<NaiveDate>,
    /// Last day (Asia/Shanghai), inclusive.
    pub to: Option<NaiveDate>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Published results (结果公开): approvals, newest first, with the holder only when it is an
/// enterprise. Rejections are not published. No token.
#[utoipa::path(get, path = "/v1/public/decisions", tag = "public", params(DecisionQuery), responses(
    (status = 200, body = Page<PublicDecision>),
    (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn decisions_list(
    state: web::Data<AppState>,
    q: ValidQuery<DecisionQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let f = DecisionFilter {
        item_code: q.item_code,
        from: q.from,
        to: q.to,
    };
    Ok(HttpResponse::Ok().json(decisions::list(&state.db, &f, page).await?))
}
