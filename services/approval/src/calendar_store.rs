//! Holiday tables in the database: the shipped years are seeded at start (never overwriting an
//! admin's edit), an admin replaces a year's table, and the in-memory `WorkCalendar` is rebuilt
//! from the rows after every change (and periodically, for other replicas' edits).

use calendar::{builtin_tables, CalendarError, Fallback, HolidayTable, OfficeHours, WorkCalendar};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use platform::{ApiError, FieldError};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder, Set,
};

use crate::entities::holiday_table;

/// Parse `OFFICE_HOURS` (`HH:MM-HH:MM`) and `CALENDAR_FALLBACK` (`provisional`, the default:
/// a year without a published table is computed from the statutory holiday rules and flagged;
/// `error`: refused; `weekends_only`).
pub fn calendar_settings(
    office_hours: &str,
    fallback: &str,
) -> Result<(OfficeHours, Fallback), String> {
    let (open, close) = office_hours
        .split_once('-')
        .ok_or_else(|| format!("OFFICE_HOURS: expected HH:MM-HH:MM, got `{office_hours}`"))?;
    let t = |s: &str| {
        NaiveTime::parse_from_str(s.trim(), "%H:%M")
            .map_err(|_| format!("OFFICE_HOURS: `{s}` is not HH:MM"))
    };
    let hours = OfficeHours::new(t(open)?, t(close)?).map_err(|e| format!("OFFICE_HOURS: {e}"))?;
    let fallback = match fallback {
        "error" => Fallback::Error,
        "weekends_only" => Fallback::WeekendsOnly,
        "provisional" => Fallback::Provisional,
        other => {
            return Err(format!(
                "CALENDAR_FALLBACK: expected provisional, error or weekends_only, got `{other}`"
            ))
        }
    };
    Ok((hours, fallback))
}

fn dates_json(d: &[NaiveDate]) -> String {
    serde_json::to_string(d).unwrap_or_else(|_| "[]".into())
}

pub fn table_from_row(row: &holiday_table::Model) -> Result<HolidayTable, String> {
    let parse = |s: &str| {
        serde_json::from_str::<Vec<NaiveDate>>(s).map_err(|e| format!("year {}: {e}", row.year))
    };
    HolidayTable::new(
        row.year,
        parse(&row.holidays)?,
        parse(&row.makeup_workdays)?,
    )
    .map_err(|e| format!("year {}: {e}", row.year))
}

/// Insert the shipped tables for years that have no row yet.
pub async fn seed_builtin<C: ConnectionTrait>(
    c: &C,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    for t in builtin_tables() {
        if holiday_table::Entity::find_by_id(t.year())
            .one(c)
            .await?
            .is_some()
        {
            continue;
        }
        let res = holiday_table::ActiveModel {
            year: Set(t.year()),
            holidays: Set(dates_json(t.holidays())),
            makeup_workdays: Set(dates_json(t.makeup_workdays())),
            source: Set("builtin".into()),
            updated_at: Set(now),
            updated_by: Set("system".into()),
        }
        .insert(c)
        .await;
        // Another replica may have seeded the same year a moment ago: that is fine.
        if let Err(e) = res {
            if holiday_table::Entity::find_by_id(t.year())
                .one(c)
                .await?
                .is_none()
            {
                return Err(e);
            }
        }
    }
    Ok(())
}

/// Build the calendar from every stored year.
pub async fn load(
    db: &DatabaseConnection,
    hours: OfficeHours,
    fallback: Fallback,
) -> Result<WorkCalendar, String> {
    let rows = holiday_table::Entity::find()
        .order_by_asc(holiday_table::Column::Year)
        .all(db)
        .await
        .map_err(|e| e.to_string())?;
    let tables = rows
        .iter()
        .map(table_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(WorkCalendar::new(tables, hours, fallback))
}

/// Map a table's refusal to a 422 naming the date and where it stands in the request.
pub fn table_error(e: CalendarError, holidays: &[NaiveDate], makeup: &[NaiveDate]) -> ApiError {
    let field = e.date().map(|d| {
        if let Some(i) = makeup
            .iter()
            .position(|m| *m == d)
            .filter(|_| matches!(e, CalendarError::MakeupNotWeekend { .. }))
        {
            format!("makeup_workdays[{i}]")
        } else if let Some(i) = holidays.iter().rposition(|h| *h == d) {
            format!("holidays[{i}]")
        } else if let Some(i) = makeup.iter().rposition(|m| *m == d) {
            format!("makeup_workdays[{i}]")
        } else {
            "holidays".to_string()
        }
    });
    ApiError::Validation {
        code: "invalid_holiday_table",
        errors: vec![FieldError::new(
            field.unwrap_or_else(|| "holidays".into()),
            e.to_string(),
        )],
    }
}

/// Map a computation's refusal (a year without a table) to a clear 422.
pub fn compute_error(e: CalendarError) -> ApiError {
    match e {
        // The request named no year: the limit ran into it. No `field`, since nothing the
        // client sent is wrong; the message says what an admin must do.
        CalendarError::YearNotCovered { year } => ApiError::unprocessable(
            "calendar_year_missing",
            format!("the time limit runs into {year}, which has no holiday table yet; an admin must PUT /v1/calendar/years/{year} first"),
        ),
        other => ApiError::unprocessable("calendar_refused", other.to_string()),
    }
}

pub async fn upsert_year<C: ConnectionTrait>(
    c: &C,
    table: &HolidayTable,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let am = holiday_table::ActiveModel {
        year: Set(table.year()),
        holidays: Set(dates_json(table.holidays())),
        makeup_workdays: Set(dates_json(table.makeup_workdays())),
        source: Set("admin".into()),
        updated_at: Set(now),
        updated_by: Set(by.to_string()),
    };
    if holiday_table::Entity::find_by_id(table.year())
        .one(c)
        .await?
        .is_some()
    {
        am.update(c).await?;
    } else {
        am.insert(c).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_and_refuse() {
        let (h, f) = calendar_settings("08:30-17:30", "weekends_only").unwrap();
        assert_eq!(h.open, NaiveTime::from_hms_opt(8, 30, 0).unwrap());
        assert_eq!(f, Fallback::WeekendsOnly);
        assert!(calendar_settings("17:00-09:00", "error").is_err());
        assert!(calendar_settings("9-5", "error").is_err());
        assert!(calendar_settings("09:00-17:00", "guess").is_err());
    }

    #[test]
    fn table_errors_name_the_position() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let holidays = vec![d("2027-01-01"), d("2027-02-01")];
        let makeup = vec![d("2027-01-04")]; // a Monday
        let err = HolidayTable::new(2027, holidays.clone(), makeup.clone()).unwrap_err();
        match table_error(err, &holidays, &makeup) {
            ApiError::Validation { errors, .. } => {
                assert_eq!(errors[0].field, "makeup_workdays[0]");
                assert!(
                    errors[0].message.contains("2027-01-04"),
                    "{}",
                    errors[0].message
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
