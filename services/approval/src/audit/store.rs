//! The audit chain against the database: the sealer (one at a time, under the head row's
//! lock; writers never take it), the verify walk over the stored rows, and the retention
//! purge. Writers insert rows unsealed (`hash` NULL) as before; on PostgreSQL the sealer takes
//! only rows whose writing transaction has finished (`xid` below the snapshot's `xmin`), so no
//! transaction still running can add a row that belongs before what is already sealed. That
//! `xmin` is the whole server's: a long transaction in another database of the same server
//! delays sealing (rows stay `pending`), it never misorders the chain.

use chrono::{DateTime, Utc};
use platform::ApiError;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::chain::{self, Broken, Row, Sealed, Walk};
use crate::entities::{audit_chain_head, audit_log};

/// Rows sealed per transaction, and read per page by verify.
const BATCH: u64 = 500;

fn row_of(m: &audit_log::Model) -> Row {
    Row {
        id: i64::from(m.id),
        at: m.at,
        actor_id: m.actor_id.map(i64::from),
        actor_name: m.actor_name.clone(),
        action: m.action.clone(),
        entity: m.entity.clone(),
        entity_id: m.entity_id.clone(),
        before: m.before.clone(),
        after: m.after.clone(),
        source: m.source.clone(),
        xid: m.xid,
    }
}

async fn head<C: ConnectionTrait>(c: &C, lock: bool) -> Result<audit_chain_head::Model, ApiError> {
    let mut q = audit_chain_head::Entity::find_by_id(1);
    if lock && c.get_database_backend() == DatabaseBackend::Postgres {
        q = q.lock_exclusive();
    }
    q.one(c)
        .await?
        .ok_or_else(|| ApiError::Internal("audit_chain_head has no row 1".into()))
}

/// Seal what is sealable now, in id order, in batches; the number of rows sealed.
pub async fn seal(db: &DatabaseConnection) -> Result<u64, ApiError> {
    let mut total = 0;
    loop {
        let n = seal_batch(db).await?;
        total += n;
        if n < BATCH {
            return Ok(total);
        }
    }
}

#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction audit.seal", db.operation = "audit.seal"))]
async fn seal_batch(db: &DatabaseConnection) -> Result<u64, ApiError> {
    let txn = db.begin().await?;
    // The sealer's lock: only sealers take the head row.
    let h = head(&txn, true).await?;
    let mut q = audit_log::Entity::find().filter(audit_log::Column::Hash.is_null());
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        q = q.filter(Expr::cust(
            "xid < (pg_snapshot_xmin(pg_current_snapshot())::text)::bigint",
        ));
    }
    let rows = q
        .order_by_asc(audit_log::Column::Id)
        .limit(BATCH)
        .all(&txn)
        .await?;
    let n = rows.len() as u64;
    if n == 0 {
        txn.commit().await?;
        return Ok(0);
    }
    let sealed = chain::seal(h.last_seq, &h.last_hash, rows.iter().map(row_of).collect());
    for s in &sealed {
        let res = audit_log::Entity::update_many()
            .col_expr(audit_log::Column::ChainSeq, Expr::value(s.chain_seq))
            .col_expr(
                audit_log::Column::PrevHash,
                Expr::value(s.prev_hash.clone()),
            )
            .col_expr(audit_log::Column::Hash, Expr::value(s.hash.clone()))
            .filter(audit_log::Column::Id.eq(s.row.id as i32))
            .filter(audit_log::Column::Hash.is_null())
            .exec(&txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(ApiError::Internal(format!(
                "audit row {} was sealed meanwhile",
                s.row.id
            )));
        }
    }
    let last = sealed.last().expect("at least one row");
    let mut am = h.into_active_model();
    am.last_seq = Set(last.chain_seq);
    am.last_hash = Set(last.hash.clone());
    am.update(&txn).await?;
    txn.commit().await?;
    Ok(n)
}

/// The verify answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Verification {
    /// The chain holds from the anchor to the head.
    pub ok: bool,
    /// Sealed rows kept (after the anchor).
    pub sealed: u64,
    /// Rows not sealed yet (their transaction still running, or written since).
    pub pending: u64,
    /// Where the purge left the chain's start (0: never purged).
    pub anchor_seq: i64,
    /// The first break, if any.
    pub first_broken: Option<Broken>,
}

/// Seal what can be sealed, then walk the whole chain from the anchor.
pub async fn verify(db: &DatabaseConnection) -> Result<Verification, ApiError> {
    seal(db).await?;
    let h = head(db, false).await?;
    let mut walk = Walk::new(h.anchor_seq, &h.anchor_hash);
    let mut after = h.anchor_seq;
    let mut sealed = 0;
    loop {
        let page = audit_log::Entity::find()
            .filter(audit_log::Column::ChainSeq.gt(after))
            .order_by_asc(audit_log::Column::ChainSeq)
            .limit(BATCH)
            .all(db)
            .await?;
        for m in &page {
            let s = Sealed {
                row: row_of(m),
                chain_seq: m.chain_seq.unwrap_or_default(),
                prev_hash: m.prev_hash.clone().unwrap_or_default(),
                hash: m.hash.clone().unwrap_or_default(),
            };
            walk.step(&s);
            after = s.chain_seq;
        }
        sealed += page.len() as u64;
        if (page.len() as u64) < BATCH {
            break;
        }
    }
    // Rows with a hash but no place (or the reverse) are edits too.
    let odd = audit_log::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(
                    sea_orm::Condition::all()
                        .add(audit_log::Column::Hash.is_null())
                        .add(audit_log::Column::ChainSeq.is_not_null()),
                )
                .add(
                    sea_orm::Condition::all()
                        .add(audit_log::Column::Hash.is_not_null())
                        .add(audit_log::Column::ChainSeq.is_null()),
                ),
        )
        .order_by_asc(audit_log::Column::Id)
        .one(db)
        .await?;
    let mut first_broken = walk.finish(h.last_seq, &h.last_hash);
    if first_broken.is_none() {
        if let Some(m) = odd {
            first_broken = Some(Broken {
                chain_seq: m.chain_seq.unwrap_or_default(),
                id: Some(i64::from(m.id)),
                reason: chain::BreakReason::RowContentChanged,
            });
        }
    }
    let pending = audit_log::Entity::find()
        .filter(audit_log::Column::ChainSeq.is_null())
        .count(db)
        .await?;
    Ok(Verification {
        ok: first_broken.is_none(),
        sealed,
        pending,
        anchor_seq: h.anchor_seq,
        first_broken,
    })
}

/// The purge's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Purge {
    pub purged: u64,
    pub anchor_seq: i64,
}

/// Delete sealed rows older than `retention_days` before `now`, from the chain's start and in
/// its order (stopping at the first row still kept), and make the last one deleted the anchor.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction audit.purge", db.operation = "audit.purge"))]
pub async fn purge(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    retention_days: u32,
) -> Result<Purge, ApiError> {
    let cutoff = now - chrono::Duration::days(i64::from(retention_days));
    let txn = db.begin().await?;
    let h = head(&txn, true).await?;
    // The first kept row: the first in chain order not older than the cutoff.
    let first_kept = audit_log::Entity::find()
        .filter(audit_log::Column::ChainSeq.gt(h.anchor_seq))
        .filter(audit_log::Column::At.gte(cutoff))
        .order_by_asc(audit_log::Column::ChainSeq)
        .one(&txn)
        .await?
        .and_then(|m| m.chain_seq)
        .unwrap_or(h.last_seq + 1);
    let last = audit_log::Entity::find()
        .filter(audit_log::Column::ChainSeq.gt(h.anchor_seq))
        .filter(audit_log::Column::ChainSeq.lt(first_kept))
        .order_by_desc(audit_log::Column::ChainSeq)
        .one(&txn)
        .await?;
    let Some(last) = last else {
        txn.commit().await?;
        return Ok(Purge {
            purged: 0,
            anchor_seq: h.anchor_seq,
        });
    };
    let seq = last.chain_seq.unwrap_or_default();
    let res = audit_log::Entity::delete_many()
        .filter(audit_log::Column::ChainSeq.gt(h.anchor_seq))
        .filter(audit_log::Column::ChainSeq.lte(seq))
        .exec(&txn)
        .await?;
    let mut am = h.into_active_model();
    am.anchor_seq = Set(seq);
    am.anchor_hash = Set(last.hash.clone().unwrap_or_default());
    am.update(&txn).await?;
    txn.commit().await?;
    Ok(Purge {
        purged: res.rows_affected,
        anchor_seq: seq,
    })
}

/// Write the configured retention into the head row, where the append-only trigger reads it.
pub async fn set_retention(db: &DatabaseConnection, days: u32) -> Result<(), ApiError> {
    audit_chain_head::Entity::update_many()
        .col_expr(
            audit_chain_head::Column::RetentionDays,
            Expr::value(days as i32),
        )
        .filter(audit_chain_head::Column::Id.eq(1))
        .exec(db)
        .await?;
    Ok(())
}
