//! Second assessment rounds (二次考核, Hohhot: windows with poor satisfaction are assessed a
//! second time). Publishing a result opens one for every unit that meets the indicator
//! system's dual condition ([`scoring::SecondRoundRule`]: total or satisfaction below its
//! threshold, both this product's defaults): a task for the assessors with a deadline
//! (`SECOND_ROUND_WORKING_DAYS` working days, this product's default 15). The assessor records
//! the second round's own result with evidence; the cadre API shows both rounds.

use chrono::{DateTime, Utc};
use platform::auth::{AuthUser, Role};
use platform::ApiError;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entities::{department_score, quarter_result, second_round};

/// Working days an assessor has for a second round (this product's default).
pub const SECOND_ROUND_WORKING_DAYS: u32 = 15;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SecondRound {
    pub id: i32,
    pub result_id: i32,
    pub year: i32,
    pub quarter: i32,
    pub department_id: i32,
    /// Why it opened, e.g. `satisfaction 82.00% below 90.00%`.
    pub reason: String,
    pub first_total: f64,
    pub due_at: DateTime<Utc>,
    /// `open` or `scored`.
    pub status: String,
    pub score: Option<f64>,
    pub evidence: Vec<String>,
    pub comment: Option<String>,
    pub scored_by: Option<String>,
    pub scored_at: Option<DateTime<Utc>>,
}

fn view(m: second_round::Model) -> SecondRound {
    SecondRound {
        id: m.id,
        result_id: m.result_id,
        year: m.year,
        quarter: m.quarter,
        department_id: m.department_id,
        reason: m.reason,
        first_total: f64::from(m.first_total) / 100.0,
        due_at: m.due_at,
        status: m.status,
        score: m.score.map(|s| f64::from(s) / 100.0),
        evidence: m
            .evidence
            .as_deref()
            .and_then(|e| serde_json::from_str(e).ok())
            .unwrap_or_default(),
        comment: m.comment,
        scored_by: m.scored_by,
        scored_at: m.scored_at,
    }
}

/// Open the round for this department and quarter (once).
pub async fn open<C: ConnectionTrait>(
    c: &C,
    cal: &calendar::WorkCalendar,
    r: &quarter_result::Model,
    s: &department_score::Model,
    reason: &str,
    now: DateTime<Utc>,
    office_email: &str,
) -> Result<(), ApiError> {
    let due = cal
        .deadline(now, SECOND_ROUND_WORKING_DAYS)
        .map_err(|e| ApiError::conflict("calendar_year_missing", e.to_string()))?;
    second_round::Entity::insert(second_round::ActiveModel {
        result_id: Set(r.id),
        year: Set(r.year),
        quarter: Set(r.quarter),
        department_id: Set(s.department_id),
        reason: Set(reason.to_string()),
        first_total: Set(i32::try_from(s.total).unwrap_or(0)),
        due_at: Set(due),
        status: Set("open".into()),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            second_round::Column::Year,
            second_round::Column::Quarter,
            second_round::Column::DepartmentId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(c)
    .await?;
    // The assessors' task: a notice to the assessment office, once per round.
    outbox::enqueue(
        c,
        outbox::NewNotice {
            kind: "second_round_opened",
            dedup_key: format!(
                "second_round:{}Q{}:department:{}",
                r.year, r.quarter, s.department_id
            ),
            subject: format!(
                "[二次考核] {}Q{} department {}: second assessment due {}",
                r.year,
                r.quarter,
                s.department_id,
                due.with_timezone(&chrono_tz::Asia::Shanghai)
                    .format("%Y-%m-%d %H:%M")
            ),
            body: format!(
                "{}年第{}季度：部门 {} 需进行二次考核（{reason}）。Record the second round's result with evidence by {} (Asia/Shanghai): POST /v1/second-rounds/{{id}}/result.",
                r.year,
                r.quarter,
                s.department_id,
                due.with_timezone(&chrono_tz::Asia::Shanghai)
                    .format("%Y-%m-%d %H:%M")
            ),
            recipients: vec![office_email.to_string()],
        },
        now,
    )
    .await?;
    Ok(())
}

/// Rounds of a department (or all), newest first. Internal readers and the org department.
pub async fn list<C: ConnectionTrait>(
    c: &C,
    actor: &AuthUser,
    department_id: Option<i32>,
) -> Result<Vec<SecondRound>, ApiError> {
    actor.require(&[
        Role::Assessor,
        Role::Leader,
        Role::Supervisor,
        Role::OrgDept,
    ])?;
    by_department(c, department_id).await
}

/// Rounds without a permission check (the cadre API shows them beside the first round).
pub async fn by_department<C: ConnectionTrait>(
    c: &C,
    department_id: Option<i32>,
) -> Result<Vec<SecondRound>, ApiError> {
    let mut q = second_round::Entity::find();
    if let Some(d) = department_id {
        q = q.filter(second_round::Column::DepartmentId.eq(d));
    }
    Ok(q.order_by_desc(second_round::Column::Id)
        .all(c)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondRoundScore {
    /// The second round's own result, 0–100.
    pub score: f64,
    /// At least one reference (inspection record, re-survey).
    pub evidence: Vec<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// The assessor records the second round's result (once).
pub async fn score(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
    input: SecondRoundScore,
) -> Result<SecondRound, ApiError> {
    actor.require(&[Role::Assessor])?;
    let points = crate::inputs::to_points("score", input.score)?;
    if points > scoring::Points::HUNDRED {
        return Err(ApiError::validation("score", "must be 0–100"));
    }
    if input.evidence.iter().all(|e| e.trim().is_empty()) {
        return Err(ApiError::validation(
            "evidence",
            "a second round's result needs its evidence",
        ));
    }
    let moved = second_round::Entity::update_many()
        .col_expr(second_round::Column::Status, Expr::value("scored"))
        .col_expr(
            second_round::Column::Score,
            Expr::value(Some(i32::try_from(points.centi()).unwrap_or(0))),
        )
        .col_expr(
            second_round::Column::Evidence,
            Expr::value(Some(
                serde_json::to_string(&input.evidence).unwrap_or_default(),
            )),
        )
        .col_expr(second_round::Column::Comment, Expr::value(input.comment))
        .col_expr(
            second_round::Column::ScoredBy,
            Expr::value(Some(actor.name.clone())),
        )
        .col_expr(second_round::Column::ScoredAt, Expr::value(Some(now)))
        .filter(second_round::Column::Id.eq(id))
        .filter(second_round::Column::Status.eq("open"))
        .exec(db)
        .await?;
    let m = second_round::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("second round", id))?;
    if moved.rows_affected != 1 {
        return Err(ApiError::conflict(
            "second_round_scored",
            format!("second round {id} already has its result"),
        ));
    }
    Ok(view(m))
}
