//! Which working-day calendar a quarterly result was scored with.
//!
//! - `quarter_results.calendar_version`: the fingerprint of the holiday tables, office hours
//!   and fallback in use when the result was computed (the assessment service reads them from
//!   the approval service); NULL for results computed before this migration.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum QuarterResults {
    Table,
    CalendarVersion,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(QuarterResults::Table)
                .add_column(
                    ColumnDef::new(QuarterResults::CalendarVersion)
                        .string_len(64)
                        .null(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(QuarterResults::Table)
                .drop_column(QuarterResults::CalendarVersion)
                .to_owned(),
        )
        .await
    }
}
