//! Schema migrations (sea-orm-migration). The same migrations run on PostgreSQL and SQLite;
//! the services apply pending ones at start, and `make migrate` applies them alone.

pub use sea_orm_migration::prelude::*;

mod assessment;
pub use assessment::AssessmentMigrator;

mod m20261123_000001_catalogue;
mod m20261123_000002_calendar_and_audit;
mod m20261123_000003_cases;
mod m20261123_000004_supervision;
mod m20261201_000005_references;
mod m20261202_000006_facts;
mod m20261202_000007_staff;
mod m20261202_000008_public;
mod m20261202_000009_notice_attachments;
mod m20261202_000009_webhooks;
mod m20261203_000009_item_versions;
mod m20261203_000010_login_guard;
mod m20261204_000011_audit_chain;
mod m20261204_000011_sessions;
mod m20261205_000012_separation_of_duties;
mod m20261206_000013_sealed_applicants;
mod m20261206_000014_sealed_totp;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_catalogue::Migration),
            Box::new(m20261123_000002_calendar_and_audit::Migration),
            Box::new(m20261123_000003_cases::Migration),
            Box::new(m20261123_000004_supervision::Migration),
            Box::new(m20261201_000005_references::Migration),
            Box::new(m20261202_000006_facts::Migration),
            Box::new(m20261202_000007_staff::Migration),
            Box::new(m20261202_000008_public::Migration),
            Box::new(m20261202_000009_notice_attachments::Migration),
            Box::new(m20261202_000009_webhooks::Migration),
            Box::new(m20261203_000009_item_versions::Migration),
            Box::new(m20261203_000010_login_guard::Migration),
            Box::new(m20261204_000011_sessions::Migration),
            Box::new(m20261204_000011_audit_chain::Migration),
            Box::new(m20261205_000012_separation_of_duties::Migration),
            Box::new(m20261206_000013_sealed_applicants::Migration),
            Box::new(m20261206_000014_sealed_totp::Migration),
        ]
    }
}

/// The outbox tables (`notices`, `notice_attempts`) as the `outbox` crate expects them; the
/// approval service's migration 4 created the same columns for its own database.
pub async fn outbox_tables(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let ts = |n: &str| {
        ColumnDef::new(Alias::new(n))
            .timestamp_with_time_zone()
            .not_null()
            .to_owned()
    };
    let ts_null = |n: &str| {
        ColumnDef::new(Alias::new(n))
            .timestamp_with_time_zone()
            .null()
            .to_owned()
    };
    m.create_table(
        Table::create()
            .table(Alias::new("notices"))
            .col(
                ColumnDef::new(Alias::new("id"))
                    .integer()
                    .not_null()
                    .auto_increment()
                    .primary_key(),
            )
            .col(ColumnDef::new(Alias::new("kind")).string_len(32).not_null())
            .col(
                ColumnDef::new(Alias::new("dedup_key"))
                    .string_len(128)
                    .not_null()
                    .unique_key(),
            )
            .col(
                ColumnDef::new(Alias::new("subject"))
                    .string_len(400)
                    .not_null(),
            )
            .col(ColumnDef::new(Alias::new("body")).text().not_null())
            .col(ColumnDef::new(Alias::new("recipients")).text().not_null())
            .col(
                ColumnDef::new(Alias::new("status"))
                    .string_len(16)
                    .not_null(),
            )
            .col(ColumnDef::new(Alias::new("attempts")).integer().not_null())
            .col(ts("next_attempt_at"))
            .col(ts_null("lease_until"))
            .col(ColumnDef::new(Alias::new("last_error")).text().null())
            .col(ts_null("sent_at"))
            .col(ts("created_at"))
            .to_owned(),
    )
    .await?;
    m.create_table(
        Table::create()
            .table(Alias::new("notice_attempts"))
            .col(
                ColumnDef::new(Alias::new("id"))
                    .integer()
                    .not_null()
                    .auto_increment()
                    .primary_key(),
            )
            .col(ColumnDef::new(Alias::new("notice_id")).integer().not_null())
            .col(ts("at"))
            .col(ColumnDef::new(Alias::new("ok")).boolean().not_null())
            .col(ColumnDef::new(Alias::new("error")).text().null())
            .to_owned(),
    )
    .await
}

/// The outbox's `notice_attachments` table (files a notice's message carries), for both
/// services' databases: a row per file, `content` as BLOB (SQLite) / `bytea` (PostgreSQL),
/// deleted with its notice.
pub async fn notice_attachments_table(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table(Alias::new("notice_attachments"))
            .col(
                ColumnDef::new(Alias::new("id"))
                    .integer()
                    .not_null()
                    .auto_increment()
                    .primary_key(),
            )
            .col(ColumnDef::new(Alias::new("notice_id")).integer().not_null())
            .col(ColumnDef::new(Alias::new("position")).integer().not_null())
            .col(
                ColumnDef::new(Alias::new("filename"))
                    .string_len(255)
                    .not_null(),
            )
            .col(
                ColumnDef::new(Alias::new("content_type"))
                    .string_len(128)
                    .not_null(),
            )
            .col(ColumnDef::new(Alias::new("content")).blob().not_null())
            .foreign_key(
                ForeignKey::create()
                    .name("fk_notice_attachments_notice")
                    .from(Alias::new("notice_attachments"), Alias::new("notice_id"))
                    .to(Alias::new("notices"), Alias::new("id"))
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .to_owned(),
    )
    .await?;
    m.create_index(
        Index::create()
            .name("ix_notice_attachments_notice")
            .table(Alias::new("notice_attachments"))
            .col(Alias::new("notice_id"))
            .col(Alias::new("position"))
            .unique()
            .to_owned(),
    )
    .await
}

/// Drop [`notice_attachments_table`].
pub async fn drop_notice_attachments_table(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.drop_table(
        Table::drop()
            .table(Alias::new("notice_attachments"))
            .to_owned(),
    )
    .await
}
