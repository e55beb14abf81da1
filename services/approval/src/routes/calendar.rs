use actix_web::{web, HttpResponse};
use calendar::{HolidayTable, LimitUnit, StatutoryClock, WarnRule};
use chrono::{DateTime, NaiveDate, Utc};
use platform::auth::{AuthUser, Role};
use platform::http::ValidQuery;
use platform::json::ValidJson;
use platform::{ApiError, ApiResult};
use sea_orm::{EntityTrait, QueryOrder, TransactionTrait};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::audit::{self, Change};
use crate::calendar_store as cs;
use crate::entities::holiday_table;
use crate::state::AppState;

/// A year's holiday table (节假日安排).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HolidayYear {
    pub year: i32,
    /// Public holidays (days off), ISO dates, sorted.
    pub holidays: Vec<NaiveDate>,
    /// Make-up working days (调休上班: a Saturday or Sunday that is worked), ISO dates, sorted.
    pub makeup_workdays: Vec<NaiveDate>,
    /// `builtin` (shipped from the State Council notice) or `admin` (edited).
    pub source: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// Replace a year's table.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayYearInput {
    pub holidays: Vec<NaiveDate>,
    pub makeup_workdays: Vec<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarSettings {
    /// Time zone of every working-day computation.
    pub time_zone: String,
    /// Office opening, local time, `HH:MM:SS`.
    pub office_open: String,
    /// Office close, local time: a deadline is the close of its last working day.
    pub office_close: String,
    /// What a year without a table means: `provisional` (the default: computed from the
    /// statutory holiday rules, every answer using it flagged `provisional`), `error`
    /// (refused) or `weekends_only`.
    pub fallback: String,
    /// Years that have a holiday table.
    pub covered_years: Vec<i32>,
}

fn row_view(r: holiday_table::Model) -> ApiResult<HolidayYear> {
    let t = cs::table_from_row(&r).map_err(ApiError::Internal)?;
    Ok(HolidayYear {
        year: r.year,
        holidays: t.holidays().to_vec(),
        makeup_workdays: t.makeup_workdays().to_vec(),
        source: r.source,
        updated_at: r.updated_at,
        updated_by: r.updated_by,
    })
}

fn check_year(year: i32) -> ApiResult<()> {
    if (2000..=2100).contains(&year) {
        Ok(())
    } else {
        Err(ApiError::validation(
            "year",
            format!("{year} is outside 2000–2100"),
        ))
    }
}

/// Calendar settings: time zone, office hours (the working day's boundary), fallback, covered years.
#[utoipa::path(get, path = "/v1/calendar", tag = "calendar", security(("bearer_auth" = [])), responses((status = 200, body = CalendarSettings)))]
pub async fn settings(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    _user: AuthUser,
) -> HttpResponse {
    let cal = state.calendar();
    HttpResponse::Ok().json(CalendarSettings {
        time_zone: "Asia/Shanghai".into(),
        office_open: cal.hours().open.to_string(),
        office_close: cal.hours().close.to_string(),
        fallback: match cal.fallback() {
            calendar::Fallback::Error => "error".into(),
            calendar::Fallback::WeekendsOnly => "weekends_only".into(),
            calendar::Fallback::Provisional => "provisional".into(),
        },
        covered_years: cal.covered_years(),
    })
}

/// Every year that has a holiday table.
#[utoipa::path(get, path = "/v1/calendar/years", tag = "calendar", security(("bearer_auth" = [])), responses((status = 200, body = Vec<HolidayYear>)))]
pub async fn list_years(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    _user: AuthUser,
) -> ApiResult<HttpResponse> {
    let rows = holiday_table::Entity::find()
        .order_by_asc(holiday_table::Column::Year)
        .all(&state.db)
        .await?;
    let out = rows
        .into_iter()
        .map(row_view)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(out))
}

/// One year's holiday table.
#[utoipa::path(get, path = "/v1/calendar/years/{year}", tag = "calendar", params(("year" = i32, Path, minimum = 2000, maximum = 2100, description = "the calendar year, 2000–2100")), security(("bearer_auth" = [])), responses(
    (status = 200, body = HolidayYear),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn get_year(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    _user: AuthUser,
    year: web::Path<i32>,
) -> ApiResult<web::Json<HolidayYear>> {
    let year = year.into_inner();
    let row = holiday_table::Entity::find_by_id(year)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("holiday table", year))?;
    Ok(web::Json(row_view(row)?))
}

/// Replace a year's holiday table (system administrator). Refused with 422 naming the date when the table
/// overlaps itself, lists a make-up day that is not a weekend, or a date outside the year.
#[utoipa::path(put, path = "/v1/calendar/years/{year}", tag = "calendar", params(("year" = i32, Path, minimum = 2000, maximum = 2100, description = "the calendar year, 2000–2100")), request_body = HolidayYearInput, security(("bearer_auth" = [])), responses(
    (status = 200, body = HolidayYearPublished),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
))]
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction calendar.put_year", db.operation = "calendar.put_year"))]
pub async fn put_year(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    year: web::Path<i32>,
    body: ValidJson<HolidayYearInput>,
) -> ApiResult<web::Json<HolidayYearPublished>> {
    user.require(&[Role::Sysadmin])?;
    let year = year.into_inner();
    check_year(year)?;
    let input = body.into_inner();
    let table = HolidayTable::new(year, input.holidays.clone(), input.makeup_workdays.clone())
        .map_err(|e| cs::table_error(e, &input.holidays, &input.makeup_workdays))?;
    let now = state.now();
    let txn = state.db.begin().await?;
    let before = holiday_table::Entity::find_by_id(year)
        .one(&txn)
        .await?
        .map(row_view)
        .transpose()?;
    if let Some(old) = &before {
        refuse_rewriting_closed_cases(&txn, old, &table, state.now()).await?;
    }
    cs::upsert_year(&txn, &table, &user.name, now).await?;
    let row = holiday_table::Entity::find_by_id(year)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::Internal("year vanished".into()))?;
    let view = row_view(row)?;
    audit::record(
        &txn,
        &user,
        now,
        Change::new("replace", "holiday_table", year)
            .before(&before)
            .after(&view),
    )
    .await?;
    txn.commit().await?;
    crate::startup::reload_calendar(&state)
        .await
        .map_err(ApiError::Internal)?;
    // Re-plan the open clocks that reach into the year (bounded batches; a retry of this PUT
    // finishes a re-plan that was cut short, since re-planned branches are left as they are).
    let replan =
        crate::cases::replan::replan_year(&state.db, &state.timing(), year, state.now()).await?;
    if replan.replanned > 0 {
        state.announce_events();
    }
    Ok(web::Json(HolidayYearPublished { year: view, replan }))
}

/// A correction may change days still to come, or past days no decided branch ran over: a
/// closed case's times are its record (its statistics and scores rest on them), so a table
/// that would re-plan one is refused, naming the first such day.
async fn refuse_rewriting_closed_cases<C: sea_orm::ConnectionTrait>(
    c: &C,
    old: &HolidayYear,
    new: &HolidayTable,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    use crate::entities::branch;
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    use std::collections::BTreeSet;
    let set = |a: &[NaiveDate], b: &[NaiveDate]| -> BTreeSet<(NaiveDate, bool)> {
        a.iter()
            .map(|d| (*d, true))
            .chain(b.iter().map(|d| (*d, false)))
            .collect()
    };
    let before = set(&old.holidays, &old.makeup_workdays);
    let after = set(new.holidays(), new.makeup_workdays());
    let today = calendar::local_date(now);
    let changed: BTreeSet<NaiveDate> = before
        .symmetric_difference(&after)
        .map(|(d, _)| *d)
        .filter(|d| *d < today)
        .collect();
    for day in changed {
        let start = calendar::local_midnight(day);
        let end = day
            .succ_opt()
            .map(calendar::local_midnight)
            .unwrap_or(start);
        let closed = branch::Entity::find()
            .filter(branch::Column::DecidedAt.is_not_null())
            .filter(branch::Column::OpenedAt.lt(end))
            .filter(branch::Column::DecidedAt.gte(start))
            .count(c)
            .await?;
        if closed > 0 {
            return Err(ApiError::conflict_on(
                "calendar_closed_cases",
                "holidays",
                format!("{day} has passed and {closed} decided branch(es) ran over it: changing it would re-plan closed cases, whose times are their record; correct only days still to come"),
            ));
        }
    }
    Ok(())
}

/// A year's table as stored, and what publishing it re-planned.
#[derive(Debug, Serialize, ToSchema)]
pub struct HolidayYearPublished {
    #[serde(flatten)]
    pub year: HolidayYear,
    /// Open branches re-planned on the new table.
    pub replan: crate::cases::replan::ReplanReport,
}

/// How a limit is counted.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum UnitParam {
    #[default]
    WorkingDays,
    NaturalDays,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeadlineQuery {
    /// The moment of acceptance, RFC 3339 (e.g. `2026-02-12T10:00:00+08:00`).
    pub accepted_at: DateTime<Utc>,
    /// The limit, 0–365 days (0 = 即办件, same day).
    #[param(minimum = 0, maximum = 365)]
    pub days: i64,
    #[serde(default)]
    #[param(inline)]
    pub unit: UnitParam,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Deadline {
    pub accepted_at: DateTime<Utc>,
    pub days: u32,
    /// The due moment: office close of the last working day (UTC).
    pub due_at: DateTime<Utc>,
    /// The same moment in Asia/Shanghai.
    pub due_local: String,
    /// The default early-warning moment (2/3 of the working time used).
    pub warn_at: DateTime<Utc>,
    /// The answer used a year whose holiday table is not published yet (computed from the
    /// statutory holiday rules).
    pub provisional: bool,
}

/// Compute a statutory deadline, as the e-supervision clock does (no pauses).
#[utoipa::path(get, path = "/v1/calendar/deadline", tag = "calendar", params(DeadlineQuery), security(("bearer_auth" = [])), responses(
    (status = 200, body = Deadline),
    (status = 422, description = "bad limit, or a year without a holiday table (`calendar_year_missing`)", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn deadline(
    state: web::Data<AppState>,
    _user: AuthUser,
    q: ValidQuery<DeadlineQuery>,
) -> ApiResult<web::Json<Deadline>> {
    let q = q.into_inner();
    if !(0..=365).contains(&q.days) {
        return Err(ApiError::validation("days", "must be between 0 and 365"));
    }
    let unit = match q.unit {
        UnitParam::WorkingDays => LimitUnit::WorkingDays,
        UnitParam::NaturalDays => LimitUnit::NaturalDays,
    };
    let cal = state.calendar();
    let clock = StatutoryClock::start(q.accepted_at, q.days as u32, unit, WarnRule::default());
    let due = clock
        .due_at(&cal)
        .map_err(cs::compute_error)?
        .ok_or_else(|| ApiError::Internal("running clock has no due moment".into()))?;
    let warn = clock
        .warn_at(&cal)
        .map_err(cs::compute_error)?
        .ok_or_else(|| ApiError::Internal("running clock has no warning moment".into()))?;
    Ok(web::Json(Deadline {
        accepted_at: q.accepted_at,
        days: q.days as u32,
        due_at: due,
        due_local: due.with_timezone(&chrono_tz::Asia::Shanghai).to_rfc3339(),
        warn_at: warn,
        provisional: cal.is_provisional_between(q.accepted_at, due),
    }))
}
