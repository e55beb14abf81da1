//! Cards as records (电子监察 黄牌/红牌): who, which branch, when, why, who was notified, who
//! acknowledged it, how it was closed. A card is unique per subject and level, so it is issued
//! once, never twice for the same breach, whatever replica or rerun issues it.

use chrono::{DateTime, Utc};
use platform::auth::{AuthUser, Role};
use platform::pagination::{Page, PageRequest};
use platform::ApiError;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::cases::events::{self, NewEvent};
use crate::entities::card;
use crate::notices::{self, NewNotice};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Card {
    pub id: i32,
    /// `branch` (time-limit cards) or `claim` (审管互动: a result not claimed in time).
    pub subject_kind: String,
    pub subject_id: i32,
    pub case_id: i32,
    pub department_id: i32,
    /// `warning` (预警), `yellow` (黄牌), `red` (红牌), `unclaimed`.
    pub level: String,
    pub reason: String,
    pub issued_at: DateTime<Utc>,
    /// The addresses the notice went to.
    pub notified: Vec<String>,
    pub acknowledged_by: Option<i32>,
    pub acknowledged_by_name: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// `finished_in_time`, `finished_late`, `cancelled`, `revoked`, `claimed`.
    pub closed_how: Option<String>,
    pub closed_reason: Option<String>,
    pub closed_by: Option<String>,
}

impl From<card::Model> for Card {
    fn from(m: card::Model) -> Self {
        Card {
            id: m.id,
            subject_kind: m.subject_kind,
            subject_id: m.subject_id,
            case_id: m.case_id,
            department_id: m.department_id,
            level: m.level,
            reason: m.reason,
            issued_at: m.issued_at,
            notified: serde_json::from_str(&m.notified).unwrap_or_default(),
            acknowledged_by: m.acknowledged_by,
            acknowledged_by_name: m.acknowledged_by_name,
            acknowledged_at: m.acknowledged_at,
            closed_at: m.closed_at,
            closed_how: m.closed_how,
            closed_reason: m.closed_reason,
            closed_by: m.closed_by,
        }
    }
}

/// A card to issue.
pub struct NewCard {
    pub subject_kind: &'static str,
    pub subject_id: i32,
    pub case_id: i32,
    pub department_id: i32,
    pub level: &'static str,
    pub reason: String,
}

/// Issue a card with its notice and feed event, in the caller's transaction. `false` when the
/// card already exists (issued before: nothing is written).
pub async fn issue<C: ConnectionTrait>(
    c: &C,
    new: NewCard,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let notified = notices::department_addresses(c, new.department_id).await?;
    let am = card::ActiveModel {
        subject_kind: Set(new.subject_kind.into()),
        subject_id: Set(new.subject_id),
        case_id: Set(new.case_id),
        department_id: Set(new.department_id),
        level: Set(new.level.into()),
        reason: Set(new.reason.clone()),
        issued_at: Set(now),
        notified: Set(serde_json::to_string(&notified).unwrap_or_else(|_| "[]".into())),
        ..Default::default()
    };
    let inserted = card::Entity::insert(am)
        .on_conflict(
            OnConflict::columns([
                card::Column::SubjectKind,
                card::Column::SubjectId,
                card::Column::Level,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(c)
        .await?;
    let mut dedup_key = format!("card:{}:{}:{}", new.subject_kind, new.subject_id, new.level);
    if inserted == 0 {
        // The one card of this (subject, level) exists. Closed by a calendar correction (its
        // moment had not come under the corrected table), it is reissued now that it has:
        // the same card, reopened, never a second one.
        let reopened = card::Entity::update_many()
            .col_expr(
                card::Column::ClosedAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(card::Column::ClosedHow, Expr::value(Option::<String>::None))
            .col_expr(
                card::Column::ClosedReason,
                Expr::value(Option::<String>::None),
            )
            .col_expr(card::Column::ClosedBy, Expr::value(Option::<String>::None))
            .col_expr(card::Column::IssuedAt, Expr::value(now))
            .col_expr(card::Column::Reason, Expr::value(new.reason.clone()))
            .filter(card::Column::SubjectKind.eq(new.subject_kind))
            .filter(card::Column::SubjectId.eq(new.subject_id))
            .filter(card::Column::Level.eq(new.level))
            .filter(card::Column::ClosedHow.is_in(["calendar_corrected", "resumed"]))
            .exec(c)
            .await?;
        if reopened.rows_affected != 1 {
            return Ok(false);
        }
        dedup_key = format!("{dedup_key}:reissued:{}", now.timestamp());
    }
    let title = match new.level {
        "warning" => "预警 early warning",
        "yellow" => "黄牌 yellow card",
        "red" => "红牌 red card",
        "statutory_breach" => "超法定时限 statutory limit breached",
        "pause_overdue" => "暂停超时 pause overdue",
        _ => "认领超时 claim overdue",
    };
    notices::enqueue(
        c,
        NewNotice {
            kind: match new.level {
                "warning" => "warning",
                "yellow" => "yellow_card",
                "red" => "red_card",
                "statutory_breach" => "statutory_breach",
                "pause_overdue" => "pause_overdue",
                _ => "unclaimed",
            },
            dedup_key,
            subject: format!(
                "[电子监察] {title}: case {} {} {}",
                new.case_id, new.subject_kind, new.subject_id
            ),
            body: format!(
                "{}\n\nCase {}, {} {}, issued {} (UTC).",
                new.reason, new.case_id, new.subject_kind, new.subject_id, now
            ),
            recipients: notified,
        },
        now,
    )
    .await?;
    events::append(
        c,
        0,
        "service",
        now,
        vec![NewEvent {
            case_id: new.case_id,
            branch_id: (new.subject_kind == "branch").then_some(new.subject_id),
            kind: "card_issued".into(),
            from_state: String::new(),
            to_state: new.level.into(),
            payload: json!({
                "type": "card_issued", "level": new.level, "subject_kind": new.subject_kind, "subject_id": new.subject_id,
                "case_id": new.case_id, "department_id": new.department_id, "reason": new.reason, "at": now,
            }),
        }],
    )
    .await?;
    Ok(true)
}

/// Close a branch's open cards when it is decided: in time (a warning only) or late.
pub async fn close_for_branch<C: ConnectionTrait>(
    c: &C,
    branch_id: i32,
    how_in_time: &str,
    how_late: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    for (levels, how) in [
        (vec!["warning"], how_in_time),
        (
            vec!["yellow", "red", "statutory_breach", "pause_overdue"],
            how_late,
        ),
    ] {
        card::Entity::update_many()
            .col_expr(card::Column::ClosedAt, Expr::value(Some(now)))
            .col_expr(card::Column::ClosedHow, Expr::value(Some(how.to_string())))
            .col_expr(
                card::Column::ClosedBy,
                Expr::value(Some("system".to_string())),
            )
            .filter(card::Column::SubjectKind.eq("branch"))
            .filter(card::Column::SubjectId.eq(branch_id))
            .filter(card::Column::Level.is_in(levels))
            .filter(card::Column::ClosedAt.is_null())
            .exec(c)
            .await?;
    }
    Ok(())
}

pub struct CardFilter {
    pub level: Option<String>,
    pub department_id: Option<i32>,
    pub case_id: Option<i32>,
    pub open: Option<bool>,
}

/// Department staff see their own department's cards only.
fn scope(actor: &AuthUser) -> Result<Option<i32>, ApiError> {
    match actor.role {
        Role::Reviewer | Role::Approver => {
            Ok(Some(actor.department_id.ok_or_else(|| {
                ApiError::forbidden("your account has no department")
            })?))
        }
        Role::OrgDept => Err(ApiError::forbidden(
            "role org_dept reads assessment results, not cards",
        )),
        _ => Ok(None),
    }
}

pub async fn list(
    db: &DatabaseConnection,
    actor: &AuthUser,
    f: CardFilter,
    page: PageRequest,
) -> Result<Page<Card>, ApiError> {
    let mut q = card::Entity::find();
    for d in [scope(actor)?, f.department_id].into_iter().flatten() {
        q = q.filter(card::Column::DepartmentId.eq(d));
    }
    if let Some(l) = &f.level {
        q = q.filter(card::Column::Level.eq(l.as_str()));
    }
    if let Some(c) = f.case_id {
        q = q.filter(card::Column::CaseId.eq(c));
    }
    match f.open {
        Some(true) => q = q.filter(card::Column::ClosedAt.is_null()),
        Some(false) => q = q.filter(card::Column::ClosedAt.is_not_null()),
        None => {}
    }
    if let Some(after) = page.after_id {
        q = q.filter(card::Column::Id.gt(after));
    }
    let rows = q
        .order_by_asc(card::Column::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    Ok(page.page(rows, |r| r.id as i64, Card::from))
}

async fn load_for_update<C: ConnectionTrait>(c: &C, id: i32) -> Result<card::Model, ApiError> {
    card::Entity::find_by_id(id)
        .one(c)
        .await?
        .ok_or_else(|| ApiError::not_found("card", id))
}

/// The card's department (or a supervisor) acknowledges it; twice is refused.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction cards.acknowledge", db.operation = "cards.acknowledge"))]
pub async fn acknowledge(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
) -> Result<Card, ApiError> {
    actor.require(&[Role::Supervisor, Role::Reviewer, Role::Approver])?;
    let txn = db.begin().await?;
    let m = load_for_update(&txn, id).await?;
    if actor.role != Role::Supervisor {
        actor.require_department(m.department_id)?;
    }
    if m.acknowledged_at.is_some() {
        return Err(ApiError::conflict(
            "already_acknowledged",
            format!(
                "card {id} was acknowledged by {} already",
                m.acknowledged_by_name.clone().unwrap_or_default()
            ),
        ));
    }
    let res = card::Entity::update_many()
        .col_expr(card::Column::AcknowledgedBy, Expr::value(Some(actor.id)))
        .col_expr(
            card::Column::AcknowledgedByName,
            Expr::value(Some(actor.name.clone())),
        )
        .col_expr(card::Column::AcknowledgedAt, Expr::value(Some(now)))
        .filter(card::Column::Id.eq(id))
        .filter(card::Column::AcknowledgedAt.is_null())
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(ApiError::conflict(
            "already_acknowledged",
            format!("card {id} was acknowledged already"),
        ));
    }
    let m = load_for_update(&txn, id).await?;
    txn.commit().await?;
    Ok(m.into())
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeInput {
    /// The level of the card being revoked (a guard against revoking the wrong card).
    pub level: String,
    pub reason: String,
}

/// A supervisor revokes a card with a reason (e.g. the delay was lawful).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction cards.revoke", db.operation = "cards.revoke"))]
pub async fn revoke(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
    input: RevokeInput,
) -> Result<Card, ApiError> {
    actor.require(&[Role::Supervisor])?;
    if input.reason.trim().is_empty() {
        return Err(ApiError::validation(
            "reason",
            "a revocation needs a reason",
        ));
    }
    let txn = db.begin().await?;
    let m = load_for_update(&txn, id).await?;
    if m.level != input.level {
        return Err(ApiError::conflict_on(
            "level_mismatch",
            "level",
            format!("card {id} is a {} card, not {}", m.level, input.level),
        ));
    }
    if m.closed_at.is_some() {
        return Err(ApiError::conflict(
            "card_closed",
            format!(
                "card {id} is closed ({})",
                m.closed_how.clone().unwrap_or_default()
            ),
        ));
    }
    // Guarded: of two concurrent revocations (or a revocation racing the branch's decision)
    // exactly one closes the card.
    let res = card::Entity::update_many()
        .col_expr(card::Column::ClosedAt, Expr::value(Some(now)))
        .col_expr(
            card::Column::ClosedHow,
            Expr::value(Some("revoked".to_string())),
        )
        .col_expr(card::Column::ClosedReason, Expr::value(Some(input.reason)))
        .col_expr(
            card::Column::ClosedBy,
            Expr::value(Some(actor.name.clone())),
        )
        .filter(card::Column::Id.eq(id))
        .filter(card::Column::ClosedAt.is_null())
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(ApiError::conflict(
            "card_closed",
            format!("card {id} was closed meanwhile"),
        ));
    }
    let m = load_for_update(&txn, id).await?;
    // On the record: an audit row and a feed event, so every reader (statistics, assessment,
    // staff scores) drops the card.
    crate::audit::record(
        &txn,
        actor,
        now,
        crate::audit::Change::new("revoke", "card", id).after(&json!({
            "level": m.level, "reason": m.closed_reason, "subject_kind": m.subject_kind,
            "subject_id": m.subject_id,
        })),
    )
    .await?;
    events::append(
        &txn,
        actor.id,
        actor.role.as_str(),
        now,
        vec![NewEvent {
            case_id: m.case_id,
            branch_id: (m.subject_kind == "branch").then_some(m.subject_id),
            kind: "card_revoked".into(),
            from_state: m.level.clone(),
            to_state: "revoked".into(),
            payload: json!({
                "type": "card_revoked", "card_id": m.id, "level": m.level,
                "subject_kind": m.subject_kind, "subject_id": m.subject_id,
                "department_id": m.department_id, "reason": m.closed_reason, "at": now,
            }),
        }],
    )
    .await?;
    txn.commit().await?;
    Ok(m.into())
}
