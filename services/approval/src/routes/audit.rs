//! The audit trail's routes: the list, and the chain's verification (审计记录完整性校验).

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use platform::auth::{AuthUser, Role};
use platform::http::ValidQuery;
use platform::pagination::{Page, PageRequest};
use platform::ApiResult;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::entities::audit_log;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `department`, `item`, `bundle`, `user` or `holiday_table`.
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// One recorded change.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i32,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i32>,
    pub actor_name: String,
    /// `create`, `update`, `delete`, `soft_delete`, `replace`; for entity `session`:
    /// `login`, `login_failed`, `login_refused_locked`, `lockout_account`, `lockout_address`,
    /// `unlock_account`.
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// The record before the change (JSON), if any.
    pub before: Option<serde_json::Value>,
    /// The record after the change (JSON), if any.
    pub after: Option<serde_json::Value>,
    /// The client address of the request, where recorded (sign-ins, lockouts, unlocks).
    pub source: Option<String>,
}

/// The audit trail of catalogue, user and calendar changes, and of signing in (entity
/// `session`: sign-ins, failures, lockouts, unlocks, with the client address) (security
/// auditor, supervisor; never the system or security administrator, whose own work it
/// records: 三权分立).
#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(ListQuery), security(("bearer_auth" = [])), responses(
    (status = 200, body = Page<AuditEntry>),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ValidQuery<ListQuery>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Auditor, Role::Supervisor])?;
    let q = q.into_inner();
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let mut sel = audit_log::Entity::find();
    if let Some(e) = &q.entity {
        sel = sel.filter(audit_log::Column::Entity.eq(e.as_str()));
    }
    if let Some(id) = &q.entity_id {
        sel = sel.filter(audit_log::Column::EntityId.eq(id.as_str()));
    }
    if let Some(after) = page.after_id {
        sel = sel.filter(audit_log::Column::Id.gt(after));
    }
    let rows = sel
        .order_by_asc(audit_log::Column::Id)
        .limit(page.limit + 1)
        .all(&state.db)
        .await?;
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    let out: Page<AuditEntry> = page.page(
        rows,
        |r| r.id as i64,
        |r| AuditEntry {
            id: r.id,
            at: r.at,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            before: parse(r.before),
            after: parse(r.after),
            source: r.source,
        },
    );
    Ok(HttpResponse::Ok().json(out))
}

/// Seal what is sealable, then recompute the audit chain from its anchor: `ok`, the rows
/// sealed and pending, and the first break (`row_content_changed`: an edited row;
/// `row_missing`: a deleted one; `prev_link_broken`: rows replaced or re-hashed) (the security
/// auditor only, 三权分立).
#[utoipa::path(get, path = "/v1/audit/verify", tag = "audit", security(("bearer_auth" = [])), responses(
    (status = 200, body = crate::audit::store::Verification),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn verify(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
) -> ApiResult<web::Json<crate::audit::store::Verification>> {
    user.require(&[Role::Auditor])?;
    Ok(web::Json(crate::audit::store::verify(&state.db).await?))
}
