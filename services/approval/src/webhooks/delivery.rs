//! Delivering feed events to webhook subscriptions.
//!
//! Guarantees (also in `docs/design.md`):
//! - **At-least-once.** A subscription's `cursor` (a feed `seq`, in the database) moves past an
//!   event only after the receiver answered 2xx (or the event is not wanted by the filters).
//!   A crash or a lost answer means the event is sent again, with the same `webhook-id`
//!   (`msg_<feed epoch>_<seq>`), which receivers use to drop duplicates.
//! - **In order per subscription.** Events go out one at a time in `seq` order; a failure
//!   stops the subscription at that event until the retry, so a later event is never sent
//!   before an earlier one has been acknowledged. Different subscriptions are independent.
//! - **One sender per subscription.** A round claims each due subscription with a conditional
//!   `UPDATE` that sets a lease (`lease_token`, `lease_until`) only when none is held; every
//!   later write of the claim is guarded by its token, so two replicas never send for the same
//!   subscription at once. A claim stops taking new events after half the lease.
//! - **Retries.** A failure (non-2xx, timeout, refused connection) is logged, counted, and
//!   retried after `min(base * 2^(failures-1), max)`; after `WEBHOOK_MAX_FAILURES` consecutive
//!   failures the subscription is `dead` (it keeps its cursor) until an admin redelivers.
//! - **Isolation.** Each claimed subscription is delivered by its own task with a request
//!   timeout, so a slow or dead receiver never holds up another subscription or the feed.
//!
//! Signing follows Standard Webhooks: `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "{webhook-id}.{webhook-timestamp}.{body}">` with the key in the `whsec_` secret.
//! Time (timestamps, backoff, leases) is the caller's `now`, the injected clock.

use std::time::Instant;

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use platform::ApiError;
use rand::Rng;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use sha2::Sha256;
use utoipa::ToSchema;

use super::{message_id, secret_key, WebhookStatus};
use crate::entities::{branch, event, webhook, webhook_delivery};
use crate::state::{AppState, WebhookSettings};

/// What one round did (`POST /v1/webhooks/run` waits for every claim of its round).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct RoundReport {
    /// Subscriptions claimed by this round.
    pub claimed: u32,
    /// Events acknowledged (2xx).
    pub delivered: u32,
    /// Failed attempts.
    pub failed: u32,
    /// Subscriptions that went dead in this round.
    pub dead: u32,
}

impl RoundReport {
    fn add(&mut self, o: RoundReport) {
        self.claimed += o.claimed;
        self.delivered += o.delivered;
        self.failed += o.failed;
        self.dead += o.dead;
    }
}

/// The Standard Webhooks signature header value of one message.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

/// The wait after the `failures`-th consecutive failure: `min(base * 2^(failures-1), max)`.
pub fn backoff(failures: i32, s: &WebhookSettings) -> Duration {
    let exp = failures.saturating_sub(1).clamp(0, 30) as u32;
    let secs = u64::from(s.backoff_base_secs)
        .saturating_mul(1u64 << exp)
        .min(u64::from(s.backoff_max_secs));
    Duration::seconds(secs as i64)
}

/// Run one round: claim every due subscription and deliver for each in its own task. With
/// `wait`, return after all of them finished (the on-demand endpoint, tests); without, the
/// tasks run on and the report counts only the claims (the background worker).
pub async fn run_round(
    state: &AppState,
    now: DateTime<Utc>,
    wait: bool,
) -> Result<RoundReport, ApiError> {
    let s = state.supervision.webhooks.clone();
    let due = webhook::Entity::find()
        .filter(webhook::Column::Active.eq(true))
        .filter(webhook::Column::Status.ne(WebhookStatus::Dead.as_str()))
        .filter(webhook::Column::NextAttemptAt.lte(now))
        .filter(free_lease(now))
        .order_by_asc(webhook::Column::Id)
        .all(&state.db)
        .await?;
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(u64::from(s.timeout_secs)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("parallel-approval-webhooks/1")
        .build()
        .map_err(|e| ApiError::Internal(format!("webhook client: {e}")))?;
    let mut report = RoundReport::default();
    let mut tasks = tokio::task::JoinSet::new();
    for w in due {
        let token = format!("{:032x}", rand::thread_rng().gen::<u128>());
        let lease = now + Duration::seconds(i64::from(s.lease_secs));
        let claimed = webhook::Entity::update_many()
            .col_expr(
                webhook::Column::LeaseToken,
                Expr::value(Some(token.clone())),
            )
            .col_expr(webhook::Column::LeaseUntil, Expr::value(Some(lease)))
            .filter(webhook::Column::Id.eq(w.id))
            .filter(webhook::Column::Active.eq(true))
            .filter(webhook::Column::Status.ne(WebhookStatus::Dead.as_str()))
            .filter(free_lease(now))
            .exec(&state.db)
            .await?;
        if claimed.rows_affected != 1 {
            continue; // another replica took it
        }
        report.claimed += 1;
        let (db, client, s) = (state.db.clone(), client.clone(), s.clone());
        tasks.spawn(async move {
            let id = w.id;
            match deliver_claim(&db, &client, &s, w.id, &token, now).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(webhook = id, error = %e, "webhook delivery failed; the lease runs out and it is retried");
                    RoundReport::default()
                }
            }
        });
    }
    if wait {
        while let Some(r) = tasks.join_next().await {
            if let Ok(r) = r {
                report.add(RoundReport { claimed: 0, ..r });
            }
        }
    } else {
        tasks.detach_all();
    }
    Ok(report)
}

fn free_lease(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(webhook::Column::LeaseUntil.is_null())
        .add(webhook::Column::LeaseUntil.lte(now))
}

/// The subscription row, if this claim still holds its lease.
fn guarded(id: i32, token: &str) -> sea_orm::UpdateMany<webhook::Entity> {
    webhook::Entity::update_many()
        .filter(webhook::Column::Id.eq(id))
        .filter(webhook::Column::LeaseToken.eq(token))
}

/// Whether an event concerns a department: its own `department_id`, its branch's, or for a
/// case-level event one of the case's branches.
async fn concerns(
    db: &DatabaseConnection,
    e: &event::Model,
    payload: &serde_json::Value,
    dept: i32,
) -> Result<bool, ApiError> {
    if let Some(d) = payload.get("department_id").and_then(|d| d.as_i64()) {
        return Ok(d == i64::from(dept));
    }
    if let Some(b) = e.branch_id {
        let b = branch::Entity::find_by_id(b).one(db).await?;
        return Ok(b.is_some_and(|b| b.department_id == dept));
    }
    if e.case_id > 0 {
        let n = branch::Entity::find()
            .filter(branch::Column::CaseId.eq(e.case_id))
            .filter(branch::Column::DepartmentId.eq(dept))
            .limit(1)
            .all(db)
            .await?;
        return Ok(!n.is_empty());
    }
    Ok(false)
}

async fn deliver_claim(
    db: &DatabaseConnection,
    client: &reqwest::Client,
    s: &WebhookSettings,
    id: i32,
    token: &str,
    now: DateTime<Utc>,
) -> Result<RoundReport, ApiError> {
    let started = Instant::now();
    let mut report = RoundReport::default();
    let Some(w) = webhook::Entity::find_by_id(id)
        .filter(webhook::Column::LeaseToken.eq(token))
        .one(db)
        .await?
    else {
        return Ok(report);
    };
    let key = secret_key(&w.secret).map_err(|e| ApiError::Internal(e.to_string()))?;
    let kinds: Vec<String> = serde_json::from_str(&w.event_kinds).unwrap_or_default();
    let epoch = crate::cases::store::feed_epoch(db).await?;
    let events = event::Entity::find()
        .filter(event::Column::Seq.gt(w.cursor))
        .order_by_asc(event::Column::Seq)
        .limit(u64::from(s.batch))
        .all(db)
        .await?;
    let mut cursor = w.cursor;
    let mut failures = w.failures;
    let half_lease = std::time::Duration::from_secs(u64::from(s.lease_secs) / 2);
    for e in events {
        if started.elapsed() > half_lease {
            break;
        }
        let view = crate::cases::store::event_view(e.clone());
        let wanted = (kinds.is_empty() || kinds.contains(&e.kind))
            && match w.department_id {
                None => true,
                Some(d) => concerns(db, &e, &view.payload, d).await?,
            };
        if !wanted {
            cursor = e.seq;
            continue;
        }
        let body = serde_json::to_vec(&view).map_err(|e| ApiError::Internal(e.to_string()))?;
        let msg = message_id(&epoch, e.seq);
        let ts = now.timestamp();
        let sent = Instant::now();
        let answer = client
            .post(&w.url)
            .header("content-type", "application/json")
            .header("webhook-id", &msg)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", sign(&key, &msg, ts, &body))
            .body(body)
            .send()
            .await;
        let duration_ms = i64::try_from(sent.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (code, error) = match answer {
            Ok(r) if r.status().is_success() => (Some(i32::from(r.status().as_u16())), None),
            Ok(r) => (
                Some(i32::from(r.status().as_u16())),
                Some(format!("answered {}", r.status())),
            ),
            Err(err) if err.is_timeout() => {
                (None, Some(format!("no answer within {} s", s.timeout_secs)))
            }
            Err(err) => (None, Some(format!("not delivered: {err}"))),
        };
        webhook_delivery::ActiveModel {
            webhook_id: Set(id),
            event_seq: Set(e.seq),
            attempt: Set(failures + 1),
            status_code: Set(code),
            error: Set(error.clone()),
            duration_ms: Set(duration_ms),
            at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        match error {
            None => {
                report.delivered += 1;
                cursor = e.seq;
                failures = 0;
                let held = guarded(id, token)
                    .col_expr(webhook::Column::Cursor, Expr::value(cursor))
                    .col_expr(webhook::Column::Failures, Expr::value(0))
                    .col_expr(
                        webhook::Column::Status,
                        Expr::value(WebhookStatus::Ok.as_str()),
                    )
                    .col_expr(webhook::Column::LastError, Expr::value(None::<String>))
                    .exec(db)
                    .await?;
                if held.rows_affected != 1 {
                    return Ok(report); // deleted, or the lease was lost: stop
                }
            }
            Some(err) => {
                report.failed += 1;
                failures += 1;
                let dead = failures >= i32::try_from(s.max_failures).unwrap_or(i32::MAX);
                if dead {
                    report.dead += 1;
                    tracing::warn!(webhook = id, seq = e.seq, error = %err, "webhook dead after {failures} consecutive failures");
                }
                let status = if dead {
                    WebhookStatus::Dead
                } else {
                    WebhookStatus::Retrying
                };
                guarded(id, token)
                    .col_expr(webhook::Column::Cursor, Expr::value(cursor))
                    .col_expr(webhook::Column::Failures, Expr::value(failures))
                    .col_expr(webhook::Column::Status, Expr::value(status.as_str()))
                    .col_expr(webhook::Column::LastError, Expr::value(Some(err)))
                    .col_expr(
                        webhook::Column::NextAttemptAt,
                        Expr::value(now + backoff(failures, s)),
                    )
                    .col_expr(webhook::Column::LeaseToken, Expr::value(None::<String>))
                    .col_expr(
                        webhook::Column::LeaseUntil,
                        Expr::value(None::<DateTime<Utc>>),
                    )
                    .exec(db)
                    .await?;
                return Ok(report);
            }
        }
    }
    guarded(id, token)
        .col_expr(webhook::Column::Cursor, Expr::value(cursor))
        .col_expr(webhook::Column::LeaseToken, Expr::value(None::<String>))
        .col_expr(
            webhook::Column::LeaseUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .exec(db)
        .await?;
    Ok(report)
}

/// The background worker (started unless `SCHEDULER=off`): a round every
/// `WEBHOOK_INTERVAL_SECONDS`, not waiting for slow receivers (their leases keep them from
/// being claimed twice).
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        let every =
            std::time::Duration::from_secs(u64::from(state.supervision.webhooks.interval_secs));
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = run_round(&state, state.now(), false).await {
                tracing::error!(error = %e, "webhook round failed; retrying next round");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification (spec/standard-webhooks.md).
        let key = base64::engine::general_purpose::STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap();
        let sig = sign(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let s = WebhookSettings {
            backoff_base_secs: 30,
            backoff_max_secs: 100,
            ..Default::default()
        };
        assert_eq!(backoff(1, &s).num_seconds(), 30);
        assert_eq!(backoff(2, &s).num_seconds(), 60);
        assert_eq!(backoff(3, &s).num_seconds(), 100);
        assert_eq!(backoff(1000, &s).num_seconds(), 100);
    }
}
