//! What the public sees of the assessment (no login): the applicant's own 好差评 rating after a
//! decision, per department of the case, with the answer to a 差评 (整改反馈, as the national
//! 好差评 rules require a reply to the rater); and the published quarterly ranking (Fenghua
//! publishes its results in the local newspaper).
//!
//! The applicant proves the case is theirs with the case number and a check code only they
//! know (the last 6 characters of the ID number or credit code): the feed carries
//! `check_key` = `platform::identity::check_key(case_no, check)`, never the code itself. A wrong
//! code and an unknown case get the same answer. Ratings from here are recorded with channel
//! `public`; every answer is rate-limited per client address.

use chrono::{DateTime, Utc};
use platform::{ApiError, FieldError};
use scoring::HaochaLevel;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entities::{
    a_branch, a_case, a_department, department_score, haocha_rating, quarter_result, rectification,
};
use crate::inputs::{record_haocha, HaochaResult, Rating};

/// The one answer for a wrong check code and an unknown case.
pub fn not_found() -> ApiError {
    ApiError::NotFound {
        resource: "case",
        id: "with this number and check code (没有与该受理编号和校验码匹配的办件)".into(),
    }
}

/// The case, if `check` is its applicant's code.
pub async fn verified_case<C: ConnectionTrait>(
    c: &C,
    case_no: &str,
    check: &str,
) -> Result<a_case::Model, ApiError> {
    let case_no = case_no.trim();
    if case_no.is_empty() || case_no.len() > 64 || check.trim().is_empty() || check.len() > 32 {
        return Err(not_found());
    }
    let key = platform::identity::check_key(case_no, check);
    a_case::Entity::find()
        .filter(a_case::Column::CaseNo.eq(case_no))
        .one(c)
        .await?
        .filter(|m| m.check_key.as_deref() == Some(key.as_str()))
        .ok_or_else(not_found)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseCheck {
    pub case_no: String,
    /// The last 6 characters of the applicant's ID number or credit code.
    pub check: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reply {
    /// `open`, `submitted`, `accepted`, `returned`, `escalated`, `closed`.
    pub status: String,
    /// What the department answered (its rectification text), once submitted.
    pub answer: Option<String>,
    /// The supervisor's note on the answer.
    pub note: Option<String>,
    pub due_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentStatus {
    pub department_id: i32,
    pub department_name: Option<String>,
    /// `approved`, `rejected`, or null while undecided: rating opens after the decision.
    pub outcome: Option<String>,
    /// The rating given from this channel, if any.
    pub rating: Option<String>,
    pub rated_at: Option<DateTime<Utc>>,
    pub comment: Option<String>,
    /// The answer to a 差评 (整改反馈).
    pub reply: Option<Reply>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseRatings {
    pub case_no: String,
    pub departments: Vec<DepartmentStatus>,
}

fn stored_id(key: &str, department_id: i32) -> String {
    format!(
        "{}:{department_id}",
        key.chars().take(24).collect::<String>()
    )
}

/// Each department of the case: decided or not, the applicant's rating and its reply.
pub async fn status(db: &DatabaseConnection, input: &CaseCheck) -> Result<CaseRatings, ApiError> {
    let case = verified_case(db, &input.case_no, &input.check).await?;
    let key = case.check_key.clone().unwrap_or_default();
    let names: std::collections::BTreeMap<i32, String> = a_department::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.department_id, d.name))
        .collect();
    let mut departments = Vec::new();
    for b in a_branch::Entity::find()
        .filter(a_branch::Column::CaseId.eq(case.case_id))
        .order_by_asc(a_branch::Column::DepartmentId)
        .all(db)
        .await?
    {
        let rating = haocha_rating::Entity::find()
            .filter(haocha_rating::Column::CaseId.eq(case.case_id))
            .filter(haocha_rating::Column::ApplicantId.eq(stored_id(&key, b.department_id)))
            .one(db)
            .await?;
        let reply = match &rating {
            Some(r) => rectification::Entity::find()
                .filter(rectification::Column::Kind.eq("bad_rating"))
                .filter(rectification::Column::SourceRef.eq(format!("haocha:{}", r.id)))
                .filter(rectification::Column::DepartmentId.eq(b.department_id))
                .one(db)
                .await?
                .map(|o| Reply {
                    status: o.status,
                    answer: o.text,
                    note: o.decision_note,
                    due_at: o.due_at,
                }),
            None => None,
        };
        departments.push(DepartmentStatus {
            department_id: b.department_id,
            department_name: names.get(&b.department_id).cloned(),
            outcome: b.outcome.filter(|o| o == "approved" || o == "rejected"),
            rating: rating.as_ref().map(|r| r.level.clone()),
            rated_at: rating.as_ref().map(|r| r.rated_at),
            comment: rating.and_then(|r| r.comment),
            reply,
        });
    }
    Ok(CaseRatings {
        case_no: case.case_no,
        departments,
    })
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicRatingInput {
    pub case_no: String,
    /// The last 6 characters of the applicant's ID number or credit code.
    pub check: String,
    pub department_id: i32,
    /// 非常满意 `very_satisfied` / 满意 `satisfied` / 基本满意 `basically_satisfied` /
    /// 不满意 `dissatisfied` / 非常不满意 `very_dissatisfied`.
    pub level: String,
    /// At most 500 characters.
    #[serde(default)]
    pub comment: Option<String>,
}

/// The applicant rates one department of their case, after its decision, once.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction public.rate", db.operation = "public.rate"))]
pub async fn rate(
    db: &DatabaseConnection,
    cal: &calendar::WorkCalendar,
    now: DateTime<Utc>,
    input: PublicRatingInput,
) -> Result<HaochaResult, ApiError> {
    let level: HaochaLevel = serde_json::from_value(serde_json::Value::String(input.level.clone()))
        .map_err(|_| {
            ApiError::validation("level", format!("`{}` is not a 好差评 level", input.level))
        })?;
    let comment = match input.comment.map(|c| c.trim().to_string()) {
        Some(c) if c.chars().count() > 500 => {
            return Err(ApiError::validation("comment", "at most 500 characters"))
        }
        Some(c) if c.is_empty() => None,
        other => other,
    };
    if let Some(c) = &comment {
        platform::text::check("comment", c)?;
    }
    let txn = db.begin().await?;
    let case = verified_case(&txn, &input.case_no, &input.check).await?;
    let branch = a_branch::Entity::find()
        .filter(a_branch::Column::CaseId.eq(case.case_id))
        .filter(a_branch::Column::DepartmentId.eq(input.department_id))
        .one(&txn)
        .await?
        .ok_or_else(|| {
            ApiError::validation(
                "department_id",
                format!(
                    "department {} has no part in this case",
                    input.department_id
                ),
            )
        })?;
    if !matches!(
        branch.outcome.as_deref(),
        Some("approved") | Some("rejected")
    ) {
        return Err(ApiError::Conflict {
            code: "not_decided",
            message:
                "this department has not decided yet: rating opens after the decision (办结后评价)"
                    .into(),
            field: Some("department_id".into()),
        });
    }
    let key = case.check_key.clone().unwrap_or_default();
    let r = record_haocha(
        &txn,
        cal,
        now,
        Rating {
            case_id: case.case_id,
            key: &key,
            department_id: Some(input.department_id),
            level,
            level_text: &input.level,
            channel: "public",
            staff_id: None,
            comment,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(r)
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicRank {
    pub rank: usize,
    pub department_id: i32,
    pub department_name: Option<String>,
    pub total: f64,
    /// 优秀 / 良好 / 合格 / 不合格.
    pub grade: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicResult {
    pub year: i32,
    pub quarter: i32,
    pub revision: i32,
    pub published_at: Option<DateTime<Utc>>,
    pub ranking: Vec<PublicRank>,
}

fn grade_zh(g: &str) -> &'static str {
    match g {
        "excellent" => "优秀",
        "good" => "良好",
        "pass" => "合格",
        _ => "不合格",
    }
}

/// Published quarterly rankings, newest first (superseded revisions are not shown).
pub async fn results(db: &DatabaseConnection) -> Result<Vec<PublicResult>, ApiError> {
    let names: std::collections::BTreeMap<i32, String> = a_department::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.department_id, d.name))
        .collect();
    let mut out = Vec::new();
    for r in quarter_result::Entity::find()
        .filter(quarter_result::Column::Status.eq("published"))
        .order_by_desc(quarter_result::Column::Year)
        .order_by_desc(quarter_result::Column::Quarter)
        .all(db)
        .await?
    {
        let rows = department_score::Entity::find()
            .filter(department_score::Column::ResultId.eq(r.id))
            .order_by_desc(department_score::Column::Total)
            .order_by_asc(department_score::Column::DepartmentId)
            .all(db)
            .await?;
        let totals: Vec<scoring::Points> = rows
            .iter()
            .map(|s| scoring::Points::from_centi(s.total))
            .collect();
        let ranks = scoring::competition_ranks(&totals);
        out.push(PublicResult {
            year: r.year,
            quarter: r.quarter,
            revision: r.revision,
            published_at: r.published_at,
            ranking: rows
                .into_iter()
                .zip(ranks)
                .map(|(s, rank)| PublicRank {
                    rank,
                    department_id: s.department_id,
                    department_name: names.get(&s.department_id).cloned(),
                    total: s.total as f64 / 100.0,
                    grade: grade_zh(&s.grade).to_string(),
                })
                .collect(),
        });
    }
    Ok(out)
}

/// A field error for the form pages.
pub fn first_error(e: &ApiError) -> String {
    match e {
        ApiError::Validation { errors, .. } => errors
            .first()
            .map(|f: &FieldError| format!("{}: {}", f.field, f.message))
            .unwrap_or_default(),
        other => other.to_string(),
    }
}
