//! The people of the hall and who is accountable.
//!
//! - **The staff register (窗口工作人员)**: `staff` (one row per assignment of a person to a
//!   department's window in the hall: name, department, window number, post, the dates the
//!   assignment runs from and to (inclusive, `to` open when absent), the user account it is
//!   linked to, if any, and a version) and `staff_versions` (a full JSON snapshot per version,
//!   who changed it, when and why), like `power_versions` of migration 6.
//! - **Complaints name the person (投诉认定)**: `complaints.staff_id`, the staff member a
//!   founded or unfounded complaint was about, recorded with the finding.
//! - References: `staff.department_id`, `staff.user_id` and `staff_versions.staff_id` are
//!   foreign keys of the new tables. `complaints.staff_id` is a new column of an old table:
//!   on PostgreSQL a `FOREIGN KEY` constraint, on SQLite (which cannot add one to an existing
//!   table) a `BEFORE DELETE` trigger on `staff`, as migration 6 does for `items.power_id`.
//! - Dates (`assigned_from`, `assigned_to`) are SQL `DATE`: PostgreSQL's date, SQLite's
//!   `YYYY-MM-DD` text, which compares in date order.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Departments {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Complaints {
    Table,
    StaffId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Staff {
    Table,
    Id,
    Name,
    DepartmentId,
    WindowNo,
    Post,
    AssignedFrom,
    AssignedTo,
    UserId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum StaffVersions {
    Table,
    Id,
    StaffId,
    Version,
    Snapshot,
    ChangedBy,
    ChangedAt,
    Reason,
}

/// The trigger (SQLite) or constraint (PostgreSQL) that keeps `complaints.staff_id` pointing
/// at a staff record.
const COMPLAINTS_STAFF_FK: &str = "fk_complaints_staff_id";

fn moment_not_null<C: IntoIden>(c: C) -> ColumnDef {
    ColumnDef::new(c)
        .timestamp_with_time_zone()
        .not_null()
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
        m.create_table(
            Table::create()
                .table(Staff::Table)
                .col(id(Staff::Id))
                .col(ColumnDef::new(Staff::Name).string_len(50).not_null())
                .col(ColumnDef::new(Staff::DepartmentId).integer().not_null())
                .col(ColumnDef::new(Staff::WindowNo).string_len(20).null())
                .col(ColumnDef::new(Staff::Post).string_len(32).not_null())
                .col(ColumnDef::new(Staff::AssignedFrom).date().not_null())
                .col(ColumnDef::new(Staff::AssignedTo).date().null())
                .col(ColumnDef::new(Staff::UserId).integer().null())
                .col(ColumnDef::new(Staff::Version).big_integer().not_null())
                .col(moment_not_null(Staff::CreatedAt))
                .col(moment_not_null(Staff::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_staff_department_id")
                        .from(Staff::Table, Staff::DepartmentId)
                        .to(Departments::Table, Departments::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_staff_user_id")
                        .from(Staff::Table, Staff::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_staff_department")
                .table(Staff::Table)
                .col(Staff::DepartmentId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_staff_user")
                .table(Staff::Table)
                .col(Staff::UserId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StaffVersions::Table)
                .col(id(StaffVersions::Id))
                .col(ColumnDef::new(StaffVersions::StaffId).integer().not_null())
                .col(
                    ColumnDef::new(StaffVersions::Version)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(StaffVersions::Snapshot).text().not_null())
                .col(
                    ColumnDef::new(StaffVersions::ChangedBy)
                        .integer()
                        .not_null(),
                )
                .col(moment_not_null(StaffVersions::ChangedAt))
                .col(ColumnDef::new(StaffVersions::Reason).text().null())
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_staff_versions_staff_id")
                        .from(StaffVersions::Table, StaffVersions::StaffId)
                        .to(Staff::Table, Staff::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_staff_versions_staff_version")
                .table(StaffVersions::Table)
                .col(StaffVersions::StaffId)
                .col(StaffVersions::Version)
                .unique()
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Complaints::Table)
                .add_column(ColumnDef::new(Complaints::StaffId).integer().null())
                .to_owned(),
        )
        .await?;
        let sql = match db.get_database_backend() {
            DatabaseBackend::Postgres => format!(
                "ALTER TABLE complaints ADD CONSTRAINT {COMPLAINTS_STAFF_FK} FOREIGN KEY \
                 (staff_id) REFERENCES staff (id) ON DELETE RESTRICT"
            ),
            _ => format!(
                "CREATE TRIGGER {COMPLAINTS_STAFF_FK} BEFORE DELETE ON staff FOR EACH ROW \
                 WHEN EXISTS (SELECT 1 FROM complaints WHERE staff_id = OLD.id) \
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
                format!("ALTER TABLE complaints DROP CONSTRAINT IF EXISTS {COMPLAINTS_STAFF_FK}")
            }
            _ => format!("DROP TRIGGER IF EXISTS {COMPLAINTS_STAFF_FK}"),
        };
        db.execute_unprepared(&sql).await?;
        m.alter_table(
            Table::alter()
                .table(Complaints::Table)
                .drop_column(Complaints::StaffId)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(StaffVersions::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Staff::Table).to_owned())
            .await?;
        Ok(())
    }
}
