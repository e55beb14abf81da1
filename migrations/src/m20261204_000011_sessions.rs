//! Sessions that can be ended (会话管理): a per-user token version and server-side refresh
//! tokens.
//!
//! - `users.token_version` (0 for every existing user): every access token carries the version
//!   it was issued at; deactivation, a password change, a role or department change and a
//!   logout raise it, and a token of an older version is refused.
//! - `refresh_tokens`: one row per refresh token, only its SHA-256 (`token_hash`), never the
//!   token. A sign-in starts a family (`family_id`, also the access tokens' `sid`); each
//!   refresh marks its token used (`used_at`) and adds the next one to the family; presenting
//!   a used token again revokes the whole family (`revoked_at`). `token_version` is the user's
//!   version when the token was issued: a refresh after a change is refused.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    TokenVersion,
}

#[derive(DeriveIden, Clone, Copy)]
enum RefreshTokens {
    Table,
    Id,
    UserId,
    FamilyId,
    TokenHash,
    TokenVersion,
    IssuedAt,
    ExpiresAt,
    UsedAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(
                    ColumnDef::new(Users::TokenVersion)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .to_owned(),
        )
        .await?;
        let ts = |c: RefreshTokens| {
            ColumnDef::new(c)
                .timestamp_with_time_zone()
                .not_null()
                .to_owned()
        };
        let ts_null = |c: RefreshTokens| {
            ColumnDef::new(c)
                .timestamp_with_time_zone()
                .null()
                .to_owned()
        };
        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .col(
                    ColumnDef::new(RefreshTokens::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(RefreshTokens::UserId).integer().not_null())
                .col(
                    ColumnDef::new(RefreshTokens::FamilyId)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(RefreshTokens::TokenHash)
                        .string_len(64)
                        .not_null()
                        .unique_key(),
                )
                .col(
                    ColumnDef::new(RefreshTokens::TokenVersion)
                        .integer()
                        .not_null(),
                )
                .col(ts(RefreshTokens::IssuedAt))
                .col(ts(RefreshTokens::ExpiresAt))
                .col(ts_null(RefreshTokens::UsedAt))
                .col(ts_null(RefreshTokens::RevokedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_refresh_tokens_family")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::FamilyId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_refresh_tokens_user")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(RefreshTokens::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .drop_column(Users::TokenVersion)
                .to_owned(),
        )
        .await
    }
}
