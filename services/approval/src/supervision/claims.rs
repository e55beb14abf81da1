//! 审管互动 (approval–supervision interaction, Liaocheng): after a branch is approved, its
//! result is pushed to the item's post-approval supervising department (批后监管科室), which
//! must claim it (认领) within a limit; the sweep flags unclaimed ones with a card.

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

use crate::calendar_store::compute_error;
use crate::cases::events::{self, NewEvent};
use crate::entities::{branch, card, claim, item};
use crate::notices::{self, NewNotice};
use crate::state::Timing;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Claim {
    pub id: i32,
    pub branch_id: i32,
    pub case_id: i32,
    pub item_id: i32,
    /// The supervising department that must claim it.
    pub department_id: i32,
    pub pushed_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub claimed_by: Option<i32>,
    /// When the sweep flagged it as unclaimed.
    pub flagged_at: Option<DateTime<Utc>>,
}

impl From<claim::Model> for Claim {
    fn from(m: claim::Model) -> Self {
        Claim {
            id: m.id,
            branch_id: m.branch_id,
            case_id: m.case_id,
            item_id: m.item_id,
            department_id: m.department_id,
            pushed_at: m.pushed_at,
            due_at: m.due_at,
            claimed_at: m.claimed_at,
            claimed_by: m.claimed_by,
            flagged_at: m.flagged_at,
        }
    }
}

/// Push an approved branch's result to its supervising department, in the approval's
/// transaction. Returns the feed event, or `None` when the item has no supervising department.
pub async fn push<C: ConnectionTrait>(
    c: &C,
    timing: &Timing,
    b: &branch::Model,
    now: DateTime<Utc>,
) -> Result<Option<NewEvent>, ApiError> {
    let Some(it) = item::Entity::find_by_id(b.item_id).one(c).await? else {
        return Ok(None);
    };
    let Some(dept) = it.post_approval_department_id else {
        return Ok(None);
    };
    let due = timing
        .cal
        .deadline(now, timing.claim_limit_days)
        .map_err(compute_error)?;
    let inserted = claim::Entity::insert(claim::ActiveModel {
        branch_id: Set(b.id),
        case_id: Set(b.case_id),
        item_id: Set(b.item_id),
        department_id: Set(dept),
        pushed_at: Set(now),
        due_at: Set(due),
        claimed_at: Set(None),
        claimed_by: Set(None),
        flagged_at: Set(None),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(claim::Column::BranchId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(c)
    .await?;
    if inserted == 0 {
        return Ok(None);
    }
    notices::enqueue(
        c,
        NewNotice {
            kind: "claim_pushed",
            dedup_key: format!("claim_pushed:branch:{}", b.id),
            subject: format!("[审管互动] 请认领: {} (case {})", it.name, b.case_id),
            body: format!("The approved result of item {} ({}) in case {} awaits your claim (认领) by {} (UTC).", it.code, it.name, b.case_id, due),
            recipients: notices::department_addresses(c, dept).await?,
        },
        now,
    )
    .await?;
    Ok(Some(NewEvent {
        case_id: b.case_id,
        branch_id: Some(b.id),
        kind: "claim_pushed".into(),
        from_state: String::new(),
        to_state: "pushed".into(),
        payload: json!({"type": "claim_pushed", "branch_id": b.id, "case_id": b.case_id, "department_id": dept, "due_at": due, "at": now}),
    }))
}

pub async fn list(
    db: &DatabaseConnection,
    actor: &AuthUser,
    department_id: Option<i32>,
    open: Option<bool>,
    page: PageRequest,
) -> Result<Page<Claim>, ApiError> {
    let mut q = claim::Entity::find();
    if matches!(actor.role, Role::Reviewer | Role::Approver) {
        q = q.filter(claim::Column::DepartmentId.eq(actor.department_id.unwrap_or(-1)));
    } else {
        actor.require(&[Role::Supervisor, Role::Assessor, Role::Clerk, Role::Service])?;
    }
    if let Some(d) = department_id {
        q = q.filter(claim::Column::DepartmentId.eq(d));
    }
    match open {
        Some(true) => q = q.filter(claim::Column::ClaimedAt.is_null()),
        Some(false) => q = q.filter(claim::Column::ClaimedAt.is_not_null()),
        None => {}
    }
    if let Some(after) = page.after_id {
        q = q.filter(claim::Column::Id.gt(after));
    }
    let rows = q
        .order_by_asc(claim::Column::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    Ok(page.page(rows, |r| r.id as i64, Claim::from))
}

/// The supervising department's staff claim the result (认领); late claims close the card.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction claims.claim", db.operation = "claims.claim"))]
pub async fn claim(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
) -> Result<Claim, ApiError> {
    actor.require(&[Role::Reviewer, Role::Approver])?;
    let txn = db.begin().await?;
    let m = claim::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("claim", id))?;
    actor.require_department(m.department_id)?;
    let res = claim::Entity::update_many()
        .col_expr(claim::Column::ClaimedAt, Expr::value(Some(now)))
        .col_expr(claim::Column::ClaimedBy, Expr::value(Some(actor.id)))
        .filter(claim::Column::Id.eq(id))
        .filter(claim::Column::ClaimedAt.is_null())
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(ApiError::conflict(
            "already_claimed",
            format!("claim {id} was claimed already"),
        ));
    }
    card::Entity::update_many()
        .col_expr(card::Column::ClosedAt, Expr::value(Some(now)))
        .col_expr(
            card::Column::ClosedHow,
            Expr::value(Some("claimed".to_string())),
        )
        .col_expr(
            card::Column::ClosedBy,
            Expr::value(Some(actor.name.clone())),
        )
        .filter(card::Column::SubjectKind.eq("claim"))
        .filter(card::Column::SubjectId.eq(id))
        .filter(card::Column::ClosedAt.is_null())
        .exec(&txn)
        .await?;
    events::append(
        &txn,
        actor.id,
        actor.role.as_str(),
        now,
        vec![NewEvent {
            case_id: m.case_id,
            branch_id: Some(m.branch_id),
            kind: "claim_claimed".into(),
            from_state: "pushed".into(),
            to_state: "claimed".into(),
            payload: json!({"type": "claim_claimed", "claim_id": id, "department_id": m.department_id, "due_at": m.due_at, "late": now > m.due_at, "at": now}),
        }],
    )
    .await?;
    let m = claim::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("claim", id))?;
    txn.commit().await?;
    Ok(m.into())
}
