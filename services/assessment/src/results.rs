//! Quarterly results (季度考核): compute a draft from the facts and the entered inputs,
//! approve it, publish it. A published result is immutable (不可私改): a correction is a new
//! revision with its reason and author; publishing it supersedes the old one, which is kept.
//! Publishing a failing score opens a rectification order.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use platform::auth::{AuthUser, Role};
use platform::{ApiError, FieldError};
use scoring::{
    Adjustment, CoverageInput, DataExchangeInput, EfficiencyInput, FourLevel, FourLevelCounts,
    HaochaCounts, HaochaLevel, IndicatorSystem, ManualScore, Points, QuarterId, QuarterInputs,
    QuarterScore, SatisfactionInputs,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entities::{
    a_branch, a_department, adjustment, callback_answer, callback_sample, department_score,
    haocha_rating, manual_score, onsite_rating, quarter_result,
};
use crate::quarter::{local_date, Quarter};
use crate::{rectification, systems};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentResult {
    pub department_id: i32,
    pub department_name: Option<String>,
    /// Rank within the quarter, 1 = best.
    pub rank: usize,
    /// Out of 100, two decimals.
    pub total: f64,
    /// `fail` 不合格 (<60), `pass` 合格 (60–<80), `good` 良好 (80–<95), `excellent` 优秀 (≥95).
    pub grade: String,
    /// Every category's points with the inputs they came from (scoring::QuarterScore).
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
    /// `draft`, `approved`, `published`, `superseded`.
    pub status: String,
    /// Why this revision was made (corrections).
    pub reason: Option<String>,
    pub author: String,
    pub created_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    /// The working-day calendar version (the fingerprint of the holiday tables, office hours
    /// and fallback in use) the result was scored with; absent for results scored before
    /// versions were recorded.
    pub calendar_version: Option<String>,
    /// Ranked, best first.
    pub departments: Vec<DepartmentResult>,
}

fn four(level: &str, c: &mut FourLevelCounts) {
    match serde_json::from_value::<FourLevel>(serde_json::Value::String(level.into())) {
        Ok(FourLevel::VerySatisfied) => c.very_satisfied += 1,
        Ok(FourLevel::Satisfied) => c.satisfied += 1,
        Ok(FourLevel::Average) => c.average += 1,
        Ok(FourLevel::Dissatisfied) => c.dissatisfied += 1,
        Err(_) => {}
    }
}

fn five(level: &str, c: &mut HaochaCounts) {
    match serde_json::from_value::<HaochaLevel>(serde_json::Value::String(level.into())) {
        Ok(HaochaLevel::VerySatisfied) => c.very_satisfied += 1,
        Ok(HaochaLevel::Satisfied) => c.satisfied += 1,
        Ok(HaochaLevel::BasicallySatisfied) => c.basically_satisfied += 1,
        Ok(HaochaLevel::Dissatisfied) => c.dissatisfied += 1,
        Ok(HaochaLevel::VeryDissatisfied) => c.very_dissatisfied += 1,
        Err(_) => {}
    }
}

/// Gather every department's inputs for the quarter from the fact tables.
async fn gather<C: ConnectionTrait>(
    c: &C,
    q: Quarter,
    revision_id: i64,
) -> Result<BTreeMap<i32, QuarterInputs>, ApiError> {
    let (from, to) = q.bounds();
    let period = QuarterId {
        year: q.year,
        quarter: q.q,
        revision_id,
    };
    let mut out: BTreeMap<i32, QuarterInputs> = BTreeMap::new();
    let blank = |period: QuarterId| QuarterInputs {
        period,
        coverage: CoverageInput { should: 0, are: 0 },
        efficiency: EfficiencyInput {
            finished: 0,
            on_time: 0,
            early: 0,
        },
        data_exchange: DataExchangeInput {
            reported_in_time: 0,
            total: 0,
        },
        satisfaction: SatisfactionInputs::default(),
        case_volume: 0,
        manual: Vec::new(),
        bonuses: Vec::new(),
        deductions: Vec::new(),
    };
    let branches = a_branch::Entity::find()
        .filter(a_branch::Column::OpenedAt.lt(to))
        .filter(
            a_branch::Column::DecidedAt
                .is_null()
                .or(a_branch::Column::DecidedAt.gte(from)),
        )
        .all(c)
        .await?;
    let mut case_depts: BTreeMap<i32, BTreeSet<i32>> = BTreeMap::new();
    for b in &branches {
        case_depts
            .entry(b.case_id)
            .or_default()
            .insert(b.department_id);
        let i = out.entry(b.department_id).or_insert_with(|| blank(period));
        if q.contains(b.opened_at) {
            i.coverage.should += 1;
            i.case_volume += 1;
            if b.due_at.is_some() {
                i.coverage.are += 1;
            }
        }
        let finished = matches!(b.outcome.as_deref(), Some("approved") | Some("rejected"));
        if let (true, Some(decided)) = (finished, b.decided_at) {
            if q.contains(decided) {
                i.efficiency.finished += 1;
                // 数据交换: every decision made on the platform is reported as it is made, so
                // each finished branch is a record reported in real time. (Departments that
                // report from their own systems will send their delay with the event.)
                i.data_exchange.total += 1;
                i.data_exchange.reported_in_time += 1;
                if b.due_at.is_none_or(|d| decided <= d) {
                    i.efficiency.on_time += 1;
                    if b.due_at
                        .is_some_and(|d| local_date(decided) < local_date(d))
                    {
                        i.efficiency.early += 1;
                    }
                }
            }
        }
    }
    for r in onsite_rating::Entity::find()
        .filter(onsite_rating::Column::RatedAt.gte(from))
        .filter(onsite_rating::Column::RatedAt.lt(to))
        .all(c)
        .await?
    {
        four(
            &r.level,
            &mut out
                .entry(r.department_id)
                .or_insert_with(|| blank(period))
                .satisfaction
                .onsite,
        );
    }
    for r in haocha_rating::Entity::find()
        .filter(haocha_rating::Column::RatedAt.gte(from))
        .filter(haocha_rating::Column::RatedAt.lt(to))
        .all(c)
        .await?
    {
        let depts: Vec<i32> = match r.department_id {
            Some(d) => vec![d],
            None => case_depts
                .get(&r.case_id)
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default(),
        };
        for d in depts {
            five(
                &r.level,
                &mut out
                    .entry(d)
                    .or_insert_with(|| blank(period))
                    .satisfaction
                    .haocha,
            );
        }
    }
    let samples = callback_sample::Entity::find()
        .filter(callback_sample::Column::Year.eq(q.year))
        .filter(callback_sample::Column::Quarter.eq(q.q as i32))
        .all(c)
        .await?;
    for s in samples {
        for a in callback_answer::Entity::find()
            .filter(callback_answer::Column::SampleId.eq(s.id))
            .all(c)
            .await?
        {
            four(
                &a.level,
                &mut out
                    .entry(s.department_id)
                    .or_insert_with(|| blank(period))
                    .satisfaction
                    .callbacks,
            );
        }
    }
    for m in manual_score::Entity::find()
        .filter(manual_score::Column::Year.eq(q.year))
        .filter(manual_score::Column::Quarter.eq(q.q as i32))
        .all(c)
        .await?
    {
        out.entry(m.department_id)
            .or_insert_with(|| blank(period))
            .manual
            .push(ManualScore {
                category: m.category,
                points: Points::from_centi(m.points),
                evidence: serde_json::from_str(&m.evidence).unwrap_or_default(),
            });
    }
    for a in adjustment::Entity::find()
        .filter(adjustment::Column::Year.eq(q.year))
        .filter(adjustment::Column::Quarter.eq(q.q as i32))
        .all(c)
        .await?
    {
        let i = out.entry(a.department_id).or_insert_with(|| blank(period));
        let line = Adjustment {
            reason: a.reason,
            points: Points::from_centi(a.points),
        };
        if a.kind == "bonus" {
            i.bonuses.push(line);
        } else {
            i.deductions.push(line);
        }
    }
    Ok(out)
}

/// Score every department, or say what is missing for which department (422).
fn score_all(
    sys: &IndicatorSystem,
    inputs: BTreeMap<i32, QuarterInputs>,
) -> Result<Vec<(i32, QuarterScore)>, ApiError> {
    let mut scores = Vec::new();
    let mut errs = Vec::new();
    for (dept, i) in inputs {
        match scoring::score_quarter(sys, &i) {
            Ok(s) => scores.push((dept, s)),
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

async fn view<C: ConnectionTrait>(c: &C, r: quarter_result::Model) -> Result<ResultView, ApiError> {
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
    let departments = rows
        .into_iter()
        .enumerate()
        .map(|(n, s)| DepartmentResult {
            department_id: s.department_id,
            department_name: names.get(&s.department_id).cloned(),
            rank: n + 1,
            total: s.total as f64 / 100.0,
            grade: s.grade,
            breakdown: serde_json::from_str(&s.breakdown).unwrap_or_default(),
        })
        .collect();
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
        approved_by: r.approved_by,
        published_at: r.published_at,
        calendar_version: r.calendar_version,
        departments,
    })
}

async fn store_scores<C: ConnectionTrait>(
    c: &C,
    result_id: i32,
    scores: &[(i32, QuarterScore)],
) -> Result<(), ApiError> {
    department_score::Entity::delete_many()
        .filter(department_score::Column::ResultId.eq(result_id))
        .exec(c)
        .await?;
    for (dept, s) in scores {
        department_score::ActiveModel {
            result_id: Set(result_id),
            department_id: Set(*dept),
            total: Set(s.total.centi()),
            grade: Set(serde_json::to_value(s.grade)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default()),
            breakdown: Set(serde_json::to_string(s).unwrap_or_default()),
            ..Default::default()
        }
        .insert(c)
        .await?;
    }
    Ok(())
}

/// Compute (or recompute) the quarter's newest draft on the calendar `cal` (its version is
/// recorded). Refused when the newest result is approved or published: open a revision first.
pub async fn run(
    db: &DatabaseConnection,
    cal: &calendar::WorkCalendar,
    author: &str,
    now: DateTime<Utc>,
    q: Quarter,
) -> Result<ResultView, ApiError> {
    let calendar_version = crate::calendar_sync::fingerprint(cal);
    let txn = db.begin().await?;
    let existing = quarter_result::Entity::find()
        .filter(quarter_result::Column::Year.eq(q.year))
        .filter(quarter_result::Column::Quarter.eq(q.q as i32))
        .order_by_desc(quarter_result::Column::Revision)
        .all(&txn)
        .await?;
    // The newest revision decides: a draft is recomputed; an approved or published one is
    // locked (correct it with a revision); none yet → revision 1.
    let mut draft = match existing.into_iter().next() {
        Some(r) if r.status == "draft" => {
            quarter_result::Entity::update_many()
                .col_expr(
                    quarter_result::Column::CalendarVersion,
                    Expr::value(Some(calendar_version.clone())),
                )
                .filter(quarter_result::Column::Id.eq(r.id))
                .exec(&txn)
                .await?;
            r
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
                author: Set(author.into()),
                created_at: Set(now),
                calendar_version: Set(Some(calendar_version.clone())),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    draft.calendar_version = Some(calendar_version);
    let sys = systems::by_key(&txn, &draft.system_key).await?;
    let scores = score_all(&sys, gather(&txn, q, draft.id as i64).await?)?;
    store_scores(&txn, draft.id, &scores).await?;
    let v = view(&txn, draft).await?;
    txn.commit().await?;
    Ok(v)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionInput {
    /// Why the published (or approved) result is corrected.
    pub reason: String,
}

/// A correction: a new draft revision recomputed from today's inputs on the calendar `cal`,
/// with reason and author.
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
    if newest.status == "draft" {
        return Err(ApiError::conflict(
            "revision_pending",
            format!(
                "revision {} (result {}) is already in draft",
                newest.revision, newest.id
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
        created_at: Set(now),
        calendar_version: Set(Some(crate::calendar_sync::fingerprint(cal))),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let q = Quarter::new(base.year, base.quarter as i64)?;
    let scores = score_all(&sys, gather(&txn, q, rev.id as i64).await?)?;
    store_scores(&txn, rev.id, &scores).await?;
    let v = view(&txn, rev).await?;
    txn.commit().await?;
    Ok(v)
}

pub async fn approve(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
) -> Result<ResultView, ApiError> {
    actor.require(&[Role::Assessor, Role::Admin])?;
    let txn = db.begin().await?;
    let moved = quarter_result::Entity::update_many()
        .col_expr(quarter_result::Column::Status, Expr::value("approved"))
        .col_expr(
            quarter_result::Column::ApprovedBy,
            Expr::value(Some(actor.name.clone())),
        )
        .col_expr(quarter_result::Column::ApprovedAt, Expr::value(Some(now)))
        .filter(quarter_result::Column::Id.eq(id))
        .filter(quarter_result::Column::Status.eq("draft"))
        .exec(&txn)
        .await?;
    let r = quarter_result::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("result", id))?;
    if moved.rows_affected != 1 {
        return Err(ApiError::conflict(
            "result_status",
            format!("result {id} is {}; only a draft can be approved", r.status),
        ));
    }
    let v = view(&txn, r).await?;
    txn.commit().await?;
    Ok(v)
}

/// Publish an approved result: it becomes immutable, the previous published revision is
/// superseded (kept), and every failing department gets a rectification order.
pub async fn publish(
    db: &DatabaseConnection,
    cal: &calendar::WorkCalendar,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
) -> Result<ResultView, ApiError> {
    actor.require(&[Role::Assessor, Role::Admin])?;
    let txn = db.begin().await?;
    let moved = quarter_result::Entity::update_many()
        .col_expr(quarter_result::Column::Status, Expr::value("published"))
        .col_expr(quarter_result::Column::PublishedAt, Expr::value(Some(now)))
        .filter(quarter_result::Column::Id.eq(id))
        .filter(quarter_result::Column::Status.eq("approved"))
        .exec(&txn)
        .await?;
    let r = quarter_result::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("result", id))?;
    if moved.rows_affected != 1 {
        return Err(ApiError::conflict(
            "result_status",
            format!(
                "result {id} is {}; only an approved result can be published",
                r.status
            ),
        ));
    }
    quarter_result::Entity::update_many()
        .col_expr(quarter_result::Column::Status, Expr::value("superseded"))
        .filter(quarter_result::Column::Year.eq(r.year))
        .filter(quarter_result::Column::Quarter.eq(r.quarter))
        .filter(quarter_result::Column::Status.eq("published"))
        .filter(quarter_result::Column::Id.ne(id))
        .exec(&txn)
        .await?;
    let failing = department_score::Entity::find()
        .filter(department_score::Column::ResultId.eq(id))
        .filter(department_score::Column::Grade.eq("fail"))
        .all(&txn)
        .await?;
    for s in failing {
        let what = format!(
            "{}Q{} assessment published: {:.2} points, 不合格 (below 60). A written rectification is due within {} working days.",
            r.year,
            r.quarter,
            s.total as f64 / 100.0,
            scoring::RECTIFICATION_WORKING_DAYS
        );
        rectification::open(
            &txn,
            cal,
            "failing_score",
            &format!("quarter:{}Q{}", r.year, r.quarter),
            s.department_id,
            now,
            &what,
        )
        .await?;
    }
    let v = view(&txn, r).await?;
    txn.commit().await?;
    Ok(v)
}

pub async fn get(
    db: &DatabaseConnection,
    actor: &AuthUser,
    id: i32,
) -> Result<ResultView, ApiError> {
    let r = quarter_result::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("result", id))?;
    if !matches!(r.status.as_str(), "published" | "superseded") {
        actor.require(&[Role::Assessor, Role::Admin, Role::Supervisor])?;
    }
    view(db, r).await
}

pub async fn list(
    db: &DatabaseConnection,
    actor: &AuthUser,
    year: Option<i32>,
) -> Result<Vec<ResultView>, ApiError> {
    let mut q = quarter_result::Entity::find();
    if let Some(y) = year {
        q = q.filter(quarter_result::Column::Year.eq(y));
    }
    if !matches!(actor.role, Role::Assessor | Role::Admin | Role::Supervisor) {
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
        out.push(view(db, r).await?);
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
