use actix_web::{web, HttpResponse};
use platform::auth::{AuthUser, Role};
use platform::json::ValidJson;
use platform::ApiResult;

use crate::inputs::{
    self, AdjustmentInput, CallbackAnswerInput, HaochaInput, HaochaResult, ManualScoreInput,
    ManualScoreView, OnsiteInput, SampleInput, SampleView,
};
use crate::state::AppState;
use crate::systems::{self, SystemInput, SystemView};

/// Indicator systems (指标体系).
#[utoipa::path(get, path = "/v1/indicator-systems", tag = "indicators", security(("bearer_auth" = [])), responses((status = 200, body = Vec<SystemView>)))]
pub async fn list_systems(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    _user: AuthUser,
) -> ApiResult<web::Json<Vec<SystemView>>> {
    Ok(web::Json(systems::list(&state.db).await?))
}

/// Define a new indicator system for a later year (admin); categories must add up to 100.
#[utoipa::path(post, path = "/v1/indicator-systems", tag = "indicators", request_body = SystemInput, security(("bearer_auth" = [])), responses(
    (status = 201, body = SystemView),
    (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn create_system(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<SystemInput>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Admin])?;
    Ok(HttpResponse::Created()
        .json(systems::create(&state.db, &user, state.now(), body.into_inner()).await?))
}

/// Enter or replace a manual indicator score with its evidence (assessor).
#[utoipa::path(put, path = "/v1/manual-scores", tag = "inputs", request_body = ManualScoreInput, security(("bearer_auth" = [])), responses(
    (status = 200, body = ManualScoreView),
    (status = 409, description = "the quarter is published", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, description = "out of range, no evidence, not a manual category", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn put_manual(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<ManualScoreInput>,
) -> ApiResult<web::Json<ManualScoreView>> {
    let body = body.into_inner();
    user.require(&[platform::auth::Role::Assessor])?;
    inputs::ensure_department(&state, body.department_id, "department_id").await?;
    Ok(web::Json(
        inputs::put_manual(&state.db, &user, state.now(), body).await?,
    ))
}

/// Withdraw a manual score before its quarter is approved (assessor); audited.
#[utoipa::path(delete, path = "/v1/manual-scores", tag = "inputs", params(inputs::ManualScoreKey), security(("bearer_auth" = [])), responses(
    (status = 204, description = "withdrawn"),
    (status = 404, description = "no such score", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 409, description = "the quarter is approved or published", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn withdraw_manual(
    state: web::Data<AppState>,
    user: AuthUser,
    q: platform::http::ValidQuery<inputs::ManualScoreKey>,
) -> ApiResult<HttpResponse> {
    inputs::withdraw_manual(&state.db, &user, state.now(), q.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Add a bonus (加分项) or deduction with its reason (assessor).
#[utoipa::path(post, path = "/v1/adjustments", tag = "inputs", request_body = AdjustmentInput, security(("bearer_auth" = [])), responses((status = 201, description = "recorded")))]
pub async fn add_adjustment(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<AdjustmentInput>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    user.require(&[platform::auth::Role::Assessor])?;
    inputs::ensure_department(&state, body.department_id, "department_id").await?;
    Ok(HttpResponse::Created()
        .json(inputs::add_adjustment(&state.db, &user, state.now(), body).await?))
}

/// Record an on-the-spot evaluator rating (clerk, assessor, integrations).
#[utoipa::path(post, path = "/v1/ratings/onsite", tag = "inputs", request_body = OnsiteInput, security(("bearer_auth" = [])), responses((status = 201, description = "recorded")))]
pub async fn onsite(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<OnsiteInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created()
        .json(inputs::onsite(&state.db, &user, state.now(), body.into_inner()).await?))
}

/// Record a 好差评 rating: one per case and applicant; a bad one opens a rectification item.
#[utoipa::path(post, path = "/v1/ratings/haocha", tag = "inputs", request_body = HaochaInput, security(("bearer_auth" = [])), responses(
    (status = 201, body = HaochaResult),
    (status = 409, description = "already rated", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, description = "unknown case, bad level", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn haocha(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<HaochaInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created().json(
        inputs::haocha(
            &state.db,
            &state.calendar(),
            &user,
            state.now(),
            body.into_inner(),
        )
        .await?,
    ))
}

/// Draw a department's quarterly callback sample (≥ 30 applicants) from a recorded seed.
#[utoipa::path(post, path = "/v1/callback-samples", tag = "inputs", request_body = SampleInput, security(("bearer_auth" = [])), responses((status = 201, body = SampleView)))]
pub async fn draw_sample(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<SampleInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created()
        .json(inputs::draw_sample(&state.db, &user, state.now(), body.into_inner()).await?))
}

/// One callback sample.
#[utoipa::path(get, path = "/v1/callback-samples/{id}", tag = "inputs", security(("bearer_auth" = [])), responses((status = 200, body = SampleView)))]
pub async fn get_sample(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    _user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<SampleView>> {
    Ok(web::Json(
        inputs::get_sample(&state.db, id.into_inner()).await?,
    ))
}

/// Enter a callback answer for a sampled case.
#[utoipa::path(post, path = "/v1/callback-samples/{id}/answers", tag = "inputs", request_body = CallbackAnswerInput, security(("bearer_auth" = [])), responses((status = 200, body = SampleView)))]
pub async fn answer(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    body: ValidJson<CallbackAnswerInput>,
) -> ApiResult<web::Json<SampleView>> {
    Ok(web::Json(
        inputs::answer(
            &state.db,
            &user,
            state.now(),
            id.into_inner(),
            body.into_inner(),
        )
        .await?,
    ))
}
