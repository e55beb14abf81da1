//! The organization department's API (组织部, 干部考核): stable, versioned under `/v1/`,
//! paginated, with ETags for "changed since" pulls, cached (Redis or in process) and
//! rate-limited per client (429 with Retry-After).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use platform::auth::{AuthUser, Role};
use platform::http::ValidQuery;
use platform::json::ValidJson;
use platform::pagination::{Page, PageRequest};
use platform::{ApiError, ApiResult};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::cache::{self, RateLimiter};
use crate::cadre::{self, DepartmentCadre, SchemeView, StaffCadre, StaffReviewInput};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CadreQuery {
    /// The evaluation year, e.g. 2026 (2000–2100).
    #[param(minimum = 2000, maximum = 2100)]
    pub year: i32,
    /// Weighting scheme key: `hohhot` (35 % of the leadership evaluation) or `qingyang`
    /// (10 of 100 target points); the newest version is used.
    pub scheme: String,
    /// Weigh the published quarters even when some quarters of the year are not published
    /// (the provenance lists the quarters used). Default false: such a year is refused naming
    /// the quarters missing.
    #[serde(default)]
    pub allow_partial: bool,
    /// Only this department (staff endpoint).
    pub department_id: Option<i32>,
    /// Page size 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn check_year(year: i32) -> ApiResult<()> {
    if (2000..=2100).contains(&year) {
        Ok(())
    } else {
        Err(ApiError::validation(
            "year",
            format!("{year} is outside 2000–2100"),
        ))
    }
}

/// Authorise, rate-limit, then serve `compute` from the cache with an ETag.
async fn cached<F, Fut>(
    state: &AppState,
    limiter: &RateLimiter,
    user: &AuthUser,
    req: &HttpRequest,
    compute: F,
) -> ApiResult<HttpResponse>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ApiResult<String>>,
{
    user.require(&[Role::OrgDept, Role::Service, Role::Assessor])?;
    let now = state.now().timestamp().max(0) as u64;
    let ns = platform::db::namespace(&state.config.database_url);
    let client = format!("{ns}:{}:{}:{}", user.role, user.id, user.name);
    limiter.check(state.redis.as_ref(), &client, now).await?;
    let generation = cadre::generation(&state.db).await?;
    let key = format!("pa:cadre:{ns}:{generation}:{}", req.uri());
    let body = match cache::get(state.redis.as_ref(), &key).await {
        Some(b) => b,
        None => {
            let b = compute().await?;
            cache::put(state.redis.as_ref(), &key, &b).await;
            b
        }
    };
    let etag = cache::etag(&body);
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut resp = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    resp.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "private, must-revalidate"));
    Ok(if unchanged {
        resp.finish()
    } else {
        resp.content_type("application/json").body(body)
    })
}

/// Every department's weighted contribution for a year and scheme, with full provenance.
/// Send `If-None-Match` with the last `ETag` to learn cheaply whether anything changed (304).
#[utoipa::path(get, path = "/v1/cadre/departments", tag = "cadre", params(CadreQuery), security(("bearer_auth" = [])), responses(
    (status = 200, description = "ETag header set", body = Page<DepartmentCadre>, example = json!({"items": [{
        "department_id": 2, "department_name": "呼和浩特市工商行政管理局", "year": 2026, "annual_score": 86.4, "grade": "good",
        "contribution": 30.24, "out_of": 35.0,
        "detail": {"scheme": "hohhot", "satisfaction": 9150, "threshold": 8000, "second_assessment": false},
        "provenance": {"scheme_key": "hohhot", "scheme_version": 1, "quarters": [{"year": 2026, "quarter": 1, "revision_id": 3}],
            "indicator_contributions": [], "thresholds_applied": ["35% of the leadership evaluation"]}
    }], "next_cursor": null})),
    (status = 304, description = "unchanged since the ETag sent in If-None-Match"),
    (status = 409, description = "quarters of the year not yet published (`quarters_unpublished`, named)", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, description = "unknown scheme (`unknown_scheme`), bad year", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 429, description = "over the rate limit; see Retry-After", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn departments(
    state: web::Data<AppState>,
    limiter: web::Data<RateLimiter>,
    user: AuthUser,
    req: HttpRequest,
    q: ValidQuery<CadreQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    check_year(q.year)?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let db = state.db.clone();
    cached(&state, &limiter, &user, &req, || async move {
        let rows = cadre::departments(&db, q.year, &q.scheme, q.allow_partial, None).await?;
        let rows: Vec<DepartmentCadre> = rows
            .into_iter()
            .filter(|r| page.after_id.is_none_or(|a| i64::from(r.department_id) > a))
            .take(page.limit as usize + 1)
            .collect();
        let out = page.page(rows, |r| i64::from(r.department_id), |r| r);
        serde_json::to_string(&out).map_err(|e| ApiError::Internal(e.to_string()))
    })
    .await
}

/// One department's weighted contribution with full provenance.
#[utoipa::path(get, path = "/v1/cadre/departments/{id}", tag = "cadre", params(CadreQuery), security(("bearer_auth" = [])), responses(
    (status = 200, body = DepartmentCadre, example = json!({"department_id": 5, "department_name": "呼和浩特市公安局", "year": 2026, "annual_score": 49.99, "grade": "fail",
        "contribution": 0.0, "out_of": 10.0, "detail": {"scheme": "qingyang", "zeroed": true, "party_conduct": 400, "party_conduct_max": 500, "rule_of_law": 180, "rule_of_law_max": 200},
        "provenance": {"scheme_key": "qingyang", "scheme_version": 1, "quarters": [], "indicator_contributions": [], "thresholds_applied": ["window score below 50.00 earns 0 of 10.00"]}})),
    (status = 304, description = "unchanged"),
    (status = 429, description = "over the rate limit; see Retry-After", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn department(
    state: web::Data<AppState>,
    limiter: web::Data<RateLimiter>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i32>,
    q: ValidQuery<CadreQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    check_year(q.year)?;
    let id = id.into_inner();
    let db = state.db.clone();
    cached(&state, &limiter, &user, &req, || async move {
        let rows = cadre::departments(&db, q.year, &q.scheme, q.allow_partial, Some(id)).await?;
        serde_json::to_string(&rows[0]).map_err(|e| ApiError::Internal(e.to_string()))
    })
    .await
}

/// Staff (窗口工作人员) scores: daily record 70 % + year-end review 30 % (Qingyang).
#[utoipa::path(get, path = "/v1/cadre/staff", tag = "cadre", params(CadreQuery), security(("bearer_auth" = [])), responses(
    (status = 200, body = Page<StaffCadre>, example = json!({"items": [{"user_id": 12, "department_id": 2, "year": 2026, "daily": 90.0, "review": 80.0, "score": 87.0,
        "staff_id": 3, "name": "王芳", "window_no": "A03", "actions": 40, "actions_on_time": 36, "cards": 0, "bad_ratings": 0, "months_rated": 11, "hall_excellent": false, "provenance": {"scheme_key": "qingyang", "scheme_version": 1, "quarters": [], "indicator_contributions": [], "thresholds_applied": ["70% daily record + 30% year-end review"]}}], "next_cursor": null})),
    (status = 304, description = "unchanged"),
    (status = 429, description = "over the rate limit; see Retry-After", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, description = "a scheme without staff weighting (hohhot), unknown scheme", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn staff(
    state: web::Data<AppState>,
    limiter: web::Data<RateLimiter>,
    user: AuthUser,
    req: HttpRequest,
    q: ValidQuery<CadreQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    check_year(q.year)?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let db = state.db.clone();
    let now = state.now();
    cached(&state, &limiter, &user, &req, || async move {
        let rows = cadre::staff(&db, q.year, &q.scheme, q.department_id, now).await?;
        let rows: Vec<StaffCadre> = rows
            .into_iter()
            .filter(|r| page.after_id.is_none_or(|a| i64::from(r.user_id) > a))
            .take(page.limit as usize + 1)
            .collect();
        let out = page.page(rows, |r| i64::from(r.user_id), |r| r);
        serde_json::to_string(&out).map_err(|e| ApiError::Internal(e.to_string()))
    })
    .await
}

/// Weighting schemes (data; presets hohhot and qingyang).
#[utoipa::path(get, path = "/v1/weighting-schemes", tag = "cadre", security(("bearer_auth" = [])), responses((status = 200, body = Vec<SchemeView>)))]
pub async fn list_schemes(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    _user: AuthUser,
) -> ApiResult<web::Json<Vec<SchemeView>>> {
    Ok(web::Json(cadre::list_schemes(&state.db).await?))
}

/// Add a weighting scheme or a new version (system administrator). Shares must add up to 100.
#[utoipa::path(post, path = "/v1/weighting-schemes", tag = "cadre", request_body(content = WeightingSchemeBody, description = "a versioned weighting scheme (the Hohhot or Qingyang rule)"), security(("bearer_auth" = [])), responses(
    (status = 201, body = SchemeView),
    (status = 409, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn create_scheme(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created()
        .json(cadre::create_scheme(&state.db, &user, state.now(), body.into_inner()).await?))
}

/// Enter or replace a staff member's year-end review (assessor).
#[utoipa::path(put, path = "/v1/staff-reviews", tag = "cadre", request_body = StaffReviewInput, security(("bearer_auth" = [])), responses((status = 200, description = "stored")))]
pub async fn put_review(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<StaffReviewInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .json(cadre::put_review(&state.db, &user, state.now(), body.into_inner()).await?))
}

/// The body of `POST /v1/weighting-schemes`: the documented shape of `scoring::WeightingScheme`
/// (the type the server parses; a test checks both presets parse as this).
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"key": "hohhot", "version": 2, "kind": {"type": "hohhot", "share_percent": 35, "second_assessment_threshold": 8000}}))]
pub struct WeightingSchemeBody {
    /// Scheme key, e.g. `hohhot`, `qingyang`.
    #[schema(min_length = 1, max_length = 64)]
    pub key: String,
    /// Version, one more than the newest of the key.
    pub version: u32,
    pub kind: SchemeKindBody,
}

/// The rule of a scheme. Points and percentages are integers in hundredths (`1000` = 10.00
/// points, `8000` = 80.00 %).
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "type", deny_unknown_fields)]
pub enum SchemeKindBody {
    /// Hohhot: the window's score is `share_percent` % of the leadership evaluation; a
    /// satisfaction below `second_assessment_threshold` flags 二次考核.
    Hohhot {
        share_percent: u32,
        second_assessment_threshold: i64,
    },
    /// Qingyang: the window score is worth `window_points` target points, none below
    /// `zero_below`; staff = `daily_share` % daily record + `review_share` % year-end review.
    Qingyang {
        window_points: i64,
        zero_below: i64,
        daily_share: u32,
        review_share: u32,
        party_conduct_points: i64,
        rule_of_law_points: i64,
        integrity_category: String,
        standardisation_category: String,
    },
}

#[cfg(test)]
mod scheme_body_tests {
    use super::*;

    #[test]
    fn both_presets_parse_as_the_documented_body() {
        for preset in [
            scoring::WeightingScheme::hohhot(),
            scoring::WeightingScheme::qingyang(),
        ] {
            let json = serde_json::to_value(&preset).unwrap();
            let body: Result<WeightingSchemeBody, _> = serde_json::from_value(json.clone());
            assert!(body.is_ok(), "{json}: {body:?}");
        }
    }
}
