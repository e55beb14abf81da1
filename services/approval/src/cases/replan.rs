//! Re-planning open clocks after a holiday table is published or corrected (重新计算时限).
//!
//! When an admin publishes a year's table (the State Council notice arrives, replacing the
//! provisional one) or corrects it (an ad-hoc holiday), every open branch whose moments reach
//! into that year is computed again from its stored clock, in bounded batches of
//! [`BATCH`] branches, each its own short transaction, so branch commands never wait behind
//! the whole re-plan:
//!
//! - new due, warning and red-card moments are stored, with the `provisional` flag;
//! - one `deadline_replanned` event per branch whose moments changed, with before and after;
//! - a notice to the department when its due moment moved earlier;
//! - a card whose moment has not come under the corrected calendar (its due moment moved
//!   later) is closed with `calendar_corrected`, and the branch's alert level goes back, so the
//!   sweep issues it again when the corrected moment comes — reopening that same card, never
//!   a second card for the same (branch, level).
//!
//! A branch changed by a command meanwhile (its version moved) is left as that command
//! stored it. Paused branches have no moments; they are computed when they resume.

use chrono::{DateTime, NaiveDate, Utc};
use platform::ApiError;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::events::{self, NewEvent};
use crate::entities::{branch, card};
use crate::notices;
use crate::state::Timing;
use crate::supervision::alerts::{self, AlertLevel, AlertMoments};

/// Branches per re-plan transaction.
pub const BATCH: u64 = 500;

/// What one re-plan did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReplanReport {
    /// Open branches whose moments reach into the year.
    pub examined: u32,
    /// Those whose moments changed.
    pub replanned: u32,
    /// Cards closed with `calendar_corrected`.
    pub cards_closed: u32,
    /// Transactions used.
    pub batches: u32,
}

const DECIDED: [&str; 3] = ["approved", "rejected", "cancelled"];

fn moments_of(b: &branch::Model) -> AlertMoments {
    AlertMoments {
        warn_at: b.warn_at,
        due_at: b.due_at,
        red_at: b.red_at,
        next_alert_at: b.next_alert_at,
    }
}

/// The highest level at or below `issued` whose moment under `m` has come by `now`.
fn level_that_holds(issued: i32, m: &AlertMoments, now: DateTime<Utc>) -> i32 {
    AlertLevel::ALL
        .into_iter()
        .filter(|l| l.rank() <= issued)
        .filter(|l| {
            let at = match l {
                AlertLevel::Warning => m.warn_at,
                AlertLevel::Yellow => m.due_at,
                AlertLevel::Red => m.red_at,
            };
            at.is_some_and(|t| t <= now)
        })
        .map(AlertLevel::rank)
        .max()
        .unwrap_or(0)
}

fn local(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| {
        t.with_timezone(&calendar::TIME_ZONE)
            .format("%Y-%m-%d %H:%M %Z")
            .to_string()
    })
    .unwrap_or_else(|| "—".into())
}

/// Re-plan the open branches whose moments reach into `year`, with the calendar in `timing`
/// (already holding the new table).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction replan.replan_year", db.operation = "replan.replan_year"))]
pub async fn replan_year(
    db: &DatabaseConnection,
    timing: &Timing,
    year: i32,
    now: DateTime<Utc>,
) -> Result<ReplanReport, ApiError> {
    let start = NaiveDate::from_ymd_opt(year, 1, 1)
        .map(calendar::local_midnight)
        .ok_or_else(|| ApiError::validation("year", "not a calendar year"))?;
    let end = NaiveDate::from_ymd_opt(year + 1, 1, 1)
        .map(calendar::local_midnight)
        .ok_or_else(|| ApiError::validation("year", "not a calendar year"))?;
    let mut report = ReplanReport::default();
    let mut after_id = 0;
    loop {
        let rows = branch::Entity::find()
            .filter(branch::Column::Id.gt(after_id))
            .filter(branch::Column::State.is_not_in(DECIDED))
            .filter(branch::Column::DueAt.is_not_null())
            .filter(branch::Column::OpenedAt.lt(end))
            .filter(
                Condition::any()
                    .add(branch::Column::RedAt.gte(start))
                    .add(branch::Column::RedAt.is_null())
                    .add(branch::Column::Provisional.eq(true)),
            )
            .order_by_asc(branch::Column::Id)
            .limit(BATCH)
            .all(db)
            .await?;
        let Some(last) = rows.last() else { break };
        after_id = last.id;
        let n = rows.len() as u64;
        report.batches += 1;
        let txn = db.begin().await?;
        let mut replanned_events = Vec::new();
        for b in rows {
            report.examined += 1;
            let clock: calendar::StatutoryClock = serde_json::from_str(&b.clock)
                .map_err(|e| ApiError::Internal(format!("stored clock of branch {}: {e}", b.id)))?;
            let fresh = alerts::moments(&clock, &timing.cal, timing.red_card_days, 0, true)
                .map_err(crate::calendar_store::compute_error)?;
            let provisional = super::store::provisional_moments(timing, b.opened_at, &fresh);
            let (statutory_due, statutory_recheck) =
                alerts::statutory_due(&clock, b.statutory_extra_days, &timing.cal)
                    .map_err(crate::calendar_store::compute_error)?;
            let old = moments_of(&b);
            if (fresh.warn_at, fresh.due_at, fresh.red_at) == (old.warn_at, old.due_at, old.red_at)
                && provisional == b.provisional
                && statutory_due == b.statutory_due_at
            {
                continue;
            }
            let level = level_that_holds(b.alert_level, &fresh, now);
            // The statutory card holds only if the corrected statutory moment has come.
            let breached = b.statutory_breached && statutory_due.is_some_and(|t| t <= now);
            let next = alerts::next_of(
                alerts::moments(&clock, &timing.cal, timing.red_card_days, level, true)
                    .map_err(crate::calendar_store::compute_error)?
                    .next_alert_at,
                statutory_due.or(statutory_recheck),
                breached,
            );
            let moved = branch::Entity::update_many()
                .col_expr(branch::Column::DueAt, Expr::value(fresh.due_at))
                .col_expr(branch::Column::WarnAt, Expr::value(fresh.warn_at))
                .col_expr(branch::Column::RedAt, Expr::value(fresh.red_at))
                .col_expr(branch::Column::NextAlertAt, Expr::value(next))
                .col_expr(branch::Column::AlertLevel, Expr::value(level))
                .col_expr(branch::Column::Provisional, Expr::value(provisional))
                .col_expr(branch::Column::StatutoryDueAt, Expr::value(statutory_due))
                .col_expr(branch::Column::StatutoryBreached, Expr::value(breached))
                .col_expr(branch::Column::UpdatedAt, Expr::value(now))
                .filter(branch::Column::Id.eq(b.id))
                .filter(branch::Column::Version.eq(b.version))
                .filter(branch::Column::AlertLevel.eq(b.alert_level))
                .exec(&txn)
                .await?;
            if moved.rows_affected != 1 {
                continue;
            }
            report.replanned += 1;
            if level < b.alert_level || breached != b.statutory_breached {
                let mut withdrawn: Vec<&str> = AlertLevel::ALL
                    .into_iter()
                    .filter(|l| l.rank() > level && l.rank() <= b.alert_level)
                    .map(AlertLevel::as_str)
                    .collect();
                if breached != b.statutory_breached {
                    withdrawn.push("statutory_breach");
                }
                let closed = card::Entity::update_many()
                    .col_expr(card::Column::ClosedAt, Expr::value(Some(now)))
                    .col_expr(
                        card::Column::ClosedHow,
                        Expr::value(Some("calendar_corrected".to_string())),
                    )
                    .col_expr(
                        card::Column::ClosedReason,
                        Expr::value(Some(format!(
                            "the {year} holiday table moved the due moment from {} to {}",
                            local(old.due_at),
                            local(fresh.due_at)
                        ))),
                    )
                    .col_expr(
                        card::Column::ClosedBy,
                        Expr::value(Some("system".to_string())),
                    )
                    .filter(card::Column::SubjectKind.eq("branch"))
                    .filter(card::Column::SubjectId.eq(b.id))
                    .filter(card::Column::Level.is_in(withdrawn))
                    .filter(card::Column::ClosedAt.is_null())
                    .exec(&txn)
                    .await?;
                report.cards_closed += u32::try_from(closed.rows_affected).unwrap_or(u32::MAX);
            }
            let earlier = matches!((fresh.due_at, old.due_at), (Some(f), Some(o)) if f < o);
            if earlier {
                let recipients = notices::department_addresses(&txn, b.department_id).await?;
                notices::enqueue(
                    &txn,
                    outbox::NewNotice {
                        kind: "deadline_moved",
                        dedup_key: format!(
                            "replan:{}:{}",
                            b.id,
                            fresh.due_at.map(|t| t.timestamp()).unwrap_or_default()
                        ),
                        subject: format!("[电子监察] 办理时限提前: 分件 {} 的到期时间已调整", b.id),
                        body: format!(
                            "{year} 年节假日安排发布或更正后，案件 {} 分件 {} 的到期时间由 {} 提前至 {}。",
                            b.case_id,
                            b.id,
                            local(old.due_at),
                            local(fresh.due_at)
                        ),
                        recipients,
                    },
                    now,
                )
                .await?;
            }
            replanned_events.push(NewEvent {
                    case_id: b.case_id,
                    branch_id: Some(b.id),
                    kind: "deadline_replanned".into(),
                    from_state: b.state.clone(),
                    to_state: b.state.clone(),
                    payload: json!({
                        "type": "deadline_replanned", "branch_id": b.id, "case_id": b.case_id,
                        "department_id": b.department_id, "item_id": b.item_id, "year": year,
                        "before": {"due_at": old.due_at, "warn_at": old.warn_at, "red_at": old.red_at, "statutory_due_at": b.statutory_due_at, "provisional": b.provisional},
                        "after": {"due_at": fresh.due_at, "warn_at": fresh.warn_at, "red_at": fresh.red_at, "statutory_due_at": statutory_due, "provisional": provisional},
                        "opened_at": b.opened_at, "due_at": fresh.due_at, "provisional": provisional, "at": now,
                    }),
                });
        }
        // One multi-row append per batch.
        events::append(&txn, 0, "service", now, replanned_events).await?;
        txn.commit().await?;
        if n < BATCH {
            break;
        }
    }
    // Cases whose overall due moment was provisional.
    super::store::replan_case_due_moments(db, timing).await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn only_levels_whose_moment_has_come_still_hold() {
        let m = AlertMoments {
            warn_at: Some(t("2027-01-05T12:00:00+08:00")),
            due_at: Some(t("2027-01-08T17:00:00+08:00")),
            red_at: Some(t("2027-01-13T17:00:00+08:00")),
            next_alert_at: None,
        };
        // A yellow card was out; the corrected due moment is still ahead: only the warning holds.
        assert_eq!(level_that_holds(2, &m, t("2027-01-07T10:00:00+08:00")), 1);
        assert_eq!(level_that_holds(2, &m, t("2027-01-04T10:00:00+08:00")), 0);
        // Never more than was issued.
        assert_eq!(level_that_holds(1, &m, t("2027-01-20T10:00:00+08:00")), 1);
        assert_eq!(level_that_holds(3, &m, t("2027-01-20T10:00:00+08:00")), 3);
    }
}
