use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub code: String,
    pub category: String,
    pub name: String,
    pub legal_basis: String,
    pub department_id: i32,
    pub statutory_limit_days: i32,
    pub promised_limit_days: i32,
    pub limit_unit: String,
    pub location: String,
    /// JSON array of materials.
    pub materials: String,
    pub supervision_method: String,
    pub fee_standard: String,
    pub fee_basis: String,
    pub fee_amount_cents: i64,
    pub kind: String,
    pub completion_method: String,
    pub post_approval_department_id: Option<i32>,
    /// JSON array of flow steps.
    pub flow_steps: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
    /// `pause` or `restart` (重新计时): what a supplement does to the clock.
    pub supplement_policy: String,
    /// The power (权责清单) the item exercises.
    pub power_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
