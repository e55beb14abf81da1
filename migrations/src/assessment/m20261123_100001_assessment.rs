//! The assessment service's tables: the feed cursor and the facts it applies, indicator
//! systems, manual scores, ratings and callbacks, quarterly results with revisions,
//! rectification orders, the outbox and the job ledger.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

pub(super) fn id(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}
pub(super) fn int(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .integer()
        .not_null()
        .to_owned()
}
pub(super) fn int_null(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name)).integer().null().to_owned()
}
pub(super) fn big(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .big_integer()
        .not_null()
        .to_owned()
}
pub(super) fn text(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .text()
        .not_null()
        .to_owned()
}
pub(super) fn text_null(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name)).text().null().to_owned()
}
pub(super) fn string(name: &str, len: u32) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .string_len(len)
        .not_null()
        .to_owned()
}
pub(super) fn ts(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}
pub(super) fn ts_null(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}
pub(super) fn boolean(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .boolean()
        .not_null()
        .default(false)
        .to_owned()
}
pub(super) fn pk_int(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .integer()
        .not_null()
        .primary_key()
        .to_owned()
}

pub(super) async fn table(
    m: &SchemaManager<'_>,
    name: &str,
    cols: Vec<ColumnDef>,
) -> Result<(), DbErr> {
    let mut t = Table::create();
    t.table(Alias::new(name));
    for mut c in cols {
        t.col(&mut c);
    }
    m.create_table(t.to_owned()).await
}

pub(super) async fn index(
    m: &SchemaManager<'_>,
    name: &str,
    table: &str,
    cols: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut i = Index::create();
    i.name(name).table(Alias::new(table));
    for c in cols {
        i.col(Alias::new(*c));
    }
    if unique {
        i.unique();
    }
    m.create_index(i.to_owned()).await
}

const TABLES: [&str; 18] = [
    "feed_cursor",
    "a_cases",
    "a_branches",
    "a_cards",
    "a_complaints",
    "a_claims",
    "a_departments",
    "indicator_systems",
    "manual_scores",
    "adjustments",
    "onsite_ratings",
    "haocha_ratings",
    "callback_samples",
    "callback_answers",
    "quarter_results",
    "department_scores",
    "rectifications",
    "job_runs",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        table(
            m,
            "feed_cursor",
            vec![
                pk_int("id"),
                big("last_seq"),
                big("head_seq"),
                ts_null("last_poll_at"),
                text_null("last_error"),
                ts("updated_at"),
            ],
        )
        .await?;
        table(
            m,
            "a_cases",
            vec![
                pk_int("case_id"),
                string("case_no", 32),
                string("applicant_kind", 16),
                ts("accepted_at"),
                string("state", 32),
                ts("updated_at"),
            ],
        )
        .await?;
        table(
            m,
            "a_branches",
            vec![
                pk_int("branch_id"),
                int("case_id"),
                int("department_id"),
                int("item_id"),
                ts("opened_at"),
                ts_null("due_at"),
                ts_null("decided_at"),
                ColumnDef::new(Alias::new("outcome"))
                    .string_len(16)
                    .null()
                    .to_owned(),
            ],
        )
        .await?;
        index(
            m,
            "idx_a_branches_dept",
            "a_branches",
            &["department_id", "opened_at"],
            false,
        )
        .await?;
        table(
            m,
            "a_cards",
            vec![
                id("id"),
                string("card_key", 64),
                int("case_id"),
                int("department_id"),
                string("level", 32),
                ts("issued_at"),
            ],
        )
        .await?;
        index(m, "uq_a_cards_key", "a_cards", &["card_key"], true).await?;
        table(
            m,
            "a_complaints",
            vec![
                pk_int("complaint_id"),
                int("case_id"),
                int_null("department_id"),
                ts("filed_at"),
                string("status", 16),
                ts_null("due_at"),
                ts_null("answered_at"),
            ],
        )
        .await?;
        table(
            m,
            "a_claims",
            vec![
                pk_int("branch_id"),
                int("case_id"),
                int("department_id"),
                ts("pushed_at"),
                ts("due_at"),
                ts_null("claimed_at"),
                boolean("late"),
            ],
        )
        .await?;
        table(
            m,
            "a_departments",
            vec![
                pk_int("department_id"),
                string("code", 64),
                string("name", 200),
                text_null("head_email"),
                text_null("window_email"),
                ts("synced_at"),
            ],
        )
        .await?;

        table(
            m,
            "indicator_systems",
            vec![
                id("id"),
                string("key", 64),
                int("year_from"),
                text("definition"),
                ts("created_at"),
                string("created_by", 64),
            ],
        )
        .await?;
        index(
            m,
            "uq_indicator_systems_key",
            "indicator_systems",
            &["key"],
            true,
        )
        .await?;
        table(
            m,
            "manual_scores",
            vec![
                id("id"),
                int("department_id"),
                int("year"),
                int("quarter"),
                string("category", 64),
                big("points"),
                text("evidence"),
                string("entered_by", 64),
                ts("entered_at"),
            ],
        )
        .await?;
        index(
            m,
            "uq_manual_scores",
            "manual_scores",
            &["department_id", "year", "quarter", "category"],
            true,
        )
        .await?;
        table(
            m,
            "adjustments",
            vec![
                id("id"),
                int("department_id"),
                int("year"),
                int("quarter"),
                string("kind", 16),
                big("points"),
                text("reason"),
                string("entered_by", 64),
                ts("entered_at"),
            ],
        )
        .await?;
        table(
            m,
            "onsite_ratings",
            vec![
                id("id"),
                int("case_id"),
                int("department_id"),
                string("level", 32),
                ts("rated_at"),
            ],
        )
        .await?;
        table(
            m,
            "haocha_ratings",
            vec![
                id("id"),
                int("case_id"),
                string("applicant_id", 32),
                int_null("department_id"),
                string("level", 32),
                ts("rated_at"),
            ],
        )
        .await?;
        index(
            m,
            "uq_haocha_case_applicant",
            "haocha_ratings",
            &["case_id", "applicant_id"],
            true,
        )
        .await?;
        table(
            m,
            "callback_samples",
            vec![
                id("id"),
                int("department_id"),
                int("year"),
                int("quarter"),
                big("seed"),
                int("population"),
                text("case_ids"),
                ts("drawn_at"),
                string("drawn_by", 64),
            ],
        )
        .await?;
        index(
            m,
            "uq_callback_samples",
            "callback_samples",
            &["department_id", "year", "quarter"],
            true,
        )
        .await?;
        table(
            m,
            "callback_answers",
            vec![
                id("id"),
                int("sample_id"),
                int("case_id"),
                string("level", 32),
                ts("answered_at"),
            ],
        )
        .await?;
        index(
            m,
            "uq_callback_answers",
            "callback_answers",
            &["sample_id", "case_id"],
            true,
        )
        .await?;

        table(
            m,
            "quarter_results",
            vec![
                id("id"),
                int("year"),
                int("quarter"),
                int("revision"),
                string("system_key", 64),
                string("status", 16),
                text_null("reason"),
                string("author", 64),
                ts("created_at"),
                ColumnDef::new(Alias::new("approved_by"))
                    .string_len(64)
                    .null()
                    .to_owned(),
                ts_null("approved_at"),
                ts_null("published_at"),
            ],
        )
        .await?;
        index(
            m,
            "uq_quarter_results_rev",
            "quarter_results",
            &["year", "quarter", "revision"],
            true,
        )
        .await?;
        table(
            m,
            "department_scores",
            vec![
                id("id"),
                int("result_id"),
                int("department_id"),
                big("total"),
                string("grade", 16),
                text("breakdown"),
            ],
        )
        .await?;
        index(
            m,
            "uq_department_scores",
            "department_scores",
            &["result_id", "department_id"],
            true,
        )
        .await?;
        table(
            m,
            "rectifications",
            vec![
                id("id"),
                string("kind", 32),
                string("source_ref", 64),
                int("department_id"),
                ts("due_at"),
                string("status", 16),
                text_null("text"),
                text_null("attachment_ref"),
                ts_null("submitted_at"),
                ColumnDef::new(Alias::new("decided_by"))
                    .string_len(64)
                    .null()
                    .to_owned(),
                ts_null("decided_at"),
                text_null("decision_note"),
                ts_null("reminded_at"),
                ts_null("escalated_at"),
                ts("created_at"),
            ],
        )
        .await?;
        index(
            m,
            "uq_rectifications_source",
            "rectifications",
            &["kind", "source_ref", "department_id"],
            true,
        )
        .await?;
        table(
            m,
            "job_runs",
            vec![
                id("id"),
                string("job", 48),
                string("tick", 32),
                string("runner", 64),
                ts("started_at"),
                ts_null("finished_at"),
            ],
        )
        .await?;
        index(m, "uq_a_job_runs", "job_runs", &["job", "tick"], true).await?;
        crate::outbox_tables(m).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in TABLES.iter().chain(["notices", "notice_attempts"].iter()) {
            m.drop_table(Table::drop().table(Alias::new(*t)).to_owned())
                .await?;
        }
        Ok(())
    }
}
