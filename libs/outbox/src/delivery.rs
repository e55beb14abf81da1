//! The delivery worker: sends queued notices with retries (投递).
//!
//! Guarantees:
//! - **At-least-once delivery.** A notice row is only marked `sent` after the mail server (or
//!   the mail directory) accepted the message. A crash between sending and recording leaves the
//!   row in `sending` with a lease; once the lease expires, the next run sends it again. The
//!   `Message-ID` (`<notice-{id}@parallel-approval.local>`) is derived from the notice id, so
//!   the receiving side can recognise and drop such a duplicate.
//! - **Nothing is lost while its row exists.** A notice leaves the queue only as `sent`, or as
//!   `failed` with `last_error` (a permanent rejection, an unusable address, or `max_attempts`
//!   exhausted); every attempt leaves a `notice_attempts` row.
//! - **One sender at a time.** Each due notice is claimed with a conditional `UPDATE` (`status =
//!   'sending'`, `lease_until` = the claim's moment + lease, guarded by the same "due" condition
//!   the batch was selected with); only the worker whose update touched the row sends it, so
//!   two replicas running `deliver_due` at once never send the same notice concurrently. The
//!   lease is taken per notice at its claim (not at the batch's start) and a batch stops
//!   claiming after half a lease, so a slow mail server cannot make a lease run out while its
//!   notice is still being sent. The outcome is recorded only if the worker still holds its
//!   lease. The remaining window: a process that dies after the server accepted a message and
//!   before the row is marked `sent` — its notice is sent again after the lease, with the same
//!   `Message-ID`.
//! - **Backoff.** A transient failure (connection refused, timeout, SMTP 4xx) reschedules the
//!   notice after `min(base * 2^attempts, max)`.
//!
//! Time is the caller's `now` (the injected clock), never the wall clock.

use chrono::{DateTime, Duration, DurationRound, Utc};
use lettre::message::Mailbox;
use platform::ApiError;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::mailer::{Mailer, SendError};
use crate::entity::{notice, notice_attempt};

/// Retry and lease settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryPolicy {
    /// Attempts (successful or not) after which a transiently failing notice is `failed`.
    pub max_attempts: i32,
    /// Delay after the first failure; doubled after each further one.
    pub base_backoff_secs: i64,
    /// Upper bound of the delay between attempts.
    pub max_backoff_secs: i64,
    /// How long a claimed notice belongs to the worker that claimed it.
    pub lease_secs: i64,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy {
            max_attempts: 20,
            base_backoff_secs: 30,
            max_backoff_secs: 900,
            lease_secs: 300,
        }
    }
}

/// What one `deliver_due` run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeliveryReport {
    /// Notices handed to the mail server (or written to the mail directory).
    pub sent: u32,
    /// Notices that failed transiently and were rescheduled.
    pub retried: u32,
    /// Notices given up on: permanent rejection or attempts exhausted.
    pub failed: u32,
}

/// The delay before the next attempt after a failure, given the attempts made *before* the
/// failed one: `min(base * 2^attempts, max)` (negative counts as 0; never overflows).
pub fn backoff(attempts: i32, policy: &DeliveryPolicy) -> Duration {
    // Keep within what chrono can represent (and any sane configuration).
    const CAP: i64 = 100 * 365 * 24 * 3600;
    let max = policy.max_backoff_secs.clamp(0, CAP);
    let base = policy.base_backoff_secs.clamp(0, CAP);
    let exp = attempts.max(0) as u32;
    let secs = if exp >= 62 {
        max
    } else {
        base.checked_mul(1i64 << exp).map_or(max, |s| s.min(max))
    };
    Duration::seconds(secs)
}

fn plus(now: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    now.checked_add_signed(d)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// pending and due, or sending with an expired lease.
fn due(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(notice::Column::Status.eq("pending"))
                .add(notice::Column::NextAttemptAt.lte(now)),
        )
        .add(
            Condition::all()
                .add(notice::Column::Status.eq("sending"))
                .add(notice::Column::LeaseUntil.lte(now)),
        )
}

/// Send up to `batch` due notices (oldest first) and record each outcome.
pub async fn deliver_due(
    db: &DatabaseConnection,
    mailer: &Mailer,
    from: &Mailbox,
    now: DateTime<Utc>,
    policy: &DeliveryPolicy,
    batch: u64,
) -> Result<DeliveryReport, ApiError> {
    let mut report = DeliveryReport::default();
    if batch == 0 {
        return Ok(report);
    }
    let candidates: Vec<i32> = notice::Entity::find()
        .select_only()
        .column(notice::Column::Id)
        .filter(due(now))
        .order_by_asc(notice::Column::Id)
        .limit(batch)
        .into_tuple()
        .all(db)
        .await?;
    // Each notice's lease is taken when that notice is claimed: `now` plus the time the batch
    // has run so far plus the lease, so a slow mail server cannot let the lease of a notice
    // still being sent run out under another worker. The batch stops claiming once it has run
    // half a lease, leaving the rest to the next run.
    let started = std::time::Instant::now();
    let lease_time = Duration::seconds(policy.lease_secs.max(0));
    for id in candidates {
        let elapsed = Duration::from_std(started.elapsed()).unwrap_or(lease_time);
        if elapsed * 2 > lease_time && report.sent + report.retried + report.failed > 0 {
            break;
        }
        // Whole seconds, rounded up, so the lease reads back exactly on every backend (it is
        // the claim token).
        let lease = plus(now, elapsed + lease_time + Duration::seconds(1));
        let lease = lease.duration_trunc(Duration::seconds(1)).unwrap_or(lease);
        let claimed = notice::Entity::update_many()
            .col_expr(notice::Column::Status, Expr::value("sending"))
            .col_expr(notice::Column::LeaseUntil, Expr::value(lease))
            .filter(notice::Column::Id.eq(id))
            .filter(due(now))
            .exec(db)
            .await?
            .rows_affected
            == 1;
        if !claimed {
            continue; // another worker has it
        }
        // Read it again: the row as of the claim, not as of the batch query.
        let Some(n) = notice::Entity::find_by_id(id).one(db).await? else {
            continue;
        };
        let files = crate::attachments_of(db, n.id).await?;
        let outcome = mailer.send_with(from, &n, &files).await;
        match record(db, &n, lease, now, policy, outcome).await? {
            Some(Recorded::Sent) => report.sent += 1,
            Some(Recorded::Retried) => report.retried += 1,
            Some(Recorded::Failed) => report.failed += 1,
            None => {}
        }
    }
    Ok(report)
}

enum Recorded {
    Sent,
    Retried,
    Failed,
}

/// One transaction: the attempt row, and the notice's new state if this worker still holds
/// the lease (`None` when it lost it: the notice's state is then the other worker's to set).
async fn record(
    db: &DatabaseConnection,
    n: &notice::Model,
    lease: DateTime<Utc>,
    now: DateTime<Utc>,
    policy: &DeliveryPolicy,
    outcome: Result<(), SendError>,
) -> Result<Option<Recorded>, ApiError> {
    let attempts = n.attempts.saturating_add(1);
    let (status, recorded, next_attempt_at, last_error, sent_at) = match &outcome {
        Ok(()) => ("sent", Recorded::Sent, n.next_attempt_at, None, Some(now)),
        Err(e) if e.permanent => (
            "failed",
            Recorded::Failed,
            n.next_attempt_at,
            Some(e.message.clone()),
            None,
        ),
        Err(e) if attempts >= policy.max_attempts => (
            "failed",
            Recorded::Failed,
            n.next_attempt_at,
            Some(format!("gave up after {attempts} attempts: {}", e.message)),
            None,
        ),
        Err(e) => (
            "pending",
            Recorded::Retried,
            plus(now, backoff(n.attempts, policy)),
            Some(e.message.clone()),
            None,
        ),
    };
    match &outcome {
        Ok(()) => tracing::info!(notice_id = n.id, kind = %n.kind, "notice sent"),
        Err(e) => tracing::warn!(
            notice_id = n.id,
            kind = %n.kind,
            permanent = e.permanent,
            attempts,
            new_status = status,
            error = %e.message,
            "notice not sent"
        ),
    }

    let txn = db.begin().await?;
    notice_attempt::ActiveModel {
        notice_id: Set(n.id),
        at: Set(now),
        ok: Set(outcome.is_ok()),
        error: Set(outcome.as_ref().err().map(|e| e.message.clone())),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let updated = notice::Entity::update_many()
        .col_expr(notice::Column::Status, Expr::value(status))
        .col_expr(notice::Column::Attempts, Expr::value(attempts))
        .col_expr(notice::Column::NextAttemptAt, Expr::value(next_attempt_at))
        .col_expr(
            notice::Column::LeaseUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(notice::Column::LastError, Expr::value(last_error))
        .col_expr(notice::Column::SentAt, Expr::value(sent_at))
        .filter(notice::Column::Id.eq(n.id))
        .filter(notice::Column::Status.eq("sending"))
        .filter(notice::Column::LeaseUntil.eq(lease))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    if updated == 1 {
        Ok(Some(recorded))
    } else {
        tracing::warn!(
            notice_id = n.id,
            "lease expired while sending; another worker owns the notice now"
        );
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> DeliveryPolicy {
        DeliveryPolicy::default()
    }

    #[test]
    fn backoff_doubles_from_base() {
        let p = policy();
        assert_eq!(backoff(0, &p), Duration::seconds(30));
        assert_eq!(backoff(1, &p), Duration::seconds(60));
        assert_eq!(backoff(2, &p), Duration::seconds(120));
        assert_eq!(backoff(4, &p), Duration::seconds(480));
    }

    #[test]
    fn backoff_is_capped_at_max() {
        let p = policy();
        // 30 * 2^5 = 960 > 900
        assert_eq!(backoff(5, &p), Duration::seconds(900));
        assert_eq!(backoff(19, &p), Duration::seconds(900));
        assert_eq!(backoff(61, &p), Duration::seconds(900));
        assert_eq!(backoff(62, &p), Duration::seconds(900));
        assert_eq!(backoff(63, &p), Duration::seconds(900));
        assert_eq!(backoff(i32::MAX, &p), Duration::seconds(900));
    }

    #[test]
    fn backoff_edges() {
        let p = policy();
        assert_eq!(backoff(-1, &p), Duration::seconds(30));
        assert_eq!(backoff(i32::MIN, &p), Duration::seconds(30));
        let exact = DeliveryPolicy {
            base_backoff_secs: 100,
            max_backoff_secs: 400,
            ..policy()
        };
        assert_eq!(backoff(2, &exact), Duration::seconds(400));
        assert_eq!(backoff(3, &exact), Duration::seconds(400));
        let base_over_max = DeliveryPolicy {
            base_backoff_secs: 1000,
            max_backoff_secs: 10,
            ..policy()
        };
        assert_eq!(backoff(0, &base_over_max), Duration::seconds(10));
        let zero = DeliveryPolicy {
            base_backoff_secs: 0,
            ..policy()
        };
        assert_eq!(backoff(10, &zero), Duration::zero());
        let huge = DeliveryPolicy {
            base_backoff_secs: i64::MAX,
            max_backoff_secs: i64::MAX,
            ..policy()
        };
        // Clamped instead of overflowing.
        assert!(backoff(40, &huge) > Duration::days(365));
        let _ = plus(Utc::now(), backoff(40, &huge));
    }

    #[test]
    fn default_policy() {
        let p = DeliveryPolicy::default();
        assert_eq!(
            (
                p.max_attempts,
                p.base_backoff_secs,
                p.max_backoff_secs,
                p.lease_secs
            ),
            (20, 30, 900, 300)
        );
    }
}
