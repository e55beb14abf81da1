//! Files that notices carry (`notice_attachments`, the outbox's third table): the 周通报's
//! spreadsheet, the 月分析's spreadsheet and PDF. Stored with the notice so that a retried
//! send still carries them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::notice_attachments_table(m).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_notice_attachments_table(m).await
    }
}
