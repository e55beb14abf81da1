//! People (窗口工作人员) and their daily record (平时考核): the staff register the approval
//! feed keeps here, the inspector's entries (督察: 人员行为规范 deductions, 宣传报道 bonus), the
//! monthly rating over Xiangyang's five aspects ([`scoring::staff`]), the quarterly grade, the
//! yearly review (总评定) a leader approves with the hall's own excellence quota (优秀名额), sent
//! to each window department (抄送).
//!
//! A person's facts are theirs only: the branches they acted on (their user account, in their
//! department), cards on those branches, ratings and complaints that name them, admonitions and
//! measures against them. A 差评 given to the tax window never reaches the business-licence
//! reviewer of the same case.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use platform::auth::{AuthUser, Role};
use platform::ApiError;
use scoring::{Grade, MonthFacts, MonthRating, Points, StaffSystem};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entities::{
    a_card, a_complaint, a_staff, accountability_measure, admonition, haocha_rating, onsite_rating,
    staff_action, staff_entry, staff_year,
};
use outbox::NewNotice;

/// The staff system for `year`: the newest one defined from that year or earlier, else this
/// product's defaults ([`scoring::staff`]).
pub async fn system<C: ConnectionTrait>(c: &C, year: i32) -> Result<StaffSystem, ApiError> {
    use crate::entities::staff_system;
    let row = staff_system::Entity::find()
        .filter(staff_system::Column::YearFrom.lte(year))
        .order_by_desc(staff_system::Column::YearFrom)
        .order_by_desc(staff_system::Column::Id)
        .one(c)
        .await?;
    match row {
        Some(r) => serde_json::from_str(&r.definition)
            .map_err(|e| ApiError::Internal(format!("stored staff system {}: {e}", r.id))),
        None => Ok(StaffSystem::default()),
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffSystemInput {
    /// The first year it applies to.
    pub year_from: i32,
    /// `scoring::StaffSystem`: aspect maxima (business, e-supervision, conduct, complaints: add
    /// up to 100; publicity bonus 0–20), points per fact, the excellence share.
    #[schema(value_type = Object)]
    pub definition: StaffSystem,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffSystemView {
    pub id: i32,
    pub year_from: i32,
    #[schema(value_type = Object)]
    pub definition: StaffSystem,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// Define the staff system from a year on (system administrator); validated, kept (the older ones stay).
pub async fn define_system(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: StaffSystemInput,
) -> Result<StaffSystemView, ApiError> {
    use crate::entities::staff_system;
    actor.require(&[Role::Sysadmin])?;
    if !(2000..=2100).contains(&input.year_from) {
        return Err(ApiError::validation("year_from", "must be 2000–2100"));
    }
    input
        .definition
        .validate()
        .map_err(|e| ApiError::validation("definition", e.to_string()))?;
    let m = staff_system::ActiveModel {
        year_from: Set(input.year_from),
        definition: Set(serde_json::to_string(&input.definition).unwrap_or_default()),
        created_at: Set(now),
        created_by: Set(actor.name.clone()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(StaffSystemView {
        id: m.id,
        year_from: m.year_from,
        definition: input.definition,
        created_by: m.created_by,
        created_at: m.created_at,
    })
}

/// The defined staff systems, oldest first (the product default applies before the first).
pub async fn list_systems(db: &DatabaseConnection) -> Result<Vec<StaffSystemView>, ApiError> {
    use crate::entities::staff_system;
    let mut out = Vec::new();
    for r in staff_system::Entity::find()
        .order_by_asc(staff_system::Column::YearFrom)
        .order_by_asc(staff_system::Column::Id)
        .all(db)
        .await?
    {
        out.push(StaffSystemView {
            id: r.id,
            year_from: r.year_from,
            definition: serde_json::from_str(&r.definition)
                .map_err(|e| ApiError::Internal(format!("stored staff system {}: {e}", r.id)))?,
            created_by: r.created_by,
            created_at: r.created_at,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Staff {
    pub staff_id: i32,
    pub name: String,
    pub department_id: i32,
    pub window_no: Option<String>,
    pub post: String,
    pub assigned_from: NaiveDate,
    pub assigned_to: Option<NaiveDate>,
    pub user_id: Option<i32>,
}

impl From<a_staff::Model> for Staff {
    fn from(m: a_staff::Model) -> Self {
        Staff {
            staff_id: m.staff_id,
            name: m.name,
            department_id: m.department_id,
            window_no: m.window_no,
            post: m.post,
            assigned_from: m.assigned_from,
            assigned_to: m.assigned_to,
            user_id: m.user_id,
        }
    }
}

/// Whether `s` is assigned to the hall on `day`.
pub fn assigned_on(s: &a_staff::Model, day: NaiveDate) -> bool {
    s.assigned_from <= day && s.assigned_to.is_none_or(|t| day <= t)
}

fn local_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
}

pub async fn staff_row<C: ConnectionTrait>(
    c: &C,
    id: i32,
    field: &str,
) -> Result<a_staff::Model, ApiError> {
    a_staff::Entity::find_by_id(id)
        .one(c)
        .await?
        .ok_or_else(|| {
            ApiError::validation(
                field,
                format!(
                    "no staff member {id} (the staff register arrives through the approval feed)"
                ),
            )
        })
}

/// The person named by a rating or an entry must be of `department_id` and assigned on `day`.
pub async fn check_person<C: ConnectionTrait>(
    c: &C,
    staff_id: i32,
    department_id: Option<i32>,
    day: NaiveDate,
    field: &str,
) -> Result<a_staff::Model, ApiError> {
    let s = staff_row(c, staff_id, field).await?;
    if department_id.is_some_and(|d| d != s.department_id) {
        return Err(ApiError::Validation {
            code: "staff_department_mismatch",
            errors: vec![platform::FieldError::new(
                field,
                format!(
                    "{} ({}) works for department {}, not {}",
                    s.name,
                    staff_id,
                    s.department_id,
                    department_id.unwrap_or_default()
                ),
            )],
        });
    }
    if !assigned_on(&s, day) {
        return Err(ApiError::Validation {
            code: "staff_not_assigned",
            errors: vec![platform::FieldError::new(
                field,
                format!(
                    "{} ({staff_id}) was not assigned to the hall on {day}",
                    s.name
                ),
            )],
        });
    }
    Ok(s)
}

/// Bounds of a calendar month in Asia/Shanghai.
fn month_bounds(year: i32, month: u32) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let start = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let at = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)?
            .and_local_timezone(chrono_tz::Asia::Shanghai)
            .single()
            .map(|t| t.with_timezone(&Utc))
    };
    Some((at(start)?, at(next)?))
}

/// A person: a register entry, or an actor the register does not know (shown as such).
#[derive(Debug, Clone)]
pub struct Person {
    pub staff_id: Option<i32>,
    pub user_id: Option<i32>,
    pub department_id: i32,
}

/// One month's facts of a person.
pub async fn month_facts<C: ConnectionTrait>(
    c: &C,
    person: &Person,
    year: i32,
    month: u32,
) -> Result<MonthFacts, ApiError> {
    let Some((from, to)) = month_bounds(year, month) else {
        return Ok(MonthFacts::default());
    };
    let mut f = MonthFacts::default();
    if let Some(user) = person.user_id {
        let acts = staff_action::Entity::find()
            .filter(staff_action::Column::UserId.eq(user))
            .filter(staff_action::Column::DepartmentId.eq(person.department_id))
            .filter(staff_action::Column::At.lt(to))
            .all(c)
            .await?;
        let mut branches: BTreeMap<i32, bool> = BTreeMap::new();
        let mut ever: BTreeSet<i32> = BTreeSet::new();
        for a in &acts {
            ever.insert(a.branch_id);
            if a.at < from {
                continue;
            }
            let ok = a.due_at.is_none_or(|d| a.at <= d);
            let e = branches.entry(a.branch_id).or_insert(true);
            *e = *e && ok;
            if matches!(a.kind.as_str(), "branch_rejected" | "supplement_requested") {
                f.returned += 1;
            }
        }
        f.handled = branches.len() as u64;
        f.on_time = branches.values().filter(|v| **v).count() as u64;
        for card in a_card::Entity::find()
            .filter(a_card::Column::IssuedAt.gte(from))
            .filter(a_card::Column::IssuedAt.lt(to))
            .filter(a_card::Column::DepartmentId.eq(person.department_id))
            .all(c)
            .await?
        {
            let branch = card
                .card_key
                .strip_prefix("branch:")
                .and_then(|r| r.split(':').next())
                .and_then(|b| b.parse::<i32>().ok());
            if !branch.is_some_and(|b| ever.contains(&b)) {
                continue;
            }
            match card.level.as_str() {
                "yellow" => f.yellow_cards += 1,
                "red" => f.red_cards += 1,
                "statutory_breach" => f.statutory_breaches += 1,
                _ => {}
            }
        }
    }
    let Some(staff) = person.staff_id else {
        return Ok(f);
    };
    let (from_day, to_day) = (local_day(from), local_day(to));
    for e in staff_entry::Entity::find()
        .filter(staff_entry::Column::StaffId.eq(staff))
        .filter(staff_entry::Column::OnDate.gte(from_day))
        .filter(staff_entry::Column::OnDate.lt(to_day))
        .all(c)
        .await?
    {
        let p = Points::from_centi(i64::from(e.points));
        if e.aspect == "publicity" {
            f.publicity_entries = f.publicity_entries + p;
        } else {
            f.conduct_entries = f.conduct_entries + p;
        }
    }
    f.admonitions = admonition::Entity::find()
        .filter(admonition::Column::StaffId.eq(staff))
        .filter(admonition::Column::IssuedAt.gte(from))
        .filter(admonition::Column::IssuedAt.lt(to))
        .all(c)
        .await?
        .len() as u64;
    f.measures = accountability_measure::Entity::find()
        .filter(accountability_measure::Column::StaffId.eq(staff))
        .filter(accountability_measure::Column::DecidedAt.gte(from))
        .filter(accountability_measure::Column::DecidedAt.lt(to))
        .all(c)
        .await?
        .len() as u64;
    f.valid_complaints = a_complaint::Entity::find()
        .filter(a_complaint::Column::StaffId.eq(staff))
        .filter(a_complaint::Column::Finding.eq("valid"))
        .filter(a_complaint::Column::FoundAt.gte(from))
        .filter(a_complaint::Column::FoundAt.lt(to))
        .all(c)
        .await?
        .len() as u64;
    let onsite_bad = onsite_rating::Entity::find()
        .filter(onsite_rating::Column::StaffId.eq(staff))
        .filter(onsite_rating::Column::Level.eq("dissatisfied"))
        .filter(onsite_rating::Column::RatedAt.gte(from))
        .filter(onsite_rating::Column::RatedAt.lt(to))
        .all(c)
        .await?
        .len();
    let haocha_bad = haocha_rating::Entity::find()
        .filter(haocha_rating::Column::StaffId.eq(staff))
        .filter(haocha_rating::Column::Level.is_in(["dissatisfied", "very_dissatisfied"]))
        .filter(haocha_rating::Column::RatedAt.gte(from))
        .filter(haocha_rating::Column::RatedAt.lt(to))
        .all(c)
        .await?
        .len();
    f.bad_ratings = (onsite_bad + haocha_bad) as u64;
    Ok(f)
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthView {
    pub month: u32,
    /// `scoring::MonthRating`: total (null = not rated), grade, the five lines, the facts.
    #[schema(value_type = Object)]
    pub rating: MonthRating,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuarterGrade {
    pub quarter: u8,
    /// Mean of the quarter's rated months; null when none was rated.
    pub mean: Option<f64>,
    pub grade: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Record {
    pub staff: Staff,
    pub year: i32,
    pub months: Vec<MonthView>,
    pub quarters: Vec<QuarterGrade>,
    /// The year's daily record: mean of its rated months (feeds Qingyang's 70 %).
    pub daily: Option<f64>,
}

fn f2(p: Points) -> f64 {
    p.centi() as f64 / 100.0
}

fn grade_str(g: Grade) -> String {
    serde_json::to_value(g)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// Twelve monthly ratings of a person (months up to `now`).
pub async fn months<C: ConnectionTrait>(
    c: &C,
    person: &Person,
    year: i32,
    now: DateTime<Utc>,
) -> Result<Vec<MonthRating>, ApiError> {
    let sys = system(c, year).await?;
    let today = local_day(now);
    let mut out = Vec::new();
    for m in 1..=12u32 {
        let started = NaiveDate::from_ymd_opt(year, m, 1).is_some_and(|d| d <= today);
        let facts = if started {
            month_facts(c, person, year, m).await?
        } else {
            MonthFacts::default()
        };
        out.push(
            scoring::rate_month(&sys, &facts)
                .map_err(|e| ApiError::Internal(format!("staff rating: {e}")))?,
        );
    }
    Ok(out)
}

fn person_of(s: &a_staff::Model) -> Person {
    Person {
        staff_id: Some(s.staff_id),
        user_id: s.user_id,
        department_id: s.department_id,
    }
}

/// Who may read a person's record: the hall's internal roles, the person, their unit's chief
/// representative.
fn may_read(actor: &AuthUser, s: &a_staff::Model) -> Result<(), ApiError> {
    let internal = matches!(
        actor.role,
        Role::Assessor | Role::Inspector | Role::Leader | Role::Supervisor | Role::OrgDept
    );
    let own = s.user_id == Some(actor.id);
    let chief = actor.role == Role::Approver && actor.department_id == Some(s.department_id);
    if internal || own || chief {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "a person's record is read by the hall's assessors, inspectors and leaders, the person and their chief representative",
        ))
    }
}

/// A person's year: monthly ratings, quarterly grades, the daily record.
pub async fn record(
    db: &DatabaseConnection,
    actor: &AuthUser,
    staff_id: i32,
    year: i32,
    now: DateTime<Utc>,
) -> Result<Record, ApiError> {
    let s = a_staff::Entity::find_by_id(staff_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("staff member", staff_id))?;
    may_read(actor, &s)?;
    let ms = months(db, &person_of(&s), year, now).await?;
    let quarters = (0..4)
        .map(|q| {
            let mean = scoring::mean_of_rated(&ms[q * 3..q * 3 + 3]);
            QuarterGrade {
                quarter: q as u8 + 1,
                mean: mean.map(f2),
                grade: mean.map(|m| grade_str(Grade::of(m))),
            }
        })
        .collect();
    let daily = scoring::mean_of_rated(&ms).map(f2);
    Ok(Record {
        staff: s.into(),
        year,
        months: ms
            .into_iter()
            .enumerate()
            .map(|(i, rating)| MonthView {
                month: i as u32 + 1,
                rating,
            })
            .collect(),
        quarters,
        daily,
    })
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryInput {
    pub staff_id: i32,
    /// `conduct` (人员行为规范: a deduction) or `publicity` (宣传报道: a bonus).
    pub aspect: String,
    /// The day it happened, `YYYY-MM-DD` (Asia/Shanghai), not in the future.
    pub date: NaiveDate,
    /// e.g. `attendance` 考勤, `dress` 着装, `absence` 脱岗, `conduct` 言行 / `report` 报道.
    pub kind: String,
    /// Positive points, at most the aspect's maximum (conduct 20, publicity 5).
    pub points: f64,
    pub note: String,
    /// At least one evidence reference.
    pub evidence: Vec<String>,
}

/// An inspector's entry on a person (督察).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction people.add_entry", db.operation = "people.add_entry"))]
pub async fn add_entry(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: EntryInput,
) -> Result<serde_json::Value, ApiError> {
    actor.require(&[Role::Inspector])?;
    let sys = system(db, input.date.year()).await?;
    let max = match input.aspect.as_str() {
        "conduct" => sys.conduct_max,
        "publicity" => sys.publicity_max,
        _ => {
            return Err(ApiError::validation(
                "aspect",
                "must be `conduct` (人员行为规范) or `publicity` (宣传报道)",
            ))
        }
    };
    if input.date > local_day(now) {
        return Err(ApiError::validation("date", "is in the future"));
    }
    let points = crate::inputs::to_points("points", input.points)?;
    if points <= Points::ZERO || points > max {
        return Err(ApiError::validation(
            "points",
            format!("must be more than 0 and at most {max} for {}", input.aspect),
        ));
    }
    let kind = crate::inputs::short("kind", &input.kind, 32)?;
    let note = crate::inputs::short("note", &input.note, 2000)?;
    let evidence: Vec<String> = input
        .evidence
        .iter()
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
        .collect();
    if evidence.is_empty() {
        return Err(ApiError::validation(
            "evidence",
            "an entry needs at least one piece of evidence",
        ));
    }
    let txn = db.begin().await?;
    let s = check_person(&txn, input.staff_id, None, input.date, "staff_id").await?;
    let m = staff_entry::ActiveModel {
        staff_id: Set(s.staff_id),
        aspect: Set(input.aspect),
        on_date: Set(input.date),
        kind: Set(kind),
        points: Set(i32::try_from(points.centi()).unwrap_or(0)),
        note: Set(note),
        evidence: Set(serde_json::to_string(&evidence).unwrap_or_default()),
        entered_by: Set(actor.name.clone()),
        entered_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(serde_json::json!({
        "id": m.id, "staff_id": m.staff_id, "aspect": m.aspect, "date": m.on_date,
        "kind": m.kind, "points": f64::from(m.points) / 100.0, "evidence": evidence,
    }))
}

/// One person's row of the yearly review.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct YearRow {
    pub staff_id: i32,
    pub name: String,
    pub department_id: i32,
    pub window_no: Option<String>,
    /// Mean of the rated months; null when none was rated.
    pub daily: Option<f64>,
    pub grade: Option<String>,
    pub months_rated: usize,
    /// Holds one of the hall's own excellence places (优秀名额), outside the unit's quota.
    pub hall_excellent: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffYear {
    pub year: i32,
    /// `draft` or `approved`.
    pub status: String,
    pub computed_by: String,
    pub approved_by: Option<String>,
    /// How many excellence places the hall had: ceil(share × people rated).
    pub excellence_places: usize,
    pub rows: Vec<YearRow>,
}

fn year_view(m: staff_year::Model) -> StaffYear {
    let rows: Vec<YearRow> = serde_json::from_str(&m.rows).unwrap_or_default();
    StaffYear {
        year: m.year,
        status: m.status,
        computed_by: m.computed_by,
        approved_by: m.approved_by,
        excellence_places: rows.iter().filter(|r| r.hall_excellent).count(),
        rows,
    }
}

/// The year's rows for everyone assigned to the hall in it, with the excellence quota given to
/// the best excellent ones (ties broken by staff id).
pub async fn year_rows<C: ConnectionTrait>(
    c: &C,
    year: i32,
    now: DateTime<Utc>,
) -> Result<Vec<YearRow>, ApiError> {
    let (start, end) = (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default(),
    );
    let mut rows = Vec::new();
    for s in a_staff::Entity::find()
        .order_by_asc(a_staff::Column::StaffId)
        .all(c)
        .await?
        .into_iter()
        .filter(|s| s.assigned_from <= end && s.assigned_to.is_none_or(|t| t >= start))
    {
        let ms = months(c, &person_of(&s), year, now).await?;
        let daily = scoring::mean_of_rated(&ms);
        rows.push(YearRow {
            staff_id: s.staff_id,
            name: s.name,
            department_id: s.department_id,
            window_no: s.window_no,
            daily: daily.map(f2),
            grade: daily.map(|d| grade_str(Grade::of(d))),
            months_rated: ms.iter().filter(|m| m.total.is_some()).count(),
            hall_excellent: false,
        });
    }
    let rated = rows.iter().filter(|r| r.daily.is_some()).count();
    let places = scoring::excellence_quota(system(c, year).await?.excellence_share, rated);
    let mut excellent: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].grade.as_deref() == Some("excellent"))
        .collect();
    excellent.sort_by(|&a, &b| {
        rows[b]
            .daily
            .partial_cmp(&rows[a].daily)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(rows[a].staff_id.cmp(&rows[b].staff_id))
    });
    for i in excellent.into_iter().take(places) {
        rows[i].hall_excellent = true;
    }
    Ok(rows)
}

/// The assessor computes (or recomputes, while a draft) the year's review.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction people.compute_year", db.operation = "people.compute_year"))]
pub async fn compute_year(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    year: i32,
) -> Result<StaffYear, ApiError> {
    actor.require(&[Role::Assessor])?;
    if !(2000..=2100).contains(&year) {
        return Err(ApiError::validation("year", "must be 2000–2100"));
    }
    let txn = db.begin().await?;
    let existing = staff_year::Entity::find()
        .filter(staff_year::Column::Year.eq(year))
        .one(&txn)
        .await?;
    if existing.as_ref().is_some_and(|y| y.status == "approved") {
        return Err(ApiError::conflict(
            "staff_year_approved",
            format!("the {year} staff review is approved and final"),
        ));
    }
    let rows = serde_json::to_string(&year_rows(&txn, year, now).await?).unwrap_or_default();
    let m = match existing {
        Some(y) => {
            staff_year::Entity::update_many()
                .col_expr(staff_year::Column::Rows, Expr::value(rows))
                .col_expr(
                    staff_year::Column::ComputedBy,
                    Expr::value(actor.name.clone()),
                )
                .col_expr(staff_year::Column::ComputedAt, Expr::value(now))
                .filter(staff_year::Column::Id.eq(y.id))
                .filter(staff_year::Column::Status.eq("draft"))
                .exec(&txn)
                .await?;
            staff_year::Entity::find_by_id(y.id)
                .one(&txn)
                .await?
                .ok_or_else(|| ApiError::Internal("staff year vanished".into()))?
        }
        None => {
            staff_year::ActiveModel {
                year: Set(year),
                status: Set("draft".into()),
                rows: Set(rows),
                computed_by: Set(actor.name.clone()),
                computed_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    txn.commit().await?;
    Ok(year_view(m))
}

/// The centre's party group (a `leader` who did not compute it) approves the year; each window
/// department receives its people's rows (抄送).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction people.approve_year", db.operation = "people.approve_year"))]
pub async fn approve_year(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    year: i32,
) -> Result<StaffYear, ApiError> {
    actor.require(&[Role::Leader])?;
    let txn = db.begin().await?;
    let y = staff_year::Entity::find()
        .filter(staff_year::Column::Year.eq(year))
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("staff review", year))?;
    if y.computed_by == actor.name {
        return Err(ApiError::Forbidden {
            code: "separation_of_duties",
            message: format!(
                "the {year} staff review was computed by you: another person approves it"
            ),
        });
    }
    let moved = staff_year::Entity::update_many()
        .col_expr(staff_year::Column::Status, Expr::value("approved"))
        .col_expr(
            staff_year::Column::ApprovedBy,
            Expr::value(Some(actor.name.clone())),
        )
        .col_expr(staff_year::Column::ApprovedAt, Expr::value(Some(now)))
        .filter(staff_year::Column::Id.eq(y.id))
        .filter(staff_year::Column::Status.eq("draft"))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(ApiError::conflict(
            "staff_year_approved",
            format!("the {year} staff review is approved already"),
        ));
    }
    let view = year_view(
        staff_year::Entity::find_by_id(y.id)
            .one(&txn)
            .await?
            .ok_or_else(|| ApiError::Internal("staff year vanished".into()))?,
    );
    let mut by_dept: BTreeMap<i32, Vec<&YearRow>> = BTreeMap::new();
    for r in &view.rows {
        by_dept.entry(r.department_id).or_default().push(r);
    }
    for (dept, rows) in by_dept {
        let lines: Vec<String> = rows
            .iter()
            .map(|r| {
                format!(
                    "{} {} 窗口 {}: {} {}{}",
                    r.staff_id,
                    r.name,
                    r.window_no.as_deref().unwrap_or("-"),
                    r.daily.map_or("未评定".to_string(), |d| format!("{d:.2}")),
                    r.grade.as_deref().unwrap_or(""),
                    if r.hall_excellent {
                        " 中心优秀名额"
                    } else {
                        ""
                    }
                )
            })
            .collect();
        outbox::enqueue(
            &txn,
            NewNotice {
                kind: "staff_year_feedback",
                dedup_key: format!("staff_year:{year}:department:{dept}"),
                subject: format!("[总评定] {year}年度窗口工作人员总评定 / {year} staff review"),
                body: format!(
                    "{year}年度窗口工作人员总评定已审定（{}）。\n{}",
                    actor.name,
                    lines.join("\n")
                ),
                recipients: crate::rectification::department_addresses(&txn, dept).await?,
            },
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(view)
}

pub async fn get_year(
    db: &DatabaseConnection,
    actor: &AuthUser,
    year: i32,
) -> Result<StaffYear, ApiError> {
    actor.require(&[
        Role::Assessor,
        Role::Leader,
        Role::Inspector,
        Role::Supervisor,
        Role::OrgDept,
    ])?;
    staff_year::Entity::find()
        .filter(staff_year::Column::Year.eq(year))
        .one(db)
        .await?
        .map(year_view)
        .ok_or_else(|| ApiError::not_found("staff review", year))
}

/// The register's person linked to a user account, if any.
pub async fn staff_of_user<C: ConnectionTrait>(
    c: &C,
    user_id: i32,
) -> Result<Option<a_staff::Model>, ApiError> {
    Ok(a_staff::Entity::find()
        .filter(a_staff::Column::UserId.eq(user_id))
        .all(c)
        .await?
        .into_iter()
        .max_by_key(|s| s.assigned_from))
}

/// The current year of `now`, Asia/Shanghai.
pub fn year_of(now: DateTime<Utc>) -> i32 {
    local_day(now).year()
}
