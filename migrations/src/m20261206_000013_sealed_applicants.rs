//! The applicant's ID number and phone number sealed at rest (AES-256-GCM, the approval
//! service's `cases::vault`), with a keyed hash of the ID number for exact search.
//!
//! - `cases.applicant_id_number` and `cases.applicant_phone` widen to 128 characters on
//!   PostgreSQL (a sealed value is `v1:` + base64url of nonce, ciphertext and tag; SQLite does
//!   not enforce a length).
//! - `cases.applicant_id_hash`: HMAC-SHA-256 of the normalised ID number (64 hex digits), with
//!   an index; the index on the ID number itself goes (it would index ciphertext).
//!
//! The rows already there are sealed by the service in the background after its next start
//! (the key is the service's, not the migration's): until then they read as they are.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Cases {
    Table,
    ApplicantIdNumber,
    ApplicantPhone,
    ApplicantIdHash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DatabaseBackend::Postgres {
            m.alter_table(
                Table::alter()
                    .table(Cases::Table)
                    .modify_column(
                        ColumnDef::new(Cases::ApplicantIdNumber)
                            .string_len(128)
                            .not_null(),
                    )
                    .modify_column(ColumnDef::new(Cases::ApplicantPhone).string_len(128).null())
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(Cases::Table)
                .add_column(ColumnDef::new(Cases::ApplicantIdHash).string_len(64).null())
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("idx_cases_applicant")
                .table(Cases::Table)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_cases_applicant_hash")
                .table(Cases::Table)
                .col(Cases::ApplicantIdHash)
                .to_owned(),
        )
        .await
    }

    /// Back to the index on the ID number. Sealed values stay sealed (the migration has no
    /// key), and the service of before this migration would show them as they are stored:
    /// roll back only with a backup taken before the first start on this migration.
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_cases_applicant_hash")
                .table(Cases::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Cases::Table)
                .drop_column(Cases::ApplicantIdHash)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_cases_applicant")
                .table(Cases::Table)
                .col(Cases::ApplicantIdNumber)
                .to_owned(),
        )
        .await
    }
}
