//! Notices: rows first, mail second (通知). A notice is committed in the same transaction as
//! the change that caused it (a card, a complaint assignment, a digest); the delivery worker
//! ([`delivery`]) sends it later with retries, so nothing is lost when SMTP is down.
//! `dedup_key` makes a notice unique per cause (`card:17`, `digest:daily:2026-03-09:dept:4`),
//! so a job that runs twice never queues it twice. A notice may carry files
//! ([`enqueue_with_attachments`]): they are rows of `notice_attachments`, written in the same
//! transaction as the notice, so a retried send carries them too.

pub mod delivery;
pub mod entity;
pub mod mailer;

use chrono::{DateTime, Utc};
use platform::ApiError;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set, TransactionTrait,
};

use crate::entity::{notice, notice_attachment};

/// A notice to queue.
#[derive(Debug, Clone)]
pub struct NewNotice {
    /// `warning`, `yellow_card`, `red_card`, `unclaimed`, `claim_pushed`, `complaint_assigned`,
    /// `daily_digest`, `weekly_notice`, `monthly_analysis`.
    pub kind: &'static str,
    pub dedup_key: String,
    pub subject: String,
    pub body: String,
    pub recipients: Vec<String>,
}

/// Queue a notice; `false` when one with the same `dedup_key` already exists.
pub async fn enqueue<C: ConnectionTrait>(
    c: &C,
    n: NewNotice,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let am = notice::ActiveModel {
        kind: Set(n.kind.to_string()),
        dedup_key: Set(n.dedup_key),
        subject: Set(n.subject),
        body: Set(n.body),
        recipients: Set(serde_json::to_string(&n.recipients).unwrap_or_else(|_| "[]".into())),
        status: Set(if n.recipients.is_empty() {
            "failed".into()
        } else {
            "pending".into()
        }),
        attempts: Set(0),
        next_attempt_at: Set(now),
        lease_until: Set(None),
        last_error: Set(if n.recipients.is_empty() {
            Some("no recipient address on record".into())
        } else {
            None
        }),
        sent_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    };
    let res = notice::Entity::insert(am)
        .on_conflict(
            OnConflict::column(notice::Column::DedupKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(c)
        .await?;
    Ok(res > 0)
}

/// The queue's depth and the age of its oldest queued notice (`pending` or `sending`) at
/// `now`, for `/metrics`: two indexed-or-small queries, no row read in full.
pub async fn queue_stats<C: ConnectionTrait>(
    c: &C,
    now: DateTime<Utc>,
) -> Result<platform::metrics::OutboxFigures, ApiError> {
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
    let queued =
        || notice::Entity::find().filter(notice::Column::Status.is_in(["pending", "sending"]));
    let depth = queued().count(c).await?;
    let oldest: Option<DateTime<Utc>> = queued()
        .select_only()
        .column(notice::Column::CreatedAt)
        .order_by_asc(notice::Column::CreatedAt)
        .limit(1)
        .into_tuple()
        .one(c)
        .await?;
    Ok(platform::metrics::OutboxFigures {
        depth: i64::try_from(depth).unwrap_or(i64::MAX),
        oldest_pending_seconds: oldest.map(|t| (now - t).num_seconds().max(0)).unwrap_or(0),
    })
}

/// A file to send with a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// Queue a notice with files, in one transaction (a savepoint when `c` is one already);
/// `false` (and nothing written) when one with the same `dedup_key` already exists.
pub async fn enqueue_with_attachments<C: ConnectionTrait + TransactionTrait>(
    c: &C,
    n: NewNotice,
    attachments: Vec<NewAttachment>,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let txn = c.begin().await?;
    let dedup_key = n.dedup_key.clone();
    if !enqueue(&txn, n, now).await? {
        txn.rollback().await?;
        return Ok(false);
    }
    let id: Option<i32> = notice::Entity::find()
        .select_only()
        .column(notice::Column::Id)
        .filter(notice::Column::DedupKey.eq(dedup_key))
        .into_tuple()
        .one(&txn)
        .await?;
    let id = id.ok_or_else(|| ApiError::Internal("queued notice not found".into()))?;
    for (i, a) in attachments.into_iter().enumerate() {
        notice_attachment::Entity::insert(notice_attachment::ActiveModel {
            notice_id: Set(id),
            position: Set(i as i32),
            filename: Set(a.filename),
            content_type: Set(a.content_type),
            content: Set(a.content),
            ..Default::default()
        })
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(true)
}

/// The files of a notice, in order.
pub async fn attachments_of<C: ConnectionTrait>(
    c: &C,
    notice_id: i32,
) -> Result<Vec<notice_attachment::Model>, ApiError> {
    use sea_orm::QueryOrder;
    Ok(notice_attachment::Entity::find()
        .filter(notice_attachment::Column::NoticeId.eq(notice_id))
        .order_by_asc(notice_attachment::Column::Position)
        .all(c)
        .await?)
}
