//! People and accountability (issue 15): the staff register as the approval feed tells it,
//! the inspector's entries, admonitions (效能告诫), accountability measures (责任追究), the
//! e-supervision bulletins (电子监察通报), the yearly staff review (总评定) and the staff
//! indicator systems (data, by the year they apply from); ratings,
//! complaints and self-examination orders (责令书面检查, on the rectification table) name
//! the person.

use sea_orm_migration::prelude::*;

use super::m20261123_100001_assessment::{
    id, index, int, int_null, string, table, text, ts, ts_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn string_null(name: &str, len: u32) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .string_len(len)
        .null()
        .to_owned()
}

fn date(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .date()
        .not_null()
        .to_owned()
}

fn date_null(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name)).date().null().to_owned()
}

/// The person named by a rating, a complaint or a self-examination order.
const STAFF_COLUMNS: [&str; 4] = [
    "onsite_ratings",
    "haocha_ratings",
    "a_complaints",
    "rectifications",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in STAFF_COLUMNS {
            let mut col = int_null("staff_id");
            m.alter_table(
                Table::alter()
                    .table(Alias::new(t))
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        table(
            m,
            "a_staff",
            vec![
                ColumnDef::new(Alias::new("staff_id"))
                    .integer()
                    .not_null()
                    .primary_key()
                    .to_owned(),
                string("name", 64),
                int("department_id"),
                string_null("window_no", 32),
                string("post", 32),
                date("assigned_from"),
                date_null("assigned_to"),
                int_null("user_id"),
                int("version"),
                ts("updated_at"),
            ],
        )
        .await?;
        index(m, "ix_a_staff_user", "a_staff", &["user_id"], false).await?;
        table(
            m,
            "staff_entries",
            vec![
                id("id"),
                int("staff_id"),
                string("aspect", 16),
                date("on_date"),
                string("kind", 32),
                int("points"),
                text("note"),
                text("evidence"),
                string("entered_by", 128),
                ts("entered_at"),
            ],
        )
        .await?;
        table(
            m,
            "admonitions",
            vec![
                id("id"),
                int_null("staff_id"),
                int("department_id"),
                text("facts"),
                text("text"),
                string("issued_by", 128),
                ts("issued_at"),
                string_null("acknowledged_by", 128),
                ts_null("acknowledged_at"),
            ],
        )
        .await?;
        table(
            m,
            "accountability_measures",
            vec![
                id("id"),
                int("staff_id"),
                int("department_id"),
                string("measure", 32),
                text("decision"),
                text("facts"),
                string("decided_by", 128),
                ts("decided_at"),
            ],
        )
        .await?;
        table(
            m,
            "bulletins",
            vec![
                id("id"),
                int("year"),
                int_null("number"),
                text("title"),
                date("period_from"),
                date("period_to"),
                text("body"),
                text("facts"),
                text("department_ids"),
                string("status", 16),
                string("drafted_by", 128),
                ts("drafted_at"),
                string_null("approved_by", 128),
                ts_null("approved_at"),
                string_null("published_by", 128),
                ts_null("published_at"),
            ],
        )
        .await?;
        index(
            m,
            "ux_bulletin_number",
            "bulletins",
            &["year", "number"],
            true,
        )
        .await?;
        table(
            m,
            "staff_years",
            vec![
                id("id"),
                int("year"),
                string("status", 16),
                text("rows"),
                string("computed_by", 128),
                ts("computed_at"),
                string_null("approved_by", 128),
                ts_null("approved_at"),
            ],
        )
        .await?;
        index(m, "ux_staff_year", "staff_years", &["year"], true).await?;
        table(
            m,
            "staff_systems",
            vec![
                id("id"),
                int("year_from"),
                text("definition"),
                ts("created_at"),
                string("created_by", 128),
            ],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "staff_systems",
            "staff_years",
            "bulletins",
            "accountability_measures",
            "admonitions",
            "staff_entries",
            "a_staff",
        ] {
            m.drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
        }
        for t in STAFF_COLUMNS {
            m.alter_table(
                Table::alter()
                    .table(Alias::new(t))
                    .drop_column(Alias::new("staff_id"))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
