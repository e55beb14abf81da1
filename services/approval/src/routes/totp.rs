//! The administrators' second factor (TOTP, RFC 6238; GB/T 22239-2019 8.1.4.1 d): enrolment,
//! confirmation, the check at sign-in, and the security administrator's reset (a lost phone).
//! The rules are in [`crate::login::totp`].
//!
//! - `POST /v1/auth/totp`: an administrator (sysadmin, secadmin, auditor) starts enrolment and
//!   gets the secret and its `otpauth://` address; nothing changes at sign-in yet.
//! - `POST /v1/auth/totp/confirm`: the first right code turns the factor on; from then on
//!   `POST /v1/auth/token` needs `totp` as well (401 `totp_required` / `totp_invalid`, a wrong
//!   code counting as a failed sign-in).
//! - `DELETE /v1/users/{id}/totp`: the security administrator removes a user's factor.
//!
//! Every step is in the audit trail (`entity=session`) with the client address.

use actix_web::{web, HttpRequest, HttpResponse};
use platform::auth::AuthUser;
use platform::json::ValidJson;
use platform::{ApiError, ApiResult};
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set, TransactionTrait};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::catalogue::store;
use crate::entities::user;
use crate::login::{self, totp};
use crate::state::AppState;

/// The associated data of the sealed TOTP secrets (`cases::vault`).
const TOTP_COLUMN: &str = "users.totp_secret";

/// The start of an enrolment.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TotpEnrolment {
    /// The secret, base32 (RFC 4648): type it into the authenticator app, or scan
    /// `otpauth_url` as a QR code.
    pub secret: String,
    /// `otpauth://totp/…` with the issuer, the account, 6 digits and 30-second steps.
    pub otpauth_url: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpCode {
    /// The six digits the app shows now.
    #[schema(min_length = 6, max_length = 6, pattern = "^[0-9]{6}$")]
    pub code: String,
}

/// The answer to a confirmation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TotpState {
    /// Whether sign-ins of this account need a code.
    pub enabled: bool,
}

/// Record `action` of `actor` on `subject`'s factor (`entity=session`, with the address) and
/// commit the change it describes with it.
async fn audit_and_commit(
    txn: sea_orm::DatabaseTransaction,
    now: chrono::DateTime<chrono::Utc>,
    actor: (i32, &str),
    action: &str,
    subject: &str,
    address: &str,
) -> Result<(), ApiError> {
    login::audit(
        &txn,
        now,
        (Some(actor.0), actor.1),
        action,
        subject,
        address,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn unix(now: chrono::DateTime<chrono::Utc>) -> u64 {
    u64::try_from(now.timestamp()).unwrap_or(0)
}

/// Start (or restart, while not yet confirmed) the caller's second factor. Only the three
/// administrators have one (403 otherwise); one already confirmed is not replaced (409
/// `totp_enabled`: the security administrator removes it first).
#[utoipa::path(post, path = "/v1/auth/totp", tag = "auth", security(("bearer_auth" = [])), responses(
    (status = 200, body = TotpEnrolment, headers(("Cache-Control" = String, description = "`no-store`"))),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 409, description = "`totp_enabled`", body = platform::error::Problem, content_type = "application/problem+json"),
))]
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction totp.enrol", db.operation = "totp.enrol"))]
pub async fn enrol(
    _no_query: platform::http::NoQuery,
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
) -> ApiResult<HttpResponse> {
    if !caller.role.is_administrator() {
        return Err(ApiError::forbidden(format!(
            "the second factor is for the administrators (sysadmin, secadmin, auditor); role {} has none (GB/T 22239-2019 8.1.4.1 d)",
            caller.role
        )));
    }
    let now = state.now();
    let address = crate::routes::public::client_address(&req);
    let txn = state.db.begin().await?;
    let row = store::get_user_row(&txn, caller.id).await?;
    if row.totp_confirmed_at.is_some() {
        return Err(ApiError::conflict(
            "totp_enabled",
            "the second factor is already on: the security administrator removes it (DELETE /v1/users/{id}/totp) before a new one is enrolled",
        ));
    }
    let secret = totp::new_secret();
    let url = totp::provisioning_url(&secret, &row.username)
        .ok_or_else(|| ApiError::Internal("TOTP secret did not encode".into()))?;
    let username = row.username.clone();
    let mut am = row.into_active_model();
    // Stored sealed like the applicant data (`cases::vault`): the database alone cannot
    // produce codes.
    am.totp_secret = Set(Some(state.pii.seal(TOTP_COLUMN, &secret)));
    am.totp_last_step = Set(None);
    am.update(&txn).await?;
    audit_and_commit(
        txn,
        now,
        (caller.id, &username),
        "totp_enrolment_started",
        &username,
        &address,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(TotpEnrolment {
            secret,
            otpauth_url: url,
        }))
}

/// Confirm the enrolment with the code the app shows: from now on a sign-in needs a code.
#[utoipa::path(post, path = "/v1/auth/totp/confirm", tag = "auth", request_body = TotpCode, security(("bearer_auth" = [])), responses(
    (status = 200, body = TotpState),
    (status = 409, description = "`totp_not_started` or `totp_enabled`", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, description = "`totp_invalid` (field `code`)", body = platform::error::Problem, content_type = "application/problem+json"),
))]
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction totp.confirm", db.operation = "totp.confirm"))]
pub async fn confirm(
    _no_query: platform::http::NoQuery,
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    body: ValidJson<TotpCode>,
) -> ApiResult<web::Json<TotpState>> {
    let now = state.now();
    let address = crate::routes::public::client_address(&req);
    let txn = state.db.begin().await?;
    let row = store::get_user_row(&txn, caller.id).await?;
    if row.totp_confirmed_at.is_some() {
        return Err(ApiError::conflict(
            "totp_enabled",
            "the second factor is already on",
        ));
    }
    let Some(sealed) = row.totp_secret.clone() else {
        return Err(ApiError::conflict(
            "totp_not_started",
            "no enrolment to confirm: start one with POST /v1/auth/totp",
        ));
    };
    let code = body.into_inner().code;
    let secret = state.pii.open(TOTP_COLUMN, &sealed)?;
    let step = totp::accept(&secret, &code, unix(now), row.totp_last_step).map_err(|_| {
        ApiError::unprocessable_on(
            "totp_invalid",
            "code",
            "the code is not the one the app shows now (check the phone's clock)",
        )
    })?;
    let username = row.username.clone();
    let mut am = row.into_active_model();
    am.totp_confirmed_at = Set(Some(now));
    am.totp_last_step = Set(Some(step));
    am.update(&txn).await?;
    audit_and_commit(
        txn,
        now,
        (caller.id, &username),
        "totp_enabled",
        &username,
        &address,
    )
    .await?;
    Ok(web::Json(TotpState { enabled: true }))
}

/// Remove a user's second factor (the security administrator only, 三权分立): for a lost or
/// replaced phone. The user enrols again after their next sign-in.
#[utoipa::path(delete, path = "/v1/users/{id}/totp", tag = "users", security(("bearer_auth" = [])), responses(
    (status = 200, body = TotpState),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction totp.reset", db.operation = "totp.reset"))]
pub async fn reset(
    _no_query: platform::http::NoQuery,
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<TotpState>> {
    login::duties::may_secure(caller.role)?;
    let now = state.now();
    let address = crate::routes::public::client_address(&req);
    let txn = state.db.begin().await?;
    let row = store::get_user_row(&txn, id.into_inner()).await?;
    let username = row.username.clone();
    let mut am = row.into_active_model();
    am.totp_secret = Set(None);
    am.totp_confirmed_at = Set(None);
    am.totp_last_step = Set(None);
    am.update(&txn).await?;
    audit_and_commit(
        txn,
        now,
        (caller.id, &caller.name),
        "totp_reset",
        &username,
        &address,
    )
    .await?;
    Ok(web::Json(TotpState { enabled: false }))
}

/// At sign-in, after the right password: an account with the factor on needs the code. A
/// missing code is 401 `totp_required` (audited, not counted: the client asks for it); a
/// wrong or replayed one counts as a failed sign-in and is 401 `totp_invalid`.
pub async fn check_at_sign_in(
    state: &AppState,
    user: &user::Model,
    code: Option<&str>,
    address: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    let (Some(sealed), Some(_)) = (&user.totp_secret, user.totp_confirmed_at) else {
        return Ok(());
    };
    let Some(code) = code else {
        login::audit(
            &state.db,
            now,
            (Some(user.id), &user.username),
            "login_refused_totp_missing",
            &user.username,
            address,
        )
        .await?;
        return Err(ApiError::unauthorized(
            "totp_required",
            "this account has a second factor: send the app's current code as `totp`",
        ));
    };
    let secret = state.pii.open(TOTP_COLUMN, sealed)?;
    match totp::accept(&secret, code, unix(now), user.totp_last_step) {
        Ok(step) => {
            // Only a later step is written: two sign-ins with one code, the second loses.
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            let done = user::Entity::update_many()
                .col_expr(
                    user::Column::TotpLastStep,
                    sea_orm::sea_query::Expr::value(step),
                )
                .filter(user::Column::Id.eq(user.id))
                .filter(
                    sea_orm::Condition::any()
                        .add(user::Column::TotpLastStep.is_null())
                        .add(user::Column::TotpLastStep.lt(step)),
                )
                .exec(&state.db)
                .await?;
            if done.rows_affected == 1 {
                return Ok(());
            }
            totp_failure(state, user, address, now).await
        }
        Err(_) => totp_failure(state, user, address, now).await,
    }
}

async fn totp_failure(
    state: &AppState,
    user: &user::Model,
    address: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    login::record_failure(
        &state.db,
        &state.login,
        now,
        &user.username,
        &login::account_key(&user.username),
        &login::address_key(address, &state.config.jwt_secret),
        address,
    )
    .await?;
    Err(ApiError::unauthorized(
        "totp_invalid",
        "the second factor's code is wrong or was used already",
    ))
}
