//! 三权分立 (separation of the administrators' duties) and the administrators' second factor.
//!
//! - The single `admin` role splits into `sysadmin` (accounts of the business roles,
//!   configuration), `secadmin` (roles, administrators' accounts, lockouts, second factors)
//!   and `auditor` (the audit trail). Every existing `admin` becomes a `sysadmin`, and its
//!   `token_version` is raised so the tokens it holds (which say `admin`) end at once; the
//!   security administrator and the auditor are new accounts a security administrator (the
//!   bootstrap account) creates.
//! - `users.totp_secret` (base32, RFC 6238; set when enrolment starts),
//!   `users.totp_confirmed_at` (the second factor is on once the first code was right) and
//!   `users.totp_last_step` (the last 30-second step a code was accepted for: a code is never
//!   accepted twice, RFC 6238 §5.2).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Role,
    TokenVersion,
    TotpSecret,
    TotpConfirmedAt,
    TotpLastStep,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.exec_stmt(
            Query::update()
                .table(Users::Table)
                .value(Users::Role, "sysadmin")
                .value(Users::TokenVersion, Expr::col(Users::TokenVersion).add(1))
                .and_where(Expr::col(Users::Role).eq("admin"))
                .to_owned(),
        )
        .await?;
        // One column per ALTER: SQLite adds one at a time.
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(ColumnDef::new(Users::TotpSecret).string_len(64).null())
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(
                    ColumnDef::new(Users::TotpConfirmedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(ColumnDef::new(Users::TotpLastStep).big_integer().null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            Users::TotpLastStep,
            Users::TotpConfirmedAt,
            Users::TotpSecret,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        m.exec_stmt(
            Query::update()
                .table(Users::Table)
                .value(Users::Role, "admin")
                .and_where(Expr::col(Users::Role).is_in(["sysadmin", "secadmin", "auditor"]))
                .to_owned(),
        )
        .await
    }
}
