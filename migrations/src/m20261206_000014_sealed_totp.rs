//! The administrators' TOTP secrets sealed at rest like the applicant data (the approval
//! service's `cases::vault`, associated data `users.totp_secret`): `users.totp_secret` widens
//! to 128 characters on PostgreSQL (SQLite does not enforce a length). A secret stored before
//! (in the clear) still reads as it is; the next enrolment stores a sealed one.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    TotpSecret,
    TotpConfirmedAt,
    TotpLastStep,
}

async fn secret_length(m: &SchemaManager<'_>, len: u32) -> Result<(), DbErr> {
    if m.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    m.alter_table(
        Table::alter()
            .table(Users::Table)
            .modify_column(ColumnDef::new(Users::TotpSecret).string_len(len).null())
            .to_owned(),
    )
    .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        secret_length(m, 128).await
    }

    /// Back to 64 characters: sealed secrets no longer fit, so they are removed first (their
    /// owners sign in with the password alone and enrol again).
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.exec_stmt(
            Query::update()
                .table(Users::Table)
                .value(Users::TotpSecret, Option::<String>::None)
                .value(
                    Users::TotpConfirmedAt,
                    Option::<sea_orm_migration::sea_orm::prelude::DateTimeUtc>::None,
                )
                .value(Users::TotpLastStep, Option::<i64>::None)
                .and_where(Expr::col(Users::TotpSecret).like("v1:%"))
                .to_owned(),
        )
        .await?;
        secret_length(m, 64).await
    }
}
