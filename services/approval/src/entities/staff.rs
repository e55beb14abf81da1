//! A member of the staff register (窗口工作人员): one person's assignment to a department's
//! window in the hall, from one date to another (inclusive; open when `assigned_to` is null).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub department_id: i32,
    /// The window (e.g. `A12`), if the post has one.
    pub window_no: Option<String>,
    /// snake_case `StaffPost`.
    pub post: String,
    pub assigned_from: Date,
    /// Last day of the assignment (inclusive); null while it runs.
    pub assigned_to: Option<Date>,
    /// The user account of this person, if any.
    pub user_id: Option<i32>,
    /// 1 when created, +1 per change.
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
