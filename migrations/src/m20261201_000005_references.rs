//! References the database itself enforces, the feed's identity, and what a supplement waits for.
//!
//! - **Foreign keys** from cases, branches and e-supervision rows to the catalogue rows they
//!   name (`cases.bundle_id`, `cases.item_id`, `branches.item_id`, `branches.department_id`,
//!   `cards.department_id`, `claims.item_id`, `claims.department_id`,
//!   `complaints.assigned_department_id`), so no delete can leave a case pointing at nothing.
//!   PostgreSQL: `FOREIGN KEY … NOT VALID`, enforced for every new row and every delete from
//!   now on without failing the upgrade on rows an earlier release may have orphaned.
//!   SQLite cannot add a constraint to an existing table, so `BEFORE DELETE` triggers refuse
//!   the delete with SQLite's own foreign-key message.
//! - **`feed_meta`**: one row with the feed's epoch, a random id made when the database is
//!   first used, returned with every feed page, so a consumer can tell a new database from the
//!   one it was following.
//! - **`branches.pending_materials`**: the material codes a supplement request (补正) is still
//!   waiting for (JSON list), so only requested materials can be supplied.
//! - **`branches.supplement_requests`, `branches.supplement_allowed`**: how often the branch
//!   was sent back for supplement, and whether a supervisor allowed one more request (行政许可法
//!   第三十二条 asks for every missing material at once).
//! - **`branches.statutory_extra_days`, `statutory_due_at`, `statutory_breached`**: the
//!   statutory limit (法定期限) is clocked beside the promised one (承诺期限), with the same
//!   pauses and extensions: it runs `statutory − promised` days longer; its breach is its own
//!   card level (`statutory_breach`, 超法定时限).
//! - **`branches.pause_alert_at`, `pause_alerted`**: a pause is never a hiding place: the
//!   moment a branch waiting for supplement, or suspended past the expected end of its special
//!   procedure, raises its `pause_overdue` alert, and whether it did.
//! - **The case's own clock**: `cases.lead_department_id` (the bundle's lead department, 牵头部门,
//!   or the single item's department), `cases.alert_level`, `cases.next_alert_at` (the bundle's
//!   promise to the applicant: yellow and red cards to the lead department), and
//!   `cases.decided_at`, `cases.issuance_due_at` (送达/发证 within 10 working days of the
//!   decision, 行政许可法 第四十四条: an `issuance_overdue` card after it).
//! - **`cases.applicant_email`**: where written notices to the applicant go (延期告知).
//! - Existing rows are brought along: branches get their item's statutory extra days, cases their
//!   lead department, open bundle cases their clock (their statutory due moments are computed
//!   at their next command or sweep).
//! - **`items.supplement_policy`**: `pause` (default) or `restart` (重新计时).
//! - **`branches.provisional`, `cases.provisional`**: the stored moments were computed over a
//!   year without a published holiday table (from the statutory rules), so they will be
//!   re-planned when the table is published.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (child table, column, parent table).
const REFERENCES: [(&str, &str, &str); 8] = [
    ("cases", "bundle_id", "bundles"),
    ("cases", "item_id", "items"),
    ("branches", "item_id", "items"),
    ("branches", "department_id", "departments"),
    ("cards", "department_id", "departments"),
    ("claims", "item_id", "items"),
    ("claims", "department_id", "departments"),
    ("complaints", "assigned_department_id", "departments"),
];

#[derive(DeriveIden, Clone, Copy)]
enum FeedMeta {
    Table,
    Id,
    Epoch,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Branches {
    Table,
    PendingMaterials,
    Provisional,
    SupplementRequests,
    SupplementAllowed,
    StatutoryExtraDays,
    StatutoryDueAt,
    StatutoryBreached,
    PauseAlertAt,
    PauseAlerted,
}

#[derive(DeriveIden, Clone, Copy)]
enum Items {
    Table,
    SupplementPolicy,
}

#[derive(DeriveIden, Clone, Copy)]
enum Cases {
    Table,
    Provisional,
    LeadDepartmentId,
    AlertLevel,
    NextAlertAt,
    DecidedAt,
    IssuanceDueAt,
    ApplicantEmail,
}

fn name(child: &str, column: &str) -> String {
    format!("fk_{child}_{column}")
}

/// Columns added one `ALTER TABLE` each (SQLite adds one column per statement).
async fn add_columns<T: IntoIden + Copy + 'static>(
    m: &SchemaManager<'_>,
    table: T,
    columns: Vec<ColumnDef>,
) -> Result<(), DbErr> {
    for mut col in columns {
        m.alter_table(Table::alter().table(table).add_column(&mut col).to_owned())
            .await?;
    }
    Ok(())
}

async fn drop_columns<T: IntoIden + Copy + 'static, C: IntoIden>(
    m: &SchemaManager<'_>,
    table: T,
    columns: Vec<C>,
) -> Result<(), DbErr> {
    for col in columns {
        m.alter_table(Table::alter().table(table).drop_column(col).to_owned())
            .await?;
    }
    Ok(())
}

fn flag<C: IntoIden>(c: C) -> ColumnDef {
    ColumnDef::new(c)
        .boolean()
        .not_null()
        .default(false)
        .to_owned()
}

fn count<C: IntoIden>(c: C) -> ColumnDef {
    ColumnDef::new(c).integer().not_null().default(0).to_owned()
}

fn moment<C: IntoIden>(c: C) -> ColumnDef {
    ColumnDef::new(c)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for (child, column, parent) in REFERENCES {
            let fk = name(child, column);
            let sql = match db.get_database_backend() {
                DatabaseBackend::Postgres => format!(
                    "ALTER TABLE {child} ADD CONSTRAINT {fk} FOREIGN KEY ({column}) \
                     REFERENCES {parent} (id) ON DELETE RESTRICT NOT VALID"
                ),
                _ => format!(
                    "CREATE TRIGGER {fk} BEFORE DELETE ON {parent} FOR EACH ROW \
                     WHEN EXISTS (SELECT 1 FROM {child} WHERE {column} = OLD.id) \
                     BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END"
                ),
            };
            db.execute_unprepared(&sql).await?;
        }
        m.create_table(
            Table::create()
                .table(FeedMeta::Table)
                .col(
                    ColumnDef::new(FeedMeta::Id)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(FeedMeta::Epoch).string_len(64).not_null())
                .col(
                    ColumnDef::new(FeedMeta::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        add_columns(
            m,
            Branches::Table,
            vec![
                ColumnDef::new(Branches::PendingMaterials)
                    .text()
                    .null()
                    .to_owned(),
                flag(Branches::Provisional),
                count(Branches::SupplementRequests),
                flag(Branches::SupplementAllowed),
                count(Branches::StatutoryExtraDays),
                moment(Branches::StatutoryDueAt),
                flag(Branches::StatutoryBreached),
                moment(Branches::PauseAlertAt),
                flag(Branches::PauseAlerted),
            ],
        )
        .await?;
        add_columns(
            m,
            Cases::Table,
            vec![
                flag(Cases::Provisional),
                ColumnDef::new(Cases::LeadDepartmentId)
                    .integer()
                    .null()
                    .to_owned(),
                count(Cases::AlertLevel),
                moment(Cases::NextAlertAt),
                moment(Cases::DecidedAt),
                moment(Cases::IssuanceDueAt),
                ColumnDef::new(Cases::ApplicantEmail)
                    .string_len(254)
                    .null()
                    .to_owned(),
            ],
        )
        .await?;
        add_columns(
            m,
            Items::Table,
            vec![ColumnDef::new(Items::SupplementPolicy)
                .string_len(16)
                .not_null()
                .default("pause")
                .to_owned()],
        )
        .await?;
        // Rows from before this migration: the statutory clock's extra days from their item,
        // the lead department of their case, and a bundle case's own clock on its due moment.
        let greatest = match db.get_database_backend() {
            DatabaseBackend::Postgres => "GREATEST",
            _ => "MAX",
        };
        for sql in [
            format!(
                "UPDATE branches SET statutory_extra_days = (SELECT {greatest}(items.statutory_limit_days \
                 - items.promised_limit_days, 0) FROM items WHERE items.id = branches.item_id)"
            ),
            "UPDATE cases SET lead_department_id = (SELECT lead_department_id FROM bundles \
             WHERE bundles.id = cases.bundle_id) WHERE bundle_id IS NOT NULL"
                .to_string(),
            "UPDATE cases SET lead_department_id = (SELECT department_id FROM items \
             WHERE items.id = cases.item_id) WHERE bundle_id IS NULL AND item_id IS NOT NULL"
                .to_string(),
            "UPDATE cases SET next_alert_at = due_at WHERE bundle_id IS NOT NULL \
             AND (state = 'accepted' OR state LIKE 'in_progress%')"
                .to_string(),
        ] {
            db.execute_unprepared(&sql).await?;
        }
        m.create_index(
            Index::create()
                .name("idx_cases_next_alert_at")
                .table(Cases::Table)
                .col(Cases::NextAlertAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        m.drop_index(
            Index::drop()
                .name("idx_cases_next_alert_at")
                .table(Cases::Table)
                .to_owned(),
        )
        .await?;
        drop_columns(m, Items::Table, vec![Items::SupplementPolicy]).await?;
        drop_columns(
            m,
            Cases::Table,
            vec![
                Cases::ApplicantEmail,
                Cases::IssuanceDueAt,
                Cases::DecidedAt,
                Cases::NextAlertAt,
                Cases::AlertLevel,
                Cases::LeadDepartmentId,
                Cases::Provisional,
            ],
        )
        .await?;
        drop_columns(
            m,
            Branches::Table,
            vec![
                Branches::PauseAlerted,
                Branches::PauseAlertAt,
                Branches::StatutoryBreached,
                Branches::StatutoryDueAt,
                Branches::StatutoryExtraDays,
                Branches::SupplementAllowed,
                Branches::SupplementRequests,
                Branches::Provisional,
                Branches::PendingMaterials,
            ],
        )
        .await?;
        m.drop_table(Table::drop().table(FeedMeta::Table).to_owned())
            .await?;
        for (child, column, _) in REFERENCES {
            let fk = name(child, column);
            let sql = match db.get_database_backend() {
                DatabaseBackend::Postgres => format!("ALTER TABLE {child} DROP CONSTRAINT {fk}"),
                _ => format!("DROP TRIGGER IF EXISTS {fk}"),
            };
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}
