//! Cadre evaluation weighting (干部考核): what organization departments pull into leadership
//! evaluation. Weighting schemes are data (presets: Hohhot 35 %, Qingyang 10 points); every
//! figure carries its provenance (scheme and version, quarters and revisions, indicator
//! contributions, thresholds applied).
//!
//! Staff daily record (this product's reading of "daily record from the cases they handled"):
//! 100 × (actions on time ÷ actions) over the reviews and decisions the person made in the
//! year, minus 2 points per yellow or red card on a branch they acted on and 2 points per bad
//! rating (差评) of a case they handled, floored at 0. The year-end review is entered by an
//! assessor. Qingyang weighs them 70 % / 30 %.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use platform::auth::{AuthUser, Role};
use platform::{ApiError, FieldError};
use scoring::{Points, QuarterScore, WeightingScheme};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entities::{
    a_department, department_score, quarter_result, staff_action, staff_review, staff_year,
    weighting_scheme,
};

/// Seed the two presets (version 1) once.
pub async fn seed_presets<C: ConnectionTrait>(
    c: &C,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    for s in [WeightingScheme::hohhot(), WeightingScheme::qingyang()] {
        weighting_scheme::Entity::insert(weighting_scheme::ActiveModel {
            key: Set(s.key.clone()),
            version: Set(s.version as i32),
            definition: Set(serde_json::to_string(&s).unwrap_or_default()),
            created_at: Set(now),
            created_by: Set("system".into()),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                weighting_scheme::Column::Key,
                weighting_scheme::Column::Version,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(c)
        .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SchemeView {
    pub key: String,
    pub version: i32,
    /// The scheme (scoring::WeightingScheme): `kind` `hohhot` or `qingyang` with its parameters.
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

fn scheme_view(m: weighting_scheme::Model) -> SchemeView {
    SchemeView {
        key: m.key,
        version: m.version,
        definition: serde_json::from_str(&m.definition).unwrap_or_default(),
        created_at: m.created_at,
        created_by: m.created_by,
    }
}

pub async fn list_schemes(db: &DatabaseConnection) -> Result<Vec<SchemeView>, ApiError> {
    Ok(weighting_scheme::Entity::find()
        .order_by_asc(weighting_scheme::Column::Key)
        .order_by_asc(weighting_scheme::Column::Version)
        .all(db)
        .await?
        .into_iter()
        .map(scheme_view)
        .collect())
}

/// Add a scheme, or a new version of one (system administrator); its weights must add up.
pub async fn create_scheme(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    definition: serde_json::Value,
) -> Result<SchemeView, ApiError> {
    actor.require(&[Role::Sysadmin])?;
    let s: WeightingScheme = platform::json::parse_json(definition.to_string().as_bytes())?;
    s.validate()
        .map_err(|e| ApiError::validation("kind", e.to_string()))?;
    if s.key.trim().is_empty() || s.key.len() > 64 {
        return Err(ApiError::validation("key", "must be 1–64 characters"));
    }
    let exists = weighting_scheme::Entity::find()
        .filter(weighting_scheme::Column::Key.eq(s.key.as_str()))
        .filter(weighting_scheme::Column::Version.eq(s.version as i32))
        .count(db)
        .await?
        > 0;
    if exists {
        return Err(ApiError::conflict_on(
            "duplicate_version",
            "version",
            format!(
                "scheme {} version {} exists; publish a new version",
                s.key, s.version
            ),
        ));
    }
    let m = weighting_scheme::ActiveModel {
        key: Set(s.key.clone()),
        version: Set(s.version as i32),
        definition: Set(serde_json::to_string(&s).unwrap_or_default()),
        created_at: Set(now),
        created_by: Set(actor.name.clone()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(scheme_view(m))
}

/// The newest version of a scheme, or 404 naming it.
pub async fn scheme<C: ConnectionTrait>(c: &C, key: &str) -> Result<WeightingScheme, ApiError> {
    let m = weighting_scheme::Entity::find()
        .filter(weighting_scheme::Column::Key.eq(key))
        .order_by_desc(weighting_scheme::Column::Version)
        .one(c)
        .await?
        .ok_or_else(|| ApiError::Validation {
            code: "unknown_scheme",
            errors: vec![FieldError::new(
                "scheme",
                format!("no weighting scheme `{key}` (try hohhot or qingyang)"),
            )],
        })?;
    serde_json::from_str(&m.definition)
        .map_err(|e| ApiError::Internal(format!("stored scheme {key}: {e}")))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffReviewInput {
    pub user_id: i32,
    pub department_id: i32,
    pub year: i32,
    /// Year-end review points, 0–100.
    pub points: f64,
    pub comment: String,
}

pub async fn put_review(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: StaffReviewInput,
) -> Result<serde_json::Value, ApiError> {
    actor.require(&[Role::Assessor])?;
    if !(2000..=2100).contains(&input.year) {
        return Err(ApiError::validation("year", "must be 2000–2100"));
    }
    if !input.points.is_finite() || !(0.0..=100.0).contains(&input.points) {
        return Err(ApiError::validation("points", "must be 0–100"));
    }
    if input.comment.trim().is_empty() {
        return Err(ApiError::validation("comment", "say what the review found"));
    }
    let points = (input.points * 100.0).round() as i64;
    staff_review::Entity::insert(staff_review::ActiveModel {
        user_id: Set(input.user_id),
        department_id: Set(input.department_id),
        year: Set(input.year),
        points: Set(points),
        comment: Set(input.comment),
        entered_by: Set(actor.name.clone()),
        entered_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([staff_review::Column::UserId, staff_review::Column::Year])
            .update_columns([
                staff_review::Column::Points,
                staff_review::Column::Comment,
                staff_review::Column::DepartmentId,
                staff_review::Column::EnteredBy,
                staff_review::Column::EnteredAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(
        serde_json::json!({"user_id": input.user_id, "year": input.year, "points": points as f64 / 100.0}),
    )
}

/// A department's weighted contribution (unit: points of the leadership evaluation).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentCadre {
    pub department_id: i32,
    pub department_name: Option<String>,
    pub year: i32,
    /// Annual score: mean of the quarters used, 0–100.
    pub annual_score: f64,
    /// `fail`, `pass`, `good`, `excellent`.
    pub grade: String,
    /// The weighted contribution, 0–`out_of` points.
    pub contribution: f64,
    /// Most the contribution can be: 35 (Hohhot) or 10 (Qingyang).
    pub out_of: f64,
    /// Scheme-specific figures: Hohhot satisfaction and the 二次考核 flag; Qingyang `zeroed`,
    /// party-conduct (≤ 5) and rule-of-law (≤ 2) points.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// Where it came from: scheme and version, quarters with revision ids, per-category annual
    /// means, thresholds applied; per quarter the satisfaction sources (满意率 with counts) and
    /// the deduction lines with their source facts (`quarters_detail`).
    #[schema(value_type = Object)]
    pub provenance: serde_json::Value,
    /// Second assessment rounds (二次考核) of the year, shown beside the first round; the
    /// contribution above is weighed from the published first-round results.
    pub second_rounds: Vec<crate::second_round::SecondRound>,
}

/// A staff member's score (unit: points, 0–100).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffCadre {
    pub user_id: i32,
    /// The staff register's id, when the account is linked to a window worker.
    pub staff_id: Option<i32>,
    pub name: Option<String>,
    pub window_no: Option<String>,
    pub department_id: i32,
    pub year: i32,
    /// Daily record (平时考核), 0–100: the mean of the rated months of the five-aspect monthly
    /// rating (`scoring::staff`), each month's lines in the provenance.
    pub daily: f64,
    /// Year-end review, 0–100.
    pub review: f64,
    /// 70 % daily + 30 % review (Qingyang), 0–100.
    pub score: f64,
    pub actions: u64,
    pub actions_on_time: u64,
    /// Cards on the branches the person handled (revoked ones excluded).
    pub cards: u64,
    /// Bad ratings naming the person (a rating of another department never counts).
    pub bad_ratings: u64,
    pub months_rated: usize,
    /// Holds one of the hall's own excellence places (优秀名额, outside the unit's quota) in the
    /// approved yearly review.
    pub hall_excellent: bool,
    #[schema(value_type = Object)]
    pub provenance: serde_json::Value,
}

fn f(p: Points) -> f64 {
    p.centi() as f64 / 100.0
}

/// The published quarters of a year, newest revision each; a year with quarters not yet
/// published is refused naming them, unless `allow_partial`.
async fn published_quarters<C: ConnectionTrait>(
    c: &C,
    year: i32,
    allow_partial: bool,
) -> Result<Vec<quarter_result::Model>, ApiError> {
    let rows = quarter_result::Entity::find()
        .filter(quarter_result::Column::Year.eq(year))
        .filter(quarter_result::Column::Status.eq("published"))
        .order_by_asc(quarter_result::Column::Quarter)
        .all(c)
        .await?;
    let have: BTreeSet<i32> = rows.iter().map(|r| r.quarter).collect();
    let missing: Vec<String> = (1..=4)
        .filter(|q| !have.contains(q))
        .map(|q| format!("{year}Q{q}"))
        .collect();
    if rows.is_empty() || (!missing.is_empty() && !allow_partial) {
        return Err(ApiError::Conflict {
            code: "quarters_unpublished",
            message: format!(
                "{year}: not yet published: {}{}",
                missing.join(", "),
                if rows.is_empty() {
                    ""
                } else {
                    " (pass allow_partial=true to weigh the published ones)"
                }
            ),
            field: Some("year".into()),
        });
    }
    Ok(rows)
}

pub async fn departments(
    db: &DatabaseConnection,
    year: i32,
    scheme_key: &str,
    allow_partial: bool,
    only: Option<i32>,
) -> Result<Vec<DepartmentCadre>, ApiError> {
    let scheme = scheme(db, scheme_key).await?;
    let results = published_quarters(db, year, allow_partial).await?;
    let mut per_dept: BTreeMap<i32, Vec<QuarterScore>> = BTreeMap::new();
    for r in &results {
        for s in department_score::Entity::find()
            .filter(department_score::Column::ResultId.eq(r.id))
            .all(db)
            .await?
        {
            if only.is_some_and(|d| d != s.department_id) {
                continue;
            }
            let q: QuarterScore = serde_json::from_str(&s.breakdown)
                .map_err(|e| ApiError::Internal(format!("stored breakdown: {e}")))?;
            per_dept.entry(s.department_id).or_default().push(q);
        }
    }
    let names: BTreeMap<i32, String> = a_department::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.department_id, d.name))
        .collect();
    let mut out = Vec::new();
    for (dept, quarters) in per_dept {
        let annual = scoring::annual(&quarters).map_err(|e| ApiError::Internal(e.to_string()))?;
        let quarters_detail: Vec<serde_json::Value> = quarters
            .iter()
            .map(|q| {
                let sources = q.categories.iter().find_map(|c| match &c.inputs {
                    scoring::ContributionInputs::Satisfaction(s) => Some(s.sources.clone()),
                    _ => None,
                });
                serde_json::json!({
                    "period": q.period,
                    "total": q.total,
                    "satisfaction_sources": sources,
                    "fact_deductions": q.fact_deductions,
                    "deductions": q.deductions,
                    "not_applicable": q.categories.iter().filter(|c| !c.applicable).map(|c| c.key.clone()).collect::<Vec<_>>(),
                })
            })
            .collect();
        let second_rounds: Vec<crate::second_round::SecondRound> =
            crate::second_round::by_department(db, Some(dept))
                .await?
                .into_iter()
                .filter(|r| r.year == year)
                .collect();
        let c = scoring::weigh_department(&scheme, &annual, annual.satisfaction)
            .map_err(|e| ApiError::validation("scheme", e.to_string()))?;
        out.push(DepartmentCadre {
            department_id: dept,
            department_name: names.get(&dept).cloned(),
            year,
            annual_score: f(annual.score),
            grade: serde_json::to_value(annual.grade)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            contribution: f(c.contribution),
            out_of: f(c.out_of),
            detail: serde_json::to_value(&c.detail).unwrap_or_default(),
            provenance: {
                let mut p = serde_json::to_value(&c.provenance).unwrap_or_default();
                if let Some(o) = p.as_object_mut() {
                    o.insert(
                        "quarters_detail".into(),
                        serde_json::Value::Array(quarters_detail),
                    );
                }
                p
            },
            second_rounds,
        });
    }
    if let (Some(d), true) = (only, out.is_empty()) {
        return Err(ApiError::not_found("department result", d));
    }
    Ok(out)
}

pub async fn staff(
    db: &DatabaseConnection,
    year: i32,
    scheme_key: &str,
    department: Option<i32>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<StaffCadre>, ApiError> {
    let scheme = scheme(db, scheme_key).await?;
    let (from, to) = (
        crate::quarter::Quarter { year, q: 1 }.bounds().0,
        crate::quarter::Quarter { year, q: 4 }.bounds().1,
    );
    let mut q = staff_action::Entity::find()
        .filter(staff_action::Column::At.gte(from))
        .filter(staff_action::Column::At.lt(to));
    if let Some(d) = department {
        q = q.filter(staff_action::Column::DepartmentId.eq(d));
    }
    let actions = q.all(db).await?;
    let reviews: BTreeMap<i32, staff_review::Model> = staff_review::Entity::find()
        .filter(staff_review::Column::Year.eq(year))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.user_id, r))
        .collect();
    // The hall's own excellence places, once the year's review is approved.
    let excellent: BTreeSet<i32> = staff_year::Entity::find()
        .filter(staff_year::Column::Year.eq(year))
        .filter(staff_year::Column::Status.eq("approved"))
        .one(db)
        .await?
        .map(|y| {
            serde_json::from_str::<Vec<crate::people::YearRow>>(&y.rows)
                .unwrap_or_default()
                .into_iter()
                .filter(|r| r.hall_excellent)
                .map(|r| r.staff_id)
                .collect()
        })
        .unwrap_or_default();
    let mut by_user: BTreeMap<i32, Vec<&staff_action::Model>> = BTreeMap::new();
    for a in &actions {
        by_user.entry(a.user_id).or_default().push(a);
    }
    let mut out = Vec::new();
    for (user, acts) in by_user {
        let Some(review) = reviews.get(&user) else {
            continue;
        };
        let dept = acts.first().map(|a| a.department_id).unwrap_or_default();
        let register = crate::people::staff_of_user(db, user)
            .await?
            .filter(|s| s.department_id == dept);
        let person = crate::people::Person {
            staff_id: register.as_ref().map(|s| s.staff_id),
            user_id: Some(user),
            department_id: dept,
        };
        let months = crate::people::months(db, &person, year, now).await?;
        let Some(daily) = scoring::mean_of_rated(&months) else {
            continue;
        };
        let sum = |pick: fn(&scoring::MonthFacts) -> u64| -> u64 {
            months.iter().map(|m| pick(&m.facts)).sum()
        };
        let s = scoring::weigh_staff(&scheme, daily, Points::from_centi(review.points))
            .map_err(|e| ApiError::validation("scheme", e.to_string()))?;
        let mut provenance = serde_json::to_value(&s.provenance).unwrap_or_default();
        if let Some(o) = provenance.as_object_mut() {
            o.insert(
                "daily_record".into(),
                serde_json::json!({
                    "rule": "mean of the rated months of Xiangyang's five-aspect monthly rating (scoring::staff)",
                    "months": months.iter().enumerate().map(|(i, m)| serde_json::json!({
                        "month": i + 1, "total": m.total, "lines": m.lines,
                    })).collect::<Vec<_>>(),
                }),
            );
        }
        out.push(StaffCadre {
            user_id: user,
            staff_id: person.staff_id,
            name: register.as_ref().map(|r| r.name.clone()),
            window_no: register.as_ref().and_then(|r| r.window_no.clone()),
            department_id: dept,
            year,
            daily: f(s.daily),
            review: f(s.review),
            score: f(s.score),
            actions: acts.len() as u64,
            actions_on_time: acts
                .iter()
                .filter(|a| a.due_at.is_none_or(|d| a.at <= d))
                .count() as u64,
            cards: sum(|f| f.yellow_cards + f.red_cards + f.statutory_breaches),
            bad_ratings: sum(|f| f.bad_ratings),
            months_rated: months.iter().filter(|m| m.total.is_some()).count(),
            hall_excellent: person.staff_id.is_some_and(|id| excellent.contains(&id)),
            provenance,
        });
    }
    Ok(out)
}

/// A stamp that changes whenever anything behind a cadre figure changes: publications,
/// schemes, reviews, staff actions. Part of every cache key, so a new revision invalidates.
pub async fn generation<C: ConnectionTrait>(c: &C) -> Result<String, ApiError> {
    // The newest published result by id: a publication at the same instant still changes it.
    let published = quarter_result::Entity::find()
        .filter(quarter_result::Column::Status.eq("published"))
        .order_by_desc(quarter_result::Column::Id)
        .one(c)
        .await?;
    let n_pub = quarter_result::Entity::find()
        .filter(quarter_result::Column::Status.eq("published"))
        .count(c)
        .await?;
    let schemes = weighting_scheme::Entity::find().count(c).await?;
    let review = staff_review::Entity::find()
        .order_by_desc(staff_review::Column::EnteredAt)
        .one(c)
        .await?;
    let action = staff_action::Entity::find()
        .order_by_desc(staff_action::Column::Seq)
        .one(c)
        .await?;
    // Everything a person's daily record reads: every applied feed event (cards, complaints,
    // the register), the inspector's entries, admonitions, measures, ratings, second rounds
    // and the yearly review.
    let feed = crate::entities::feed_cursor::Entity::find()
        .one(c)
        .await?
        .map_or(0, |f| f.last_seq);
    use crate::entities::{
        accountability_measure, admonition, haocha_rating, onsite_rating, second_round, staff_entry,
    };
    let people = [
        staff_entry::Entity::find().count(c).await?,
        admonition::Entity::find().count(c).await?,
        accountability_measure::Entity::find().count(c).await?,
        onsite_rating::Entity::find().count(c).await?,
        haocha_rating::Entity::find().count(c).await?,
        second_round::Entity::find().count(c).await?,
        staff_year::Entity::find()
            .filter(staff_year::Column::Status.eq("approved"))
            .count(c)
            .await?,
    ];
    let scored = second_round::Entity::find()
        .filter(second_round::Column::Status.eq("scored"))
        .count(c)
        .await?;
    Ok(format!(
        "p{}-{}-s{}-r{}-a{}-f{}-h{}-{}",
        n_pub,
        published.map(|p| p.id).unwrap_or(0),
        schemes,
        review.map(|r| r.entered_at.timestamp_millis()).unwrap_or(0),
        action.map(|a| a.seq).unwrap_or(0),
        feed,
        people.map(|n| n.to_string()).join("."),
        scored
    ))
}
