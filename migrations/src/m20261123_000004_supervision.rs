//! E-supervision (电子监察): alert moments on branches, cards, notices (rows first, mail
//! second), complaints (投诉), post-approval claims (审管互动: 认领), and the job-run ledger
//! that makes each scheduled job run once per tick across replicas.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Branches {
    Table,
    RedAt,
    NextAlertAt,
    AlertLevel,
}

#[derive(DeriveIden)]
enum Cards {
    Table,
    Id,
    SubjectKind,
    SubjectId,
    CaseId,
    DepartmentId,
    Level,
    Reason,
    IssuedAt,
    Notified,
    AcknowledgedBy,
    AcknowledgedByName,
    AcknowledgedAt,
    ClosedAt,
    ClosedHow,
    ClosedReason,
    ClosedBy,
}

#[derive(DeriveIden)]
enum Notices {
    Table,
    Id,
    Kind,
    DedupKey,
    Subject,
    Body,
    Recipients,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LastError,
    SentAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NoticeAttempts {
    Table,
    Id,
    NoticeId,
    At,
    Ok,
    Error,
}

#[derive(DeriveIden)]
enum Complaints {
    Table,
    Id,
    CaseId,
    CaseNo,
    Complainant,
    Contact,
    Content,
    Status,
    AssignedDepartmentId,
    AssignedBy,
    AssignedAt,
    DueAt,
    Answer,
    AnsweredBy,
    AnsweredAt,
    ClosedBy,
    ClosedAt,
    CreatedAt,
    Version,
}

#[derive(DeriveIden)]
enum Claims {
    Table,
    Id,
    BranchId,
    CaseId,
    ItemId,
    DepartmentId,
    PushedAt,
    DueAt,
    ClaimedAt,
    ClaimedBy,
    FlaggedAt,
}

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Id,
    Job,
    Tick,
    Runner,
    StartedAt,
    FinishedAt,
}

fn id(c: impl IntoIden) -> ColumnDef {
    ColumnDef::new(c)
        .integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn ts(c: impl IntoIden) -> ColumnDef {
    ColumnDef::new(c)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn ts_null(c: impl IntoIden) -> ColumnDef {
    ColumnDef::new(c)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one ALTER option per statement.
        for col in [ts_null(Branches::RedAt), ts_null(Branches::NextAlertAt)] {
            m.alter_table(
                Table::alter()
                    .table(Branches::Table)
                    .add_column(col)
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(Branches::Table)
                .add_column(
                    ColumnDef::new(Branches::AlertLevel)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .to_owned(),
        )
        .await?;
        // The sweep reads only rows whose next alert has come: proportional to what is due.
        m.create_index(
            Index::create()
                .name("idx_branches_next_alert_at")
                .table(Branches::Table)
                .col(Branches::NextAlertAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Cards::Table)
                .col(id(Cards::Id))
                .col(ColumnDef::new(Cards::SubjectKind).string_len(16).not_null())
                .col(ColumnDef::new(Cards::SubjectId).integer().not_null())
                .col(ColumnDef::new(Cards::CaseId).integer().not_null())
                .col(ColumnDef::new(Cards::DepartmentId).integer().not_null())
                .col(ColumnDef::new(Cards::Level).string_len(16).not_null())
                .col(ColumnDef::new(Cards::Reason).text().not_null())
                .col(ts(Cards::IssuedAt))
                .col(ColumnDef::new(Cards::Notified).text().not_null())
                .col(ColumnDef::new(Cards::AcknowledgedBy).integer().null())
                .col(
                    ColumnDef::new(Cards::AcknowledgedByName)
                        .string_len(64)
                        .null(),
                )
                .col(ts_null(Cards::AcknowledgedAt))
                .col(ts_null(Cards::ClosedAt))
                .col(ColumnDef::new(Cards::ClosedHow).string_len(32).null())
                .col(ColumnDef::new(Cards::ClosedReason).text().null())
                .col(ColumnDef::new(Cards::ClosedBy).string_len(64).null())
                .to_owned(),
        )
        .await?;
        // Issued once, never twice for the same breach.
        m.create_index(
            Index::create()
                .name("uq_cards_subject_level")
                .table(Cards::Table)
                .col(Cards::SubjectKind)
                .col(Cards::SubjectId)
                .col(Cards::Level)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_cards_department")
                .table(Cards::Table)
                .col(Cards::DepartmentId)
                .col(Cards::IssuedAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Notices::Table)
                .col(id(Notices::Id))
                .col(ColumnDef::new(Notices::Kind).string_len(32).not_null())
                .col(
                    ColumnDef::new(Notices::DedupKey)
                        .string_len(128)
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(Notices::Subject).string_len(400).not_null())
                .col(ColumnDef::new(Notices::Body).text().not_null())
                .col(ColumnDef::new(Notices::Recipients).text().not_null())
                .col(ColumnDef::new(Notices::Status).string_len(16).not_null())
                .col(ColumnDef::new(Notices::Attempts).integer().not_null())
                .col(ts(Notices::NextAttemptAt))
                .col(ts_null(Notices::LeaseUntil))
                .col(ColumnDef::new(Notices::LastError).text().null())
                .col(ts_null(Notices::SentAt))
                .col(ts(Notices::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_notices_due")
                .table(Notices::Table)
                .col(Notices::Status)
                .col(Notices::NextAttemptAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(NoticeAttempts::Table)
                .col(id(NoticeAttempts::Id))
                .col(
                    ColumnDef::new(NoticeAttempts::NoticeId)
                        .integer()
                        .not_null(),
                )
                .col(ts(NoticeAttempts::At))
                .col(ColumnDef::new(NoticeAttempts::Ok).boolean().not_null())
                .col(ColumnDef::new(NoticeAttempts::Error).text().null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_notice_attempts_notice")
                .table(NoticeAttempts::Table)
                .col(NoticeAttempts::NoticeId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Complaints::Table)
                .col(id(Complaints::Id))
                .col(ColumnDef::new(Complaints::CaseId).integer().not_null())
                .col(ColumnDef::new(Complaints::CaseNo).string_len(32).not_null())
                .col(
                    ColumnDef::new(Complaints::Complainant)
                        .string_len(200)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Complaints::Contact)
                        .string_len(200)
                        .not_null(),
                )
                .col(ColumnDef::new(Complaints::Content).text().not_null())
                .col(ColumnDef::new(Complaints::Status).string_len(16).not_null())
                .col(
                    ColumnDef::new(Complaints::AssignedDepartmentId)
                        .integer()
                        .null(),
                )
                .col(ColumnDef::new(Complaints::AssignedBy).integer().null())
                .col(ts_null(Complaints::AssignedAt))
                .col(ts_null(Complaints::DueAt))
                .col(ColumnDef::new(Complaints::Answer).text().null())
                .col(ColumnDef::new(Complaints::AnsweredBy).integer().null())
                .col(ts_null(Complaints::AnsweredAt))
                .col(ColumnDef::new(Complaints::ClosedBy).integer().null())
                .col(ts_null(Complaints::ClosedAt))
                .col(ts(Complaints::CreatedAt))
                .col(ColumnDef::new(Complaints::Version).big_integer().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_complaints_case")
                .table(Complaints::Table)
                .col(Complaints::CaseId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Claims::Table)
                .col(id(Claims::Id))
                .col(
                    ColumnDef::new(Claims::BranchId)
                        .integer()
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(Claims::CaseId).integer().not_null())
                .col(ColumnDef::new(Claims::ItemId).integer().not_null())
                .col(ColumnDef::new(Claims::DepartmentId).integer().not_null())
                .col(ts(Claims::PushedAt))
                .col(ts(Claims::DueAt))
                .col(ts_null(Claims::ClaimedAt))
                .col(ColumnDef::new(Claims::ClaimedBy).integer().null())
                .col(ts_null(Claims::FlaggedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_claims_due")
                .table(Claims::Table)
                .col(Claims::DueAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(JobRuns::Table)
                .col(id(JobRuns::Id))
                .col(ColumnDef::new(JobRuns::Job).string_len(48).not_null())
                .col(ColumnDef::new(JobRuns::Tick).string_len(32).not_null())
                .col(ColumnDef::new(JobRuns::Runner).string_len(64).not_null())
                .col(ts(JobRuns::StartedAt))
                .col(ts_null(JobRuns::FinishedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_job_runs_job_tick")
                .table(JobRuns::Table)
                .col(JobRuns::Job)
                .col(JobRuns::Tick)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            JobRuns::Table.into_iden(),
            Claims::Table.into_iden(),
            Complaints::Table.into_iden(),
            NoticeAttempts::Table.into_iden(),
            Notices::Table.into_iden(),
            Cards::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        m.drop_index(
            Index::drop()
                .name("idx_branches_next_alert_at")
                .table(Branches::Table)
                .to_owned(),
        )
        .await?;
        for c in [Branches::RedAt, Branches::NextAlertAt, Branches::AlertLevel] {
            m.alter_table(
                Table::alter()
                    .table(Branches::Table)
                    .drop_column(c)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
