//! Statistics for supervisors and integrations, per department and period.
//!
//! Definitions (as the sources count them, finished branches are the denominator of the rates):
//! - **received**: branches opened in the period;
//! - **finished**: branches decided (approved or rejected) in the period; cancelled ones
//!   (withdrawal, a sibling's rejection) are not finished;
//! - **same-day completion rate (即日办结率)**: finished on the local calendar day they opened ÷ finished;
//! - **early completion rate (提前办结率)**: finished on a local day before their due day ÷ finished;
//! - **on-time rate (按时办结率 / 时限内办结率)**: finished at or before their due moment ÷ finished;
//! - **finished late**: finished after their due moment; **open overdue**: still open now and past due;
//! - **cards**: cards issued in the period by level; **complaints**: complaints filed in the
//!   period about cases, counted for the department they were assigned to.
//!
//! A rate is `null` when nothing was finished. Days are Asia/Shanghai dates.

use std::collections::BTreeMap;

use calendar::local_date as local;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// What the rules need to know of one branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchFacts {
    pub department_id: i32,
    pub opened_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    /// approved or rejected (not cancelled).
    pub finished: bool,
    pub open: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct DepartmentStats {
    pub department_id: i32,
    pub received: u64,
    pub finished: u64,
    pub same_day: u64,
    pub early: u64,
    pub on_time: u64,
    pub finished_late: u64,
    pub open_overdue: u64,
    /// 即日办结率, 0–1.
    pub same_day_rate: Option<f64>,
    /// 提前办结率, 0–1.
    pub early_rate: Option<f64>,
    /// 按时办结率, 0–1.
    pub on_time_rate: Option<f64>,
    pub warnings: u64,
    pub yellow_cards: u64,
    pub red_cards: u64,
    /// Cards for a statutory limit (法定期限) passed undecided (超法定时限), counted apart from
    /// the promised-limit cards.
    pub statutory_breaches: u64,
    /// Alerts for pauses that waited too long (补正 past its wait, 特别程序 past its expected end).
    pub pauses_overdue: u64,
    /// Cases decided but not issued within 10 working days (行政许可法 第四十四条), carded to
    /// the lead department.
    pub issuance_overdue: u64,
    pub unclaimed_cards: u64,
    pub complaints: u64,
}

fn rate(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| (n as f64 / d as f64 * 10_000.0).round() / 10_000.0)
}

/// Count branches into per-department figures for `[from, to)` as of `now`.
pub fn tally(
    branches: &[BranchFacts],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> BTreeMap<i32, DepartmentStats> {
    let mut out: BTreeMap<i32, DepartmentStats> = BTreeMap::new();
    let within = |t: DateTime<Utc>| t >= from && t < to;
    for b in branches {
        let s = out
            .entry(b.department_id)
            .or_insert_with(|| DepartmentStats {
                department_id: b.department_id,
                ..Default::default()
            });
        if within(b.opened_at) {
            s.received += 1;
        }
        if b.open && b.due_at.is_some_and(|d| d < now) {
            s.open_overdue += 1;
        }
        let Some(decided) = b.decided_at.filter(|d| b.finished && within(*d)) else {
            continue;
        };
        s.finished += 1;
        if local(decided) == local(b.opened_at) {
            s.same_day += 1;
        }
        match b.due_at {
            Some(due) if decided <= due => {
                s.on_time += 1;
                if local(decided) < local(due) {
                    s.early += 1;
                }
            }
            Some(_) => s.finished_late += 1,
            None => s.on_time += 1,
        }
    }
    for s in out.values_mut() {
        s.same_day_rate = rate(s.same_day, s.finished);
        s.early_rate = rate(s.early, s.finished);
        s.on_time_rate = rate(s.on_time, s.finished);
    }
    out
}

/// Load the period's branches, cards and complaints and tally them.
pub async fn query(
    db: &sea_orm::DatabaseConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    department_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<Vec<DepartmentStats>, platform::ApiError> {
    use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

    use crate::entities::{branch, card, complaint};

    let mut q = branch::Entity::find().filter(
        Condition::any()
            .add(
                branch::Column::OpenedAt
                    .gte(from)
                    .and(branch::Column::OpenedAt.lt(to)),
            )
            .add(
                branch::Column::DecidedAt
                    .gte(from)
                    .and(branch::Column::DecidedAt.lt(to)),
            )
            .add(
                branch::Column::DecidedAt
                    .is_null()
                    .and(branch::Column::DueAt.lt(now)),
            ),
    );
    if let Some(d) = department_id {
        q = q.filter(branch::Column::DepartmentId.eq(d));
    }
    let facts: Vec<BranchFacts> = q
        .all(db)
        .await?
        .into_iter()
        .map(|b| BranchFacts {
            department_id: b.department_id,
            opened_at: b.opened_at,
            decided_at: b.decided_at,
            due_at: b.due_at,
            finished: b.state == "approved" || b.state == "rejected",
            open: b.decided_at.is_none() && b.state != "cancelled",
        })
        .collect();
    let mut out = tally(&facts, from, to, now);
    // A revoked card was issued in error: it counts nowhere.
    let mut cq = card::Entity::find()
        .filter(
            card::Column::ClosedHow
                .ne("revoked")
                .or(card::Column::ClosedHow.is_null()),
        )
        .filter(card::Column::IssuedAt.gte(from))
        .filter(card::Column::IssuedAt.lt(to));
    if let Some(d) = department_id {
        cq = cq.filter(card::Column::DepartmentId.eq(d));
    }
    for c in cq.all(db).await? {
        let s = out
            .entry(c.department_id)
            .or_insert_with(|| DepartmentStats {
                department_id: c.department_id,
                ..Default::default()
            });
        match c.level.as_str() {
            "warning" => s.warnings += 1,
            "yellow" => s.yellow_cards += 1,
            "red" => s.red_cards += 1,
            "statutory_breach" => s.statutory_breaches += 1,
            "pause_overdue" => s.pauses_overdue += 1,
            "issuance_overdue" => s.issuance_overdue += 1,
            _ => s.unclaimed_cards += 1,
        }
    }
    let mut kq = complaint::Entity::find()
        .filter(complaint::Column::CreatedAt.gte(from))
        .filter(complaint::Column::CreatedAt.lt(to));
    if let Some(d) = department_id {
        kq = kq.filter(complaint::Column::AssignedDepartmentId.eq(d));
    }
    for k in kq.all(db).await? {
        let Some(d) = k.assigned_department_id else {
            continue;
        };
        out.entry(d)
            .or_insert_with(|| DepartmentStats {
                department_id: d,
                ..Default::default()
            })
            .complaints += 1;
    }
    Ok(out.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn b(opened: &str, decided: Option<&str>, due: &str, finished: bool) -> BranchFacts {
        BranchFacts {
            department_id: 1,
            opened_at: t(opened),
            decided_at: decided.map(t),
            due_at: Some(t(due)),
            finished,
            open: decided.is_none(),
        }
    }

    #[test]
    fn rates_use_finished_branches_as_the_denominator() {
        let from = t("2026-03-01T00:00:00+08:00");
        let to = t("2026-04-01T00:00:00+08:00");
        let now = t("2026-03-20T12:00:00+08:00");
        let rows = vec![
            // same day, early, on time
            b(
                "2026-03-09T10:00:00+08:00",
                Some("2026-03-09T16:00:00+08:00"),
                "2026-03-12T17:00:00+08:00",
                true,
            ),
            // on the due day itself: on time, not early
            b(
                "2026-03-09T10:00:00+08:00",
                Some("2026-03-12T16:59:00+08:00"),
                "2026-03-12T17:00:00+08:00",
                true,
            ),
            // late
            b(
                "2026-03-09T10:00:00+08:00",
                Some("2026-03-13T09:30:00+08:00"),
                "2026-03-12T17:00:00+08:00",
                true,
            ),
            // cancelled: not finished
            b(
                "2026-03-09T10:00:00+08:00",
                Some("2026-03-10T10:00:00+08:00"),
                "2026-03-12T17:00:00+08:00",
                false,
            ),
            // open and overdue
            b(
                "2026-03-10T10:00:00+08:00",
                None,
                "2026-03-13T17:00:00+08:00",
                false,
            ),
            // opened before the period, finished in it, the next local day (UTC date would differ)
            b(
                "2026-02-27T23:30:00+08:00",
                Some("2026-03-02T00:10:00+08:00"),
                "2026-03-05T17:00:00+08:00",
                true,
            ),
        ];
        let s = &tally(&rows, from, to, now)[&1];
        assert_eq!((s.received, s.finished), (5, 4));
        assert_eq!(
            (
                s.same_day,
                s.early,
                s.on_time,
                s.finished_late,
                s.open_overdue
            ),
            (1, 2, 3, 1, 1)
        );
        assert_eq!(s.same_day_rate, Some(0.25));
        assert_eq!(s.early_rate, Some(0.5));
        assert_eq!(s.on_time_rate, Some(0.75));
    }

    #[test]
    fn nothing_finished_means_no_rate() {
        let now = t("2026-03-20T12:00:00Z");
        let rows = vec![b(
            "2026-03-10T10:00:00Z",
            None,
            "2026-03-30T09:00:00Z",
            false,
        )];
        let s = &tally(
            &rows,
            t("2026-03-01T00:00:00Z"),
            t("2026-04-01T00:00:00Z"),
            now,
        )[&1];
        assert_eq!((s.received, s.finished, s.on_time_rate), (1, 0, None));
    }
}
