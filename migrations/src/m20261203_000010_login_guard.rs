//! Sign-in failure handling (登录失败处理, GB/T 22239-2019 8.1.4.1 b) and where a sign-in
//! came from.
//!
//! - `login_failures`: one row per account name (`account:<lower-case username>`, whether or
//!   not such a user exists, so that a lockout tells nothing about which names exist) and per
//!   client address (`address:<keyed SHA-256>`, never the address itself): the failures of the
//!   current count, when the count started, and until when it is locked. A success deletes the
//!   account's row; an admin's unlock deletes it too.
//! - `audit_log.source`: the client address of the request that made the entry (sign-ins,
//!   failures, lockouts, unlocks); empty for entries written before, or by the service itself.
//! - `users.password_changed_at`: when the password was last set (its age, for expiry);
//!   empty for users from before, whose age counts from `created_at`.
//! - `password_history`: the hashes a user's password replaced, newest by `replaced_at`
//!   (a new password may not be one of the last `PASSWORD_HISTORY`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum LoginFailures {
    Table,
    Key,
    Failures,
    WindowStartedAt,
    LockedUntil,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditLog {
    Table,
    Source,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    PasswordChangedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PasswordHistory {
    Table,
    Id,
    UserId,
    PasswordHash,
    ReplacedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(LoginFailures::Table)
                .col(
                    ColumnDef::new(LoginFailures::Key)
                        .string_len(160)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(LoginFailures::Failures).integer().not_null())
                .col(
                    ColumnDef::new(LoginFailures::WindowStartedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(LoginFailures::LockedUntil)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(AuditLog::Table)
                .add_column(ColumnDef::new(AuditLog::Source).string_len(64).null())
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(
                    ColumnDef::new(Users::PasswordChangedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PasswordHistory::Table)
                .col(
                    ColumnDef::new(PasswordHistory::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(PasswordHistory::UserId).integer().not_null())
                .col(
                    ColumnDef::new(PasswordHistory::PasswordHash)
                        .string_len(255)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PasswordHistory::ReplacedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_password_history_user")
                .table(PasswordHistory::Table)
                .col(PasswordHistory::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PasswordHistory::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .drop_column(Users::PasswordChangedAt)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(AuditLog::Table)
                .drop_column(AuditLog::Source)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(LoginFailures::Table).to_owned())
            .await
    }
}
