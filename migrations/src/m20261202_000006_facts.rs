//! The facts the assessment service scores, as the platform records them.
//!
//! - **`branches.recorded_at`**, **`cases.issued_recorded_at`**: when a decision (or the
//!   unified issuance, 统一发证) reached the platform. `branches.decided_at` and
//!   `cases.issued_at` keep the moment it really happened, which a department reporting from
//!   its own system may post later (数据交换: real-time reporting is scored).
//! - **Complaint findings (投诉认定)**: `complaints.finding` (`valid` / `invalid`),
//!   `finding_reason`, `found_by`, `found_at`, recorded once by a supervisor.
//! - **The power list (权责清单)**: `powers` (one row per power of a department: code, name,
//!   kind, legal basis, whether it must be handled in the hall and be under e-supervision,
//!   status, public, version) and `power_versions` (a full JSON snapshot per version, who
//!   changed it, when and why), and `items.power_id`, the power an item exercises. What the
//!   list says should be supervised against the items that are is the coverage indicator.
//! - References: `powers.department_id` and `power_versions.power_id` are foreign keys of the
//!   new tables; `items.power_id` is enforced like migration 5's references (PostgreSQL:
//!   `FOREIGN KEY … NOT VALID`; SQLite: a `BEFORE DELETE` trigger on `powers`).
//! - The feed's `events.case_id` has no foreign key (migrations 3 and 5), so events of the
//!   catalogue (`power_changed`) carry `case_id = 0`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Branches {
    Table,
    RecordedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Cases {
    Table,
    IssuedRecordedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Complaints {
    Table,
    Finding,
    FindingReason,
    FoundBy,
    FoundAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Items {
    Table,
    PowerId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Departments {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Powers {
    Table,
    Id,
    DepartmentId,
    Code,
    Name,
    Kind,
    LegalBasis,
    InHall,
    #[sea_orm(iden = "e_supervised")]
    ESupervised,
    Status,
    Public,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PowerVersions {
    Table,
    Id,
    PowerId,
    Version,
    Snapshot,
    ChangedBy,
    ChangedAt,
    Reason,
}

/// The trigger (SQLite) or constraint (PostgreSQL) that keeps `items.power_id` pointing at a
/// power.
const ITEMS_POWER_FK: &str = "fk_items_power_id";

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

fn moment<C: IntoIden>(c: C) -> ColumnDef {
    ColumnDef::new(c)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn moment_not_null<C: IntoIden>(c: C) -> ColumnDef {
    ColumnDef::new(c)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn flag<C: IntoIden>(c: C) -> ColumnDef {
    ColumnDef::new(c)
        .boolean()
        .not_null()
        .default(false)
        .to_owned()
}

fn id<C: IntoIden>(c: C) -> ColumnDef {
    ColumnDef::new(c)
        .integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        add_columns(m, Branches::Table, vec![moment(Branches::RecordedAt)]).await?;
        add_columns(m, Cases::Table, vec![moment(Cases::IssuedRecordedAt)]).await?;
        add_columns(
            m,
            Complaints::Table,
            vec![
                ColumnDef::new(Complaints::Finding)
                    .string_len(16)
                    .null()
                    .to_owned(),
                ColumnDef::new(Complaints::FindingReason)
                    .text()
                    .null()
                    .to_owned(),
                ColumnDef::new(Complaints::FoundBy)
                    .integer()
                    .null()
                    .to_owned(),
                moment(Complaints::FoundAt),
            ],
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Powers::Table)
                .col(id(Powers::Id))
                .col(ColumnDef::new(Powers::DepartmentId).integer().not_null())
                .col(
                    ColumnDef::new(Powers::Code)
                        .string_len(64)
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(Powers::Name).string_len(200).not_null())
                .col(ColumnDef::new(Powers::Kind).string_len(48).not_null())
                .col(ColumnDef::new(Powers::LegalBasis).text().not_null())
                .col(flag(Powers::InHall))
                .col(flag(Powers::ESupervised))
                .col(ColumnDef::new(Powers::Status).string_len(16).not_null())
                .col(flag(Powers::Public))
                .col(ColumnDef::new(Powers::Version).big_integer().not_null())
                .col(moment_not_null(Powers::CreatedAt))
                .col(moment_not_null(Powers::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_powers_department_id")
                        .from(Powers::Table, Powers::DepartmentId)
                        .to(Departments::Table, Departments::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_powers_department")
                .table(Powers::Table)
                .col(Powers::DepartmentId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PowerVersions::Table)
                .col(id(PowerVersions::Id))
                .col(ColumnDef::new(PowerVersions::PowerId).integer().not_null())
                .col(
                    ColumnDef::new(PowerVersions::Version)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(PowerVersions::Snapshot).text().not_null())
                .col(
                    ColumnDef::new(PowerVersions::ChangedBy)
                        .integer()
                        .not_null(),
                )
                .col(moment_not_null(PowerVersions::ChangedAt))
                .col(ColumnDef::new(PowerVersions::Reason).text().null())
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_power_versions_power_id")
                        .from(PowerVersions::Table, PowerVersions::PowerId)
                        .to(Powers::Table, Powers::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_power_versions_power_version")
                .table(PowerVersions::Table)
                .col(PowerVersions::PowerId)
                .col(PowerVersions::Version)
                .unique()
                .to_owned(),
        )
        .await?;
        add_columns(
            m,
            Items::Table,
            vec![ColumnDef::new(Items::PowerId).integer().null().to_owned()],
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_items_power")
                .table(Items::Table)
                .col(Items::PowerId)
                .to_owned(),
        )
        .await?;
        let sql = match db.get_database_backend() {
            DatabaseBackend::Postgres => format!(
                "ALTER TABLE items ADD CONSTRAINT {ITEMS_POWER_FK} FOREIGN KEY (power_id) \
                 REFERENCES powers (id) ON DELETE RESTRICT NOT VALID"
            ),
            _ => format!(
                "CREATE TRIGGER {ITEMS_POWER_FK} BEFORE DELETE ON powers FOR EACH ROW \
                 WHEN EXISTS (SELECT 1 FROM items WHERE power_id = OLD.id) \
                 BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END"
            ),
        };
        db.execute_unprepared(&sql).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let sql = match db.get_database_backend() {
            DatabaseBackend::Postgres => {
                format!("ALTER TABLE items DROP CONSTRAINT IF EXISTS {ITEMS_POWER_FK}")
            }
            _ => format!("DROP TRIGGER IF EXISTS {ITEMS_POWER_FK}"),
        };
        db.execute_unprepared(&sql).await?;
        m.drop_index(
            Index::drop()
                .name("idx_items_power")
                .table(Items::Table)
                .to_owned(),
        )
        .await?;
        drop_columns(m, Items::Table, vec![Items::PowerId]).await?;
        m.drop_table(Table::drop().table(PowerVersions::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Powers::Table).to_owned())
            .await?;
        drop_columns(
            m,
            Complaints::Table,
            vec![
                Complaints::FoundAt,
                Complaints::FoundBy,
                Complaints::FindingReason,
                Complaints::Finding,
            ],
        )
        .await?;
        drop_columns(m, Cases::Table, vec![Cases::IssuedRecordedAt]).await?;
        drop_columns(m, Branches::Table, vec![Branches::RecordedAt]).await?;
        Ok(())
    }
}
