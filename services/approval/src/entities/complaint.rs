//! A complaint (投诉) on a case: filing, assignment, answer, closing, and the supervisor's finding
//! (投诉认定), which may name the staff member complained about.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "complaints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub case_id: i32,
    pub case_no: String,
    pub complainant: String,
    pub contact: String,
    pub content: String,
    /// `open`, `assigned`, `answered`, `closed`.
    pub status: String,
    pub assigned_department_id: Option<i32>,
    pub assigned_by: Option<i32>,
    pub assigned_at: Option<DateTimeUtc>,
    pub due_at: Option<DateTimeUtc>,
    pub answer: Option<String>,
    pub answered_by: Option<i32>,
    pub answered_at: Option<DateTimeUtc>,
    pub closed_by: Option<i32>,
    pub closed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub version: i64,
    /// The supervisor's finding (投诉认定): `valid` or `invalid`; recorded once.
    pub finding: Option<String>,
    pub finding_reason: Option<String>,
    pub found_by: Option<i32>,
    pub found_at: Option<DateTimeUtc>,
    /// The staff member (窗口工作人员) the complaint was about, named with the finding.
    pub staff_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
