//! What the public sees (办事指南, 办件查询, 结果公开): the count of public case lookups.
//!
//! - `public_lookups`: one row per lookup that was answered (200 or the shared 404; a lookup
//!   refused by the rate limit or as malformed is not a lookup and is not counted). `found`
//!   says whether the number and check code matched a case; then `case_id` names it,
//!   otherwise `case_no_hash` holds the hex SHA-256 of the normalised number that was asked
//!   (so repeated guesses at one number can be grouped without keeping what was typed). The
//!   client address is kept only as `address_hash` (hex SHA-256, keyed by the service's
//!   secret). No foreign key: the log never holds up a case.
//! - Indexed by `at` (counts per period) and `case_id`.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum PublicLookups {
    Table,
    Id,
    CaseId,
    CaseNoHash,
    Found,
    At,
    AddressHash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PublicLookups::Table)
                .col(
                    ColumnDef::new(PublicLookups::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(PublicLookups::CaseId).integer().null())
                .col(
                    ColumnDef::new(PublicLookups::CaseNoHash)
                        .string_len(64)
                        .null(),
                )
                .col(ColumnDef::new(PublicLookups::Found).boolean().not_null())
                .col(
                    ColumnDef::new(PublicLookups::At)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PublicLookups::AddressHash)
                        .string_len(64)
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_public_lookups_at")
                .table(PublicLookups::Table)
                .col(PublicLookups::At)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_public_lookups_case")
                .table(PublicLookups::Table)
                .col(PublicLookups::CaseId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PublicLookups::Table).to_owned())
            .await
    }
}
