//! Assessment results as files (季评比): a quarter's ranking and one department's indicator
//! breakdown as `.xlsx` and `.csv`, from the same [`ResultView`] the JSON answers carry (one
//! source of numbers), with Chinese sheet names and headers, scores as numbers with two
//! decimals.
//!
//! Who may read what is the JSON's rule: a result that is not published is for internal
//! readers only ([`results::get`]); a department's own staff (reviewers, approvers, clerks)
//! read their own department's breakdown only (403 for another's).

use chrono::{DateTime, Utc};
use platform::auth::{AuthUser, Role};
use platform::ApiError;
use reports::{Cell, Column, ColumnKind, Sheet};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::console::breakdown_cells;
use crate::results::{self, DepartmentResult, ResultView};

/// The Chinese name of a grade.
pub fn grade_name(grade: &str) -> &'static str {
    match grade {
        "excellent" => "优秀",
        "good" => "良好",
        "pass" => "合格",
        "fail" => "不合格",
        _ => "—",
    }
}

/// One indicator category of a department's score.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryPoints {
    pub key: String,
    /// The category's Chinese name.
    pub name: String,
    pub points: f64,
    pub max_points: f64,
}

/// One department's indicator breakdown in one result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentBreakdown {
    pub result_id: i32,
    pub year: i32,
    pub quarter: i32,
    pub revision: i32,
    pub status: String,
    pub published_at: Option<DateTime<Utc>>,
    pub department_id: i32,
    pub department_name: Option<String>,
    pub rank: usize,
    pub total: f64,
    pub grade: String,
    pub categories: Vec<CategoryPoints>,
    /// Bonus points counted (加分).
    pub bonus: f64,
    /// Deductions counted (扣分).
    pub deduction: f64,
    /// The stored score in full (as in `GET /v1/results/{id}`).
    #[schema(value_type = Object)]
    pub breakdown: serde_json::Value,
}

/// Department staff: the roles bound to a department.
fn department_staff(user: &AuthUser) -> bool {
    matches!(user.role, Role::Reviewer | Role::Approver | Role::Clerk)
}

/// The breakdown of `department_id` in result `id`, for `user`.
pub async fn department_breakdown(
    db: &DatabaseConnection,
    user: &AuthUser,
    id: i32,
    department_id: i32,
    now: DateTime<Utc>,
) -> Result<DepartmentBreakdown, ApiError> {
    if department_staff(user) {
        user.require_department(department_id)?;
    }
    let r = results::get(db, user, id, now).await?;
    let d = r
        .departments
        .iter()
        .find(|d| d.department_id == department_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("department in this result", department_id))?;
    Ok(breakdown_of(&r, d))
}

fn breakdown_of(r: &ResultView, d: DepartmentResult) -> DepartmentBreakdown {
    let (cells, bonus, deduction) = breakdown_cells(&d.breakdown);
    DepartmentBreakdown {
        result_id: r.id,
        year: r.year,
        quarter: r.quarter,
        revision: r.revision,
        status: r.status.clone(),
        published_at: r.published_at,
        department_id: d.department_id,
        department_name: d.department_name,
        rank: d.rank,
        total: d.total,
        grade: d.grade,
        categories: cells
            .into_iter()
            .map(|c| CategoryPoints {
                key: c.key,
                name: c.name,
                points: c.points,
                max_points: c.max_points,
            })
            .collect(),
        bonus,
        deduction,
        breakdown: d.breakdown,
    }
}

fn name_of(d: &DepartmentResult) -> String {
    d.department_name
        .clone()
        .unwrap_or_else(|| format!("部门 {}", d.department_id))
}

/// 季度排名: one row per department, best first.
pub fn ranking_sheet(r: &ResultView) -> Sheet {
    use ColumnKind::*;
    let mut sheet = Sheet::new(
        "季度排名",
        vec![
            Column::new("名次", Integer),
            Column::new("部门编号", Integer),
            Column::new("部门", Text),
            Column::new("总分", Decimal),
            Column::new("等次", Text),
        ],
    );
    for d in &r.departments {
        sheet.push(vec![
            (d.rank as u64).into(),
            d.department_id.into(),
            name_of(d).into(),
            d.total.into(),
            grade_name(&d.grade).into(),
        ]);
    }
    sheet
}

fn category_columns() -> Vec<Column> {
    use ColumnKind::*;
    vec![
        Column::new("部门编号", Integer),
        Column::new("部门", Text),
        Column::new("指标类别", Text),
        Column::new("得分", Decimal),
        Column::new("满分", Decimal),
    ]
}

fn push_categories(sheet: &mut Sheet, b: &DepartmentBreakdown) {
    let name = b
        .department_name
        .clone()
        .unwrap_or_else(|| format!("部门 {}", b.department_id));
    for c in &b.categories {
        sheet.push(vec![
            b.department_id.into(),
            name.clone().into(),
            c.name.clone().into(),
            c.points.into(),
            c.max_points.into(),
        ]);
    }
    for (label, v) in [("加分", b.bonus), ("扣分", -b.deduction)] {
        sheet.push(vec![
            b.department_id.into(),
            name.clone().into(),
            label.into(),
            v.into(),
            Cell::Empty,
        ]);
    }
}

/// 指标明细 of every department of a result.
pub fn all_categories_sheet(r: &ResultView) -> Sheet {
    let mut sheet = Sheet::new("指标明细", category_columns());
    for d in &r.departments {
        push_categories(&mut sheet, &breakdown_of(r, d.clone()));
    }
    sheet
}

/// One department's 指标明细.
pub fn department_sheet(b: &DepartmentBreakdown) -> Sheet {
    let mut sheet = Sheet::new("指标明细", category_columns());
    push_categories(&mut sheet, b);
    sheet
}

/// 说明: which result, its state, when it was published and when the file was made (local time).
pub fn about_sheet(
    r_year: i32,
    r_quarter: i32,
    revision: i32,
    status: &str,
    published_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Sheet {
    let mut sheet = Sheet::new(
        "说明",
        vec![
            Column::new("考核季度", ColumnKind::Text),
            Column::new("修订版本", ColumnKind::Integer),
            Column::new("状态", ColumnKind::Text),
            Column::new("发布时间（北京时间）", ColumnKind::DateTime),
            Column::new("生成时间（北京时间）", ColumnKind::DateTime),
        ],
    );
    sheet.push(vec![
        format!("{r_year}年第{r_quarter}季度").into(),
        revision.into(),
        status.into(),
        published_at.map(Cell::DateTime).unwrap_or(Cell::Empty),
        Cell::DateTime(now),
    ]);
    sheet
}
