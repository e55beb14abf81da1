//! One calendar for both services: the working-day calendar (工作日历) the assessment service
//! computes with is the one the approval service publishes.
//!
//! The holiday tables an admin publishes in the approval service (`PUT /v1/calendar/years/{year}`)
//! are read through its API (`GET /v1/calendar/years` and the settings `GET /v1/calendar`:
//! office hours and the fallback for a year without a table) and kept in
//! [`AppState::calendar`]. They are loaded at start-up — when the approval service cannot be
//! reached then, the built-in tables with [`Fallback::Provisional`] are used and a warning is
//! logged; start-up never fails for it — and refreshed every `CALENDAR_REFRESH_SECONDS`
//! ([`spawn`]) or on demand ([`refresh`]). A failed refresh keeps the calendar in use.
//!
//! Each calendar has a [`CalendarVersion`]: a short fingerprint of what the answers depend on
//! (office hours, fallback, every table's year, holidays and make-up working days), so the
//! same tables give the same version in either service. A quarterly result records the
//! version it was scored with.

use std::time::Duration;

use calendar::{Fallback, HolidayTable, OfficeHours, WorkCalendar};
use chrono::{DateTime, NaiveTime, Utc};
use platform::ApiError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::approval_client::{ApprovalClient, CalendarSettings, HolidayYear};
use crate::state::AppState;

/// The calendar came from the approval service's API.
pub const SOURCE_APPROVAL: &str = "approval";
/// The calendar is the built-in copy (the approval service has not been reached yet).
pub const SOURCE_BUILTIN: &str = "builtin";

/// How long the start-up load waits for the approval service before going on with the
/// built-in tables.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(5);

/// Which calendar is in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CalendarVersion {
    /// Fingerprint of the calendar (16 hex digits): office hours, fallback and every table's
    /// year, holidays and make-up working days. Equal tables give equal versions.
    pub version: String,
    /// Years with a holiday table, ascending.
    pub years: Vec<i32>,
    /// `approval` (read from the approval service) or `builtin` (the shipped tables, with the
    /// `provisional` fallback, until the approval service is reached).
    pub source: String,
    /// When the tables were read from the approval service; null for `builtin`.
    pub fetched_at: Option<DateTime<Utc>>,
}

impl CalendarVersion {
    pub fn of(cal: &WorkCalendar, source: &str, fetched_at: Option<DateTime<Utc>>) -> Self {
        CalendarVersion {
            version: fingerprint(cal),
            years: cal.covered_years(),
            source: source.into(),
            fetched_at,
        }
    }
}

fn fallback_name(f: Fallback) -> &'static str {
    match f {
        Fallback::Error => "error",
        Fallback::WeekendsOnly => "weekends_only",
        Fallback::Provisional => "provisional",
    }
}

fn parse_fallback(s: &str) -> Result<Fallback, String> {
    match s {
        "error" => Ok(Fallback::Error),
        "weekends_only" => Ok(Fallback::WeekendsOnly),
        "provisional" => Ok(Fallback::Provisional),
        other => Err(format!(
            "calendar fallback `{other}` is not one of provisional, error, weekends_only"
        )),
    }
}

fn parse_time(what: &str, s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .map_err(|e| format!("calendar {what} `{s}` is not HH:MM:SS: {e}"))
}

/// The version string of a calendar: FNV-1a (64 bit) over a canonical text of its office
/// hours, fallback and tables (provisional years are computed from the statutory rules, so
/// the fallback names them). Stable across builds and platforms.
pub fn fingerprint(cal: &WorkCalendar) -> String {
    let hours = cal.hours();
    let mut text = format!(
        "tz={};hours={}-{};fallback={}",
        calendar::TIME_ZONE,
        hours.open,
        hours.close,
        fallback_name(cal.fallback())
    );
    for year in cal.covered_years() {
        let Some(t) = cal.table(year) else { continue };
        let dates = |ds: &[chrono::NaiveDate]| {
            ds.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        text.push_str(&format!(
            ";{year}:h={}:m={}",
            dates(t.holidays()),
            dates(t.makeup_workdays())
        ));
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The calendar used until the approval service is reached: the built-in tables, 09:00–17:00,
/// [`Fallback::Provisional`].
pub fn builtin() -> WorkCalendar {
    WorkCalendar::new(
        calendar::builtin_tables(),
        OfficeHours::default(),
        Fallback::Provisional,
    )
}

/// A calendar from the approval service's settings and tables; refused (with the reason) when
/// the settings or a table are not valid.
pub fn from_api(
    settings: &CalendarSettings,
    years: &[HolidayYear],
) -> Result<WorkCalendar, String> {
    if settings.time_zone != calendar::TIME_ZONE.name() {
        return Err(format!(
            "the approval service computes in time zone {}, this service only in {}",
            settings.time_zone,
            calendar::TIME_ZONE
        ));
    }
    let hours = OfficeHours::new(
        parse_time("office_open", &settings.office_open)?,
        parse_time("office_close", &settings.office_close)?,
    )
    .map_err(|e| format!("calendar office hours: {e}"))?;
    let fallback = parse_fallback(&settings.fallback)?;
    let tables = years
        .iter()
        .map(|y| {
            HolidayTable::new(y.year, y.holidays.clone(), y.makeup_workdays.clone())
                .map_err(|e| format!("holiday table {}: {e}", y.year))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(WorkCalendar::new(tables, hours, fallback))
}

/// Read the approval service's calendar.
pub async fn fetch(client: &ApprovalClient) -> Result<WorkCalendar, String> {
    let settings = client.calendar_settings().await?;
    let years = client.calendar_years().await?;
    from_api(&settings, &years)
}

/// Put `cal` in use (the calendar and its version together).
fn install(state: &AppState, cal: WorkCalendar, version: CalendarVersion) {
    let mut c = state.calendar.write().unwrap_or_else(|p| p.into_inner());
    let mut v = state
        .calendar_version
        .write()
        .unwrap_or_else(|p| p.into_inner());
    *c = cal;
    *v = version;
}

/// Read the approval service's calendar now and put it in use. On failure (503 when the
/// approval service cannot be reached or answers an error, 500 when its calendar is not
/// valid) the calendar in use is kept.
pub async fn refresh(state: &AppState) -> Result<CalendarVersion, ApiError> {
    let settings = state
        .approval
        .calendar_settings()
        .await
        .map_err(ApiError::Unavailable)?;
    let years = state
        .approval
        .calendar_years()
        .await
        .map_err(ApiError::Unavailable)?;
    let cal = from_api(&settings, &years).map_err(ApiError::Internal)?;
    let version = CalendarVersion::of(&cal, SOURCE_APPROVAL, Some(state.now()));
    let before = state.calendar_version();
    if before.version != version.version {
        tracing::info!(
            from = %before.version,
            to = %version.version,
            years = ?version.years,
            "calendar: now using the approval service's tables"
        );
    }
    install(state, cal, version.clone());
    Ok(version)
}

/// The start-up load: the approval service's calendar, or (unreachable, or no answer within
/// a few seconds) the built-in one kept with a warning.
pub async fn load_at_start(state: &AppState) {
    match tokio::time::timeout(STARTUP_TIMEOUT, refresh(state)).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::warn!(
            error = %e,
            approval = state.approval.base(),
            "calendar: approval service's tables not available at start; using the built-in tables (provisional fallback)"
        ),
        Err(_) => tracing::warn!(
            approval = state.approval.base(),
            "calendar: approval service did not answer at start; using the built-in tables (provisional fallback)"
        ),
    }
}

/// Refresh every `CALENDAR_REFRESH_SECONDS` (0: never) in the background.
pub fn spawn(state: AppState) {
    let every = state.settings.calendar_refresh_seconds;
    if every == 0 {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(every));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await; // the first tick is immediate; the start-up load just ran
        loop {
            tick.tick().await;
            if let Err(e) = refresh(&state).await {
                tracing::warn!(error = %e, "calendar: refresh failed; keeping the tables in use");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(fallback: &str) -> CalendarSettings {
        CalendarSettings {
            time_zone: "Asia/Shanghai".into(),
            office_open: "09:00:00".into(),
            office_close: "17:00:00".into(),
            fallback: fallback.into(),
            covered_years: vec![],
        }
    }

    fn year(y: i32, holidays: &[&str]) -> HolidayYear {
        HolidayYear {
            year: y,
            holidays: holidays.iter().map(|d| d.parse().unwrap()).collect(),
            makeup_workdays: vec![],
            source: "admin".into(),
            updated_at: None,
            updated_by: "admin".into(),
        }
    }

    #[test]
    fn the_version_follows_the_tables_and_settings() {
        let a = from_api(&settings("error"), &[year(2027, &["2027-01-01"])]).unwrap();
        let b = from_api(&settings("error"), &[year(2027, &["2027-01-01"])]).unwrap();
        let c = from_api(
            &settings("error"),
            &[year(2027, &["2027-01-01", "2027-01-04"])],
        )
        .unwrap();
        let d = from_api(&settings("provisional"), &[year(2027, &["2027-01-01"])]).unwrap();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_eq!(fingerprint(&a).len(), 16);
        assert_ne!(fingerprint(&a), fingerprint(&c));
        assert_ne!(fingerprint(&a), fingerprint(&d));
    }

    #[test]
    fn bad_settings_are_refused() {
        assert!(from_api(&settings("guess"), &[]).is_err());
        let mut s = settings("error");
        s.time_zone = "UTC".into();
        assert!(from_api(&s, &[]).is_err());
        let mut s = settings("error");
        s.office_close = "08:00:00".into();
        assert!(from_api(&s, &[]).is_err());
        assert!(from_api(&settings("error"), &[year(2027, &["2026-12-31"])]).is_err());
    }
}
