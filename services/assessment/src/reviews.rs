//! Department self-assessment (部门自评) and cooperation peer review (协作互评), Liaocheng:
//! each quarter a department may submit its own score with evidence, and departments that
//! worked on the same bundled cases rate each other's cooperation. Both appear in the
//! breakdown; whether they count, and how much, is the indicator system's
//! `self_assessment_weight` / `peer_review_weight` (default 0: shown, not counted).
//!
//! Submitted by the department's own staff (reviewer or chief representative), once per
//! quarter, while the quarter's result is still open (a submitted, approved or published
//! result closes it: 409 `quarter_published`).

use chrono::{DateTime, Utc};
use platform::auth::{AuthUser, Role};
use platform::ApiError;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entities::{a_branch, peer_review, power_volume, self_assessment};
use crate::inputs::{ensure_open, short as text, to_points};
use crate::quarter::Quarter;

fn score_of(field: &str, v: f64) -> Result<i32, ApiError> {
    let p = to_points(field, v)?;
    if p > scoring::Points::HUNDRED {
        return Err(ApiError::validation(field, "must be 0–100"));
    }
    Ok(i32::try_from(p.centi()).unwrap_or(0))
}

/// The quarter has begun (its inputs can exist) and its result is still open.
async fn open_quarter<C: ConnectionTrait>(
    c: &C,
    year: i32,
    quarter: i64,
    now: DateTime<Utc>,
) -> Result<Quarter, ApiError> {
    let q = Quarter::new(year, quarter)?;
    if q.bounds().0 > now {
        return Err(ApiError::conflict(
            "quarter_not_started",
            format!("{}Q{} has not started", q.year, q.q),
        ));
    }
    ensure_open(c, q).await?;
    Ok(q)
}

fn own_department(actor: &AuthUser, department_id: i32) -> Result<(), ApiError> {
    actor.require(&[Role::Reviewer, Role::Approver])?;
    actor.require_department(department_id)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfAssessmentInput {
    pub department_id: i32,
    pub year: i32,
    pub quarter: i64,
    /// The department's own score, 0–100.
    pub score: f64,
    /// What the department did and found (自查报告), 1–4000 characters.
    pub summary: String,
    /// At least one evidence reference.
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SelfAssessment {
    pub id: i32,
    pub department_id: i32,
    pub year: i32,
    pub quarter: i32,
    pub score: f64,
    pub summary: String,
    pub evidence: Vec<String>,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
}

/// Submit the quarter's self-assessment (once).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction reviews.submit_self", db.operation = "reviews.submit_self"))]
pub async fn submit_self(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: SelfAssessmentInput,
) -> Result<SelfAssessment, ApiError> {
    own_department(actor, input.department_id)?;
    let score = score_of("score", input.score)?;
    let summary = text("summary", &input.summary, 4000)?;
    let evidence: Vec<String> = input
        .evidence
        .iter()
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
        .collect();
    if evidence.is_empty() {
        return Err(ApiError::validation(
            "evidence",
            "a self-assessment needs at least one piece of evidence",
        ));
    }
    let txn = db.begin().await?;
    let q = open_quarter(&txn, input.year, input.quarter, now).await?;
    let written = self_assessment::Entity::insert(self_assessment::ActiveModel {
        department_id: Set(input.department_id),
        year: Set(q.year),
        quarter: Set(i32::from(q.q)),
        score: Set(score),
        summary: Set(summary),
        evidence: Set(serde_json::to_string(&evidence).unwrap_or_default()),
        submitted_by: Set(actor.name.clone()),
        submitted_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            self_assessment::Column::DepartmentId,
            self_assessment::Column::Year,
            self_assessment::Column::Quarter,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if written == 0 {
        return Err(ApiError::conflict(
            "already_submitted",
            format!(
                "department {} has submitted its {}Q{} self-assessment",
                input.department_id, q.year, q.q
            ),
        ));
    }
    let m = self_assessment::Entity::find()
        .filter(self_assessment::Column::DepartmentId.eq(input.department_id))
        .filter(self_assessment::Column::Year.eq(q.year))
        .filter(self_assessment::Column::Quarter.eq(i32::from(q.q)))
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::Internal("self-assessment vanished".into()))?;
    txn.commit().await?;
    Ok(SelfAssessment {
        id: m.id,
        department_id: m.department_id,
        year: m.year,
        quarter: m.quarter,
        score: f64::from(m.score) / 100.0,
        summary: m.summary,
        evidence,
        submitted_by: m.submitted_by,
        submitted_at: m.submitted_at,
    })
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeerReviewInput {
    /// The rating department (the caller's own).
    pub from_department_id: i32,
    /// The department rated: it must have worked on a case of the quarter with the rater.
    pub to_department_id: i32,
    pub year: i32,
    pub quarter: i64,
    /// Cooperation score, 0–100.
    pub score: f64,
    pub comment: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeerReview {
    pub id: i32,
    pub from_department_id: i32,
    pub to_department_id: i32,
    pub year: i32,
    pub quarter: i32,
    pub score: f64,
    pub comment: String,
}

/// Rate a partner department's cooperation (once per pair and quarter).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction reviews.submit_peer", db.operation = "reviews.submit_peer"))]
pub async fn submit_peer(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: PeerReviewInput,
) -> Result<PeerReview, ApiError> {
    own_department(actor, input.from_department_id)?;
    if input.from_department_id == input.to_department_id {
        return Err(ApiError::validation(
            "to_department_id",
            "a department does not rate its own cooperation (that is the self-assessment)",
        ));
    }
    let score = score_of("score", input.score)?;
    let comment = text("comment", &input.comment, 2000)?;
    let txn = db.begin().await?;
    let q = open_quarter(&txn, input.year, input.quarter, now).await?;
    let (from, to) = q.bounds();
    let cases_of = |d: i32| {
        a_branch::Entity::find()
            .filter(a_branch::Column::DepartmentId.eq(d))
            .filter(a_branch::Column::OpenedAt.gte(from))
            .filter(a_branch::Column::OpenedAt.lt(to))
    };
    let mine: std::collections::HashSet<i32> = cases_of(input.from_department_id)
        .all(&txn)
        .await?
        .into_iter()
        .map(|b| b.case_id)
        .collect();
    let shared = cases_of(input.to_department_id)
        .all(&txn)
        .await?
        .iter()
        .any(|b| mine.contains(&b.case_id));
    if !shared {
        return Err(ApiError::Validation {
            code: "no_shared_bundle",
            errors: vec![platform::FieldError::new(
                "to_department_id",
                format!(
                    "department {} worked on no case of {}Q{} with department {}",
                    input.to_department_id, q.year, q.q, input.from_department_id
                ),
            )],
        });
    }
    let written = peer_review::Entity::insert(peer_review::ActiveModel {
        from_department_id: Set(input.from_department_id),
        to_department_id: Set(input.to_department_id),
        year: Set(q.year),
        quarter: Set(i32::from(q.q)),
        score: Set(score),
        comment: Set(comment.clone()),
        rated_by: Set(actor.name.clone()),
        rated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            peer_review::Column::FromDepartmentId,
            peer_review::Column::ToDepartmentId,
            peer_review::Column::Year,
            peer_review::Column::Quarter,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if written == 0 {
        return Err(ApiError::conflict(
            "already_rated",
            format!(
                "department {} has rated department {} for {}Q{}",
                input.from_department_id, input.to_department_id, q.year, q.q
            ),
        ));
    }
    let m = peer_review::Entity::find()
        .filter(peer_review::Column::FromDepartmentId.eq(input.from_department_id))
        .filter(peer_review::Column::ToDepartmentId.eq(input.to_department_id))
        .filter(peer_review::Column::Year.eq(q.year))
        .filter(peer_review::Column::Quarter.eq(i32::from(q.q)))
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::Internal("peer review vanished".into()))?;
    txn.commit().await?;
    Ok(PeerReview {
        id: m.id,
        from_department_id: m.from_department_id,
        to_department_id: m.to_department_id,
        year: m.year,
        quarter: m.quarter,
        score: f64::from(m.score) / 100.0,
        comment,
    })
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PowerVolumeInput {
    /// The power's code in the power list (权责清单).
    pub power_code: String,
    pub year: i32,
    pub quarter: i64,
    /// Cases the department reports handling for this power in the quarter, anywhere.
    pub count: u32,
    /// Where the figure comes from (the department's statistics report, its number).
    pub source: String,
}

/// Record the volume a department reports for one of its powers (for 电子监察覆盖率 and
/// 体外循环): the assessor enters it from the department's statistics; a second entry for the
/// same power and quarter replaces the first while the quarter is open.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction reviews.put_power_volume", db.operation = "reviews.put_power_volume"))]
pub async fn put_power_volume(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: PowerVolumeInput,
) -> Result<serde_json::Value, ApiError> {
    actor.require(&[Role::Assessor])?;
    let source = text("source", &input.source, 200)?;
    let txn = db.begin().await?;
    let q = open_quarter(&txn, input.year, input.quarter, now).await?;
    let power = crate::entities::a_power::Entity::find()
        .filter(crate::entities::a_power::Column::Code.eq(input.power_code.clone()))
        .one(&txn)
        .await?
        .ok_or_else(|| {
            ApiError::validation(
                "power_code",
                format!(
                    "no power `{}` in the power list (powers arrive through the approval feed)",
                    input.power_code
                ),
            )
        })?;
    power_volume::Entity::insert(power_volume::ActiveModel {
        department_id: Set(power.department_id),
        power_code: Set(power.code.clone()),
        year: Set(q.year),
        quarter: Set(i32::from(q.q)),
        count: Set(i64::from(input.count)),
        source: Set(source.clone()),
        entered_by: Set(actor.name.clone()),
        entered_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            power_volume::Column::PowerCode,
            power_volume::Column::Year,
            power_volume::Column::Quarter,
        ])
        .update_columns([
            power_volume::Column::Count,
            power_volume::Column::Source,
            power_volume::Column::EnteredBy,
            power_volume::Column::EnteredAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(serde_json::json!({
        "power_code": power.code, "department_id": power.department_id,
        "year": q.year, "quarter": q.q, "count": input.count, "source": source,
    }))
}
