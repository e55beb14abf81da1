use actix_web::{web, HttpResponse};
use platform::auth::{AuthUser, Role};
use platform::json::ValidJson;
use platform::ApiResult;

use crate::inputs::{
    self, AdjustmentInput, CallbackAnswerInput, HaochaInput, HaochaResult, ManualScoreInput,
    ManualScoreView, OnsiteInput, OnsiteResult, SampleInput, SampleView,
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

/// Define a new indicator system for a later year (system administrator); categories must add up to 100.
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
    user.require(&[Role::Sysadmin])?;
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

/// Record an on-the-spot evaluator rating (clerk, assessor, integrations): one per case and
/// window visit; a retry with the same `Idempotency-Key` gets the first answer (200).
#[utoipa::path(post, path = "/v1/ratings/onsite", tag = "inputs", request_body = OnsiteInput, params(("Idempotency-Key" = Option<String>, Header, description = "retry key, 1–128 characters")), security(("bearer_auth" = [])), responses(
    (status = 201, body = OnsiteResult),
    (status = 200, description = "a retry with the same Idempotency-Key: the first answer", body = OnsiteResult),
    (status = 409, description = "the visit is rated already", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn onsite(
    _no_query: platform::http::NoQuery,
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<OnsiteInput>,
) -> ApiResult<HttpResponse> {
    let key = match req.headers().get("Idempotency-Key") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .map(str::trim)
                .filter(|k| !k.is_empty() && k.len() <= 128)
                .map(String::from)
                .ok_or_else(|| platform::ApiError::Validation {
                    code: "invalid_idempotency_key",
                    errors: vec![platform::FieldError::new(
                        "Idempotency-Key",
                        "must be 1–128 visible ASCII characters",
                    )],
                })?,
        ),
    };
    let r = inputs::onsite(&state.db, &user, state.now(), key, body.into_inner()).await?;
    Ok(if r.replayed {
        HttpResponse::Ok().json(r)
    } else {
        HttpResponse::Created().json(r)
    })
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

/// Draw a department's quarterly callback sample (≥ 30 applicants) after the quarter ended, from
/// a seed the service derives and records before the draw (assessor; seen by assessors and the
/// call centre only).
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

/// One callback sample (assessor, call centre).
#[utoipa::path(get, path = "/v1/callback-samples/{id}", tag = "inputs", security(("bearer_auth" = [])), responses((status = 200, body = SampleView)))]
pub async fn get_sample(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<SampleView>> {
    Ok(web::Json(
        inputs::get_sample(&state.db, &user, id.into_inner()).await?,
    ))
}

/// Enter a callback answer for a sampled case, with comment and suggestions (call centre only).
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

/// Submit the department's quarterly self-assessment (部门自评; its own reviewer or chief
/// representative; once; before the quarter's result is submitted).
#[utoipa::path(post, path = "/v1/self-assessments", tag = "inputs", request_body = crate::reviews::SelfAssessmentInput, security(("bearer_auth" = [])), responses(
    (status = 201, body = crate::reviews::SelfAssessment),
    (status = 409, description = "submitted already, or the quarter is closed", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn self_assessment(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<crate::reviews::SelfAssessmentInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created()
        .json(crate::reviews::submit_self(&state.db, &user, state.now(), body.into_inner()).await?))
}

/// Rate a partner department's cooperation on shared cases (协作互评; once per pair and quarter).
#[utoipa::path(post, path = "/v1/peer-reviews", tag = "inputs", request_body = crate::reviews::PeerReviewInput, security(("bearer_auth" = [])), responses(
    (status = 201, body = crate::reviews::PeerReview),
    (status = 409, description = "rated already, or the quarter is closed", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, description = "no shared case in the quarter", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn peer_review(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<crate::reviews::PeerReviewInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created()
        .json(crate::reviews::submit_peer(&state.db, &user, state.now(), body.into_inner()).await?))
}

/// Record the volume a department reports for one of its powers in a quarter (assessor).
#[utoipa::path(put, path = "/v1/power-volumes", tag = "inputs", request_body = crate::reviews::PowerVolumeInput, security(("bearer_auth" = [])), responses((status = 200, description = "recorded")))]
pub async fn power_volume(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<crate::reviews::PowerVolumeInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(
        crate::reviews::put_power_volume(&state.db, &user, state.now(), body.into_inner()).await?,
    ))
}
