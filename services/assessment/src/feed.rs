//! The feed consumer: follows the approval service's `GET /v1/events?after=SEQ` with a cursor
//! stored here, and applies each event idempotently into this service's own fact tables.
//!
//! Exactly-once effect: a page's facts and the cursor move commit in ONE transaction, and the
//! cursor moves only from the value the page was read after (`WHERE last_seq = <after>`), so a
//! restart, a crash mid-page or a second replica can neither skip nor double-count an event.
//! Wake-up: Redis pub/sub (`pa:events`) when configured, polling every `FEED_POLL_MS` always.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use platform::ApiError;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::approval_client::FeedEvent;
use crate::entities::{a_branch, a_card, a_case, a_claim, a_complaint, feed_cursor};
use crate::state::AppState;

/// The consumer's position, for `/readyz` and `/metrics`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeedStatus {
    /// Last applied `seq`.
    pub cursor: i64,
    /// Newest `seq` the approval service reported.
    pub head: i64,
    /// `head - cursor`.
    pub lag_events: i64,
    pub last_poll_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

pub async fn status<C: ConnectionTrait>(c: &C) -> Result<FeedStatus, ApiError> {
    let row = feed_cursor::Entity::find_by_id(1).one(c).await?;
    Ok(match row {
        Some(r) => FeedStatus {
            cursor: r.last_seq,
            head: r.head_seq,
            lag_events: (r.head_seq - r.last_seq).max(0),
            last_poll_at: r.last_poll_at,
            last_error: r.last_error,
        },
        None => FeedStatus {
            cursor: 0,
            head: 0,
            lag_events: 0,
            last_poll_at: None,
            last_error: None,
        },
    })
}

async fn ensure_cursor<C: ConnectionTrait>(c: &C, now: DateTime<Utc>) -> Result<i64, ApiError> {
    if let Some(r) = feed_cursor::Entity::find_by_id(1).one(c).await? {
        return Ok(r.last_seq);
    }
    feed_cursor::Entity::insert(feed_cursor::ActiveModel {
        id: Set(1),
        last_seq: Set(0),
        head_seq: Set(0),
        last_poll_at: Set(None),
        last_error: Set(None),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(feed_cursor::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(c)
    .await?;
    Ok(0)
}

fn ts(v: &Value, key: &str) -> Option<DateTime<Utc>> {
    v.get(key)
        .and_then(|x| x.as_str())
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn int(v: &Value, key: &str) -> Option<i32> {
    v.get(key).and_then(|x| x.as_i64()).map(|n| n as i32)
}

/// What a department's staff did on a branch, for their daily record (干部考核).
async fn staff_action<C: ConnectionTrait>(c: &C, e: &FeedEvent) -> Result<(), ApiError> {
    use crate::entities::staff_action;
    const STAFF_KINDS: [&str; 6] = [
        "review_started",
        "reviewed",
        "branch_approved",
        "branch_rejected",
        "supplement_requested",
        "extended",
    ];
    let staff = matches!(e.actor_role.as_str(), "reviewer" | "approver") && e.actor_id > 0;
    let (Some(branch_id), Some(dept)) = (e.branch_id, int(&e.payload, "department_id")) else {
        return Ok(());
    };
    if !staff || !STAFF_KINDS.contains(&e.kind.as_str()) {
        return Ok(());
    }
    staff_action::Entity::insert(staff_action::ActiveModel {
        seq: Set(e.seq),
        user_id: Set(e.actor_id),
        department_id: Set(dept),
        branch_id: Set(branch_id),
        case_id: Set(e.case_id),
        kind: Set(e.kind.clone()),
        at: Set(e.at),
        due_at: Set(ts(&e.payload, "due_at")),
    })
    .on_conflict(
        OnConflict::column(staff_action::Column::Seq)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(c)
    .await?;
    Ok(())
}

/// Apply one event to the fact tables; applying it twice changes nothing.
pub async fn apply<C: ConnectionTrait>(c: &C, e: &FeedEvent) -> Result<(), ApiError> {
    staff_action(c, e).await?;
    let p = &e.payload;
    match e.kind.as_str() {
        "case_accepted" => {
            a_case::Entity::insert(a_case::ActiveModel {
                case_id: Set(e.case_id),
                case_no: Set(p
                    .get("case_no")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()),
                applicant_kind: Set(p
                    .get("applicant_kind")
                    .and_then(|v| v.as_str())
                    .unwrap_or("person")
                    .to_string()),
                accepted_at: Set(e.at),
                state: Set("accepted".into()),
                updated_at: Set(e.at),
            })
            .on_conflict(
                OnConflict::column(a_case::Column::CaseId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(c)
            .await?;
        }
        "stage_opened" | "case_ready" | "case_rejected" | "case_withdrawn" | "case_issued" => {
            a_case::Entity::update_many()
                .col_expr(a_case::Column::State, Expr::value(e.to_state.clone()))
                .col_expr(a_case::Column::UpdatedAt, Expr::value(e.at))
                .filter(a_case::Column::CaseId.eq(e.case_id))
                .exec(c)
                .await?;
        }
        "branch_opened" => {
            let (Some(branch_id), Some(dept), Some(item)) =
                (e.branch_id, int(p, "department_id"), int(p, "item_id"))
            else {
                return Ok(());
            };
            a_branch::Entity::insert(a_branch::ActiveModel {
                branch_id: Set(branch_id),
                case_id: Set(e.case_id),
                department_id: Set(dept),
                item_id: Set(item),
                opened_at: Set(ts(p, "opened_at").unwrap_or(e.at)),
                due_at: Set(ts(p, "due_at")),
                decided_at: Set(None),
                outcome: Set(None),
            })
            .on_conflict(
                OnConflict::column(a_branch::Column::BranchId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(c)
            .await?;
        }
        "branch_approved" | "branch_rejected" | "branch_cancelled" => {
            let Some(branch_id) = e.branch_id else {
                return Ok(());
            };
            let outcome = e.kind.trim_start_matches("branch_");
            let mut upd = a_branch::Entity::update_many()
                .col_expr(a_branch::Column::DecidedAt, Expr::value(Some(e.at)))
                .col_expr(
                    a_branch::Column::Outcome,
                    Expr::value(Some(outcome.to_string())),
                );
            if let Some(due) = ts(p, "due_at") {
                upd = upd.col_expr(a_branch::Column::DueAt, Expr::value(Some(due)));
            }
            upd.filter(a_branch::Column::BranchId.eq(branch_id))
                .filter(a_branch::Column::DecidedAt.is_null())
                .exec(c)
                .await?;
        }
        "extended" | "resumed" | "suspended" | "supplement_requested" | "supplement_received" => {
            // The due moment moved (pause, resume, extension): keep the latest.
            if let (Some(branch_id), Some(due)) = (e.branch_id, ts(p, "due_at")) {
                a_branch::Entity::update_many()
                    .col_expr(a_branch::Column::DueAt, Expr::value(Some(due)))
                    .filter(a_branch::Column::BranchId.eq(branch_id))
                    .exec(c)
                    .await?;
            }
        }
        "card_issued" => {
            let key = format!(
                "{}:{}:{}",
                p.get("subject_kind")
                    .and_then(|v| v.as_str())
                    .unwrap_or("branch"),
                p.get("subject_id")
                    .and_then(|v| v.as_i64())
                    .unwrap_or_default(),
                e.to_state
            );
            a_card::Entity::insert(a_card::ActiveModel {
                card_key: Set(key),
                case_id: Set(e.case_id),
                department_id: Set(int(p, "department_id").unwrap_or_default()),
                level: Set(e.to_state.clone()),
                issued_at: Set(e.at),
                ..Default::default()
            })
            .on_conflict(
                OnConflict::column(a_card::Column::CardKey)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(c)
            .await?;
        }
        "complaint_filed" => {
            let Some(id) = int(p, "complaint_id") else {
                return Ok(());
            };
            a_complaint::Entity::insert(a_complaint::ActiveModel {
                complaint_id: Set(id),
                case_id: Set(e.case_id),
                department_id: Set(None),
                filed_at: Set(e.at),
                status: Set("open".into()),
                due_at: Set(None),
                answered_at: Set(None),
            })
            .on_conflict(
                OnConflict::column(a_complaint::Column::ComplaintId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(c)
            .await?;
        }
        "complaint_assigned" | "complaint_answered" | "complaint_closed" => {
            let Some(id) = int(p, "complaint_id") else {
                return Ok(());
            };
            let mut upd = a_complaint::Entity::update_many()
                .col_expr(a_complaint::Column::Status, Expr::value(e.to_state.clone()));
            if e.kind == "complaint_assigned" {
                upd = upd
                    .col_expr(
                        a_complaint::Column::DepartmentId,
                        Expr::value(int(p, "department_id")),
                    )
                    .col_expr(a_complaint::Column::DueAt, Expr::value(ts(p, "due_at")));
            }
            if e.kind == "complaint_answered" {
                upd = upd.col_expr(a_complaint::Column::AnsweredAt, Expr::value(Some(e.at)));
            }
            upd.filter(a_complaint::Column::ComplaintId.eq(id))
                .exec(c)
                .await?;
        }
        "claim_pushed" => {
            let (Some(branch_id), Some(dept), Some(due)) =
                (e.branch_id, int(p, "department_id"), ts(p, "due_at"))
            else {
                return Ok(());
            };
            a_claim::Entity::insert(a_claim::ActiveModel {
                branch_id: Set(branch_id),
                case_id: Set(e.case_id),
                department_id: Set(dept),
                pushed_at: Set(e.at),
                due_at: Set(due),
                claimed_at: Set(None),
                late: Set(false),
            })
            .on_conflict(
                OnConflict::column(a_claim::Column::BranchId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(c)
            .await?;
        }
        "claim_claimed" => {
            let Some(branch_id) = e.branch_id else {
                return Ok(());
            };
            a_claim::Entity::update_many()
                .col_expr(a_claim::Column::ClaimedAt, Expr::value(Some(e.at)))
                .col_expr(
                    a_claim::Column::Late,
                    Expr::value(p.get("late").and_then(|v| v.as_bool()).unwrap_or(false)),
                )
                .filter(a_claim::Column::BranchId.eq(branch_id))
                .exec(c)
                .await?;
        }
        _ => {}
    }
    Ok(())
}

/// Fetch and apply one page. Returns how many events were applied.
pub async fn consume_once(state: &AppState, limit: u32) -> Result<usize, ApiError> {
    let now = state.now();
    let after = ensure_cursor(&state.db, now).await?;
    let page = match state.approval.events(after, limit).await {
        Ok(p) => p,
        Err(e) => {
            feed_cursor::Entity::update_many()
                .col_expr(feed_cursor::Column::LastError, Expr::value(Some(e.clone())))
                .col_expr(feed_cursor::Column::LastPollAt, Expr::value(Some(now)))
                .filter(feed_cursor::Column::Id.eq(1))
                .exec(&state.db)
                .await?;
            return Err(ApiError::Unavailable(e));
        }
    };
    if let Some(bad) = page
        .events
        .iter()
        .zip(page.events.iter().skip(1))
        .find(|(a, b)| b.seq <= a.seq)
    {
        return Err(ApiError::Internal(format!(
            "feed out of order at seq {}",
            bad.1.seq
        )));
    }
    let txn = state.db.begin().await?;
    // Move the cursor first (a write first: the transaction takes the lock at once), and only
    // from where this page was read: a concurrent consumer that got there first wins.
    let moved = feed_cursor::Entity::update_many()
        .col_expr(
            feed_cursor::Column::LastSeq,
            Expr::value(page.next_after.max(after)),
        )
        .col_expr(
            feed_cursor::Column::HeadSeq,
            Expr::value(page.head_seq.max(page.next_after)),
        )
        .col_expr(feed_cursor::Column::LastPollAt, Expr::value(Some(now)))
        .col_expr(
            feed_cursor::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .col_expr(feed_cursor::Column::UpdatedAt, Expr::value(now))
        .filter(feed_cursor::Column::Id.eq(1))
        .filter(feed_cursor::Column::LastSeq.eq(after))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        txn.rollback().await?;
        return Ok(0);
    }
    for e in page.events.iter().filter(|e| e.seq > after) {
        apply(&txn, e).await?;
    }
    txn.commit().await?;
    Ok(page.events.len())
}

/// Run the consumer until the process ends.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        const PAGE: u32 = 500;
        let poll = Duration::from_millis(state.settings.feed_poll_ms);
        let mut wake = match &state.redis {
            Some(client) => match client.get_async_pubsub().await {
                Ok(mut ps) => match ps.subscribe("pa:events").await {
                    Ok(()) => Some(ps),
                    Err(e) => {
                        tracing::warn!(error = %e, "feed: Redis subscribe failed; polling only");
                        None
                    }
                },
                Err(e) => {
                    tracing::warn!(error = %e, "feed: Redis unreachable; polling only");
                    None
                }
            },
            None => None,
        };
        loop {
            match consume_once(&state, PAGE).await {
                Ok(n) if n as u32 >= PAGE => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "feed: poll failed; retrying"),
            }
            match wake.as_mut() {
                Some(ps) => {
                    let _ = tokio::time::timeout(poll, ps.on_message().next()).await;
                }
                None => tokio::time::sleep(poll).await,
            }
        }
    });
}

/// Keep the department list (names, addresses) in step with the approval service.
pub async fn sync_departments(state: &AppState) -> Result<usize, ApiError> {
    use crate::entities::a_department;
    let list = state
        .approval
        .departments()
        .await
        .map_err(ApiError::Unavailable)?;
    let now = state.now();
    let txn = state.db.begin().await?;
    for d in &list {
        let am = a_department::ActiveModel {
            department_id: Set(d.id),
            code: Set(d.code.clone()),
            name: Set(d.name.clone()),
            head_email: Set(d.head_email.clone()),
            window_email: Set(d.window_email.clone()),
            synced_at: Set(now),
        };
        if a_department::Entity::find_by_id(d.id)
            .one(&txn)
            .await?
            .is_some()
        {
            am.update(&txn).await?;
        } else {
            am.insert(&txn).await?;
        }
    }
    txn.commit().await?;
    Ok(list.len())
}
