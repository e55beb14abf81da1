//! Quarterly results (季度考核): an assessor computes a draft from the facts and the entered
//! inputs ([`crate::gather`]) and submits it; a leader who did not compute it approves it (审定,
//! four eyes); a leader or assessor publishes it by the 10th of the next month. A published result is immutable (不可私改): a correction is a new
//! revision with its reason and author; publishing it supersedes the old one, which is kept.
//! Publishing a failing score opens a rectification order.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use outbox::NewNotice;
use platform::auth::{AuthUser, Role};
use platform::{ApiError, FieldError};
use scoring::{IndicatorSystem, Points, QuarterScore};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entities::{a_department, department_score, quarter_result};
use crate::gather::{gather, Findings, Gathered};
use crate::quarter::Quarter;
use crate::{rectification, systems};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentResult {
    pub department_id: i32,
    pub department_name: Option<String>,
    /// Rank within the quarter, 1 = best; equal totals share a rank (并列: 1, 2, 2, 4).
    pub rank: usize,
    /// Out of 100, two decimals.
    pub total: f64,
    /// `fail` 不合格 (<60), `pass` 合格 (60–<80), `good` 良好 (80–<95), `excellent` 优秀 (≥95).
    pub grade: String,
    /// Every category's points with the inputs they came from (scoring::QuarterScore: categories
    /// with `applicable`/`effective_max`/`empty_handling`, per-source 满意率, `fact_deductions`
    /// with their source ids), plus `findings` (late reports, 体外循环 suspicion, powers not
    /// covered) and `second_round_reason`.
    #[schema(value_type = Object)]
    pub breakdown: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultView {
    pub id: i32,
    pub year: i32,
    pub quarter: i32,
    /// 1 for the first computation; each correction adds one.
    pub revision: i32,
    pub system_key: String,
    /// `draft` → `submitted` (by the assessor) → `approved` (by a leader who neither computed
    /// nor submitted it) → `published`; an older published revision becomes `superseded`.
    pub status: String,
    /// Why this revision was made (corrections).
    pub reason: Option<String>,
    pub author: String,
    pub created_at: DateTime<Utc>,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub approved_by: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    /// Publication is due by this moment: end of the 10th of the quarter's next month, Asia/
    /// Shanghai (Fenghua: results are published in the first ten days of the next quarter).
    pub publication_due_at: Option<DateTime<Utc>>,
    /// Published after the due moment, or not yet published and past it.
    pub publication_overdue: bool,
    /// The working-day calendar version (the fingerprint of the holiday tables, office hours
    /// and fallback in use) the result was scored with; absent for results scored before
    /// versions were recorded.
    pub calendar_version: Option<String>,
    /// Ranked, best first.
    pub departments: Vec<DepartmentResult>,
}

/// Score every department, or say what is missing for which department (422). Best first;
/// ties keep department order (their rank is shared, see [`scoring::competition_ranks`]).
fn score_all(
    sys: &IndicatorSystem,
    gathered: Gathered,
) -> Result<Vec<(i32, QuarterScore, Findings)>, ApiError> {
    let mut scores = Vec::new();
    let mut errs = Vec::new();
    let mut findings = gathered.findings;
    for (dept, i) in gathered.inputs {
        match scoring::score_quarter(sys, &i) {
            Ok(s) => scores.push((dept, s, findings.remove(&dept).unwrap_or_default())),
            Err(e) => errs.push(FieldError::new(
                format!("department[{dept}]"),
                e.to_string(),
            )),
        }
    }
    if !errs.is_empty() {
        return Err(ApiError::Validation {
            code: "inputs_incomplete",
            errors: errs,
        });
    }
    scores.sort_by(|a, b| b.1.total.cmp(&a.1.total).then(a.0.cmp(&b.0)));
    Ok(scores)
}

/// The stored breakdown: the score with its inputs, plus the findings and the second-round
/// reason (二次考核) when the system's condition is met.
fn breakdown(sys: &IndicatorSystem, s: &QuarterScore, f: &Findings) -> String {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "findings".into(),
            serde_json::to_value(f).unwrap_or_default(),
        );
        o.insert(
            "second_round_reason".into(),
            serde_json::to_value(scoring::second_round_reason(s, &sys.second_round))
                .unwrap_or_default(),
        );
    }
    v.to_string()
}

async fn view<C: ConnectionTrait>(
    c: &C,
    r: quarter_result::Model,
    now: DateTime<Utc>,
) -> Result<ResultView, ApiError> {
    let rows = department_score::Entity::find()
        .filter(department_score::Column::ResultId.eq(r.id))
        .order_by_desc(department_score::Column::Total)
        .order_by_asc(department_score::Column::DepartmentId)
        .all(c)
        .await?;
    let names: BTreeMap<i32, String> = a_department::Entity::find()
        .all(c)
        .await?
        .into_iter()
        .map(|d| (d.department_id, d.name))
        .collect();
    let totals: Vec<Points> = rows.iter().map(|s| Points::from_centi(s.total)).collect();
    let ranks = scoring::competition_ranks(&totals);
    let departments = rows
        .into_iter()
        .zip(ranks)
        .map(|(s, rank)| DepartmentResult {
            department_id: s.department_id,
            department_name: names.get(&s.department_id).cloned(),
            rank,
            total: s.total as f64 / 100.0,
            grade: s.grade,
            breakdown: serde_json::from_str(&s.breakdown).unwrap_or_default(),
        })
        .collect();
    let due = r
        .publication_due_at
        .or_else(|| publication_due(r.year, r.quarter, PUBLICATION_DUE_DAY));
    let publication_overdue = match (due, r.published_at) {
        (Some(d), Some(p)) => p > d,
        (Some(d), None) => r.status != "superseded" && now > d,
        _ => false,
    };
    Ok(ResultView {
        id: r.id,
        year: r.year,
        quarter: r.quarter,
        revision: r.revision,
        system_key: r.system_key,
        status: r.status,
        reason: r.reason,
        author: r.author,
        created_at: r.created_at,
        submitted_by: r.submitted_by,
        submitted_at: r.submitted_at,
        approved_by: r.approved_by,
        published_at: r.published_at,
        publication_due_at: due,
        publication_overdue,
        calendar_version: r.calendar_version,
        departments,
    })
}

async fn store_scores<C: ConnectionTrait>(
    c: &C,
    sys: &IndicatorSystem,
    result_id: i32,
    scores: &[(i32, QuarterScore, Findings)],
) -> Result<(), ApiError> {
    department_score::Entity::delete_many()
        .filter(department_score::Column::ResultId.eq(result_id))
        .exec(c)
        .await?;
    for (dept, s, f) in scores {
        department_score::ActiveModel {
            result_id: Set(result_id),
            department_id: Set(*dept),
            total: Set(s.total.centi()),
            grade: Set(serde_json::to_value(s.grade)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default()),
            breakdown: Set(breakdown(sys, s, f)),
            ..Default::default()
        }
        .insert(c)
        .await?;
    }
    Ok(())
}

/// The day of the quarter's next month by which results are published (Fenghua: 结果于下一季度
/// 第一个月上旬公布 — the first ten days); the default of `PUBLICATION_DUE_DAY`.
pub const PUBLICATION_DUE_DAY: u32 = 10;

/// End of day `day` (Asia/Shanghai) of the month after quarter `q` of `year`.
pub fn publication_due(year: i32, quarter: i32, day: u32) -> Option<DateTime<Utc>> {
    let (y, m) = if quarter >= 4 {
        (year + 1, 1)
    } else {
        (year, u32::try_from(quarter * 3 + 1).ok()?)
    };
    let next = chrono::NaiveDate::from_ymd_opt(y, m, day)?.succ_opt()?;
    next.and_hms_opt(0, 0, 0)?
        .and_local_timezone(chrono_tz::Asia::Shanghai)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// Compute (or recompute) the quarter's newest draft on the calendar `cal` (its version is
/// recorded). Refused when the newest result is submitted, approved or published.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction results.run", db.operation = "results.run"))]
pub async fn run(
    db: &DatabaseConnection,
    cal: &calendar::WorkCalendar,
    actor: &Author,
    now: DateTime<Utc>,
    q: Quarter,
    due_day: u32,
) -> Result<ResultView, ApiError> {
    let calendar_version = crate::calendar_sync::fingerprint(cal);
    let txn = db.begin().await?;
    let existing = quarter_result::Entity::find()
        .filter(quarter_result::Column::Year.eq(q.year))
        .filter(quarter_result::Column::Quarter.eq(q.q as i32))
        .order_by_desc(quarter_result::Column::Revision)
        .all(&txn)
        .await?;
    // The newest revision decides: a draft is recomputed (and its computer recorded); a
    // submitted, approved or published one is locked; none yet → revision 1.
    let mut draft = match existing.into_iter().next() {
        Some(r) if r.status == "draft" => {
            quarter_result::Entity::update_many()
                .col_expr(
                    quarter_result::Column::CalendarVersion,
                    Expr::value(Some(calendar_version.clone())),
                )
                .col_expr(
                    quarter_result::Column::ComputedById,
                    Expr::value(Some(actor.id.clone())),
                )
                .col_expr(
                    quarter_result::Column::Author,
                    Expr::value(actor.name.clone()),
                )
                .filter(quarter_result::Column::Id.eq(r.id))
                .exec(&txn)
                .await?;
            quarter_result::Model {
                author: actor.name.clone(),
                computed_by_id: Some(actor.id.clone()),
                ..r
            }
        }
        Some(done) => {
            return Err(ApiError::conflict(
                "result_locked",
                format!(
                    "{}Q{} has a {} result (id {}): correct it with POST /v1/results/{}/revisions",
                    q.year, q.q, done.status, done.id, done.id
                ),
            ))
        }
        None => {
            let (key, _) = systems::for_year(&txn, q.year).await?;
            quarter_result::ActiveModel {
                year: Set(q.year),
                quarter: Set(q.q as i32),
                revision: Set(1),
                system_key: Set(key),
                status: Set("draft".into()),
                reason: Set(None),
                author: Set(actor.name.clone()),
                computed_by_id: Set(Some(actor.id.clone())),
                created_at: Set(now),
                calendar_version: Set(Some(calendar_version.clone())),
                publication_due_at: Set(publication_due(q.year, i32::from(q.q), due_day)),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    draft.calendar_version = Some(calendar_version);
    let sys = systems::by_key(&txn, &draft.system_key).await?;
    let scores = score_all(&sys, gather(&txn, &sys, q, draft.id as i64, now).await?)?;
    store_scores(&txn, &sys, draft.id, &scores).await?;
    let v = view(&txn, draft, now).await?;
    txn.commit().await?;
    Ok(v)
}

/// Who computes: a person (token) or the scheduler.
#[derive(Debug, Clone)]
pub struct Author {
    pub id: String,
    pub name: String,
}

impl Author {
    pub fn of(user: &AuthUser) -> Author {
        Author {
            id: user.id.to_string(),
            name: user.name.clone(),
        }
    }

    /// The scheduler's quarterly run.
    pub fn scheduler() -> Author {
        Author {
            id: "scheduler".into(),
            name: "scheduler".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionInput {
    /// Why the published (or approved) result is corrected.
    pub reason: String,
}

/// A correction: a new draft revision recomputed from today's inputs on the calendar `cal`,
/// with reason and author.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction results.revise", db.operation = "results.revise"))]
pub async fn revise(
    db: &DatabaseConnection,
    cal: &calendar::WorkCalendar,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
    input: RevisionInput,
) -> Result<ResultView, ApiError> {
    actor.require(&[Role::Assessor])?;
    if input.reason.trim().is_empty() {
        return Err(ApiError::validation(
            "reason",
            "a correction needs its reason",
        ));
    }
    let txn = db.begin().await?;
    let base = quarter_result::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("result", id))?;
    if !matches!(base.status.as_str(), "published" | "approved") {
        return Err(ApiError::conflict(
            "result_status",
            format!(
                "result {id} is {}; a draft is simply recomputed",
                base.status
            ),
        ));
    }
    let newest = quarter_result::Entity::find()
        .filter(quarter_result::Column::Year.eq(base.year))
        .filter(quarter_result::Column::Quarter.eq(base.quarter))
        .order_by_desc(quarter_result::Column::Revision)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::Internal("result vanished".into()))?;
    if matches!(newest.status.as_str(), "draft" | "submitted") {
        return Err(ApiError::conflict(
            "revision_pending",
            format!(
                "revision {} (result {}) is already {}",
                newest.revision, newest.id, newest.status
            ),
        ));
    }
    let sys = systems::by_key(&txn, &base.system_key).await?;
    let rev = quarter_result::ActiveModel {
        year: Set(base.year),
        quarter: Set(base.quarter),
        revision: Set(newest.revision + 1),
        system_key: Set(base.system_key.clone()),
        status: Set("draft".into()),
        reason: Set(Some(input.reason)),
        author: Set(actor.name.clone()),
        computed_by_id: Set(Some(actor.id.to_string())),
        created_at: Set(now),
        calendar_version: Set(Some(crate::calendar_sync::fingerprint(cal))),
        publication_due_at: Set(base.publication_due_at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let q = Quarter::new(base.year, base.quarter as i64)?;
    let scores = score_all(&sys, gather(&txn, &sys, q, rev.id as i64, now).await?)?;
    store_scores(&txn, &sys, rev.id, &scores).await?;
    let v = view(&txn, rev, now).await?;
    txn.commit().await?;
    Ok(v)
}

/// Move a result from one status to the next, guarded by the status it must have.
async fn advance<C: ConnectionTrait>(
    c: &C,
    id: i32,
    from: &str,
    sets: Vec<(quarter_result::Column, sea_orm::Value)>,
    what: &str,
) -> Result<quarter_result::Model, ApiError> {
    let mut upd = quarter_result::Entity::update_many();
    for (col, v) in sets {
        upd = upd.col_expr(col, Expr::value(v));
    }
    let moved = upd
        .filter(quarter_result::Column::Id.eq(id))
        .filter(quarter_result::Column::Status.eq(from))
        .exec(c)
        .await?;
    let r = quarter_result::Entity::find_by_id(id)
        .one(c)
        .await?
        .ok_or_else(|| ApiError::not_found("result", id))?;
    if moved.rows_affected != 1 {
        return Err(ApiError::conflict(
            "result_status",
            format!(
                "result {id} is {}; only a {from} result can be {what}",
                r.status
            ),
        ));
    }
    Ok(r)
}

/// The assessor who computed the draft submits it for approval (审定).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction results.submit", db.operation = "results.submit"))]
pub async fn submit(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
) -> Result<ResultView, ApiError> {
    actor.require(&[Role::Assessor])?;
    let txn = db.begin().await?;
    let r = advance(
        &txn,
        id,
        "draft",
        vec![
            (quarter_result::Column::Status, "submitted".into()),
            (
                quarter_result::Column::SubmittedBy,
                Some(actor.name.clone()).into(),
            ),
            (
                quarter_result::Column::SubmittedById,
                Some(actor.id.to_string()).into(),
            ),
            (quarter_result::Column::SubmittedAt, Some(now).into()),
        ],
        "submitted",
    )
    .await?;
    let v = view(&txn, r, now).await?;
    txn.commit().await?;
    Ok(v)
}

/// A leader (审定) approves a submitted result; never the person who computed or submitted it
/// (four eyes: Fenghua's results are 报经市政府领导审定).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction results.approve", db.operation = "results.approve"))]
pub async fn approve(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
) -> Result<ResultView, ApiError> {
    actor.require(&[Role::Leader])?;
    let txn = db.begin().await?;
    let current = quarter_result::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("result", id))?;
    let me = actor.id.to_string();
    if current.computed_by_id.as_deref() == Some(me.as_str())
        || current.submitted_by_id.as_deref() == Some(me.as_str())
    {
        return Err(ApiError::Forbidden {
            code: "separation_of_duties",
            message: format!(
                "result {id} was computed or submitted by you: a different person approves it (four eyes)"
            ),
        });
    }
    let r = advance(
        &txn,
        id,
        "submitted",
        vec![
            (quarter_result::Column::Status, "approved".into()),
            (
                quarter_result::Column::ApprovedBy,
                Some(actor.name.clone()).into(),
            ),
            (quarter_result::Column::ApprovedById, Some(me).into()),
            (quarter_result::Column::ApprovedAt, Some(now).into()),
        ],
        "approved",
    )
    .await?;
    let v = view(&txn, r, now).await?;
    txn.commit().await?;
    Ok(v)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnInput {
    /// What the assessor must look at again.
    pub reason: String,
}

/// A leader sends a submitted result back to draft with the reason.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction results.send_back", db.operation = "results.send_back"))]
pub async fn send_back(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
    input: ReturnInput,
) -> Result<ResultView, ApiError> {
    actor.require(&[Role::Leader])?;
    if input.reason.trim().is_empty() {
        return Err(ApiError::validation("reason", "say what to look at again"));
    }
    let txn = db.begin().await?;
    let r = advance(
        &txn,
        id,
        "submitted",
        vec![
            (quarter_result::Column::Status, "draft".into()),
            (quarter_result::Column::Reason, Some(input.reason).into()),
        ],
        "returned",
    )
    .await?;
    let v = view(&txn, r, now).await?;
    txn.commit().await?;
    Ok(v)
}

/// Publish an approved result (leader or assessor): it becomes immutable, the previous
/// published revision is superseded (kept), every department receives its own result (两个
/// 反馈), failing departments get a rectification order, a revision that lifts a department to
/// 60 or above closes its open order, and second rounds (二次考核) open where the system's
/// condition is met.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction results.publish", db.operation = "results.publish"))]
pub async fn publish(
    db: &DatabaseConnection,
    cal: &calendar::WorkCalendar,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
    office_email: &str,
) -> Result<ResultView, ApiError> {
    actor.require(&[Role::Leader, Role::Assessor])?;
    let txn = db.begin().await?;
    let r = advance(
        &txn,
        id,
        "approved",
        vec![
            (quarter_result::Column::Status, "published".into()),
            (quarter_result::Column::PublishedAt, Some(now).into()),
        ],
        "published",
    )
    .await?;
    quarter_result::Entity::update_many()
        .col_expr(quarter_result::Column::Status, Expr::value("superseded"))
        .filter(quarter_result::Column::Year.eq(r.year))
        .filter(quarter_result::Column::Quarter.eq(r.quarter))
        .filter(quarter_result::Column::Status.eq("published"))
        .filter(quarter_result::Column::Id.ne(id))
        .exec(&txn)
        .await?;
    let source_ref = format!("quarter:{}Q{}", r.year, r.quarter);
    let scores = department_score::Entity::find()
        .filter(department_score::Column::ResultId.eq(id))
        .all(&txn)
        .await?;
    for s in &scores {
        let total = s.total as f64 / 100.0;
        feedback(&txn, &r, s.department_id, total, &s.grade, now).await?;
        if s.grade == "fail" {
            let what = format!(
                "{}Q{} assessment published: {total:.2} points, 不合格 (below 60). A written rectification is due within {} working days.",
                r.year,
                r.quarter,
                scoring::RECTIFICATION_WORKING_DAYS
            );
            rectification::open(
                &txn,
                cal,
                "failing_score",
                &source_ref,
                s.department_id,
                now,
                &what,
            )
            .await?;
        } else {
            rectification::close_lifted(
                &txn,
                "failing_score",
                &source_ref,
                s.department_id,
                now,
                &format!(
                    "revision {} (result {id}) lifted the score to {total:.2}",
                    r.revision
                ),
            )
            .await?;
        }
        let reason = serde_json::from_str::<serde_json::Value>(&s.breakdown)
            .ok()
            .and_then(|b| {
                b.get("second_round_reason")
                    .and_then(|v| v.as_str())
                    .map(String::from)
            });
        if let Some(reason) = reason {
            crate::second_round::open(&txn, cal, &r, s, &reason, now, office_email).await?;
        }
    }
    let v = view(&txn, r, now).await?;
    txn.commit().await?;
    Ok(v)
}

/// Every unit receives its own published result (两个反馈), once per result.
async fn feedback<C: ConnectionTrait>(
    c: &C,
    r: &quarter_result::Model,
    department_id: i32,
    total: f64,
    grade: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let grade_zh = match grade {
        "excellent" => "优秀",
        "good" => "良好",
        "pass" => "合格",
        _ => "不合格",
    };
    outbox::enqueue(
        c,
        NewNotice {
            kind: "result_feedback",
            dedup_key: format!("result:{}:department:{department_id}", r.id),
            subject: format!(
                "[考核结果] {}年第{}季度绩效考核结果 / {}Q{} assessment result",
                r.year, r.quarter, r.year, r.quarter
            ),
            body: format!(
                "{}年第{}季度（第{}版）绩效考核结果已公布：{total:.2} 分，{grade_zh}。\n\n\
                 The {}Q{} assessment (revision {}) is published: {total:.2} points ({grade}). \
                 Every line of the score and the facts behind it are in the breakdown: \
                 GET /v1/results/{}.",
                r.year, r.quarter, r.revision, r.year, r.quarter, r.revision, r.id
            ),
            recipients: rectification::department_addresses(c, department_id).await?,
        },
        now,
    )
    .await?;
    Ok(())
}

/// Remind the assessment office before a quarter's publication is due, and flag it once
/// overdue; each notice once per quarter (outbox dedup keys).
pub async fn publication_reminders(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    due_day: u32,
    reminder_days: u32,
    office_email: &str,
) -> Result<serde_json::Value, ApiError> {
    let mut reminded = Vec::new();
    let mut overdue = Vec::new();
    // The quarter that ended most recently and the one before it.
    let last = Quarter::of(now).previous();
    for q in [last, last.previous()] {
        let Some(due) = publication_due(q.year, i32::from(q.q), due_day) else {
            continue;
        };
        let rows = quarter_result::Entity::find()
            .filter(quarter_result::Column::Year.eq(q.year))
            .filter(quarter_result::Column::Quarter.eq(i32::from(q.q)))
            .all(db)
            .await?;
        let published = rows
            .iter()
            .any(|r| matches!(r.status.as_str(), "published" | "superseded"));
        // The quarter before the last one is followed up only once work on it has begun (a
        // service started mid-year does not nag about quarters it never scored).
        if published || (q != last && rows.is_empty()) {
            continue;
        }
        let (kind, key, when) = if now > due {
            overdue.push(format!("{}Q{}", q.year, q.q));
            ("publication_overdue", "overdue", "is overdue since")
        } else if due - now <= chrono::Duration::days(i64::from(reminder_days)) {
            reminded.push(format!("{}Q{}", q.year, q.q));
            ("publication_reminder", "reminder", "is due by")
        } else {
            continue;
        };
        outbox::enqueue(
            db,
            NewNotice {
                kind,
                dedup_key: format!("publication:{}Q{}:{key}", q.year, q.q),
                subject: format!("[考核公布] {}Q{} publication {when} {}", q.year, q.q, local(due)),
                body: format!(
                    "{}年第{}季度考核结果应于 {} 前公布 (Fenghua: 下一季度第一个月上旬). The {}Q{} result {when} {} (Asia/Shanghai): compute, submit, have a leader approve and publish it.",
                    q.year, q.q, local(due), q.year, q.q, local(due)
                ),
                recipients: vec![office_email.to_string()],
            },
            now,
        )
        .await?;
    }
    Ok(serde_json::json!({"reminded": reminded, "overdue": overdue}))
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

pub async fn get(
    db: &DatabaseConnection,
    actor: &AuthUser,
    id: i32,
    now: DateTime<Utc>,
) -> Result<ResultView, ApiError> {
    let r = quarter_result::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("result", id))?;
    if !matches!(r.status.as_str(), "published" | "superseded") {
        actor.require(&INTERNAL_READERS)?;
    }
    view(db, r, now).await
}

/// Who may read results before they are published.
const INTERNAL_READERS: [Role; 3] = [Role::Assessor, Role::Supervisor, Role::Leader];

pub async fn list(
    db: &DatabaseConnection,
    actor: &AuthUser,
    year: Option<i32>,
    now: DateTime<Utc>,
) -> Result<Vec<ResultView>, ApiError> {
    let mut q = quarter_result::Entity::find();
    if let Some(y) = year {
        q = q.filter(quarter_result::Column::Year.eq(y));
    }
    if !INTERNAL_READERS.contains(&actor.role) {
        q = q.filter(quarter_result::Column::Status.is_in(["published", "superseded"]));
    }
    let mut out = Vec::new();
    for r in q
        .order_by_asc(quarter_result::Column::Year)
        .order_by_asc(quarter_result::Column::Quarter)
        .order_by_asc(quarter_result::Column::Revision)
        .all(db)
        .await?
    {
        out.push(view(db, r, now).await?);
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrendPoint {
    pub year: i32,
    pub quarter: i32,
    pub revision: i32,
    pub result_id: i32,
    pub total: f64,
    pub grade: String,
}

/// A department's published totals over the quarters, oldest first.
pub async fn trend(
    db: &DatabaseConnection,
    department_id: i32,
) -> Result<Vec<TrendPoint>, ApiError> {
    let published = quarter_result::Entity::find()
        .filter(quarter_result::Column::Status.eq("published"))
        .order_by_asc(quarter_result::Column::Year)
        .order_by_asc(quarter_result::Column::Quarter)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for r in published {
        if let Some(s) = department_score::Entity::find()
            .filter(department_score::Column::ResultId.eq(r.id))
            .filter(department_score::Column::DepartmentId.eq(department_id))
            .one(db)
            .await?
        {
            out.push(TrendPoint {
                year: r.year,
                quarter: r.quarter,
                revision: r.revision,
                result_id: r.id,
                total: s.total as f64 / 100.0,
                grade: s.grade,
            });
        }
    }
    Ok(out)
}
