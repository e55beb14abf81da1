//! Rectification (整改): a failing quarter (below 60) or a bad rating (差评) opens an order due
//! 15 working days later; the department is reminded before the deadline and supervisors are
//! told when it passes; the department submits its written rectification and a supervisor
//! accepts it or returns it.

use calendar::WorkCalendar;
use chrono::{DateTime, Utc};
use platform::auth::{AuthUser, Role};
use platform::ApiError;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entities::{a_department, rectification};
use outbox::NewNotice;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Rectification {
    pub id: i32,
    /// `failing_score`, `bad_rating` or `self_examination` (责令书面检查).
    pub kind: String,
    /// What opened it: `result:<id>` or `haocha:<rating id>`.
    pub source_ref: String,
    pub department_id: i32,
    pub due_at: DateTime<Utc>,
    /// `open`, `submitted`, `accepted`, `returned`, `escalated`, `closed` (a revision lifted
    /// the unit above 60).
    pub status: String,
    /// The person a self-examination order names.
    pub staff_id: Option<i32>,
    pub text: Option<String>,
    pub attachment_ref: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub reminded_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<rectification::Model> for Rectification {
    fn from(m: rectification::Model) -> Self {
        Rectification {
            id: m.id,
            kind: m.kind,
            source_ref: m.source_ref,
            department_id: m.department_id,
            due_at: m.due_at,
            status: m.status,
            staff_id: m.staff_id,
            text: m.text,
            attachment_ref: m.attachment_ref,
            submitted_at: m.submitted_at,
            decided_by: m.decided_by,
            decided_at: m.decided_at,
            decision_note: m.decision_note,
            reminded_at: m.reminded_at,
            escalated_at: m.escalated_at,
            created_at: m.created_at,
        }
    }
}

pub async fn department_addresses<C: ConnectionTrait>(
    c: &C,
    id: i32,
) -> Result<Vec<String>, ApiError> {
    Ok(a_department::Entity::find_by_id(id)
        .one(c)
        .await?
        .map(|d| {
            [d.head_email, d.window_email]
                .into_iter()
                .flatten()
                .collect()
        })
        .unwrap_or_default())
}

/// Open a rectification order (once per kind, source and department) due
/// [`scoring::RECTIFICATION_WORKING_DAYS`] working days later, with its notice; returns its id.
pub async fn open<C: ConnectionTrait>(
    c: &C,
    cal: &WorkCalendar,
    kind: &str,
    source_ref: &str,
    department_id: i32,
    now: DateTime<Utc>,
    what: &str,
) -> Result<i32, ApiError> {
    open_order(
        c,
        cal,
        Order {
            kind,
            source_ref,
            department_id,
            staff_id: None,
            working_days: scoring::RECTIFICATION_WORKING_DAYS,
        },
        now,
        what,
    )
    .await
}

/// What an order is: rectification (整改) and written self-examination (责令书面检查) orders
/// share one machinery — deadline, notice, submission, acceptance or return, reminders and
/// escalation.
pub struct Order<'a> {
    pub kind: &'a str,
    pub source_ref: &'a str,
    pub department_id: i32,
    /// The person ordered, when the order names one.
    pub staff_id: Option<i32>,
    pub working_days: u32,
}

/// Open an order (once per kind, source and department) with its notice; returns its id.
pub async fn open_order<C: ConnectionTrait>(
    c: &C,
    cal: &WorkCalendar,
    order: Order<'_>,
    now: DateTime<Utc>,
    what: &str,
) -> Result<i32, ApiError> {
    let Order {
        kind,
        source_ref,
        department_id,
        staff_id,
        working_days,
    } = order;
    let due = cal
        .deadline(now, working_days)
        .map_err(|e| ApiError::conflict("calendar_year_missing", e.to_string()))?;
    rectification::Entity::insert(rectification::ActiveModel {
        kind: Set(kind.into()),
        source_ref: Set(source_ref.into()),
        department_id: Set(department_id),
        due_at: Set(due),
        status: Set("open".into()),
        created_at: Set(now),
        staff_id: Set(staff_id),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            rectification::Column::Kind,
            rectification::Column::SourceRef,
            rectification::Column::DepartmentId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(c)
    .await?;
    let m = rectification::Entity::find()
        .filter(rectification::Column::Kind.eq(kind))
        .filter(rectification::Column::SourceRef.eq(source_ref))
        .filter(rectification::Column::DepartmentId.eq(department_id))
        .one(c)
        .await?
        .ok_or_else(|| ApiError::Internal("rectification vanished".into()))?;
    outbox::enqueue(
        c,
        NewNotice {
            kind: "rectification_order",
            dedup_key: format!("rectification:{}:opened", m.id),
            subject: if kind == "self_examination" {
                format!(
                    "[责令书面检查] written self-examination order {} for department {department_id}",
                    m.id
                )
            } else {
                format!(
                    "[整改通知] rectification order {} for department {department_id}",
                    m.id
                )
            },
            body: format!(
                "{what}\n\nSubmit your written rectification by {} (Asia/Shanghai).",
                due.with_timezone(&chrono_tz::Asia::Shanghai)
                    .format("%Y-%m-%d %H:%M")
            ),
            recipients: department_addresses(c, department_id).await?,
        },
        now,
    )
    .await?;
    Ok(m.id)
}

pub async fn list(
    db: &DatabaseConnection,
    actor: &AuthUser,
    status: Option<String>,
) -> Result<Vec<Rectification>, ApiError> {
    let mut q = rectification::Entity::find();
    match actor.role {
        Role::Reviewer | Role::Approver => {
            q = q.filter(rectification::Column::DepartmentId.eq(actor.department_id.unwrap_or(-1)))
        }
        _ => actor.require(&[
            Role::Assessor,
            Role::Supervisor,
            Role::OrgDept,
            Role::Service,
        ])?,
    }
    if let Some(s) = status {
        q = q.filter(rectification::Column::Status.eq(s));
    }
    Ok(q.order_by_asc(rectification::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitInput {
    /// The written rectification.
    pub text: String,
    /// Reference to the attached document (file id, archive number).
    #[serde(default)]
    pub attachment_ref: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// `accept` or `return`.
    pub decision: String,
    #[serde(default)]
    pub note: Option<String>,
}

async fn load<C: ConnectionTrait>(c: &C, id: i32) -> Result<rectification::Model, ApiError> {
    rectification::Entity::find_by_id(id)
        .one(c)
        .await?
        .ok_or_else(|| ApiError::not_found("rectification", id))
}

/// The department submits its written rectification (its reviewer or approver).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction rectification.submit", db.operation = "rectification.submit"))]
pub async fn submit(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
    input: SubmitInput,
) -> Result<Rectification, ApiError> {
    actor.require(&[Role::Reviewer, Role::Approver])?;
    if input.text.trim().is_empty() || input.text.chars().count() > 20_000 {
        return Err(ApiError::validation(
            "text",
            "the written rectification must be 1–20000 characters",
        ));
    }
    let txn = db.begin().await?;
    let m = load(&txn, id).await?;
    actor.require_department(m.department_id)?;
    if !matches!(m.status.as_str(), "open" | "returned" | "escalated") {
        return Err(ApiError::conflict(
            "rectification_status",
            format!("rectification {id} is {}; nothing to submit", m.status),
        ));
    }
    let moved = rectification::Entity::update_many()
        .col_expr(rectification::Column::Status, Expr::value("submitted"))
        .col_expr(rectification::Column::Text, Expr::value(Some(input.text)))
        .col_expr(
            rectification::Column::AttachmentRef,
            Expr::value(input.attachment_ref),
        )
        .col_expr(rectification::Column::SubmittedAt, Expr::value(Some(now)))
        .filter(rectification::Column::Id.eq(id))
        .filter(rectification::Column::Status.eq(m.status.as_str()))
        .exec(&txn)
        .await?;
    changed_once(&moved, id)?;
    let m = load(&txn, id).await?;
    txn.commit().await?;
    Ok(m.into())
}

/// The `UPDATE` is guarded by the status it was read with: of two concurrent submissions or
/// decisions exactly one changes the order, the other is 409.
fn changed_once(res: &sea_orm::UpdateResult, id: i32) -> Result<(), ApiError> {
    if res.rows_affected == 1 {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "rectification_status",
            format!("rectification {id} changed meanwhile; reload it"),
        ))
    }
}

/// A supervisor accepts or returns a submitted rectification.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction rectification.decide", db.operation = "rectification.decide"))]
pub async fn decide(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
    input: DecisionInput,
) -> Result<Rectification, ApiError> {
    actor.require(&[Role::Supervisor])?;
    let status = match input.decision.as_str() {
        "accept" => "accepted",
        "return" => "returned",
        _ => {
            return Err(ApiError::validation(
                "decision",
                "must be `accept` or `return`",
            ))
        }
    };
    if status == "returned" && input.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(ApiError::validation("note", "say why it is returned"));
    }
    let txn = db.begin().await?;
    let m = load(&txn, id).await?;
    if m.status != "submitted" {
        return Err(ApiError::conflict(
            "rectification_status",
            format!(
                "rectification {id} is {}; only a submitted one can be decided",
                m.status
            ),
        ));
    }
    let moved = rectification::Entity::update_many()
        .col_expr(rectification::Column::Status, Expr::value(status))
        .col_expr(
            rectification::Column::DecidedBy,
            Expr::value(Some(actor.name.clone())),
        )
        .col_expr(rectification::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(rectification::Column::DecisionNote, Expr::value(input.note))
        .filter(rectification::Column::Id.eq(id))
        .filter(rectification::Column::Status.eq(m.status.as_str()))
        .exec(&txn)
        .await?;
    changed_once(&moved, id)?;
    let m = load(&txn, id).await?;
    txn.commit().await?;
    Ok(m.into())
}

/// Reminders before the deadline and escalation after it; each at most once per order.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction rectification.remind_and_escalate", db.operation = "rectification.remind_and_escalate"))]
pub async fn remind_and_escalate(
    db: &DatabaseConnection,
    cal: &WorkCalendar,
    reminder_days: u32,
    supervision_email: &str,
    now: DateTime<Utc>,
) -> Result<serde_json::Value, ApiError> {
    let open = rectification::Entity::find()
        .filter(rectification::Column::Status.is_in(["open", "returned"]))
        .all(db)
        .await?;
    let (mut reminded, mut escalated) = (0, 0);
    for m in open {
        let spd = cal.hours().seconds_per_day();
        let remind_from = cal
            .advance_working_seconds(now, i64::from(reminder_days) * spd)
            .map(|t| t >= m.due_at)
            .unwrap_or(true);
        let txn = db.begin().await?;
        if now > m.due_at {
            let moved = rectification::Entity::update_many()
                .col_expr(rectification::Column::Status, Expr::value("escalated"))
                .col_expr(rectification::Column::EscalatedAt, Expr::value(Some(now)))
                .filter(rectification::Column::Id.eq(m.id))
                .filter(rectification::Column::EscalatedAt.is_null())
                .exec(&txn)
                .await?;
            if moved.rows_affected == 1 {
                let mut to = vec![supervision_email.to_string()];
                to.extend(department_addresses(&txn, m.department_id).await?);
                outbox::enqueue(
                    &txn,
                    NewNotice {
                        kind: "rectification_escalated",
                        dedup_key: format!("rectification:{}:escalated", m.id),
                        subject: format!(
                            "[整改逾期] rectification {} of department {} is overdue",
                            m.id, m.department_id
                        ),
                        body: format!(
                            "The rectification ({}) was due {} and has not been submitted.",
                            m.kind, m.due_at
                        ),
                        recipients: to,
                    },
                    now,
                )
                .await?;
                escalated += 1;
            }
        } else if remind_from && m.reminded_at.is_none() {
            rectification::Entity::update_many()
                .col_expr(rectification::Column::RemindedAt, Expr::value(Some(now)))
                .filter(rectification::Column::Id.eq(m.id))
                .exec(&txn)
                .await?;
            outbox::enqueue(
                &txn,
                NewNotice {
                    kind: "rectification_reminder",
                    dedup_key: format!("rectification:{}:reminder", m.id),
                    subject: format!(
                        "[整改提醒] rectification {} is due {}",
                        m.id,
                        m.due_at
                            .with_timezone(&chrono_tz::Asia::Shanghai)
                            .format("%Y-%m-%d")
                    ),
                    body: format!(
                        "Reminder: submit the written rectification ({}) before {}.",
                        m.kind, m.due_at
                    ),
                    recipients: department_addresses(&txn, m.department_id).await?,
                },
                now,
            )
            .await?;
            reminded += 1;
        }
        txn.commit().await?;
    }
    Ok(serde_json::json!({"reminded": reminded, "escalated": escalated}))
}

/// A revision lifted the department to 60 or above: its open order for that quarter is closed
/// (status `closed`) with the reason. Returns whether one was closed.
pub async fn close_lifted<C: ConnectionTrait>(
    c: &C,
    kind: &str,
    source_ref: &str,
    department_id: i32,
    now: DateTime<Utc>,
    reason: &str,
) -> Result<bool, ApiError> {
    let moved = rectification::Entity::update_many()
        .col_expr(rectification::Column::Status, Expr::value("closed"))
        .col_expr(
            rectification::Column::DecidedBy,
            Expr::value(Some("system".to_string())),
        )
        .col_expr(rectification::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(
            rectification::Column::DecisionNote,
            Expr::value(Some(reason.to_string())),
        )
        .filter(rectification::Column::Kind.eq(kind))
        .filter(rectification::Column::SourceRef.eq(source_ref))
        .filter(rectification::Column::DepartmentId.eq(department_id))
        .filter(rectification::Column::Status.is_in(["open", "returned", "escalated", "submitted"]))
        .exec(c)
        .await?;
    Ok(moved.rows_affected > 0)
}
