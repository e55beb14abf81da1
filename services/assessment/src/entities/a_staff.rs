//! A window worker (窗口工作人员) as the approval service's staff register last said.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "a_staff")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub staff_id: i32,
    pub name: String,
    pub department_id: i32,
    pub window_no: Option<String>,
    /// `clerk`, `handler`, `chief_representative`, `window_lead`, `other`.
    pub post: String,
    pub assigned_from: Date,
    pub assigned_to: Option<Date>,
    pub user_id: Option<i32>,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
