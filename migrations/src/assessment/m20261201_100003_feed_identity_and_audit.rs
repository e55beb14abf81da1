//! The feed's identity and health, and an audit trail of what assessors enter.
//!
//! - `feed_cursor.epoch`: the approval feed's epoch the cursor belongs to (NULL until the
//!   first page is read); `halted`: why the consumer stopped (a different epoch), NULL while
//!   it runs; `failing_since`: the first failed poll of the current run of failures.
//! - `a_audit_log`: every correction and withdrawal of a manual score (and feed resets), with
//!   the row before and after, who and when.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FeedCursor {
    Table,
    Epoch,
    Halted,
    FailingSince,
}

#[derive(DeriveIden)]
enum AAuditLog {
    Table,
    Id,
    At,
    Actor,
    Action,
    Entity,
    EntityKey,
    Before,
    After,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            ColumnDef::new(FeedCursor::Epoch)
                .string_len(64)
                .null()
                .to_owned(),
            ColumnDef::new(FeedCursor::Halted).text().null().to_owned(),
            ColumnDef::new(FeedCursor::FailingSince)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(FeedCursor::Table)
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table(AAuditLog::Table)
                .col(
                    ColumnDef::new(AAuditLog::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(AAuditLog::At)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(AAuditLog::Actor).string_len(128).not_null())
                .col(ColumnDef::new(AAuditLog::Action).string_len(48).not_null())
                .col(ColumnDef::new(AAuditLog::Entity).string_len(48).not_null())
                .col(
                    ColumnDef::new(AAuditLog::EntityKey)
                        .string_len(200)
                        .not_null(),
                )
                .col(ColumnDef::new(AAuditLog::Before).text().null())
                .col(ColumnDef::new(AAuditLog::After).text().null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AAuditLog::Table).to_owned())
            .await?;
        for col in [
            FeedCursor::Epoch,
            FeedCursor::Halted,
            FeedCursor::FailingSince,
        ] {
            m.alter_table(
                Table::alter()
                    .table(FeedCursor::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
