//! Case (办件) and branch (分件) routes: submission at the window (一口受理), the list, the
//! timeline, payment, withdrawal, unified issuance (统一发证) and commands on branches.

use actix_web::{web, HttpRequest, HttpResponse};
use platform::auth::AuthUser;
use platform::http::ValidQuery;
use platform::json::parse_json;
use platform::pagination::{Page, PageRequest};
use platform::{ApiError, ApiResult};
use serde::Deserialize;
use utoipa::IntoParams;
use workflow::{BranchCommand, CaseCommand};

use crate::cases::idempotency::{self, IdemKey};
use crate::cases::model::*;
use crate::cases::store::{self, CaseFilter};
use crate::routes::if_match;
use crate::state::AppState;

/// Read the body (size-limited by the `web::PayloadConfig` of `BODY_LIMIT_BYTES`) and the Idempotency-Key.
async fn idem_and_body(
    req: &HttpRequest,
    user: &AuthUser,
    body: &web::Bytes,
) -> ApiResult<Option<IdemKey>> {
    IdemKey::from_request(req, user.id, body)
}

fn require_json(req: &HttpRequest) -> ApiResult<()> {
    let ok = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"));
    if ok {
        Ok(())
    } else {
        Err(ApiError::Unsupported {
            message: "request body must be JSON (Content-Type: application/json)".into(),
        })
    }
}

/// Accept a case at the window (一口受理), clerk only. One transaction writes the case, every
/// first-stage branch with its due and warning moments, and the events. Send an
/// `Idempotency-Key` header so a retry returns the first case instead of making a second.
#[utoipa::path(post, path = "/v1/cases", tag = "cases", request_body = CaseInput, security(("bearer_auth" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe key, 1–128 visible ASCII characters")),
    responses(
        (status = 201, body = CaseView),
        (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "bad applicant id, unknown bundle, materials not in the item's list, key material missing", body = platform::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn submit(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    require_json(&req)?;
    let idem = idem_and_body(&req, &user, &body).await?;
    if let Some(k) = &idem {
        if let Some(replayed) =
            idempotency::replay(&state.db, k, state.idempotency_horizon()).await?
        {
            return Ok(replayed);
        }
    }
    let input: CaseInput = parse_json(&body)?;
    let cal = state.timing();
    match store::submit(
        &state.db,
        &state.pii,
        &cal,
        &user,
        state.now(),
        input,
        idem.as_ref(),
    )
    .await
    {
        Ok(view) => {
            state.announce_events();
            Ok(HttpResponse::Created().json(view))
        }
        Err(e) => replay_on_race(&state, idem.as_ref(), e).await,
    }
}

/// Two identical retries racing: the loser's insert of the key fails; answer with the winner's.
async fn replay_on_race(
    state: &AppState,
    idem: Option<&IdemKey>,
    e: ApiError,
) -> ApiResult<HttpResponse> {
    if let (
        Some(k),
        ApiError::Conflict {
            code: "duplicate", ..
        },
    ) = (idem, &e)
    {
        if let Some(replayed) =
            idempotency::replay(&state.db, k, state.idempotency_horizon()).await?
        {
            return Ok(replayed);
        }
    }
    Err(e)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `accepted`, `in_progress`, `ready_for_issuance`, `issued`, `rejected`, `withdrawn`.
    pub state: Option<String>,
    /// Cases with a branch in this department.
    pub department_id: Option<i32>,
    /// `true`: cases with an open branch past its due moment; `false`: none.
    pub overdue: Option<bool>,
    /// Applicant ID number / credit code, or exact name.
    pub applicant: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// List cases. Reviewers and approvers see only cases with a branch of their department.
#[utoipa::path(get, path = "/v1/cases", tag = "cases", params(ListQuery), security(("bearer_auth" = [])), responses(
    (status = 200, body = Page<CaseView>),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ValidQuery<ListQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let f = CaseFilter {
        state: q.state,
        department_id: q.department_id,
        overdue: q.overdue,
        applicant: q.applicant,
    };
    Ok(HttpResponse::Ok()
        .json(store::list_cases(&state.db, &state.pii, &user, state.now(), f, page).await?))
}

/// One case with its branches. The applicant's ID number and phone are in full for the window
/// clerk and the staff of the case's own departments (branch or lead), and that read is audited
/// (`read_pii`, with the client address); every other reader, and every list, sees them masked
/// (`110105********002X`, `138****1234`).
#[utoipa::path(get, path = "/v1/cases/{id}", tag = "cases", security(("bearer_auth" = [])), responses(
    (status = 200, body = CaseView),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn get(
    _no_query: platform::http::NoQuery,
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<CaseView>> {
    let id = id.into_inner();
    let (case, disclosure) = store::get_case(&state.db, &state.pii, &user, state.now(), id).await?;
    // The applicant's data in full (ID number, phone), for the clerk and the case's own
    // departments only: a sensitive read, audited (安全审计). Everyone else reads it masked.
    if disclosure == crate::cases::pii::Disclosure::Full {
        crate::audit::record_read(
            &state.db,
            &user,
            state.now(),
            "read_pii",
            "case",
            id,
            &crate::routes::public::client_address(&req),
        )
        .await?;
    }
    Ok(web::Json(case))
}

/// The full timeline of a case: every event, in order.
#[utoipa::path(get, path = "/v1/cases/{id}/timeline", tag = "cases", security(("bearer_auth" = [])), responses(
    (status = 200, body = Vec<EventView>),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn timeline(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(store::timeline(&state.db, &user, id.into_inner()).await?))
}

/// Record the one payment for all items (一站缴费), clerk only.
#[utoipa::path(post, path = "/v1/cases/{id}/payment", tag = "cases", request_body = PaymentInput, security(("bearer_auth" = [])), responses(
    (status = 200, body = CaseView),
    (status = 409, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn payment(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    require_json(&req)?;
    let idem = idem_and_body(&req, &user, &body).await?;
    if let Some(k) = &idem {
        if let Some(replayed) =
            idempotency::replay(&state.db, k, state.idempotency_horizon()).await?
        {
            return Ok(replayed);
        }
    }
    let input: PaymentInput = parse_json(&body)?;
    match store::record_payment(
        &state.db,
        &state.pii,
        &user,
        state.now(),
        id.into_inner(),
        input,
        idem.as_ref(),
    )
    .await
    {
        Ok(v) => {
            state.announce_events();
            Ok(HttpResponse::Ok().json(v))
        }
        Err(e) => replay_on_race(&state, idem.as_ref(), e).await,
    }
}

async fn run_case_command(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    request: store::CaseRequest,
    body: &[u8],
) -> ApiResult<HttpResponse> {
    let idem = IdemKey::from_request(&req, user.id, body)?;
    if let Some(k) = &idem {
        if let Some(replayed) =
            idempotency::replay(&state.db, k, state.idempotency_horizon()).await?
        {
            return Ok(replayed);
        }
    }
    let cal = state.timing();
    match store::case_command(
        &state.db,
        &state.pii,
        &cal,
        &user,
        state.now(),
        request,
        idem.as_ref(),
    )
    .await
    {
        Ok(v) => {
            state.announce_events();
            Ok(HttpResponse::Ok().json(v))
        }
        Err(e) => replay_on_race(&state, idem.as_ref(), e).await,
    }
}

/// Withdraw a case (撤件), clerk or admin: its open branches are cancelled.
#[utoipa::path(post, path = "/v1/cases/{id}/withdraw", tag = "cases", request_body = WithdrawInput, security(("bearer_auth" = [])), responses(
    (status = 200, body = CaseView),
    (status = 409, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn withdraw(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    require_json(&req)?;
    let input: WithdrawInput = parse_json(&body)?;
    let request = store::CaseRequest {
        case_id: id.into_inner(),
        command: CaseCommand::Withdraw {
            reason: input.reason,
        },
        issued_at: None,
    };
    run_case_command(state, user, req, request, &body).await
}

/// Unified issuance (统一发证), clerk only, once the case is ready and paid. The body is
/// optional: `{"issued_at": "<RFC 3339>"}` when the certificates were handed over earlier than
/// this report (not in the future, not before the case became ready); without it, now.
#[utoipa::path(post, path = "/v1/cases/{id}/issue", tag = "cases", security(("bearer_auth" = [])),
    request_body(content = Option<IssueInput>, description = "optional; absent or empty: issued now"),
    responses(
        (status = 200, body = CaseView),
        (status = 409, description = "not ready, or payment outstanding", body = platform::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`issued_at` in the future or before the case became ready (`invalid_issued_at`)", body = platform::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn issue(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let input: IssueInput = if body.iter().all(u8::is_ascii_whitespace) {
        IssueInput::default()
    } else {
        require_json(&req)?;
        parse_json(&body)?
    };
    let request = store::CaseRequest {
        case_id: id.into_inner(),
        command: CaseCommand::Issue,
        issued_at: input.issued_at,
    };
    run_case_command(state, user, req, request, &body).await
}

/// One branch (分件). The `ETag` is its version, for `If-Match` on the next command.
#[utoipa::path(get, path = "/v1/branches/{id}", tag = "cases", security(("bearer_auth" = [])), responses(
    (status = 200, body = BranchView),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn get_branch(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<HttpResponse> {
    let (view, version) =
        store::get_branch_case(&state.db, &user, state.now(), id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", format!("\"{version}\"")))
        .json(view))
}

/// Run a command on a branch: `start_review`, `review`, `approve`, `reject`,
/// `request_supplement`, `supplement`, `suspend`, `resume`, `extend`. Body:
/// `{"command": "<name>", ...fields}`. `approve` and `reject` take an optional `decided_at`,
/// the moment the decision really happened (not later than now, not before the branch opened:
/// 422 `invalid_decided_at`); the branch keeps it and the moment it was recorded. Reviewers and approvers of the branch's own department
/// only (a clerk may record `supplement`). A refused transition is 409 naming the state; a
/// stale `If-Match` is 409 `stale_version`; nothing is half-written.
#[utoipa::path(post, path = "/v1/branches/{id}/commands", tag = "cases", security(("bearer_auth" = [])),
    request_body(content = crate::cases::model::BranchCommandBody, description = "one command, told apart by `command`"),
    params(
        ("If-Match" = Option<String>, Header, description = "the branch version the client saw"),
        ("Idempotency-Key" = Option<String>, Header, description = "retry-safe key"),
    ),
    responses(
        (status = 200, description = "the whole case after the command (and the join)", body = CaseView),
        (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = platform::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn command(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    require_json(&req)?;
    let version = if_match(&req, "branch")?;
    let idem = idem_and_body(&req, &user, &body).await?;
    if let Some(k) = &idem {
        if let Some(replayed) =
            idempotency::replay(&state.db, k, state.idempotency_horizon()).await?
        {
            return Ok(replayed);
        }
    }
    let cmd: BranchCommand = parse_json(&body)?;
    let cal = state.timing();
    let request = store::BranchRequest {
        branch_id: id.into_inner(),
        command: cmd,
        if_match: version,
    };
    match store::branch_command(
        &state.db,
        &state.pii,
        &cal,
        &user,
        state.now(),
        request,
        idem.as_ref(),
    )
    .await
    {
        Ok(v) => {
            state.announce_events();
            Ok(HttpResponse::Ok().json(v))
        }
        Err(e) => replay_on_race(&state, idem.as_ref(), e).await,
    }
}

/// Why a supervisor allows a second supplement request.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplementAllowance {
    /// The reason, kept in the audit trail and on the feed.
    #[schema(
        min_length = 1,
        example = "申请人补交材料中发现新的缺失，经核实确需再次补正"
    )]
    pub reason: String,
}

/// Allow one more supplement request on a branch (supervisor). 行政许可法 第三十二条 asks for
/// every missing material at once (一次性告知), so a branch is sent back for supplement once;
/// a second request needs this allowance, with its reason, audited.
#[utoipa::path(post, path = "/v1/branches/{id}/supplement-allowance", tag = "cases", request_body = SupplementAllowance, security(("bearer_auth" = [])), responses(
    (status = 200, description = "the branch, allowed one more request", body = crate::cases::model::BranchView),
    (status = 409, description = "the branch is decided, or may request supplement already", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn allow_supplement(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    body: platform::json::ValidJson<SupplementAllowance>,
) -> ApiResult<HttpResponse> {
    let view = store::allow_supplement(
        &state.db,
        &user,
        state.now(),
        id.into_inner(),
        &body.into_inner().reason,
    )
    .await?;
    state.announce_events();
    Ok(HttpResponse::Ok().json(view))
}
