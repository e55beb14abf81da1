use actix_web::{web, HttpResponse};
use platform::auth::{AuthUser, Role};
use platform::http::ValidQuery;
use platform::json::ValidJson;
use platform::{ApiError, ApiResult};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::exports;
use crate::jobs::{self, JobKind, JobRun};
use crate::quarter::Quarter;
use crate::rectification::{self, DecisionInput, Rectification, SubmitInput};
use crate::results::{self, ResultView, RevisionInput, TrendPoint};
use crate::state::AppState;
use reports::TableFormat;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunInput {
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    /// 1–4.
    pub quarter: i64,
}

/// Compute (or recompute) a quarter's draft on demand (assessor).
///
/// Definitions the breakdown explains line by line: **电子监察覆盖率** = active powers of the
/// department's power list (权责清单) that must be under e-supervision and have an active
/// catalogue item with, when the quarter had demand (cases on the platform or volume reported
/// through `PUT /v1/power-volumes`), cases on it ÷ all such powers; **数据交换** = decisions and
/// issuances whose record reached the platform within the system's
/// `data_exchange_max_delay_minutes` of the moment they happened ÷ all of them; **满意率** per
/// source = satisfied answers ÷ all answers; a rate with nothing to measure is not applicable
/// and its points are redistributed (or fixed) as the system says, never full marks; supervision
/// facts (branch cards, statutory breaches, valid complaints, late claims, overdue 差评
/// rectifications) are deduction lines naming their records.
#[utoipa::path(post, path = "/v1/results", tag = "results", request_body = RunInput, security(("bearer_auth" = [])), responses(
    (status = 201, body = ResultView),
    (status = 409, description = "the quarter is approved or published: make a revision", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, description = "inputs incomplete (names each department and what is missing)", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn run(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<RunInput>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Assessor])?;
    let b = body.into_inner();
    let q = Quarter::new(b.year, b.quarter)?;
    if let Err(e) = crate::feed::sync_departments(&state).await {
        tracing::warn!(error = %e, "department sync failed; names may be stale");
    }
    Ok(HttpResponse::Created().json(
        results::run(
            &state.db,
            &state.calendar(),
            &results::Author::of(&user),
            state.now(),
            q,
            state.settings.publication_due_day,
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

/// Results per quarter with their ranking; others than assessors see published ones only.
#[utoipa::path(get, path = "/v1/results", tag = "results", params(ListQuery), security(("bearer_auth" = [])), responses((status = 200, body = Vec<ResultView>)))]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ValidQuery<ListQuery>,
) -> ApiResult<HttpResponse> {
    if let Some(y) = q.year.filter(|y| !(2000..=2100).contains(y)) {
        return Err(platform::ApiError::validation(
            "year",
            format!("{y} is outside 2000–2100"),
        ));
    }
    Ok(HttpResponse::Ok().json(results::list(&state.db, &user, q.year, state.now()).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `json` (default), `xlsx` or `csv` (a download with Chinese sheet names and headers).
    pub format: Option<TableFormat>,
}

/// One result: ranking and every department's indicator breakdown. `format=xlsx` answers the
/// ranking (季度排名), every department's category points (指标明细) and 说明 as a workbook;
/// `format=csv` the ranking (UTF-8 with BOM).
#[utoipa::path(get, path = "/v1/results/{id}", tag = "results", params(ExportQuery), security(("bearer_auth" = [])), responses(
    (status = 200, description = "The result, as JSON or as a file (`Content-Disposition: attachment`)", content(
        (ResultView = "application/json"),
        (reports::http::FileDownload = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (reports::http::FileDownload = "text/csv; charset=utf-8"),
    )),
    (status = 400, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    q: ValidQuery<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let format = q.into_inner().format.unwrap_or_default();
    let now = state.now();
    let r = results::get(&state.db, &user, id.into_inner(), now).await?;
    let bytes = match format {
        TableFormat::Json => return Ok(HttpResponse::Ok().json(r)),
        TableFormat::Xlsx => reports::table::xlsx(&[
            exports::ranking_sheet(&r),
            exports::all_categories_sheet(&r),
            exports::about_sheet(
                r.year,
                r.quarter,
                r.revision,
                &r.status,
                r.published_at,
                now,
            ),
        ])?,
        TableFormat::Csv => reports::table::csv(&exports::ranking_sheet(&r))?,
    };
    Ok(reports::download(
        format.into(),
        bytes,
        &format!("季评比-{}年第{}季度-修订{}", r.year, r.quarter, r.revision),
        &format!("ranking-{}Q{}-r{}", r.year, r.quarter, r.revision),
    ))
}

/// One department's indicator breakdown in a result: its rank, total, grade and points per
/// category. Department staff (reviewers, approvers, clerks) read their own department only
/// (403 for another); a result not yet published is for internal readers, as `GET
/// /v1/results/{id}`. `format=xlsx` / `format=csv` answer it as a file.
#[utoipa::path(get, path = "/v1/results/{id}/departments/{department_id}", tag = "results", params(ExportQuery), security(("bearer_auth" = [])), responses(
    (status = 200, description = "The breakdown, as JSON or as a file (`Content-Disposition: attachment`)", content(
        (exports::DepartmentBreakdown = "application/json"),
        (reports::http::FileDownload = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (reports::http::FileDownload = "text/csv; charset=utf-8"),
    )),
    (status = 400, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn department_breakdown(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(i32, i32)>,
    q: ValidQuery<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let format = q.into_inner().format.unwrap_or_default();
    let (id, department_id) = path.into_inner();
    let now = state.now();
    let b = exports::department_breakdown(&state.db, &user, id, department_id, now).await?;
    let bytes = match format {
        TableFormat::Json => return Ok(HttpResponse::Ok().json(b)),
        TableFormat::Xlsx => reports::table::xlsx(&[
            exports::department_sheet(&b),
            exports::about_sheet(
                b.year,
                b.quarter,
                b.revision,
                &b.status,
                b.published_at,
                now,
            ),
        ])?,
        TableFormat::Csv => reports::table::csv(&exports::department_sheet(&b))?,
    };
    let name = b
        .department_name
        .clone()
        .unwrap_or_else(|| format!("部门{}", b.department_id));
    Ok(reports::download(
        format.into(),
        bytes,
        &format!("指标明细-{}年第{}季度-{name}", b.year, b.quarter),
        &format!(
            "breakdown-{}Q{}-department-{}",
            b.year, b.quarter, b.department_id
        ),
    ))
}

/// The assessor submits a draft for approval (审定); its inputs freeze.
#[utoipa::path(post, path = "/v1/results/{id}/submit", tag = "results", security(("bearer_auth" = [])), responses((status = 200, body = ResultView)))]
pub async fn submit(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<ResultView>> {
    Ok(web::Json(
        results::submit(&state.db, &user, state.now(), id.into_inner()).await?,
    ))
}

/// A leader sends a submitted result back to draft, with the reason.
#[utoipa::path(post, path = "/v1/results/{id}/return", tag = "results", request_body = results::ReturnInput, security(("bearer_auth" = [])), responses((status = 200, body = ResultView)))]
pub async fn send_back(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    body: ValidJson<results::ReturnInput>,
) -> ApiResult<web::Json<ResultView>> {
    Ok(web::Json(
        results::send_back(
            &state.db,
            &user,
            state.now(),
            id.into_inner(),
            body.into_inner(),
        )
        .await?,
    ))
}

/// Second assessment rounds (二次考核), newest first; `department_id` filters.
#[utoipa::path(get, path = "/v1/second-rounds", tag = "results", params(SecondRoundQuery), security(("bearer_auth" = [])), responses((status = 200, body = Vec<crate::second_round::SecondRound>)))]
pub async fn second_rounds(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ValidQuery<SecondRoundQuery>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .json(crate::second_round::list(&state.db, &user, q.into_inner().department_id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SecondRoundQuery {
    pub department_id: Option<i32>,
}

/// The assessor records a second round's own result with evidence.
#[utoipa::path(post, path = "/v1/second-rounds/{id}/result", tag = "results", request_body = crate::second_round::SecondRoundScore, security(("bearer_auth" = [])), responses((status = 200, body = crate::second_round::SecondRound)))]
pub async fn score_second_round(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    body: ValidJson<crate::second_round::SecondRoundScore>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(
        crate::second_round::score(
            &state.db,
            &user,
            state.now(),
            id.into_inner(),
            body.into_inner(),
        )
        .await?,
    ))
}

/// A leader approves a submitted result; never the person who computed or submitted it
/// (403 `separation_of_duties`).
#[utoipa::path(post, path = "/v1/results/{id}/approve", tag = "results", security(("bearer_auth" = [])), responses((status = 200, body = ResultView)))]
pub async fn approve(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<ResultView>> {
    Ok(web::Json(
        results::approve(&state.db, &user, state.now(), id.into_inner()).await?,
    ))
}

/// Publish an approved result: immutable from now on; failing departments get rectification orders.
#[utoipa::path(post, path = "/v1/results/{id}/publish", tag = "results", security(("bearer_auth" = [])), responses((status = 200, body = ResultView)))]
pub async fn publish(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<ResultView>> {
    Ok(web::Json(
        results::publish(
            &state.db,
            &state.calendar(),
            &user,
            state.now(),
            id.into_inner(),
            &state.settings.supervision_email,
        )
        .await?,
    ))
}

/// Correct an approved or published result: a new draft revision with reason and author.
#[utoipa::path(post, path = "/v1/results/{id}/revisions", tag = "results", request_body = RevisionInput, security(("bearer_auth" = [])), responses((status = 201, body = ResultView)))]
pub async fn revise(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    body: ValidJson<RevisionInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created().json(
        results::revise(
            &state.db,
            &state.calendar(),
            &user,
            state.now(),
            id.into_inner(),
            body.into_inner(),
        )
        .await?,
    ))
}

/// A department's published totals over the quarters.
#[utoipa::path(get, path = "/v1/departments/{id}/trend", tag = "results", security(("bearer_auth" = [])), responses((status = 200, body = Vec<TrendPoint>)))]
pub async fn trend(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    _user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(results::trend(&state.db, id.into_inner()).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RectQuery {
    pub status: Option<String>,
}

/// Rectification orders; department staff see their own.
#[utoipa::path(get, path = "/v1/rectifications", tag = "rectification", params(RectQuery), security(("bearer_auth" = [])), responses((status = 200, body = Vec<Rectification>)))]
pub async fn list_rectifications(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ValidQuery<RectQuery>,
) -> ApiResult<HttpResponse> {
    Ok(
        HttpResponse::Ok()
            .json(rectification::list(&state.db, &user, q.into_inner().status).await?),
    )
}

/// The department submits its written rectification.
#[utoipa::path(post, path = "/v1/rectifications/{id}/submit", tag = "rectification", request_body = SubmitInput, security(("bearer_auth" = [])), responses((status = 200, body = Rectification)))]
pub async fn submit_rectification(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    body: ValidJson<SubmitInput>,
) -> ApiResult<web::Json<Rectification>> {
    Ok(web::Json(
        rectification::submit(
            &state.db,
            &user,
            state.now(),
            id.into_inner(),
            body.into_inner(),
        )
        .await?,
    ))
}

/// A supervisor accepts or returns a submitted rectification.
#[utoipa::path(post, path = "/v1/rectifications/{id}/decision", tag = "rectification", request_body = DecisionInput, security(("bearer_auth" = [])), responses((status = 200, body = Rectification)))]
pub async fn decide_rectification(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    body: ValidJson<DecisionInput>,
) -> ApiResult<web::Json<Rectification>> {
    Ok(web::Json(
        rectification::decide(
            &state.db,
            &user,
            state.now(),
            id.into_inner(),
            body.into_inner(),
        )
        .await?,
    ))
}

/// Run a scheduled job now (system administrator, assessor): `quarterly_run`, `rectification`, `deliver`.
#[utoipa::path(post, path = "/v1/jobs/{job}/run", tag = "results", security(("bearer_auth" = [])), responses((status = 200, body = JobRun)))]
pub async fn run_job(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    job: web::Path<String>,
) -> ApiResult<web::Json<JobRun>> {
    user.require(&[Role::Sysadmin, Role::Assessor])?;
    let name = job.into_inner();
    let job = JobKind::parse(&name).ok_or_else(|| ApiError::not_found("job", &name))?;
    Ok(web::Json(jobs::run_once(&state, job, state.now()).await?))
}
