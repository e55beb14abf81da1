//! The hash-chained audit trail (审计记录防篡改).
//!
//! - `audit_log.xid`: on PostgreSQL the writing transaction's id (`pg_current_xact_id()`,
//!   filled by the column's default), so the sealer seals only rows whose transaction has
//!   finished; NULL on SQLite (one writer at a time).
//! - `audit_log.chain_seq`, `prev_hash`, `hash`: filled once by the sealer (unique
//!   `chain_seq` 1, 2, 3 …; `hash` = SHA-256 over `prev_hash` and the row's canonical content,
//!   see `services/approval/src/audit/chain.rs` and docs/security.md); NULL until sealed.
//! - `audit_chain_head`: one row (`id` = 1): the last sealed `last_seq` / `last_hash`, the
//!   anchor (`anchor_seq` / `anchor_hash`: the last row removed by the retention purge, where
//!   verification starts), and `retention_days` (written at start-up from
//!   `AUDIT_RETENTION_DAYS`, read by the trigger). The sealer locks this row, writers never do.
//! - Triggers make `audit_log` append-only for every role: an UPDATE is refused unless it only
//!   fills the NULL seal columns; a DELETE is refused unless the row is sealed and older than
//!   `retention_days`; TRUNCATE is refused (PostgreSQL).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum AuditLog {
    Table,
    Xid,
    ChainSeq,
    PrevHash,
    Hash,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditChainHead {
    Table,
    Id,
    LastSeq,
    LastHash,
    AnchorSeq,
    AnchorHash,
    RetentionDays,
}

/// The hash before the first row.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The columns other than the seal columns, which the sealer's update must leave alone.
const CONTENT: [&str; 11] = [
    "id",
    "at",
    "actor_id",
    "actor_name",
    "action",
    "entity",
    "entity_id",
    "before",
    "after",
    "source",
    "xid",
];

const PG_GUARD: &str = r#"
CREATE OR REPLACE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    RAISE EXCEPTION 'audit_log is append-only: TRUNCATE is refused';
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF OLD.hash IS NULL AND OLD.chain_seq IS NULL AND OLD.prev_hash IS NULL
       AND NEW.hash IS NOT NULL AND NEW.chain_seq IS NOT NULL AND NEW.prev_hash IS NOT NULL
       AND {same} THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: row % cannot be updated', OLD.id;
  END IF;
  IF OLD.hash IS NOT NULL AND OLD.at < now() - make_interval(days =>
       (SELECT retention_days FROM audit_chain_head WHERE id = 1)) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: row % is unsealed or within the retention', OLD.id;
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard();
"#;

const SQLITE_UPDATE: &str = "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
  WHEN NOT (OLD.hash IS NULL AND OLD.chain_seq IS NULL AND OLD.prev_hash IS NULL \
  AND NEW.hash IS NOT NULL AND NEW.chain_seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND {same}) \
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: rows cannot be updated'); END";

const SQLITE_DELETE: &str = "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log \
  WHEN NOT (OLD.hash IS NOT NULL AND julianday(OLD.at) < julianday('now') - \
  (SELECT retention_days FROM audit_chain_head WHERE id = 1)) \
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: only sealed rows older than the retention can be deleted'); END";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let pg = db.get_database_backend() == DatabaseBackend::Postgres;
        let xid = if pg {
            ColumnDef::new(AuditLog::Xid)
                .big_integer()
                .null()
                .default(Expr::cust("(pg_current_xact_id()::text)::bigint"))
                .to_owned()
        } else {
            ColumnDef::new(AuditLog::Xid)
                .big_integer()
                .null()
                .to_owned()
        };
        for col in [
            xid,
            ColumnDef::new(AuditLog::ChainSeq)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(AuditLog::PrevHash)
                .string_len(64)
                .null()
                .to_owned(),
            ColumnDef::new(AuditLog::Hash)
                .string_len(64)
                .null()
                .to_owned(),
        ] {
            m.alter_table(
                Table::alter()
                    .table(AuditLog::Table)
                    .add_column(col)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("idx_audit_log_chain_seq")
                .table(AuditLog::Table)
                .col(AuditLog::ChainSeq)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditChainHead::Table)
                .col(
                    ColumnDef::new(AuditChainHead::Id)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(AuditChainHead::LastSeq)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(AuditChainHead::LastHash)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(AuditChainHead::AnchorSeq)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(AuditChainHead::AnchorHash)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(AuditChainHead::RetentionDays)
                        .integer()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(AuditChainHead::Table)
                .columns([
                    AuditChainHead::Id,
                    AuditChainHead::LastSeq,
                    AuditChainHead::LastHash,
                    AuditChainHead::AnchorSeq,
                    AuditChainHead::AnchorHash,
                    AuditChainHead::RetentionDays,
                ])
                .values_panic([
                    1.into(),
                    0i64.into(),
                    GENESIS.into(),
                    0i64.into(),
                    GENESIS.into(),
                    180.into(),
                ])
                .to_owned(),
        )
        .await?;
        if pg {
            let same = CONTENT
                .iter()
                .map(|c| format!("NEW.{c} IS NOT DISTINCT FROM OLD.{c}"))
                .collect::<Vec<_>>()
                .join(" AND ");
            db.execute_unprepared(&PG_GUARD.replace("{same}", &same))
                .await?;
        } else {
            let same = CONTENT
                .iter()
                .map(|c| format!("NEW.{c} IS OLD.{c}"))
                .collect::<Vec<_>>()
                .join(" AND ");
            db.execute_unprepared(&SQLITE_UPDATE.replace("{same}", &same))
                .await?;
            db.execute_unprepared(SQLITE_DELETE).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if db.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared(
                "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log; \
                 DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log; \
                 DROP FUNCTION IF EXISTS audit_log_guard()",
            )
            .await?;
        } else {
            db.execute_unprepared("DROP TRIGGER IF EXISTS audit_log_no_update")
                .await?;
            db.execute_unprepared("DROP TRIGGER IF EXISTS audit_log_no_delete")
                .await?;
        }
        m.drop_table(Table::drop().table(AuditChainHead::Table).to_owned())
            .await?;
        m.drop_index(
            Index::drop()
                .name("idx_audit_log_chain_seq")
                .table(AuditLog::Table)
                .to_owned(),
        )
        .await?;
        for col in [
            AuditLog::Hash,
            AuditLog::PrevHash,
            AuditLog::ChainSeq,
            AuditLog::Xid,
        ] {
            m.alter_table(
                Table::alter()
                    .table(AuditLog::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
