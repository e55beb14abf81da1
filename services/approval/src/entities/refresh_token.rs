//! One refresh token of a session (会话): only its SHA-256 is kept. See `crate::sessions`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    /// The session: every token of one sign-in shares it; also the access tokens' `sid`.
    pub family_id: String,
    /// Hex SHA-256 of the token.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// The user's `token_version` when this token was issued.
    pub token_version: i32,
    pub issued_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// When it was exchanged for the next one (a second use revokes the family).
    pub used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
