//! What the public sees (issue 21): the check key of each case (the applicant's second
//! factor, hashed: `platform::identity::check_key`) for ratings given on the public pages, and
//! the catalogue items with whether their public guide is complete (for a computed 公开类).

use sea_orm_migration::prelude::*;

use super::m20261123_100001_assessment::{boolean, int, string, table, ts};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut col = ColumnDef::new(Alias::new("check_key"))
            .string_len(64)
            .null()
            .to_owned();
        m.alter_table(
            Table::alter()
                .table(Alias::new("a_cases"))
                .add_column(&mut col)
                .to_owned(),
        )
        .await?;
        table(
            m,
            "a_items",
            vec![
                ColumnDef::new(Alias::new("item_id"))
                    .integer()
                    .not_null()
                    .primary_key()
                    .to_owned(),
                string("code", 64),
                int("department_id"),
                boolean("active"),
                boolean("guide_complete"),
                ts("updated_at"),
            ],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Alias::new("a_items")).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Alias::new("a_cases"))
                .drop_column(Alias::new("check_key"))
                .to_owned(),
        )
        .await
    }
}
