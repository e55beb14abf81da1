use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: String,
    pub department_id: Option<i32>,
    pub password_hash: String,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
    /// When the password was last set (`None`: before this was kept; count from `created_at`).
    pub password_changed_at: Option<DateTimeUtc>,
    /// Raised by every change that ends the user's sessions (see `crate::sessions`).
    pub token_version: i32,
    /// The second factor's secret (base32, RFC 6238), set when enrolment starts.
    pub totp_secret: Option<String>,
    /// When the second factor was confirmed: from then on a sign-in needs a code.
    pub totp_confirmed_at: Option<DateTimeUtc>,
    /// The last 30-second step a code was accepted for (never accepted twice).
    pub totp_last_step: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
