//! What assessors and the public enter: manual indicator scores with evidence, bonus and
//! deduction items (加分项), on-the-spot ratings (现场评价器), 好差评 ratings (one per case and
//! applicant; a bad one opens a verification-and-rectification item), and third-party
//! callbacks (第三方回访) drawn reproducibly from a recorded seed.

use chrono::{DateTime, Utc};
use platform::auth::{AuthUser, Role};
use platform::ApiError;
use scoring::{CategorySource, FourLevel, HaochaLevel, Points};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entities::{
    a_branch, a_case, adjustment, callback_answer, callback_sample, haocha_rating, manual_score,
    onsite_rating, quarter_result,
};
use crate::quarter::Quarter;
use crate::{rectification, systems};

/// Refuse to change the inputs of a quarter whose newest result is approved or published
/// (不可私改). To correct one, an assessor first opens a revision (a new draft), which lets the
/// inputs change again until that revision is approved.
pub async fn ensure_open<C: ConnectionTrait>(c: &C, q: Quarter) -> Result<(), ApiError> {
    use sea_orm::QueryOrder;
    let newest = quarter_result::Entity::find()
        .filter(quarter_result::Column::Year.eq(q.year))
        .filter(quarter_result::Column::Quarter.eq(q.q as i32))
        .order_by_desc(quarter_result::Column::Revision)
        .one(c)
        .await?;
    if let Some(r) =
        newest.filter(|r| matches!(r.status.as_str(), "published" | "approved" | "submitted"))
    {
        return Err(ApiError::conflict(
            "quarter_published",
            format!("{}Q{} has a {} result (id {}): its inputs are frozen; open a revision (POST /v1/results/{}/revisions) to correct it", q.year, q.q, r.status, r.id, r.id),
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualScoreInput {
    pub department_id: i32,
    pub year: i32,
    /// 1–4.
    pub quarter: i64,
    /// A manual category of the indicator system: `standardisation`, `openness`, `quality`, `integrity`.
    pub category: String,
    /// Points, e.g. `13.5`, from 0 to the category's maximum (two decimals).
    pub points: f64,
    /// Evidence references (document numbers, file names): at least one.
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ManualScoreView {
    pub department_id: i32,
    pub year: i32,
    pub quarter: i32,
    pub category: String,
    pub points: f64,
    pub evidence: Vec<String>,
    pub entered_by: String,
    pub entered_at: DateTime<Utc>,
}

pub(crate) fn to_points(field: &str, v: f64) -> Result<Points, ApiError> {
    if !v.is_finite() || !(0.0..=1000.0).contains(&v) {
        return Err(ApiError::validation(
            field,
            "must be a number from 0 up to the maximum",
        ));
    }
    Ok(Points::from_centi((v * 100.0).round() as i64))
}

/// Refuse an id that is not a department of the approval service (422 naming `field`). The
/// local copy is refreshed once from the approval service before refusing, so a department
/// created a minute ago is known.
pub async fn ensure_department(
    state: &crate::state::AppState,
    id: i32,
    field: &str,
) -> Result<(), ApiError> {
    use crate::entities::a_department;
    if a_department::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .is_some()
    {
        return Ok(());
    }
    if let Err(e) = crate::feed::sync_departments(state).await {
        tracing::warn!(error = %e, "department sync failed while checking a department id");
    }
    match a_department::Entity::find_by_id(id).one(&state.db).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::validation(
            field,
            format!("department {id} is not a department of the approval service"),
        )),
    }
}

fn manual_key(department_id: i32, q: Quarter, category: &str) -> String {
    format!("{department_id}/{}Q{}/{category}", q.year, q.q)
}

async fn audit<C: ConnectionTrait>(
    c: &C,
    actor: &AuthUser,
    now: DateTime<Utc>,
    action: &str,
    key: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), ApiError> {
    use crate::entities::a_audit_log;
    a_audit_log::ActiveModel {
        at: Set(now),
        actor: Set(actor.name.clone()),
        action: Set(action.to_string()),
        entity: Set("manual_score".into()),
        entity_key: Set(key),
        before: Set(before.map(|v| v.to_string())),
        after: Set(after.map(|v| v.to_string())),
        ..Default::default()
    }
    .insert(c)
    .await?;
    Ok(())
}

fn manual_json(m: &manual_score::Model) -> serde_json::Value {
    serde_json::json!({
        "points": m.points as f64 / 100.0, "evidence": m.evidence,
        "entered_by": m.entered_by, "entered_at": m.entered_at,
    })
}

async fn find_manual<C: ConnectionTrait>(
    c: &C,
    department_id: i32,
    q: Quarter,
    category: &str,
) -> Result<Option<manual_score::Model>, ApiError> {
    Ok(manual_score::Entity::find()
        .filter(manual_score::Column::DepartmentId.eq(department_id))
        .filter(manual_score::Column::Year.eq(q.year))
        .filter(manual_score::Column::Quarter.eq(q.q as i32))
        .filter(manual_score::Column::Category.eq(category))
        .one(c)
        .await?)
}

/// Which manual score to withdraw.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ManualScoreKey {
    pub department_id: i32,
    pub year: i32,
    /// 1–4.
    pub quarter: i64,
    pub category: String,
}

/// Withdraw a manual score before its quarter is approved (assessor), audited with the row
/// withdrawn.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction inputs.withdraw_manual", db.operation = "inputs.withdraw_manual"))]
pub async fn withdraw_manual(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    key: ManualScoreKey,
) -> Result<(), ApiError> {
    actor.require(&[Role::Assessor])?;
    let q = Quarter::new(key.year, key.quarter)?;
    let txn = db.begin().await?;
    ensure_open(&txn, q).await?;
    let Some(row) = find_manual(&txn, key.department_id, q, &key.category).await? else {
        return Err(ApiError::not_found(
            "manual score",
            manual_key(key.department_id, q, &key.category),
        ));
    };
    manual_score::Entity::delete_many()
        .filter(manual_score::Column::Id.eq(row.id))
        .exec(&txn)
        .await?;
    audit(
        &txn,
        actor,
        now,
        "withdraw",
        manual_key(key.department_id, q, &key.category),
        Some(manual_json(&row)),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Enter or replace a manual score (assessor), checked against the quarter's system. A
/// replacement is a correction: the audit trail keeps the score it replaced.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction inputs.put_manual", db.operation = "inputs.put_manual"))]
pub async fn put_manual(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: ManualScoreInput,
) -> Result<ManualScoreView, ApiError> {
    actor.require(&[Role::Assessor])?;
    let q = Quarter::new(input.year, input.quarter)?;
    let (_, sys) = systems::for_year(db, q.year).await?;
    let cat = sys.category(&input.category).ok_or_else(|| {
        ApiError::validation(
            "category",
            format!(
                "`{}` is not a category of the system in force",
                input.category
            ),
        )
    })?;
    if !matches!(cat.source, CategorySource::Manual { .. }) {
        return Err(ApiError::validation(
            "category",
            format!("`{}` is computed from cases, not entered", input.category),
        ));
    }
    let points = to_points("points", input.points)?;
    let score = scoring::ManualScore {
        category: input.category.clone(),
        points,
        evidence: input.evidence.clone(),
    };
    score.validate(cat).map_err(|e| {
        let field = if score.has_evidence() {
            "points"
        } else {
            "evidence"
        };
        ApiError::validation(field, e.to_string())
    })?;
    let txn = db.begin().await?;
    ensure_open(&txn, q).await?;
    let before = find_manual(&txn, input.department_id, q, &input.category).await?;
    let am = manual_score::ActiveModel {
        department_id: Set(input.department_id),
        year: Set(q.year),
        quarter: Set(q.q as i32),
        category: Set(input.category.clone()),
        points: Set(points.centi()),
        evidence: Set(serde_json::to_string(&input.evidence).unwrap_or_default()),
        entered_by: Set(actor.name.clone()),
        entered_at: Set(now),
        ..Default::default()
    };
    manual_score::Entity::insert(am)
        .on_conflict(
            OnConflict::columns([
                manual_score::Column::DepartmentId,
                manual_score::Column::Year,
                manual_score::Column::Quarter,
                manual_score::Column::Category,
            ])
            .update_columns([
                manual_score::Column::Points,
                manual_score::Column::Evidence,
                manual_score::Column::EnteredBy,
                manual_score::Column::EnteredAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    audit(
        &txn,
        actor,
        now,
        if before.is_some() { "correct" } else { "enter" },
        manual_key(input.department_id, q, &input.category),
        before.as_ref().map(manual_json),
        Some(serde_json::json!({
            "points": points.centi() as f64 / 100.0, "evidence": input.evidence,
            "entered_by": actor.name, "entered_at": now,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(ManualScoreView {
        department_id: input.department_id,
        year: q.year,
        quarter: q.q as i32,
        category: input.category,
        points: points.centi() as f64 / 100.0,
        evidence: input.evidence,
        entered_by: actor.name.clone(),
        entered_at: now,
    })
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentInput {
    pub department_id: i32,
    pub year: i32,
    pub quarter: i64,
    /// `bonus` (加分项, e.g. innovation) or `deduction`.
    pub kind: String,
    /// Positive points, capped by the system when scored.
    pub points: f64,
    pub reason: String,
    /// The fact a deduction rests on (a record id such as `complaint:12`, or the number of the
    /// document that found it); required for a deduction.
    #[serde(default)]
    pub source: Option<String>,
}

#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction inputs.add_adjustment", db.operation = "inputs.add_adjustment"))]
pub async fn add_adjustment(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: AdjustmentInput,
) -> Result<serde_json::Value, ApiError> {
    actor.require(&[Role::Assessor])?;
    let q = Quarter::new(input.year, input.quarter)?;
    if !matches!(input.kind.as_str(), "bonus" | "deduction") {
        return Err(ApiError::validation(
            "kind",
            "must be `bonus` or `deduction`",
        ));
    }
    let points = to_points("points", input.points)?;
    if points.centi() == 0 {
        return Err(ApiError::validation("points", "must be more than 0"));
    }
    if input.reason.trim().is_empty() {
        return Err(ApiError::validation(
            "reason",
            "a bonus or deduction needs its reason",
        ));
    }
    let source = input
        .source
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if input.kind == "deduction" && source.is_none() {
        return Err(ApiError::Validation {
            code: "deduction_without_source",
            errors: vec![platform::FieldError::new(
                "source",
                "a deduction names the fact it rests on (record id or document number)",
            )],
        });
    }
    if source.as_ref().is_some_and(|s| s.chars().count() > 200) {
        return Err(ApiError::validation("source", "at most 200 characters"));
    }
    let txn = db.begin().await?;
    ensure_open(&txn, q).await?;
    let m = adjustment::ActiveModel {
        source: Set(source),
        department_id: Set(input.department_id),
        year: Set(q.year),
        quarter: Set(q.q as i32),
        kind: Set(input.kind),
        points: Set(points.centi()),
        reason: Set(input.reason),
        entered_by: Set(actor.name.clone()),
        entered_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(
        serde_json::json!({"id": m.id, "kind": m.kind, "points": m.points as f64 / 100.0, "reason": m.reason, "source": m.source}),
    )
}

fn parse_level<T: serde::de::DeserializeOwned>(field: &str, v: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(v.to_string()))
        .map_err(|_| ApiError::validation(field, format!("`{v}` is not a level of this scale")))
}

async fn known_case<C: ConnectionTrait>(c: &C, case_id: i32) -> Result<a_case::Model, ApiError> {
    a_case::Entity::find_by_id(case_id)
        .one(c)
        .await?
        .ok_or_else(|| {
            ApiError::validation(
                "case_id",
                format!("no case {case_id} (cases arrive through the approval feed)"),
            )
        })
}

async fn case_departments<C: ConnectionTrait>(c: &C, case_id: i32) -> Result<Vec<i32>, ApiError> {
    let mut d: Vec<i32> = a_branch::Entity::find()
        .filter(a_branch::Column::CaseId.eq(case_id))
        .all(c)
        .await?
        .into_iter()
        .map(|b| b.department_id)
        .collect();
    d.sort();
    d.dedup();
    Ok(d)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnsiteInput {
    pub case_id: i32,
    /// The window's department.
    pub department_id: i32,
    /// The window visit rated (the queue ticket, 取号号码): one rating per case and visit.
    pub visit_ref: String,
    /// 很满意 `very_satisfied` / 满意 `satisfied` / 一般 `average` / 不满意 `dissatisfied`.
    pub level: String,
    /// The device or channel (`evaluator` 评价器 by default, `pad`, `kiosk` …).
    #[serde(default)]
    pub channel: Option<String>,
    /// The window worker who served (staff register id; Xiangyang's evaluator rates the
    /// person): of the rated department and assigned to the hall today. A rating without one
    /// counts for the department only.
    #[serde(default)]
    pub staff_id: Option<i32>,
}

/// A trimmed text of 1–`max` characters, or 422 naming the field.
pub(crate) fn short(field: &str, v: &str, max: usize) -> Result<String, ApiError> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(ApiError::validation(
            field,
            format!("must be 1–{max} characters"),
        ));
    }
    Ok(v.to_string())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OnsiteResult {
    pub id: i32,
    /// `true` when this answers a retry with the same `Idempotency-Key` (nothing new written).
    pub replayed: bool,
}

/// An on-the-spot evaluator press (现场评价器), recorded by the window or an integration: one
/// per case and window visit (a second is 409 `already_rated`); a retry with the same
/// `Idempotency-Key` and body gets the first answer back.
pub async fn onsite(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    idempotency_key: Option<String>,
    input: OnsiteInput,
) -> Result<OnsiteResult, ApiError> {
    actor.require(&[Role::Clerk, Role::Assessor, Role::Service])?;
    let _: FourLevel = parse_level("level", &input.level)?;
    let visit = short("visit_ref", &input.visit_ref, 64)?;
    let channel = short(
        "channel",
        input.channel.as_deref().unwrap_or("evaluator"),
        32,
    )?;
    known_case(db, input.case_id).await?;
    if !case_departments(db, input.case_id)
        .await?
        .contains(&input.department_id)
    {
        return Err(ApiError::validation(
            "department_id",
            format!(
                "department {} has no branch in case {}",
                input.department_id, input.case_id
            ),
        ));
    }
    let today = now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    if let Some(sid) = input.staff_id {
        crate::people::check_person(db, sid, Some(input.department_id), today, "staff_id").await?;
    }
    let inserted = onsite_rating::Entity::insert(onsite_rating::ActiveModel {
        staff_id: Set(input.staff_id),
        case_id: Set(input.case_id),
        department_id: Set(input.department_id),
        level: Set(input.level.clone()),
        rated_at: Set(now),
        visit_ref: Set(Some(visit.clone())),
        channel: Set(Some(channel)),
        idempotency_key: Set(idempotency_key.clone()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            onsite_rating::Column::CaseId,
            onsite_rating::Column::VisitRef,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let row = onsite_rating::Entity::find()
        .filter(onsite_rating::Column::CaseId.eq(input.case_id))
        .filter(onsite_rating::Column::VisitRef.eq(visit.clone()))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::Internal("rating vanished".into()))?;
    if inserted == 1 {
        return Ok(OnsiteResult {
            id: row.id,
            replayed: false,
        });
    }
    let same = row.department_id == input.department_id && row.level == input.level;
    match (&idempotency_key, &row.idempotency_key) {
        (Some(k), Some(first)) if k == first && same => Ok(OnsiteResult {
            id: row.id,
            replayed: true,
        }),
        (Some(k), Some(first)) if k == first => Err(ApiError::conflict(
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different rating",
        )),
        _ => Err(ApiError::conflict(
            "already_rated",
            format!(
                "visit {visit} of case {} already has its on-the-spot rating",
                input.case_id
            ),
        )),
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HaochaInput {
    pub case_id: i32,
    /// The applicant's ID number or credit code: one rating per case and applicant.
    pub applicant_id: String,
    /// 非常满意 `very_satisfied` / 满意 `satisfied` / 基本满意 `basically_satisfied` /
    /// 不满意 `dissatisfied` / 非常不满意 `very_dissatisfied`.
    pub level: String,
    /// The department rated; omitted, the rating counts for every department of the case.
    #[serde(default)]
    pub department_id: Option<i32>,
    /// Where the applicant rated: `pc`, `app`, `sms`, `window`, `hotline`, `kiosk`.
    pub channel: String,
    /// The person rated, when known: of the rated department (`department_id` is then
    /// required) and assigned to the hall today.
    #[serde(default)]
    pub staff_id: Option<i32>,
}

/// The 好差评 channels (一网通办 PC, mobile app, SMS, window evaluator, 12345 hotline, kiosk).
pub const HAOCHA_CHANNELS: [&str; 6] = ["pc", "app", "sms", "window", "hotline", "kiosk"];

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HaochaResult {
    pub id: i32,
    /// A bad rating (差评) opens one verification-and-rectification item per department rated.
    pub rectification_ids: Vec<i32>,
}

/// A 好差评 rating (national five levels).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction inputs.haocha", db.operation = "inputs.haocha"))]
pub async fn haocha(
    db: &DatabaseConnection,
    cal: &calendar::WorkCalendar,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: HaochaInput,
) -> Result<HaochaResult, ApiError> {
    actor.require(&[Role::Assessor, Role::Service])?;
    let level: HaochaLevel = parse_level("level", &input.level)?;
    if input.applicant_id.trim().is_empty() || input.applicant_id.len() > 32 {
        return Err(ApiError::validation(
            "applicant_id",
            "must be 1–32 characters",
        ));
    }
    if !HAOCHA_CHANNELS.contains(&input.channel.as_str()) {
        return Err(ApiError::validation(
            "channel",
            format!("must be one of {}", HAOCHA_CHANNELS.join(", ")),
        ));
    }
    let key = platform::identity::applicant_key(&input.applicant_id);
    let txn = db.begin().await?;
    let case = known_case(&txn, input.case_id).await?;
    // One rating per case and applicant, and the applicant must be the case's own.
    if case.applicant_key.as_deref() != Some(key.as_str()) {
        return Err(ApiError::Validation {
            code: "not_the_applicant",
            errors: vec![platform::FieldError::new(
                "applicant_id",
                format!(
                    "is not the applicant of case {} (the ID number or credit code on the application)",
                    input.case_id
                ),
            )],
        });
    }
    let r = record_haocha(
        &txn,
        cal,
        now,
        Rating {
            case_id: input.case_id,
            key: &key,
            department_id: input.department_id,
            level,
            level_text: &input.level,
            channel: &input.channel,
            staff_id: input.staff_id,
            comment: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(r)
}

/// One 好差评 rating, its applicant already verified (by ID number, or on the public page by
/// case number and check code).
pub(crate) struct Rating<'a> {
    pub case_id: i32,
    /// `platform::identity::applicant_key` or `check_key`: who rates.
    pub key: &'a str,
    pub department_id: Option<i32>,
    pub level: HaochaLevel,
    pub level_text: &'a str,
    pub channel: &'a str,
    pub staff_id: Option<i32>,
    pub comment: Option<String>,
}

/// Record a rating: once per case, rater and department (`all` when it rates every department
/// of the case); a 差评 opens one verification-and-rectification item per department rated.
pub(crate) async fn record_haocha<C: ConnectionTrait>(
    txn: &C,
    cal: &calendar::WorkCalendar,
    now: DateTime<Utc>,
    r: Rating<'_>,
) -> Result<HaochaResult, ApiError> {
    let stored_id = format!(
        "{}:{}",
        r.key.chars().take(24).collect::<String>(),
        r.department_id
            .map_or_else(|| "all".to_string(), |d| d.to_string())
    );
    if let Some(sid) = r.staff_id {
        let Some(dept) = r.department_id else {
            return Err(ApiError::validation(
                "department_id",
                "a rating that names a person names the person's department too",
            ));
        };
        let today = now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
        crate::people::check_person(txn, sid, Some(dept), today, "staff_id").await?;
    }
    let depts = case_departments(txn, r.case_id).await?;
    let rated: Vec<i32> = match r.department_id {
        Some(d) if depts.contains(&d) => vec![d],
        Some(d) => {
            return Err(ApiError::validation(
                "department_id",
                format!("department {d} has no branch in case {}", r.case_id),
            ))
        }
        None => depts,
    };
    let res = haocha_rating::Entity::insert(haocha_rating::ActiveModel {
        case_id: Set(r.case_id),
        applicant_id: Set(stored_id.clone()),
        department_id: Set(r.department_id),
        level: Set(r.level_text.to_string()),
        rated_at: Set(now),
        channel: Set(Some(r.channel.to_string())),
        staff_id: Set(r.staff_id),
        comment: Set(r.comment),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            haocha_rating::Column::CaseId,
            haocha_rating::Column::ApplicantId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    if res == 0 {
        return Err(ApiError::conflict(
            "already_rated",
            format!(
                "case {} was already rated by this applicant for this department",
                r.case_id
            ),
        ));
    }
    let row = haocha_rating::Entity::find()
        .filter(haocha_rating::Column::CaseId.eq(r.case_id))
        .filter(haocha_rating::Column::ApplicantId.eq(stored_id))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::Internal("rating vanished".into()))?;
    let mut rectification_ids = Vec::new();
    if scoring::bad_rating(r.level) {
        for d in rated {
            let id = rectification::open(txn, cal, "bad_rating", &format!("haocha:{}", row.id), d, now, "差评: verify the complaint, rectify within 15 working days and call the applicant back").await?;
            rectification_ids.push(id);
        }
    }
    Ok(HaochaResult {
        id: row.id,
        rectification_ids,
    })
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SampleInput {
    pub department_id: i32,
    pub year: i32,
    pub quarter: i64,
    /// At least 30 (default 30); fewer when the department had fewer applicants.
    #[serde(default)]
    pub size: Option<usize>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SampleView {
    pub id: i32,
    pub department_id: i32,
    pub year: i32,
    pub quarter: i32,
    /// The seed, derived by the service from `seed_basis` before the draw (nobody chooses
    /// it): the same seed over the same population draws the same cases.
    pub seed: u64,
    /// `callback:<year>Q<q>:department:<id>:feed:<feed head>`; SHA-256 of it, first 8 bytes.
    pub seed_basis: Option<String>,
    pub drawn_by: String,
    pub population: i32,
    pub case_ids: Vec<i64>,
    pub answered: u64,
}

/// Draw the quarter's callback sample (第三方回访) for a department, once.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction inputs.draw_sample", db.operation = "inputs.draw_sample"))]
pub async fn draw_sample(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: SampleInput,
) -> Result<SampleView, ApiError> {
    actor.require(&[Role::Assessor])?;
    let q = Quarter::new(input.year, input.quarter)?;
    let (_, quarter_end) = q.bounds();
    if now < quarter_end {
        return Err(ApiError::conflict(
            "quarter_not_ended",
            format!(
                "{}Q{} has not ended: its callback sample is drawn from the whole quarter",
                q.year, q.q
            ),
        ));
    }
    let size = input.size.unwrap_or(scoring::MIN_CALLBACKS as usize);
    if size < scoring::MIN_CALLBACKS as usize || size > 1000 {
        return Err(ApiError::validation(
            "size",
            format!(
                "must be {}–1000 (at least {} applicants per unit)",
                scoring::MIN_CALLBACKS,
                scoring::MIN_CALLBACKS
            ),
        ));
    }
    let (from, to) = q.bounds();
    let mut population: Vec<i64> = a_branch::Entity::find()
        .filter(a_branch::Column::DepartmentId.eq(input.department_id))
        .filter(a_branch::Column::OpenedAt.gte(from))
        .filter(a_branch::Column::OpenedAt.lt(to))
        .select_only()
        .column(a_branch::Column::CaseId)
        .into_tuple::<i32>()
        .all(db)
        .await?
        .into_iter()
        .map(i64::from)
        .collect();
    population.sort();
    population.dedup();
    let txn = db.begin().await?;
    ensure_open(&txn, q).await?;
    // The seed is committed before the draw: derived from the quarter, the department and
    // the feed head, all recorded with the sample.
    let feed_seq = crate::entities::feed_cursor::Entity::find()
        .one(&txn)
        .await?
        .map_or(0, |c| c.last_seq);
    let basis = format!(
        "callback:{}Q{}:department:{}:feed:{feed_seq}",
        q.year, q.q, input.department_id
    );
    let seed = platform::identity::derived_seed(&basis);
    let case_ids = scoring::draw_sample(&population, size, seed);
    let res = callback_sample::Entity::insert(callback_sample::ActiveModel {
        department_id: Set(input.department_id),
        year: Set(q.year),
        quarter: Set(q.q as i32),
        seed: Set(seed as i64),
        population: Set(population.len() as i32),
        case_ids: Set(serde_json::to_string(&case_ids).unwrap_or_default()),
        drawn_at: Set(now),
        drawn_by: Set(actor.name.clone()),
        seed_basis: Set(Some(basis)),
        feed_seq: Set(Some(feed_seq)),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            callback_sample::Column::DepartmentId,
            callback_sample::Column::Year,
            callback_sample::Column::Quarter,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if res == 0 {
        return Err(ApiError::conflict(
            "already_drawn",
            format!(
                "the {}Q{} sample of department {} is drawn already",
                q.year, q.q, input.department_id
            ),
        ));
    }
    txn.commit().await?;
    let m = callback_sample::Entity::find()
        .filter(callback_sample::Column::DepartmentId.eq(input.department_id))
        .filter(callback_sample::Column::Year.eq(q.year))
        .filter(callback_sample::Column::Quarter.eq(q.q as i32))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::Internal("sample vanished".into()))?;
    sample_view(db, m).await
}

async fn sample_view<C: ConnectionTrait>(
    c: &C,
    m: callback_sample::Model,
) -> Result<SampleView, ApiError> {
    let answered = callback_answer::Entity::find()
        .filter(callback_answer::Column::SampleId.eq(m.id))
        .count(c)
        .await?;
    Ok(SampleView {
        id: m.id,
        department_id: m.department_id,
        year: m.year,
        quarter: m.quarter,
        seed: m.seed as u64,
        seed_basis: m.seed_basis,
        drawn_by: m.drawn_by,
        population: m.population,
        case_ids: serde_json::from_str(&m.case_ids).unwrap_or_default(),
        answered,
    })
}

/// Who may see a sample (and so the cases that will be called): assessors and the call centre.
const SAMPLE_READERS: [Role; 2] = [Role::Assessor, Role::Callcenter];

pub async fn get_sample(
    db: &DatabaseConnection,
    actor: &AuthUser,
    id: i32,
) -> Result<SampleView, ApiError> {
    actor.require(&SAMPLE_READERS)?;
    let m = callback_sample::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("callback sample", id))?;
    sample_view(db, m).await
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallbackAnswerInput {
    pub case_id: i64,
    /// On the four-level scale: `very_satisfied`, `satisfied`, `average`, `dissatisfied`.
    pub level: String,
    /// What the applicant said.
    #[serde(default)]
    pub comment: Option<String>,
    /// 意见建议: the applicant's suggestions.
    #[serde(default)]
    pub suggestion: Option<String>,
}

fn optional_text(field: &str, v: Option<String>) -> Result<Option<String>, ApiError> {
    match v.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()) {
        Some(t) if t.chars().count() > 2000 => {
            Err(ApiError::validation(field, "at most 2000 characters"))
        }
        other => Ok(other),
    }
}

/// Record one callback answer for a sampled case: entered by the call centre (`callcenter`),
/// never by the assessor who drew the sample.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction inputs.answer", db.operation = "inputs.answer"))]
pub async fn answer(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    sample_id: i32,
    input: CallbackAnswerInput,
) -> Result<SampleView, ApiError> {
    actor.require(&[Role::Callcenter])?;
    let _: FourLevel = parse_level("level", &input.level)?;
    let comment = optional_text("comment", input.comment)?;
    let suggestion = optional_text("suggestion", input.suggestion)?;
    let sample = callback_sample::Entity::find_by_id(sample_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("callback sample", sample_id))?;
    let ids: Vec<i64> = serde_json::from_str(&sample.case_ids).unwrap_or_default();
    if !ids.contains(&input.case_id) {
        return Err(ApiError::validation(
            "case_id",
            format!("case {} is not in this sample", input.case_id),
        ));
    }
    let txn = db.begin().await?;
    ensure_open(&txn, Quarter::new(sample.year, sample.quarter as i64)?).await?;
    let res = callback_answer::Entity::insert(callback_answer::ActiveModel {
        sample_id: Set(sample_id),
        case_id: Set(input.case_id as i32),
        level: Set(input.level),
        answered_at: Set(now),
        comment: Set(comment),
        suggestion: Set(suggestion),
        answered_by: Set(Some(actor.name.clone())),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            callback_answer::Column::SampleId,
            callback_answer::Column::CaseId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if res == 0 {
        return Err(ApiError::conflict(
            "already_answered",
            format!("case {} of this sample has its answer", input.case_id),
        ));
    }
    txn.commit().await?;
    sample_view(db, sample).await
}
