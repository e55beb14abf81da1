//! The published versions of each item's service guide (办事指南版本): every create or edit of
//! an active item keeps the guide exactly as the public read it then, so a guide has a stable
//! address per version (`/public/guide/items/{code}/v/{n}`) that never changes under a reader.
//!
//! - `item_versions`: `item_id`, `version` (1, 2, … per item; unique together), `snapshot`
//!   (the published guide as JSON, department names included as they were), `published_at`.
//!   No foreign key: a hard-deleted item's rows are removed by the same transaction's code.
//! - Items that existed before this migration get version 1 when the service starts
//!   (`public::guide::backfill_versions`), from the item as it then is.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ItemVersions {
    Table,
    Id,
    ItemId,
    Version,
    Snapshot,
    PublishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ItemVersions::Table)
                .col(
                    ColumnDef::new(ItemVersions::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(ItemVersions::ItemId).integer().not_null())
                .col(ColumnDef::new(ItemVersions::Version).integer().not_null())
                .col(ColumnDef::new(ItemVersions::Snapshot).text().not_null())
                .col(
                    ColumnDef::new(ItemVersions::PublishedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_item_versions_item_version")
                .table(ItemVersions::Table)
                .col(ItemVersions::ItemId)
                .col(ItemVersions::Version)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ItemVersions::Table).to_owned())
            .await
    }
}
