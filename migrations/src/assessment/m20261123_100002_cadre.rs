//! Cadre evaluation (干部考核): weighting schemes as data, what each staff member did (from
//! the feed), and the year-end reviews assessors enter.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn col(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("weighting_schemes"))
                .col(
                    col("id")
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(col("key").string_len(64).not_null())
                .col(col("version").integer().not_null())
                .col(col("definition").text().not_null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .col(col("created_by").string_len(64).not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_weighting_schemes")
                .table(Alias::new("weighting_schemes"))
                .col(Alias::new("key"))
                .col(Alias::new("version"))
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("staff_actions"))
                .col(col("seq").big_integer().not_null().primary_key())
                .col(col("user_id").integer().not_null())
                .col(col("department_id").integer().not_null())
                .col(col("branch_id").integer().not_null())
                .col(col("case_id").integer().not_null())
                .col(col("kind").string_len(48).not_null())
                .col(col("at").timestamp_with_time_zone().not_null())
                .col(col("due_at").timestamp_with_time_zone().null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_staff_actions_user")
                .table(Alias::new("staff_actions"))
                .col(Alias::new("user_id"))
                .col(Alias::new("at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("staff_reviews"))
                .col(
                    col("id")
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(col("user_id").integer().not_null())
                .col(col("department_id").integer().not_null())
                .col(col("year").integer().not_null())
                .col(col("points").big_integer().not_null())
                .col(col("comment").text().not_null())
                .col(col("entered_by").string_len(64).not_null())
                .col(col("entered_at").timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_staff_reviews")
                .table(Alias::new("staff_reviews"))
                .col(Alias::new("user_id"))
                .col(Alias::new("year"))
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["staff_reviews", "staff_actions", "weighting_schemes"] {
            m.drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
        }
        Ok(())
    }
}
