//! The supervisors' reports as files: the statistics of a period, the weekly notice (周通报)
//! and the monthly analysis (月分析) as `.xlsx` and `.csv`, the monthly analysis also as PDF
//! with bar charts. One source of numbers: every rendering, the JSON answer and the digest
//! mails (`jobs`) take their rows from [`digest`] / [`stats::query`].
//!
//! Periods are Asia/Shanghai calendar days. The weekly notice reports on an ISO week (Monday to
//! Sunday), the monthly analysis on a calendar month; without a period asked for, the last one
//! that has ended (what the scheduled mail sends).

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use platform::ApiError;
use reports::pdf::{BarChart, ChartReport, PdfFont, Series};
use reports::{Cell, Column, ColumnKind, Sheet};
use sea_orm::{DatabaseConnection, EntityTrait};
use serde::Serialize;
use utoipa::ToSchema;

use super::stats::{self, DepartmentStats};
use crate::entities::department;
use calendar::{local_date, local_midnight};

/// Which digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestKind {
    /// 周通报.
    Weekly,
    /// 月分析.
    Monthly,
}

impl DigestKind {
    /// The notice kind and job name.
    pub fn as_str(self) -> &'static str {
        match self {
            DigestKind::Weekly => "weekly_notice",
            DigestKind::Monthly => "monthly_analysis",
        }
    }

    /// The Chinese name (sheet names, file names).
    pub fn chinese(self) -> &'static str {
        match self {
            DigestKind::Weekly => "周通报",
            DigestKind::Monthly => "月分析",
        }
    }

    /// The ASCII file name stem for clients without RFC 5987.
    pub fn ascii(self) -> &'static str {
        match self {
            DigestKind::Weekly => "weekly-notice",
            DigestKind::Monthly => "monthly-analysis",
        }
    }
}

/// The years a report may be asked for (as the assessment's `year`).
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A reporting period: `[from, until)` in local days, and its label (`2026-W11`, `2026-03`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub label: String,
    pub from: NaiveDate,
    /// The first day after the period.
    pub until: NaiveDate,
}

impl Period {
    /// The ISO week `year`-W`week`.
    pub fn week(year: i32, week: u32) -> Option<Period> {
        let monday = NaiveDate::from_isoywd_opt(year, week, chrono::Weekday::Mon)?;
        Some(Period {
            label: format!("{year}-W{week:02}"),
            from: monday,
            until: monday + Duration::days(7),
        })
    }

    /// The calendar month.
    pub fn month(year: i32, month: u32) -> Option<Period> {
        let first = NaiveDate::from_ymd_opt(year, month, 1)?;
        let next = first.checked_add_months(chrono::Months::new(1))?;
        Some(Period {
            label: first.format("%Y-%m").to_string(),
            from: first,
            until: next,
        })
    }

    /// The last week or month that has ended by `now` (local time).
    pub fn last_ended(kind: DigestKind, now: DateTime<Utc>) -> Period {
        let day = local_date(now);
        match kind {
            DigestKind::Weekly => {
                let monday = day - Duration::days(day.weekday().num_days_from_monday() as i64);
                let reported = monday - Duration::days(7);
                let w = reported.iso_week();
                Period::week(w.year(), w.week()).unwrap_or(Period {
                    label: format!("{}-W{:02}", w.year(), w.week()),
                    from: reported,
                    until: monday,
                })
            }
            DigestKind::Monthly => {
                let first = NaiveDate::from_ymd_opt(day.year(), day.month(), 1).unwrap_or(day);
                let prev = first
                    .checked_sub_months(chrono::Months::new(1))
                    .unwrap_or(first);
                Period::month(prev.year(), prev.month()).unwrap_or(Period {
                    label: prev.format("%Y-%m").to_string(),
                    from: prev,
                    until: first,
                })
            }
        }
    }

    /// `2026-W11` (weekly) or `2026-03` (monthly); `field` names the parameter in the 422.
    pub fn parse(kind: DigestKind, s: &str, field: &str) -> Result<Period, ApiError> {
        let s = s.trim();
        let year_ok = |y: &str| y.len() == 4 && y.parse::<i32>().is_ok_and(|y| YEARS.contains(&y));
        let parsed = match kind {
            DigestKind::Weekly => s.split_once("-W").and_then(|(y, w)| {
                Period::week(y.parse().ok()?, w.parse().ok()?)
                    .filter(|_| year_ok(y) && w.len() == 2)
            }),
            DigestKind::Monthly => s.split_once('-').and_then(|(y, m)| {
                Period::month(y.parse().ok()?, m.parse().ok()?)
                    .filter(|_| year_ok(y) && m.len() == 2)
            }),
        };
        parsed.ok_or_else(|| {
            ApiError::validation(
                field,
                match kind {
                    DigestKind::Weekly => "an ISO week like 2026-W11, year 2000–2100",
                    DigestKind::Monthly => "a month like 2026-03, year 2000–2100",
                },
            )
        })
    }

    /// The last day of the period.
    pub fn to(&self) -> NaiveDate {
        self.until.pred_opt().unwrap_or(self.until)
    }
}

/// One department's figures with its name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentRow {
    /// The department's name (as it is now).
    pub department_name: String,
    #[serde(flatten)]
    pub stats: DepartmentStats,
}

/// 周通报 / 月分析: a period's figures per department.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Digest {
    /// `weekly_notice` or `monthly_analysis`.
    pub kind: String,
    /// `2026-W11` or `2026-03`.
    pub label: String,
    /// First day (Asia/Shanghai), inclusive.
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
    pub generated_at: DateTime<Utc>,
    /// Definitions: as `/v1/statistics`.
    pub departments: Vec<DepartmentRow>,
}

/// The names of all departments (deleted ones too: old figures keep their name).
pub async fn department_names(db: &DatabaseConnection) -> Result<HashMap<i32, String>, ApiError> {
    Ok(department::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect())
}

/// Rows with names.
pub fn named(rows: Vec<DepartmentStats>, names: &HashMap<i32, String>) -> Vec<DepartmentRow> {
    rows.into_iter()
        .map(|s| DepartmentRow {
            department_name: names
                .get(&s.department_id)
                .cloned()
                .unwrap_or_else(|| format!("部门 {}", s.department_id)),
            stats: s,
        })
        .collect()
}

/// The digest of `period`, as of `now`.
pub async fn digest(
    db: &DatabaseConnection,
    kind: DigestKind,
    period: &Period,
    now: DateTime<Utc>,
) -> Result<Digest, ApiError> {
    let rows = stats::query(
        db,
        local_midnight(period.from),
        local_midnight(period.until),
        None,
        now,
    )
    .await?;
    let names = department_names(db).await?;
    Ok(Digest {
        kind: kind.as_str().into(),
        label: period.label.clone(),
        from: period.from,
        to: period.to(),
        generated_at: now,
        departments: named(rows, &names),
    })
}

/// The statistics sheet: one row per department, every figure of [`DepartmentStats`].
pub fn stats_sheet(name: &str, rows: &[DepartmentRow]) -> Sheet {
    use ColumnKind::*;
    let mut sheet = Sheet::new(
        name,
        vec![
            Column::new("部门编号", Integer),
            Column::new("部门", Text),
            Column::new("受理件数", Integer),
            Column::new("办结件数", Integer),
            Column::new("即日办结件数", Integer),
            Column::new("提前办结件数", Integer),
            Column::new("按时办结件数", Integer),
            Column::new("超期办结件数", Integer),
            Column::new("在办超期件数", Integer),
            Column::new("即日办结率", Percent),
            Column::new("提前办结率", Percent),
            Column::new("按时办结率", Percent),
            Column::new("预警", Integer),
            Column::new("黄牌", Integer),
            Column::new("红牌", Integer),
            Column::new("超法定时限", Integer),
            Column::new("暂停超期", Integer),
            Column::new("发证超期", Integer),
            Column::new("未认领", Integer),
            Column::new("投诉", Integer),
        ],
    );
    for r in rows {
        let s = &r.stats;
        sheet.push(vec![
            s.department_id.into(),
            r.department_name.clone().into(),
            s.received.into(),
            s.finished.into(),
            s.same_day.into(),
            s.early.into(),
            s.on_time.into(),
            s.finished_late.into(),
            s.open_overdue.into(),
            s.same_day_rate.into(),
            s.early_rate.into(),
            s.on_time_rate.into(),
            s.warnings.into(),
            s.yellow_cards.into(),
            s.red_cards.into(),
            s.statutory_breaches.into(),
            s.pauses_overdue.into(),
            s.issuance_overdue.into(),
            s.unclaimed_cards.into(),
            s.complaints.into(),
        ]);
    }
    sheet
}

/// The 说明 sheet: what the report is, its period and when it was made (local time).
pub fn about_sheet(title: &str, from: NaiveDate, to: NaiveDate, at: DateTime<Utc>) -> Sheet {
    let mut sheet = Sheet::new(
        "说明",
        vec![
            Column::new("报表", ColumnKind::Text),
            Column::new("统计起始日", ColumnKind::Date),
            Column::new("统计截止日", ColumnKind::Date),
            Column::new("生成时间（北京时间）", ColumnKind::DateTime),
        ],
    );
    sheet.push(vec![
        title.into(),
        Cell::Date(from),
        Cell::Date(to),
        Cell::DateTime(at),
    ]);
    sheet
}

/// The digest's workbook: its figures, then 说明.
pub fn digest_xlsx(d: &Digest, kind: DigestKind) -> Result<Vec<u8>, ApiError> {
    let title = format!("{} {}", kind.chinese(), d.label);
    Ok(reports::table::xlsx(&[
        stats_sheet(kind.chinese(), &d.departments),
        about_sheet(&title, d.from, d.to, d.generated_at),
    ])?)
}

/// The digest's figures as CSV.
pub fn digest_csv(d: &Digest, kind: DigestKind) -> Result<Vec<u8>, ApiError> {
    Ok(reports::table::csv(&stats_sheet(
        kind.chinese(),
        &d.departments,
    ))?)
}

/// The file name (without extension) of a digest: `周通报-2026-W11`.
pub fn digest_file_name(d: &Digest, kind: DigestKind) -> (String, String) {
    (
        format!("{}-{}", kind.chinese(), d.label),
        format!("{}-{}", kind.ascii(), d.label),
    )
}

/// The monthly analysis as PDF: the table and two bar charts per department (completion rates;
/// warnings and cards).
pub fn digest_pdf(d: &Digest, kind: DigestKind, font: &PdfFont) -> Result<Vec<u8>, ApiError> {
    use ColumnKind::*;
    let month_title = match NaiveDate::parse_from_str(&format!("{}-01", d.label), "%Y-%m-%d") {
        Ok(m) if kind == DigestKind::Monthly => format!("{}年{}月", m.year(), m.month()),
        _ => d.label.clone(),
    };
    let mut table = Sheet::new(
        kind.chinese(),
        vec![
            Column::new("部门", Text),
            Column::new("受理", Integer),
            Column::new("办结", Integer),
            Column::new("即日办结率", Percent),
            Column::new("提前办结率", Percent),
            Column::new("按时办结率", Percent),
            Column::new("超期", Integer),
            Column::new("黄牌", Integer),
            Column::new("红牌", Integer),
            Column::new("投诉", Integer),
        ],
    );
    for r in &d.departments {
        let s = &r.stats;
        table.push(vec![
            r.department_name.clone().into(),
            s.received.into(),
            s.finished.into(),
            s.same_day_rate.into(),
            s.early_rate.into(),
            s.on_time_rate.into(),
            (s.finished_late + s.open_overdue).into(),
            s.yellow_cards.into(),
            s.red_cards.into(),
            s.complaints.into(),
        ]);
    }
    let labels: Vec<String> = d
        .departments
        .iter()
        .map(|r| r.department_name.clone())
        .collect();
    let col = |f: fn(&DepartmentStats) -> Option<f64>| -> Vec<Option<f64>> {
        d.departments.iter().map(|r| f(&r.stats)).collect()
    };
    let generated = d
        .generated_at
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M");
    let report = ChartReport {
        title: format!("电子监察{} {month_title}", kind.chinese()),
        lines: vec![
            format!("统计期间：{} 至 {}（北京时间）", d.from, d.to),
            format!("生成时间：{generated}"),
            "办结率以本期办结件数为分母；无办结件时记为“—”。".into(),
        ],
        table,
        charts: vec![
            BarChart {
                title: "各部门办结率".into(),
                labels: labels.clone(),
                series: vec![
                    Series {
                        name: "按时办结率".into(),
                        color: (46, 125, 50),
                        values: col(|s| s.on_time_rate),
                    },
                    Series {
                        name: "即日办结率".into(),
                        color: (30, 100, 190),
                        values: col(|s| s.same_day_rate),
                    },
                ],
                percent: true,
            },
            BarChart {
                title: "各部门预警与亮牌".into(),
                labels,
                series: vec![
                    Series {
                        name: "预警".into(),
                        color: (150, 150, 150),
                        values: col(|s| Some(s.warnings as f64)),
                    },
                    Series {
                        name: "黄牌".into(),
                        color: (230, 180, 0),
                        values: col(|s| Some(s.yellow_cards as f64)),
                    },
                    Series {
                        name: "红牌".into(),
                        color: (200, 30, 30),
                        values: col(|s| Some(s.red_cards as f64)),
                    },
                ],
                percent: false,
            },
        ],
    };
    Ok(reports::pdf::render(&report, font)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_strictly() {
        let w = Period::parse(DigestKind::Weekly, "2026-W11", "week").unwrap();
        assert_eq!(w.from, NaiveDate::from_ymd_opt(2026, 3, 9).unwrap());
        assert_eq!(w.to(), NaiveDate::from_ymd_opt(2026, 3, 15).unwrap());
        let m = Period::parse(DigestKind::Monthly, "2026-02", "month").unwrap();
        assert_eq!(m.to(), NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
        for bad in ["2026-W54", "2026-11", "26-W11", "0001-W01", "2101-W01"] {
            assert!(
                Period::parse(DigestKind::Weekly, bad, "week").is_err(),
                "{bad}"
            );
        }
        for bad in ["2026-13", "2026-3", "2026-W11", "0001-01", "9999-12"] {
            assert!(
                Period::parse(DigestKind::Monthly, bad, "month").is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_last_ended_period_is_the_one_before_now() {
        let now: DateTime<Utc> = "2026-03-16T00:30:00Z".parse().unwrap(); // Mon 08:30 local
        assert_eq!(
            Period::last_ended(DigestKind::Weekly, now).label,
            "2026-W11"
        );
        let now: DateTime<Utc> = "2026-03-31T16:30:00Z".parse().unwrap(); // 1 Apr 00:30 local
        assert_eq!(
            Period::last_ended(DigestKind::Monthly, now).label,
            "2026-03"
        );
    }
}
