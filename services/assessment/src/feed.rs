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
use crate::entities::{
    a_branch, a_card, a_case, a_claim, a_complaint, a_item, a_power, a_staff, feed_cursor,
};
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
    /// The approval feed's epoch the cursor belongs to.
    pub epoch: Option<String>,
    /// Why the consumer stopped applying events (the feed's epoch changed), until an admin
    /// resets it (`POST /v1/feed/reset`).
    pub halted: Option<String>,
    /// Since when every poll has failed (absent after a good poll).
    pub failing_since: Option<DateTime<Utc>>,
}

impl FeedStatus {
    /// Why the consumer is not healthy at `now`: halted, or failing for longer than
    /// `grace_seconds`.
    pub fn unhealthy(&self, now: DateTime<Utc>, grace_seconds: u64) -> Option<String> {
        if let Some(h) = &self.halted {
            return Some(format!("feed halted: {h}"));
        }
        let since = self.failing_since?;
        let secs = (now - since).num_seconds();
        (secs > i64::try_from(grace_seconds).unwrap_or(i64::MAX)).then(|| {
            format!(
                "feed failing for {secs} s (since {since}): {}",
                self.last_error.as_deref().unwrap_or("unknown error")
            )
        })
    }
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
            epoch: r.epoch,
            halted: r.halted,
            failing_since: r.failing_since,
        },
        None => FeedStatus {
            cursor: 0,
            head: 0,
            lag_events: 0,
            last_poll_at: None,
            last_error: None,
            epoch: None,
            halted: None,
            failing_since: None,
        },
    })
}

async fn ensure_cursor<C: ConnectionTrait>(
    c: &C,
    now: DateTime<Utc>,
) -> Result<feed_cursor::Model, ApiError> {
    if let Some(r) = feed_cursor::Entity::find_by_id(1).one(c).await? {
        return Ok(r);
    }
    feed_cursor::Entity::insert(feed_cursor::ActiveModel {
        id: Set(1),
        last_seq: Set(0),
        head_seq: Set(0),
        last_poll_at: Set(None),
        last_error: Set(None),
        updated_at: Set(now),
        epoch: Set(None),
        halted: Set(None),
        failing_since: Set(None),
    })
    .on_conflict(
        OnConflict::column(feed_cursor::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(c)
    .await?;
    feed_cursor::Entity::find_by_id(1)
        .one(c)
        .await?
        .ok_or_else(|| ApiError::Internal("feed cursor row missing".into()))
}

/// Record a failed poll: the error, and since when polls have failed.
async fn record_failure<C: ConnectionTrait>(
    c: &C,
    now: DateTime<Utc>,
    error: &str,
    halted: Option<&str>,
) -> Result<(), ApiError> {
    let mut q = feed_cursor::Entity::update_many()
        .col_expr(
            feed_cursor::Column::LastError,
            Expr::value(Some(error.to_string())),
        )
        .col_expr(feed_cursor::Column::LastPollAt, Expr::value(Some(now)))
        .col_expr(
            feed_cursor::Column::FailingSince,
            Expr::col(feed_cursor::Column::FailingSince).if_null(now),
        );
    if let Some(h) = halted {
        q = q.col_expr(
            feed_cursor::Column::Halted,
            Expr::value(Some(h.to_string())),
        );
    }
    q.filter(feed_cursor::Column::Id.eq(1)).exec(c).await?;
    Ok(())
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
                applicant_key: Set(p
                    .get("applicant_key")
                    .and_then(|v| v.as_str())
                    .map(String::from)),
                issued_at: Set(None),
                issued_recorded_at: Set(None),
                issued_departments: Set(None),
                check_key: Set(p
                    .get("check_key")
                    .and_then(|v| v.as_str())
                    .map(String::from)),
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
            let mut upd = a_case::Entity::update_many()
                .col_expr(a_case::Column::State, Expr::value(e.to_state.clone()))
                .col_expr(a_case::Column::UpdatedAt, Expr::value(e.at));
            if e.kind == "case_issued" {
                // 数据交换: when the certificates were really issued and when that reached the
                // platform (older events carry neither: the event moment is both).
                let departments: Vec<i64> = p
                    .get("department_ids")
                    .and_then(|v| v.as_array())
                    .map(|a| a.iter().filter_map(|x| x.as_i64()).collect())
                    .unwrap_or_default();
                upd = upd
                    .col_expr(
                        a_case::Column::IssuedAt,
                        Expr::value(Some(ts(p, "issued_at").unwrap_or(e.at))),
                    )
                    .col_expr(
                        a_case::Column::IssuedRecordedAt,
                        Expr::value(Some(ts(p, "recorded_at").unwrap_or(e.at))),
                    )
                    .col_expr(
                        a_case::Column::IssuedDepartments,
                        Expr::value(Some(
                            serde_json::to_string(&departments).unwrap_or_default(),
                        )),
                    );
            }
            upd.filter(a_case::Column::CaseId.eq(e.case_id))
                .exec(c)
                .await?;
        }
        "power_changed" => {
            let Some(power_id) = int(p, "power_id") else {
                return Ok(());
            };
            let text = |k: &str| {
                p.get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let flag = |k: &str| p.get(k).and_then(|v| v.as_bool()).unwrap_or(false);
            let version = int(p, "version").unwrap_or(1);
            let row = a_power::ActiveModel {
                power_id: Set(power_id),
                department_id: Set(int(p, "department_id").unwrap_or_default()),
                code: Set(text("code")),
                name: Set(text("name")),
                kind: Set(text("kind")),
                in_hall: Set(flag("in_hall")),
                e_supervised: Set(flag("e_supervised")),
                status: Set(text("status")),
                public: Set(flag("public")),
                item_ids: Set(p
                    .get("item_ids")
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "[]".into())),
                version: Set(version),
                updated_at: Set(e.at),
            };
            a_power::Entity::insert(row)
                .on_conflict(
                    OnConflict::column(a_power::Column::PowerId)
                        .update_columns([
                            a_power::Column::DepartmentId,
                            a_power::Column::Code,
                            a_power::Column::Name,
                            a_power::Column::Kind,
                            a_power::Column::InHall,
                            a_power::Column::ESupervised,
                            a_power::Column::Status,
                            a_power::Column::Public,
                            a_power::Column::ItemIds,
                            a_power::Column::Version,
                            a_power::Column::UpdatedAt,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(c)
                .await?;
        }
        "item_changed" => {
            let Some(item_id) = int(p, "item_id") else {
                return Ok(());
            };
            let flag = |k: &str| p.get(k).and_then(|v| v.as_bool()).unwrap_or(false);
            a_item::Entity::insert(a_item::ActiveModel {
                item_id: Set(item_id),
                code: Set(p
                    .get("code")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()),
                department_id: Set(int(p, "department_id").unwrap_or_default()),
                active: Set(flag("active")),
                guide_complete: Set(flag("guide_complete")),
                updated_at: Set(e.at),
            })
            .on_conflict(
                OnConflict::column(a_item::Column::ItemId)
                    .update_columns([
                        a_item::Column::Code,
                        a_item::Column::DepartmentId,
                        a_item::Column::Active,
                        a_item::Column::GuideComplete,
                        a_item::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(c)
            .await?;
        }
        "staff_changed" => {
            let Some(staff_id) = int(p, "staff_id") else {
                return Ok(());
            };
            let day = |k: &str| {
                p.get(k)
                    .and_then(|v| v.as_str())
                    .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            };
            let Some(from) = day("assigned_from") else {
                return Ok(());
            };
            let text = |k: &str| p.get(k).and_then(|v| v.as_str()).map(String::from);
            a_staff::Entity::insert(a_staff::ActiveModel {
                staff_id: Set(staff_id),
                name: Set(text("name").unwrap_or_default()),
                department_id: Set(int(p, "department_id").unwrap_or_default()),
                window_no: Set(text("window_no")),
                post: Set(text("post").unwrap_or_else(|| "other".into())),
                assigned_from: Set(from),
                assigned_to: Set(day("assigned_to")),
                user_id: Set(int(p, "user_id")),
                version: Set(int(p, "version").unwrap_or(1)),
                updated_at: Set(e.at),
            })
            .on_conflict(
                OnConflict::column(a_staff::Column::StaffId)
                    .update_columns([
                        a_staff::Column::Name,
                        a_staff::Column::DepartmentId,
                        a_staff::Column::WindowNo,
                        a_staff::Column::Post,
                        a_staff::Column::AssignedFrom,
                        a_staff::Column::AssignedTo,
                        a_staff::Column::UserId,
                        a_staff::Column::Version,
                        a_staff::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(c)
            .await?;
        }
        "complaint_found" => {
            if let Some(id) = int(p, "complaint_id") {
                a_complaint::Entity::update_many()
                    .col_expr(
                        a_complaint::Column::Finding,
                        Expr::value(p.get("finding").and_then(|v| v.as_str()).map(String::from)),
                    )
                    .col_expr(a_complaint::Column::FoundAt, Expr::value(Some(e.at)))
                    .col_expr(
                        a_complaint::Column::StaffId,
                        Expr::value(int(p, "staff_id")),
                    )
                    .filter(a_complaint::Column::ComplaintId.eq(id))
                    .exec(c)
                    .await?;
            }
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
                recorded_at: Set(None),
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
            // The moment the department decided (integrations report it later) and the moment
            // it reached the platform; events from before both were carried have only `at`.
            let mut upd = a_branch::Entity::update_many()
                .col_expr(
                    a_branch::Column::DecidedAt,
                    Expr::value(Some(ts(p, "decided_at").unwrap_or(e.at))),
                )
                .col_expr(
                    a_branch::Column::RecordedAt,
                    Expr::value(Some(ts(p, "recorded_at").unwrap_or(e.at))),
                )
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
        // A revoked card was issued in error: it leaves every fact table (scores, staff, reports).
        "card_revoked" => {
            let key = format!(
                "{}:{}:{}",
                p.get("subject_kind")
                    .and_then(|v| v.as_str())
                    .unwrap_or("branch"),
                p.get("subject_id")
                    .and_then(|v| v.as_i64())
                    .unwrap_or_default(),
                p.get("level").and_then(|v| v.as_str()).unwrap_or_default()
            );
            a_card::Entity::delete_many()
                .filter(a_card::Column::CardKey.eq(key))
                .exec(c)
                .await?;
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
                finding: Set(None),
                found_at: Set(None),
                staff_id: Set(None),
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
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction feed.consume_once", db.operation = "feed.consume_once"))]
pub async fn consume_once(state: &AppState, limit: u32) -> Result<usize, ApiError> {
    let now = state.now();
    let cursor = ensure_cursor(&state.db, now).await?;
    if let Some(h) = &cursor.halted {
        return Err(ApiError::Unavailable(format!(
            "feed halted: {h}; the system administrator must reset it (POST /v1/feed/reset)"
        )));
    }
    let after = cursor.last_seq;
    let page = match state.approval.events(after, limit).await {
        Ok(p) => p,
        Err(e) => {
            record_failure(&state.db, now, &e, None).await?;
            return Err(ApiError::Unavailable(e));
        }
    };
    // A different feed (a new or restored approval database): stop, apply nothing, say so.
    let moved_epoch = match (&cursor.epoch, &page.epoch) {
        (Some(mine), Some(theirs)) if mine != theirs => Some(format!(
            "the approval feed's epoch is {theirs}, this cursor belongs to {mine}"
        )),
        _ if page.head_seq < after => Some(format!(
            "the approval feed's head is {} but this cursor is at {after}: the feed started over",
            page.head_seq
        )),
        _ => None,
    };
    if let Some(why) = moved_epoch {
        record_failure(&state.db, now, &why, Some(&why)).await?;
        tracing::error!(reason = %why, "feed: halted");
        return Err(ApiError::Unavailable(format!("feed halted: {why}")));
    }
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
        .col_expr(
            feed_cursor::Column::FailingSince,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            feed_cursor::Column::Epoch,
            Expr::value(page.epoch.clone().or(cursor.epoch.clone())),
        )
        .col_expr(feed_cursor::Column::UpdatedAt, Expr::value(now))
        .filter(feed_cursor::Column::Id.eq(1))
        .filter(feed_cursor::Column::LastSeq.eq(after))
        .filter(feed_cursor::Column::Halted.is_null())
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

/// Start over on the feed the approval service serves now (the system administrator, after a halt): the facts
/// read from the old feed are discarded (their ids belong to another database), the cursor
/// goes back to 0 under `epoch`, and an audit row records it. Published results are not
/// touched; quarters are recomputed from the new facts.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction feed.reset", db.operation = "feed.reset"))]
pub async fn reset(
    state: &AppState,
    actor: &platform::auth::AuthUser,
    epoch: &str,
) -> Result<FeedStatus, ApiError> {
    use crate::entities::{a_audit_log, staff_action};
    let now = state.now();
    let txn = state.db.begin().await?;
    let before = ensure_cursor(&txn, now).await?;
    a_case::Entity::delete_many().exec(&txn).await?;
    a_branch::Entity::delete_many().exec(&txn).await?;
    a_card::Entity::delete_many().exec(&txn).await?;
    a_claim::Entity::delete_many().exec(&txn).await?;
    a_complaint::Entity::delete_many().exec(&txn).await?;
    staff_action::Entity::delete_many().exec(&txn).await?;
    feed_cursor::Entity::update_many()
        .col_expr(feed_cursor::Column::LastSeq, Expr::value(0))
        .col_expr(feed_cursor::Column::HeadSeq, Expr::value(0))
        .col_expr(
            feed_cursor::Column::Epoch,
            Expr::value(Some(epoch.to_string())),
        )
        .col_expr(
            feed_cursor::Column::Halted,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            feed_cursor::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            feed_cursor::Column::FailingSince,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(feed_cursor::Column::UpdatedAt, Expr::value(now))
        .filter(feed_cursor::Column::Id.eq(1))
        .exec(&txn)
        .await?;
    a_audit_log::ActiveModel {
        at: Set(now),
        actor: Set(actor.name.clone()),
        action: Set("feed_reset".into()),
        entity: Set("feed_cursor".into()),
        entity_key: Set("1".into()),
        before: Set(Some(
            serde_json::json!({"last_seq": before.last_seq, "epoch": before.epoch, "halted": before.halted}).to_string(),
        )),
        after: Set(Some(serde_json::json!({"last_seq": 0, "epoch": epoch}).to_string())),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let s = status(&txn).await?;
    txn.commit().await?;
    Ok(s)
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
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction feed.sync_departments", db.operation = "feed.sync_departments"))]
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
