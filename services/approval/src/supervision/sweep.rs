//! The sweep (电子监察 巡检): issue every alert that has come due, exactly once. It is a query
//! on the indexed `branches.next_alert_at` (and `claims.due_at`), never a scan of every case:
//! with nothing due it reads nothing, and its work is proportional to what is due.

use chrono::{DateTime, Utc};
use platform::ApiError;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::alerts::{self, AlertLevel, AlertMoments};
use super::cards::{self, NewCard};
use crate::entities::{branch, claim};
use crate::state::Timing;

/// What one sweep issued.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct SweepReport {
    pub warnings: u32,
    pub yellow_cards: u32,
    pub red_cards: u32,
    /// Cards for a statutory limit (法定期限) passed undecided (超法定时限).
    pub statutory_breaches: u32,
    /// Alerts for a pause that waited too long (补正 or 特别程序).
    pub pauses_overdue: u32,
    /// Cards on cases: the bundle's promised limit passed (yellow, red) undecided.
    pub case_cards: u32,
    /// Cards on cases decided but not issued within 10 working days (第四十四条).
    pub issuance_overdue: u32,
    pub unclaimed: u32,
}

/// Branches per transaction: small, so the event-append lock (see `cases::events`) is held
/// briefly and API commands are not kept waiting behind a large sweep.
const BATCH: u64 = 50;

fn local(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| {
        t.with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    })
    .unwrap_or_default()
}

fn reason(level: AlertLevel, m: &AlertMoments, red_days: u32) -> String {
    let at = local;
    match level {
        AlertLevel::Warning => {
            format!("预警: most of the time limit is used; due {}", at(m.due_at))
        }
        AlertLevel::Yellow => format!(
            "黄牌: the time limit passed at {} and the branch is not decided",
            at(m.due_at)
        ),
        AlertLevel::Red => format!(
            "红牌: overdue by more than {red_days} working days (due {})",
            at(m.due_at)
        ),
    }
}

#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction sweep.sweep", db.operation = "sweep.sweep"))]
pub async fn sweep(
    db: &DatabaseConnection,
    timing: &Timing,
    now: DateTime<Utc>,
) -> Result<SweepReport, ApiError> {
    let mut report = SweepReport::default();
    loop {
        let rows = branch::Entity::find()
            .filter(branch::Column::NextAlertAt.lte(now))
            .order_by_asc(branch::Column::NextAlertAt)
            .limit(BATCH)
            .all(db)
            .await?;
        let n = rows.len() as u64;
        let txn = db.begin().await?;
        for b in rows {
            let mut m = AlertMoments {
                warn_at: b.warn_at,
                due_at: b.due_at,
                red_at: b.red_at,
                next_alert_at: b.next_alert_at,
            };
            // A red moment not known yet (its days ran into a year without a table): try
            // again with the calendar as it is now; still unknown, look again in a day.
            let mut recheck_at = None;
            if let (None, Some(due)) = (m.red_at, m.due_at) {
                match alerts::red_moment(due, &timing.cal, timing.red_card_days) {
                    Ok(Ok(red)) => m.red_at = Some(red),
                    Ok(Err(_)) | Err(_) => recheck_at = Some(now + chrono::Duration::days(1)),
                }
            }
            let levels = alerts::due_levels(b.alert_level, &m, now);
            let issued = levels.last().map(|l| l.rank()).unwrap_or(b.alert_level);
            let promised_next =
                alerts::next_alert(issued, &m).or(if issued < AlertLevel::Red.rank() {
                    recheck_at
                } else {
                    None
                });
            // A statutory moment not known yet (a year without a table): compute it again.
            let mut statutory_due_at = b.statutory_due_at;
            let mut statutory_recheck = None;
            if statutory_due_at.is_none() && !b.statutory_breached {
                if let Ok(clock) = serde_json::from_str::<calendar::StatutoryClock>(&b.clock) {
                    if !clock.is_paused() {
                        match alerts::statutory_due(&clock, b.statutory_extra_days, &timing.cal) {
                            Ok((Some(due), _)) => statutory_due_at = Some(due),
                            _ => statutory_recheck = Some(now + chrono::Duration::days(1)),
                        }
                    }
                }
            }
            // The statutory limit (法定期限) passed undecided: its own card, once.
            let statutory_now = !b.statutory_breached && statutory_due_at.is_some_and(|t| t <= now);
            let breached = b.statutory_breached || statutory_now;
            // A pause waited too long (补正 past SUPPLEMENT_WAIT_DAYS, a special procedure past its
            // expected end): an alert to the department, once per pause.
            let pause_now = !b.pause_alerted && b.pause_alert_at.is_some_and(|t| t <= now);
            let pause_alerted = b.pause_alerted || pause_now;
            let pause_next = b.pause_alert_at.filter(|_| !pause_alerted);
            let next = alerts::next_of(
                alerts::next_of(promised_next, pause_next, false),
                statutory_due_at.or(statutory_recheck),
                breached,
            );
            // Move the branch's next alert on first (a write first: on SQLite the transaction
            // takes the write lock at once). A branch that changed meanwhile is left to its
            // own write, which recomputed its moments; the next sweep sees it again.
            let moved = branch::Entity::update_many()
                .col_expr(branch::Column::AlertLevel, Expr::value(issued))
                .col_expr(branch::Column::RedAt, Expr::value(m.red_at))
                .col_expr(branch::Column::NextAlertAt, Expr::value(next))
                .col_expr(branch::Column::StatutoryBreached, Expr::value(breached))
                .col_expr(branch::Column::PauseAlerted, Expr::value(pause_alerted))
                .col_expr(
                    branch::Column::StatutoryDueAt,
                    Expr::value(statutory_due_at),
                )
                .filter(branch::Column::Id.eq(b.id))
                .filter(branch::Column::Version.eq(b.version))
                .filter(branch::Column::AlertLevel.eq(b.alert_level))
                .exec(&txn)
                .await?;
            if moved.rows_affected != 1 {
                continue;
            }
            for level in levels {
                let new = NewCard {
                    subject_kind: "branch",
                    subject_id: b.id,
                    case_id: b.case_id,
                    department_id: b.department_id,
                    level: level.as_str(),
                    reason: reason(level, &m, timing.red_card_days),
                };
                if cards::issue(&txn, new, now).await? {
                    match level {
                        AlertLevel::Warning => report.warnings += 1,
                        AlertLevel::Yellow => report.yellow_cards += 1,
                        AlertLevel::Red => report.red_cards += 1,
                    }
                }
            }
            if pause_now {
                let what = if b.state == "awaiting_supplement" {
                    "补正 has been awaited"
                } else {
                    "the special procedure (特别程序) ran past its expected end"
                };
                let new = NewCard {
                    subject_kind: "branch",
                    subject_id: b.id,
                    case_id: b.case_id,
                    department_id: b.department_id,
                    level: "pause_overdue",
                    reason: format!(
                        "暂停超时: {what} since {}; the clock is stopped, the case must not rest there",
                        local(b.pause_alert_at)
                    ),
                };
                if cards::issue(&txn, new, now).await? {
                    report.pauses_overdue += 1;
                }
            }
            if statutory_now {
                let new = NewCard {
                    subject_kind: "branch",
                    subject_id: b.id,
                    case_id: b.case_id,
                    department_id: b.department_id,
                    level: "statutory_breach",
                    reason: format!(
                        "超法定时限: the statutory time limit (法定期限) passed at {} and the branch is not decided",
                        local(statutory_due_at)
                    ),
                };
                if cards::issue(&txn, new, now).await? {
                    report.statutory_breaches += 1;
                }
            }
        }
        txn.commit().await?;
        if n < BATCH {
            break;
        }
    }
    // The case's own clock: the bundle's promise to the applicant (yellow at its due moment,
    // red after the red-card threshold), then issuance within 10 working days of the
    // decision (行政许可法 第四十四条); cards to the lead department (牵头部门).
    case_clock(db, timing, now, &mut report).await?;
    // 审管互动: results not claimed in time.
    let overdue = claim::Entity::find()
        .filter(claim::Column::DueAt.lte(now))
        .filter(claim::Column::ClaimedAt.is_null())
        .filter(claim::Column::FlaggedAt.is_null())
        .all(db)
        .await?;
    for c in overdue {
        let txn = db.begin().await?;
        let flagged = claim::Entity::update_many()
            .col_expr(claim::Column::FlaggedAt, Expr::value(Some(now)))
            .filter(claim::Column::Id.eq(c.id))
            .filter(claim::Column::FlaggedAt.is_null())
            .filter(claim::Column::ClaimedAt.is_null())
            .exec(&txn)
            .await?;
        if flagged.rows_affected != 1 {
            continue;
        }
        let new = NewCard {
            subject_kind: "claim",
            subject_id: c.id,
            case_id: c.case_id,
            department_id: c.department_id,
            level: "unclaimed",
            reason: format!(
                "认领超时: the approved result of branch {} was not claimed by its due moment {}",
                c.branch_id, c.due_at
            ),
        };
        if cards::issue(&txn, new, now).await? {
            report.unclaimed += 1;
        }
        txn.commit().await?;
    }
    Ok(report)
}

/// One pass over the cases whose own clock has something due.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction sweep.case_clock", db.operation = "sweep.case_clock"))]
async fn case_clock(
    db: &DatabaseConnection,
    timing: &Timing,
    now: DateTime<Utc>,
    report: &mut SweepReport,
) -> Result<(), ApiError> {
    use crate::entities::case;
    loop {
        let rows = case::Entity::find()
            .filter(case::Column::NextAlertAt.lte(now))
            .order_by_asc(case::Column::NextAlertAt)
            .limit(BATCH)
            .all(db)
            .await?;
        let n = rows.len() as u64;
        let txn = db.begin().await?;
        for c in rows {
            let decided = c.state == "ready_for_issuance";
            let red_at = match alerts::red_moment(c.due_at, &timing.cal, timing.red_card_days) {
                Ok(Ok(t)) => Some(t),
                _ => None,
            };
            // Levels: 2 yellow, 3 red (the promise), 4 issuance overdue (the decision).
            let mut due: Vec<(i32, &'static str, String)> = Vec::new();
            let mut next = None;
            if decided {
                if let Some(t) = c.issuance_due_at {
                    if t <= now && c.alert_level < 4 {
                        due.push((4, "issuance_overdue", format!(
                            "发证超时: decided {} but not issued within {} working days (行政许可法 第四十四条), due {}",
                            local(c.decided_at), timing.issuance_limit_days, local(Some(t))
                        )));
                    }
                }
            } else if c.bundle_id.is_some() {
                if c.due_at <= now && c.alert_level < 2 {
                    due.push((2, "yellow", format!(
                        "黄牌: the bundle's promised limit passed at {} and the case is not decided",
                        local(Some(c.due_at))
                    )));
                }
                match red_at {
                    Some(r) if r <= now && c.alert_level < 3 => due.push((
                        3,
                        "red",
                        format!(
                            "红牌: the case is overdue by more than {} working days (due {})",
                            timing.red_card_days,
                            local(Some(c.due_at))
                        ),
                    )),
                    Some(r) if c.alert_level < 3 => next = Some(r),
                    None if c.alert_level < 3 => next = Some(now + chrono::Duration::days(1)),
                    _ => {}
                }
            }
            let level = due.iter().map(|d| d.0).max().unwrap_or(c.alert_level);
            let moved = case::Entity::update_many()
                .col_expr(case::Column::AlertLevel, Expr::value(level))
                .col_expr(case::Column::NextAlertAt, Expr::value(next))
                .filter(case::Column::Id.eq(c.id))
                .filter(case::Column::Version.eq(c.version))
                .filter(case::Column::AlertLevel.eq(c.alert_level))
                .exec(&txn)
                .await?;
            if moved.rows_affected != 1 {
                continue;
            }
            let Some(department_id) = c.lead_department_id else {
                continue;
            };
            for (_, lvl, reason) in due {
                let new = NewCard {
                    subject_kind: "case",
                    subject_id: c.id,
                    case_id: c.id,
                    department_id,
                    level: lvl,
                    reason,
                };
                if cards::issue(&txn, new, now).await? {
                    if lvl == "issuance_overdue" {
                        report.issuance_overdue += 1;
                    } else {
                        report.case_cards += 1;
                    }
                }
            }
        }
        txn.commit().await?;
        if n < BATCH {
            break;
        }
    }
    Ok(())
}
