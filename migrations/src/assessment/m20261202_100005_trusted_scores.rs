//! Scores that survive a hostile reading (issue 14): the facts behind each indicator and the
//! four-eyes workflow of a result.
//!
//! - `a_cases`: `applicant_key` (hashed identity, `platform::identity`), issuance moments
//!   (`issued_at` as the hall says, `issued_recorded_at` when it reached the platform) and the
//!   departments whose licences were issued.
//! - `a_branches.recorded_at`: when a decision reached the platform (`decided_at` is when it
//!   was made): 数据交换.
//! - `a_complaints.finding`/`found_at`: a supervisor's 有效/无效 finding.
//! - `a_powers`, `power_volumes`: the power list (权责清单) and volumes departments report
//!   handling elsewhere: 电子监察覆盖率 and 体外循环 suspicion.
//! - ratings: `onsite_ratings.visit_ref` (one rating per case and window visit, unique),
//!   `channel` on both rating tables, `idempotency_key` on on-the-spot ratings.
//! - callbacks: the committed seed basis and feed position; answers with comment, suggestion
//!   and who entered them.
//! - `quarter_results`: who computed, submitted and approved (user ids), and the publication
//!   due moment.
//! - `self_assessments`, `peer_reviews` (Liaocheng 部门自评、协作互评), `second_rounds`
//!   (二次考核, Hohhot).

use sea_orm_migration::prelude::*;

use super::m20261123_100001_assessment::{
    big, boolean, id, index, int, int_null, string, table, text, text_null, ts, ts_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn string_null(name: &str, len: u32) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .string_len(len)
        .null()
        .to_owned()
}

/// One ALTER per column: SQLite takes a single change per statement.
const NEW_COLUMNS: &[(&str, &str, &str)] = &[
    ("a_cases", "applicant_key", "s64"),
    ("a_cases", "issued_at", "ts"),
    ("a_cases", "issued_recorded_at", "ts"),
    ("a_cases", "issued_departments", "text"),
    ("a_branches", "recorded_at", "ts"),
    ("a_complaints", "finding", "s16"),
    ("a_complaints", "found_at", "ts"),
    ("onsite_ratings", "visit_ref", "s64"),
    ("onsite_ratings", "channel", "s32"),
    ("onsite_ratings", "idempotency_key", "s128"),
    ("haocha_ratings", "channel", "s32"),
    ("haocha_ratings", "comment", "text"),
    ("adjustments", "source", "text"),
    ("callback_samples", "seed_basis", "text"),
    ("callback_samples", "feed_seq", "big"),
    ("callback_answers", "comment", "text"),
    ("callback_answers", "suggestion", "text"),
    ("callback_answers", "answered_by", "s128"),
    ("quarter_results", "computed_by_id", "s64"),
    ("quarter_results", "submitted_by", "s128"),
    ("quarter_results", "submitted_by_id", "s64"),
    ("quarter_results", "submitted_at", "ts"),
    ("quarter_results", "approved_by_id", "s64"),
    ("quarter_results", "publication_due_at", "ts"),
];

fn nullable(name: &str, kind: &str) -> ColumnDef {
    match kind {
        "ts" => ts_null(name),
        "text" => text_null(name),
        "big" => ColumnDef::new(Alias::new(name))
            .big_integer()
            .null()
            .to_owned(),
        s => string_null(name, s.trim_start_matches('s').parse().unwrap_or(64)),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (t, c, kind) in NEW_COLUMNS {
            let mut col = nullable(c, kind);
            m.alter_table(
                Table::alter()
                    .table(Alias::new(*t))
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        index(
            m,
            "ux_onsite_case_visit",
            "onsite_ratings",
            &["case_id", "visit_ref"],
            true,
        )
        .await?;
        table(
            m,
            "a_powers",
            vec![
                ColumnDef::new(Alias::new("power_id"))
                    .integer()
                    .not_null()
                    .primary_key()
                    .to_owned(),
                int("department_id"),
                string("code", 64),
                text("name"),
                string("kind", 40),
                boolean("in_hall"),
                boolean("e_supervised"),
                string("status", 16),
                boolean("public"),
                text("item_ids"),
                int("version"),
                ts("updated_at"),
            ],
        )
        .await?;
        table(
            m,
            "power_volumes",
            vec![
                id("id"),
                int("department_id"),
                string("power_code", 64),
                int("year"),
                int("quarter"),
                big("count"),
                text("source"),
                string("entered_by", 128),
                ts("entered_at"),
            ],
        )
        .await?;
        index(
            m,
            "ux_power_volume",
            "power_volumes",
            &["power_code", "year", "quarter"],
            true,
        )
        .await?;
        table(
            m,
            "self_assessments",
            vec![
                id("id"),
                int("department_id"),
                int("year"),
                int("quarter"),
                int("score"),
                text("summary"),
                text("evidence"),
                string("submitted_by", 128),
                ts("submitted_at"),
            ],
        )
        .await?;
        index(
            m,
            "ux_self_assessment",
            "self_assessments",
            &["department_id", "year", "quarter"],
            true,
        )
        .await?;
        table(
            m,
            "peer_reviews",
            vec![
                id("id"),
                int("from_department_id"),
                int("to_department_id"),
                int("year"),
                int("quarter"),
                int("score"),
                text("comment"),
                string("rated_by", 128),
                ts("rated_at"),
            ],
        )
        .await?;
        index(
            m,
            "ux_peer_review",
            "peer_reviews",
            &["from_department_id", "to_department_id", "year", "quarter"],
            true,
        )
        .await?;
        table(
            m,
            "second_rounds",
            vec![
                id("id"),
                int("result_id"),
                int("year"),
                int("quarter"),
                int("department_id"),
                text("reason"),
                int("first_total"),
                ts("due_at"),
                string("status", 16),
                int_null("score"),
                text_null("evidence"),
                text_null("comment"),
                string_null("scored_by", 128),
                ts_null("scored_at"),
                ts("created_at"),
            ],
        )
        .await?;
        index(
            m,
            "ux_second_round",
            "second_rounds",
            &["year", "quarter", "department_id"],
            true,
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "second_rounds",
            "peer_reviews",
            "self_assessments",
            "power_volumes",
            "a_powers",
        ] {
            m.drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
        }
        m.drop_index(
            Index::drop()
                .name("ux_onsite_case_visit")
                .table(Alias::new("onsite_ratings"))
                .to_owned(),
        )
        .await?;
        for (t, c, _) in NEW_COLUMNS.iter().rev() {
            m.alter_table(
                Table::alter()
                    .table(Alias::new(*t))
                    .drop_column(Alias::new(*c))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
