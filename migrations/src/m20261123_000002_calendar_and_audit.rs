//! Holiday tables (one row per year, editable by an admin) and the audit trail of admin changes.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum HolidayTables {
    Table,
    Year,
    Holidays,
    MakeupWorkdays,
    Source,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorId,
    ActorName,
    Action,
    Entity,
    EntityId,
    Before,
    After,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(HolidayTables::Table)
                .col(
                    ColumnDef::new(HolidayTables::Year)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(HolidayTables::Holidays).text().not_null())
                .col(
                    ColumnDef::new(HolidayTables::MakeupWorkdays)
                        .text()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(HolidayTables::Source)
                        .string_len(32)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(HolidayTables::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(HolidayTables::UpdatedBy)
                        .string_len(64)
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(
                    ColumnDef::new(AuditLog::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(AuditLog::At)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(AuditLog::ActorId).integer().null())
                .col(
                    ColumnDef::new(AuditLog::ActorName)
                        .string_len(64)
                        .not_null(),
                )
                .col(ColumnDef::new(AuditLog::Action).string_len(32).not_null())
                .col(ColumnDef::new(AuditLog::Entity).string_len(32).not_null())
                .col(ColumnDef::new(AuditLog::EntityId).string_len(64).not_null())
                .col(ColumnDef::new(AuditLog::Before).text().null())
                .col(ColumnDef::new(AuditLog::After).text().null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_audit_log_entity")
                .table(AuditLog::Table)
                .col(AuditLog::Entity)
                .col(AuditLog::EntityId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(HolidayTables::Table).to_owned())
            .await
    }
}
