//! E-supervision routes: cards, claims (审管互动), complaints (投诉), statistics, notices, and
//! running a scheduled job on demand.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use platform::auth::{AuthUser, Role};
use platform::http::ValidQuery;
use platform::json::ValidJson;
use platform::pagination::{Page, PageRequest};
use platform::{ApiError, ApiResult};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::state::AppState;
use crate::supervision::cards::{self, Card, CardFilter, RevokeInput};
use crate::supervision::claims::{self, Claim};
use crate::supervision::complaints::{
    self, AnswerInput, AssignInput, Complaint, ComplaintInput, ComplaintReceipt, FindingInput,
};
use crate::supervision::jobs::{self, JobKind, JobRun};
use crate::supervision::reports::{self, Digest, DigestKind, Period};
use crate::supervision::stats::{self, DepartmentStats};
use ::reports::{ExportFormat, TableFormat};
use calendar::local_midnight;
use outbox::entity::notice;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CardQuery {
    /// `warning`, `yellow`, `red`, `unclaimed`.
    pub level: Option<String>,
    pub department_id: Option<i32>,
    pub case_id: Option<i32>,
    /// `true`: not yet closed; `false`: closed.
    pub open: Option<bool>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// Cards (预警, 黄牌, 红牌, 认领超时). Department staff see their own department's.
#[utoipa::path(get, path = "/v1/cards", tag = "supervision", params(CardQuery), security(("bearer_auth" = [])), responses((status = 200, body = Page<Card>)))]
pub async fn list_cards(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ValidQuery<CardQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let f = CardFilter {
        level: q.level,
        department_id: q.department_id,
        case_id: q.case_id,
        open: q.open,
    };
    Ok(HttpResponse::Ok().json(cards::list(&state.db, &user, f, page).await?))
}

/// Acknowledge a card: a supervisor, or staff of the card's department. Twice is a 409.
#[utoipa::path(post, path = "/v1/cards/{id}/acknowledge", tag = "supervision", security(("bearer_auth" = [])), responses(
    (status = 200, body = Card),
    (status = 409, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn acknowledge(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<Card>> {
    Ok(web::Json(
        cards::acknowledge(&state.db, &user, state.now(), id.into_inner()).await?,
    ))
}

/// Revoke a card (supervisor), naming its level and the reason.
#[utoipa::path(post, path = "/v1/cards/{id}/revoke", tag = "supervision", request_body = RevokeInput, security(("bearer_auth" = [])), responses(
    (status = 200, body = Card),
    (status = 409, description = "another level than the card's, or already closed", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn revoke(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    body: ValidJson<RevokeInput>,
) -> ApiResult<web::Json<Card>> {
    Ok(web::Json(
        cards::revoke(
            &state.db,
            &user,
            state.now(),
            id.into_inner(),
            body.into_inner(),
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ClaimQuery {
    pub department_id: Option<i32>,
    /// `true`: not yet claimed.
    pub open: Option<bool>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// Approved results pushed to supervising departments (审管互动).
#[utoipa::path(get, path = "/v1/claims", tag = "supervision", params(ClaimQuery), security(("bearer_auth" = [])), responses((status = 200, body = Page<Claim>)))]
pub async fn list_claims(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ValidQuery<ClaimQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    Ok(HttpResponse::Ok()
        .json(claims::list(&state.db, &user, q.department_id, q.open, page).await?))
}

/// Claim (认领) an approved result: staff of the supervising department.
#[utoipa::path(post, path = "/v1/claims/{id}/claim", tag = "supervision", security(("bearer_auth" = [])), responses(
    (status = 200, body = Claim),
    (status = 409, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn claim(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<Claim>> {
    Ok(web::Json(
        claims::claim(&state.db, &user, state.now(), id.into_inner()).await?,
    ))
}

/// File a complaint (投诉). Open to anyone holding a case number and its check code (the last
/// 6 characters of the applicant's ID number or credit code, case-insensitive): no token
/// needed. The answer is the same 202 and body whether the case does not exist, the check code
/// is wrong, or the complaint was filed; only a matching pair files one. Rate-limited per
/// client address (`PUBLIC_COMPLAINT_PER_ADDRESS`, default 10) and per case number
/// (`PUBLIC_COMPLAINT_PER_CASE`, default 5) per ten minutes: 429 with `Retry-After`.
#[utoipa::path(post, path = "/v1/complaints", tag = "supervision", request_body = ComplaintInput, responses(
    (status = 202, body = ComplaintReceipt),
    (status = 422, description = "a field empty or too long, a check code not of 6 characters", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 429, body = platform::error::Problem, content_type = "application/problem+json", headers(("Retry-After" = u64, description = "seconds until the next window"))),
))]
pub async fn file_complaint(
    _no_query: platform::http::NoQuery,
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    body: ValidJson<ComplaintInput>,
) -> ApiResult<HttpResponse> {
    let address = crate::routes::public::client_address(&req);
    Ok(HttpResponse::Accepted()
        .json(complaints::file_public(&state, &address, body.into_inner()).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ComplaintQuery {
    /// `open`, `assigned`, `answered`, `closed`.
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// Complaints: supervisors see all; department staff those assigned to them.
#[utoipa::path(get, path = "/v1/complaints", tag = "supervision", params(ComplaintQuery), security(("bearer_auth" = [])), responses((status = 200, body = Page<Complaint>)))]
pub async fn list_complaints(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ValidQuery<ComplaintQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    Ok(HttpResponse::Ok()
        .json(complaints::list(&state.db, &user, state.now(), q.status, page).await?))
}

/// Assign a complaint to a department with a time limit (supervisor); the department is notified.
#[utoipa::path(post, path = "/v1/complaints/{id}/assign", tag = "supervision", request_body = AssignInput, security(("bearer_auth" = [])), responses((status = 200, body = Complaint)))]
pub async fn assign_complaint(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    body: ValidJson<AssignInput>,
) -> ApiResult<web::Json<Complaint>> {
    let t = state.timing();
    Ok(web::Json(
        complaints::assign(
            &state.db,
            &t,
            &user,
            state.now(),
            id.into_inner(),
            body.into_inner(),
        )
        .await?,
    ))
}

/// Answer a complaint: staff of the assigned department, or a supervisor.
#[utoipa::path(post, path = "/v1/complaints/{id}/answer", tag = "supervision", request_body = AnswerInput, security(("bearer_auth" = [])), responses((status = 200, body = Complaint)))]
pub async fn answer_complaint(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    body: ValidJson<AnswerInput>,
) -> ApiResult<web::Json<Complaint>> {
    Ok(web::Json(
        complaints::answer(
            &state.db,
            &user,
            state.now(),
            id.into_inner(),
            body.into_inner(),
        )
        .await?,
    ))
}

/// Record whether a complaint was founded (投诉认定), supervisor only, once (a second finding is
/// 409 `finding_recorded`): `valid` or `invalid` with the reason and, optionally, the staff
/// member complained about (`staff_id`); audited and on the feed (`complaint_found`).
#[utoipa::path(post, path = "/v1/complaints/{id}/finding", tag = "supervision", request_body = FindingInput, security(("bearer_auth" = [])), responses(
    (status = 200, body = Complaint),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 409, description = "a finding is recorded already (`finding_recorded`)", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, description = "empty or too long `reason`, unknown `finding`; unknown `staff_id`, staff of another department (`staff_department_mismatch`) or not assigned on the day the complaint was filed (`staff_not_assigned`)", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn complaint_finding(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    body: ValidJson<FindingInput>,
) -> ApiResult<web::Json<Complaint>> {
    let c = complaints::record_finding(
        &state.db,
        &user,
        state.now(),
        id.into_inner(),
        body.into_inner(),
    )
    .await?;
    state.announce_events();
    Ok(web::Json(c))
}

/// Close an answered complaint (supervisor).
#[utoipa::path(post, path = "/v1/complaints/{id}/close", tag = "supervision", security(("bearer_auth" = [])), responses((status = 200, body = Complaint)))]
pub async fn close_complaint(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<Complaint>> {
    Ok(web::Json(
        complaints::close(&state.db, &user, state.now(), id.into_inner()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// First day of the period (Asia/Shanghai), inclusive.
    pub from: NaiveDate,
    /// Last day of the period, inclusive; at most `REPORT_MAX_DAYS` (product default 366) after
    /// `from`.
    pub to: NaiveDate,
    pub department_id: Option<i32>,
    /// `json` (default), `xlsx` or `csv` (a download named 审批统计-{from}至{to}).
    pub format: Option<TableFormat>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Statistics {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Definitions: see the `statistics` section of the README (finished branches are the
    /// denominator of every rate; rates are 0–1, null when nothing finished).
    pub departments: Vec<DepartmentStats>,
}

/// Per-department figures for a period: received, finished, 即日办结率, 提前办结率, 按时办结率,
/// overdue, cards by level, complaints. For supervisors, assessors, admins and integrations.
/// `format=xlsx` / `format=csv` answer the same figures as a download (sheet 审批统计 with
/// Chinese headers, rates as percentages; a 说明 sheet with the period and the local time it
/// was made); CSV is UTF-8 with a byte-order mark, rates as 0–1 fractions.
#[utoipa::path(get, path = "/v1/statistics", tag = "supervision", params(StatsQuery), security(("bearer_auth" = [])), responses(
    (status = 200, description = "The figures, as JSON or as a file (`Content-Disposition: attachment`)", content(
        (Statistics = "application/json"),
        (::reports::http::FileDownload = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (::reports::http::FileDownload = "text/csv; charset=utf-8"),
    )),
    (status = 400, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn statistics(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    q: ValidQuery<StatsQuery>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Supervisor, Role::Assessor, Role::Service])?;
    let q = q.into_inner();
    let format = ExportFormat::from(q.format.unwrap_or_default());
    if q.to < q.from {
        return Err(ApiError::validation("to", "must not be before `from`"));
    }
    let max = state.supervision.report_max_days;
    if (q.to - q.from).num_days() > i64::from(max) {
        return Err(ApiError::validation(
            "to",
            format!("a period is at most {max} days after `from` (REPORT_MAX_DAYS)"),
        ));
    }
    let end = q.to.succ_opt().unwrap_or(q.to);
    let rows = stats::query(
        &state.db,
        local_midnight(q.from),
        local_midnight(end),
        q.department_id,
        state.now(),
    )
    .await?;
    if format == ExportFormat::Json {
        return Ok(HttpResponse::Ok().json(Statistics {
            from: q.from,
            to: q.to,
            departments: rows,
        }));
    }
    let names = reports::department_names(&state.db).await?;
    let rows = reports::named(rows, &names);
    let sheet = reports::stats_sheet("审批统计", &rows);
    let bytes = if format == ExportFormat::Xlsx {
        ::reports::table::xlsx(&[
            sheet,
            reports::about_sheet(
                &format!("审批统计 {} 至 {}", q.from, q.to),
                q.from,
                q.to,
                state.now(),
            ),
        ])?
    } else {
        ::reports::table::csv(&sheet)?
    };
    export_audit(
        &state,
        &user,
        &req,
        "statistics",
        &format!("{}..{} {format:?}", q.from, q.to).to_lowercase(),
    )
    .await?;
    Ok(::reports::download(
        format,
        bytes,
        &format!("审批统计-{}至{}", q.from, q.to),
        &format!("statistics-{}-{}", q.from, q.to),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WeeklyQuery {
    /// The ISO week, e.g. `2026-W11` (years 2000–2100); default: the last week that has ended
    /// (Asia/Shanghai).
    #[param(pattern = r"^(20[0-9]{2}|2100)-W[0-5][0-9]$")]
    pub week: Option<String>,
    /// `json` (default), `xlsx` or `csv`.
    pub format: Option<TableFormat>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthlyQuery {
    /// The month, e.g. `2026-03` (years 2000–2100); default: the last month that has ended
    /// (Asia/Shanghai).
    #[param(pattern = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
    /// `json` (default), `xlsx`, `csv` or `pdf` (the table and bar charts per department).
    pub format: Option<ExportFormat>,
}

/// Record a report export (`export`, 安全审计) with who and from where, before the file goes.
async fn export_audit(
    state: &AppState,
    user: &AuthUser,
    req: &actix_web::HttpRequest,
    report: &'static str,
    what: &str,
) -> Result<(), ApiError> {
    crate::audit::record_read(
        &state.db,
        user,
        state.now(),
        "export",
        report,
        what,
        &crate::routes::public::client_address(req),
    )
    .await
}

async fn digest_response(
    state: &AppState,
    reader: (&AuthUser, &actix_web::HttpRequest),
    kind: DigestKind,
    period: Option<&str>,
    field: &str,
    format: ExportFormat,
) -> ApiResult<HttpResponse> {
    let now = state.now();
    let period = match period {
        Some(p) => Period::parse(kind, p, field)?,
        None => Period::last_ended(kind, now),
    };
    if format == ExportFormat::Pdf && kind != DigestKind::Monthly {
        return Err(ApiError::validation(
            "format",
            "the weekly notice comes as json, xlsx or csv",
        ));
    }
    // The font first: without one the PDF answer is a clear 503, before any work is done.
    let font = if format == ExportFormat::Pdf {
        let setting = state.supervision.pdf_font.clone();
        Some(
            web::block(move || ::reports::pdf::PdfFont::cached(setting.as_deref()))
                .await
                .map_err(|e| ApiError::Internal(format!("loading the PDF font: {e}")))??,
        )
    } else {
        None
    };
    let d = reports::digest(&state.db, kind, &period, now).await?;
    let bytes = match format {
        ExportFormat::Json => return Ok(HttpResponse::Ok().json(d)),
        ExportFormat::Xlsx => reports::digest_xlsx(&d, kind)?,
        ExportFormat::Csv => reports::digest_csv(&d, kind)?,
        // Subsetting the font and laying out the pages is CPU work: off the async workers.
        ExportFormat::Pdf => match font {
            Some(font) => {
                let d = d.clone();
                web::block(move || reports::digest_pdf(&d, kind, &font))
                    .await
                    .map_err(|e| ApiError::Internal(format!("PDF rendering: {e}")))??
            }
            None => return Err(ApiError::Internal("PDF font not loaded".into())),
        },
    };
    let (name, ascii) = reports::digest_file_name(&d, kind);
    export_audit(
        state,
        reader.0,
        reader.1,
        kind.as_str(),
        &format!("{} {format:?}", period.label).to_lowercase(),
    )
    .await?;
    Ok(::reports::download(format, bytes, &name, &ascii))
}

/// 周通报: a week's figures per department (the weekly mail's numbers and attachment), as
/// JSON, `.xlsx` or `.csv`. Supervisors, assessors, admins and integrations.
#[utoipa::path(get, path = "/v1/reports/weekly-notice", tag = "supervision", params(WeeklyQuery), security(("bearer_auth" = [])), responses(
    (status = 200, description = "The digest, as JSON or as a file (`Content-Disposition: attachment`)", content(
        (Digest = "application/json"),
        (::reports::http::FileDownload = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (::reports::http::FileDownload = "text/csv; charset=utf-8"),
    )),
    (status = 400, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn weekly_notice(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    q: ValidQuery<WeeklyQuery>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Supervisor, Role::Assessor, Role::Service])?;
    let q = q.into_inner();
    digest_response(
        &state,
        (&user, &req),
        DigestKind::Weekly,
        q.week.as_deref(),
        "week",
        q.format.unwrap_or_default().into(),
    )
    .await
}

/// 月分析: a month's figures per department (the monthly mail's numbers and attachments), as
/// JSON, `.xlsx`, `.csv` or PDF with bar charts (503 `pdf_font_missing` when no CJK font is
/// configured, see `PDF_FONT`). Supervisors, assessors, admins and integrations.
#[utoipa::path(get, path = "/v1/reports/monthly-analysis", tag = "supervision", params(MonthlyQuery), security(("bearer_auth" = [])), responses(
    (status = 200, description = "The digest, as JSON or as a file (`Content-Disposition: attachment`)", content(
        (Digest = "application/json"),
        (::reports::http::FileDownload = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (::reports::http::FileDownload = "text/csv; charset=utf-8"),
        (::reports::http::FileDownload = "application/pdf"),
    )),
    (status = 400, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 503, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn monthly_analysis(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    q: ValidQuery<MonthlyQuery>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Supervisor, Role::Assessor, Role::Service])?;
    let q = q.into_inner();
    digest_response(
        &state,
        (&user, &req),
        DigestKind::Monthly,
        q.month.as_deref(),
        "month",
        q.format.unwrap_or_default(),
    )
    .await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeView {
    pub id: i32,
    pub kind: String,
    pub subject: String,
    pub recipients: Vec<String>,
    /// `pending`, `sending`, `sent`, `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NoticeQuery {
    pub status: Option<String>,
    pub kind: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// The notice queue (system administrator, supervisor): what was sent, what waits, what failed and why.
#[utoipa::path(get, path = "/v1/notices", tag = "supervision", params(NoticeQuery), security(("bearer_auth" = [])), responses((status = 200, body = Page<NoticeView>)))]
pub async fn list_notices(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ValidQuery<NoticeQuery>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Sysadmin, Role::Supervisor])?;
    let q = q.into_inner();
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let mut sel = notice::Entity::find();
    if let Some(s) = &q.status {
        sel = sel.filter(notice::Column::Status.eq(s.as_str()));
    }
    if let Some(k) = &q.kind {
        sel = sel.filter(notice::Column::Kind.eq(k.as_str()));
    }
    if let Some(after) = page.after_id {
        sel = sel.filter(notice::Column::Id.gt(after));
    }
    let rows = sel
        .order_by_asc(notice::Column::Id)
        .limit(page.limit + 1)
        .all(&state.db)
        .await?;
    let out = page.page(
        rows,
        |r| r.id as i64,
        |n| NoticeView {
            id: n.id,
            kind: n.kind,
            subject: n.subject,
            recipients: serde_json::from_str(&n.recipients).unwrap_or_default(),
            status: n.status,
            attempts: n.attempts,
            next_attempt_at: n.next_attempt_at,
            last_error: n.last_error,
            sent_at: n.sent_at,
            created_at: n.created_at,
        },
    );
    Ok(HttpResponse::Ok().json(out))
}

/// Run a scheduled job now (system administrator, supervisor): `sweep`, `deliver`, `daily_digest`,
/// `weekly_notice`, `monthly_analysis`, `housekeeping`. Goes through the same once-per-tick ledger as the
/// scheduler, so two replicas asked at the same minute run it once.
#[utoipa::path(post, path = "/v1/supervision/jobs/{job}/run", tag = "supervision", security(("bearer_auth" = [])), responses(
    (status = 200, body = JobRun),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn run_job(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    job: web::Path<String>,
) -> ApiResult<web::Json<JobRun>> {
    user.require(&[Role::Sysadmin, Role::Supervisor])?;
    let name = job.into_inner();
    let job = JobKind::parse(&name).ok_or_else(|| ApiError::not_found("job", &name))?;
    let run = jobs::run_once(&state, job, state.now()).await?;
    state.announce_events();
    Ok(web::Json(run))
}

/// One extension (延期) as filed with the supervisors (报备).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtensionView {
    /// The feed position of the `extended` event.
    pub seq: i64,
    pub case_id: i32,
    pub branch_id: i32,
    pub department_id: i32,
    /// Working days added.
    pub days: u32,
    /// The reason told to the applicant.
    pub reason: String,
    /// The approving 负责人 (user id).
    pub approver_id: i64,
    /// Who recorded it.
    pub actor_id: i32,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExtensionQuery {
    /// Only this department's branches.
    pub department_id: Option<i32>,
    /// Granted at or after this moment (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Granted before this moment (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// Extensions granted (延期报备, 行政许可法 第四十二条), newest last: supervisors, assessors and
/// admins see every department's, reviewers and approvers their own department's.
#[utoipa::path(get, path = "/v1/extensions", tag = "supervision", params(ExtensionQuery), security(("bearer_auth" = [])), responses((status = 200, body = Page<ExtensionView>)))]
pub async fn list_extensions(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ValidQuery<ExtensionQuery>,
) -> ApiResult<HttpResponse> {
    use crate::entities::{branch, event};
    use sea_orm::sea_query::Query;
    user.require(&[
        Role::Supervisor,
        Role::Assessor,
        Role::Reviewer,
        Role::Approver,
    ])?;
    let q = q.into_inner();
    let department = match user.role {
        Role::Reviewer | Role::Approver => {
            let own = user
                .department_id
                .ok_or_else(|| ApiError::forbidden("your account has no department"))?;
            if q.department_id.is_some_and(|d| d != own) {
                return Err(ApiError::forbidden(
                    "department staff see their own department's extensions only",
                ));
            }
            Some(own)
        }
        _ => q.department_id,
    };
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let mut sel = event::Entity::find().filter(event::Column::Kind.eq("extended"));
    if let Some(d) = department {
        sel = sel.filter(
            event::Column::BranchId.in_subquery(
                Query::select()
                    .column(branch::Column::Id)
                    .from(branch::Entity)
                    .and_where(branch::Column::DepartmentId.eq(d))
                    .to_owned(),
            ),
        );
    }
    if let Some(from) = q.from {
        sel = sel.filter(event::Column::At.gte(from));
    }
    if let Some(to) = q.to {
        sel = sel.filter(event::Column::At.lt(to));
    }
    if let Some(after) = page.after_id {
        sel = sel.filter(event::Column::Seq.gt(after));
    }
    let rows = sel
        .order_by_asc(event::Column::Seq)
        .limit(page.limit + 1)
        .all(&state.db)
        .await?;
    let out = page.page(
        rows,
        |e| e.seq,
        |e| {
            let p: serde_json::Value = serde_json::from_str(&e.payload).unwrap_or_default();
            let int = |k: &str| p.get(k).and_then(serde_json::Value::as_i64).unwrap_or(0);
            ExtensionView {
                seq: e.seq,
                case_id: e.case_id,
                branch_id: e.branch_id.unwrap_or_default(),
                department_id: i32::try_from(int("department_id")).unwrap_or_default(),
                days: u32::try_from(int("days")).unwrap_or_default(),
                reason: p
                    .get("reason")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                approver_id: int("approver_id"),
                actor_id: e.actor_id,
                at: e.at,
            }
        },
    );
    Ok(HttpResponse::Ok().json(out))
}
