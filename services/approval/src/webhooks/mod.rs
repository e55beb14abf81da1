//! Webhook subscriptions (system administrator only): other government systems (the provincial 政务服务
//! platform, the national 好差评 system, 电子证照 libraries) are sent every feed event they
//! subscribed to as a signed POST, instead of polling `/v1/events`.
//!
//! A subscription has a target `url` (http or https), the `event_kinds` it wants (each one the
//! feed emits, [`crate::cases::kinds::EVENT_KINDS`]; empty = all), an optional department
//! filter, a signing secret (Standard Webhooks `whsec_…`; generated when not given and shown
//! once, in the create answer) and an `active` flag. Every admin write is audited in its own
//! transaction; a refused request writes nothing. Delivery is in [`delivery`].

pub mod delivery;

use base64::Engine;
use chrono::{DateTime, Utc};
use platform::auth::AuthUser;
use platform::pagination::{Page, PageRequest};
use platform::ApiError;
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Change};
use crate::cases::kinds;
use crate::entities::{webhook, webhook_delivery};

/// The prefix of a Standard Webhooks secret; the rest is the base64 of the HMAC key.
pub const SECRET_PREFIX: &str = "whsec_";
/// The shortest HMAC key a given secret may carry: 24 bytes, 192 bits (product default).
pub const MIN_SECRET_BYTES: usize = 24;
/// The longest: 64 bytes, one SHA-256 block (product default).
pub const MAX_SECRET_BYTES: usize = 64;
/// Bytes of a generated key (product default).
const GENERATED_SECRET_BYTES: usize = 32;
const MAX_URL_LEN: usize = 2000;

/// The body of `POST /v1/webhooks`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// Where to POST the events: an `http://` or `https://` address, at most 2000 characters.
    #[schema(example = "https://zwfw.example.gov.cn/hooks/approval")]
    pub url: String,
    /// The kinds of event wanted (see the `FeedEvent_<kind>` schemas); empty or absent = all.
    #[serde(default)]
    #[schema(schema_with = kinds::kind_list_schema)]
    pub event_kinds: Vec<String>,
    /// Only events of this department (its branches, and cases with a branch of it).
    pub department_id: Option<i32>,
    /// `whsec_` + base64 of a 24–64 byte key (Standard Webhooks). Absent: the service makes
    /// one and shows it once, in this answer.
    pub secret: Option<String>,
    /// Default true.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// `Some(None)` for an explicit `null`, `None` when the field is absent.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The body of `PATCH /v1/webhooks/{id}`: only the fields given change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    pub url: Option<String>,
    #[schema(schema_with = kinds::kind_list_schema)]
    pub event_kinds: Option<Vec<String>>,
    /// A department id, or `null` to drop the filter.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>)]
    pub department_id: Option<Option<i32>>,
    /// A new secret (rotation); it is not shown back.
    pub secret: Option<String>,
    pub active: Option<bool>,
}

/// Delivery state of a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WebhookStatus {
    /// Delivering, or waiting for new events.
    Ok,
    /// The last attempt failed; the next one is at `next_attempt_at`.
    Retrying,
    /// Given up after `WEBHOOK_MAX_FAILURES` consecutive failures; `POST …/redeliver` revives.
    Dead,
}

impl WebhookStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookStatus::Ok => "ok",
            WebhookStatus::Retrying => "retrying",
            WebhookStatus::Dead => "dead",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "retrying" => WebhookStatus::Retrying,
            "dead" => WebhookStatus::Dead,
            _ => WebhookStatus::Ok,
        }
    }
}

/// A subscription as the API shows it (never with its secret).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Webhook {
    pub id: i32,
    pub url: String,
    /// Empty = every kind.
    #[schema(schema_with = kinds::kind_list_schema)]
    pub event_kinds: Vec<String>,
    pub department_id: Option<i32>,
    pub active: bool,
    pub status: WebhookStatus,
    /// The feed `seq` up to which every event is delivered (or not wanted by the filters).
    pub cursor: i64,
    /// Consecutive failed attempts.
    pub failures: i32,
    pub next_attempt_at: DateTime<Utc>,
    /// The error of the last failed attempt, while failing or dead.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The answer to a create: the subscription and its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The signing secret (`whsec_…`); not shown again.
    pub secret: String,
}

/// One delivery attempt.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookDelivery {
    pub id: i64,
    /// The event's feed `seq`.
    pub event_seq: i64,
    /// The `webhook-id` header sent (the same on every retry of the event).
    pub message_id: String,
    /// 1 for the first attempt at this event.
    pub attempt: i32,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i32>,
    /// Why the attempt failed (a non-2xx answer, a timeout, a refused connection).
    pub error: Option<String>,
    pub duration_ms: i64,
    pub at: DateTime<Utc>,
}

/// The body of `POST /v1/webhooks/{id}/redeliver`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeliverInput {
    /// Deliver again from this feed `seq` on (inclusive); absent = from where it stopped.
    pub from_seq: Option<i64>,
}

/// The deleted subscription's id.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDeleted {
    pub id: i32,
    pub deleted: bool,
}

fn view(m: &webhook::Model) -> Result<Webhook, ApiError> {
    Ok(Webhook {
        id: m.id,
        url: m.url.clone(),
        event_kinds: serde_json::from_str(&m.event_kinds)
            .map_err(|e| ApiError::Internal(format!("stored event_kinds unreadable: {e}")))?,
        department_id: m.department_id,
        active: m.active,
        status: WebhookStatus::parse(&m.status),
        cursor: m.cursor,
        failures: m.failures,
        next_attempt_at: m.next_attempt_at,
        last_error: m.last_error.clone(),
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// The `webhook-id` of an event: stable across retries and redeliveries, unique per feed
/// (the feed's epoch and the event's `seq`).
pub fn message_id(epoch: &str, seq: i64) -> String {
    format!("msg_{epoch}_{seq}")
}

fn check_url(url: &str) -> Result<String, ApiError> {
    let bad = |why: &str| ApiError::unprocessable_on("invalid_webhook_url", "url", why.to_string());
    let url = url.trim();
    if url.len() > MAX_URL_LEN {
        return Err(bad("is longer than 2000 characters"));
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| bad(&format!("is not an address: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("must be an http:// or https:// address"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    if parsed.fragment().is_some() {
        return Err(bad("must not have a #fragment"));
    }
    Ok(parsed.to_string())
}

fn check_kinds(kinds_in: Vec<String>) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::new();
    for (i, k) in kinds_in.into_iter().enumerate() {
        if !kinds::is_kind(&k) {
            return Err(ApiError::unprocessable_on(
                "unknown_event_kind",
                format!("event_kinds[{i}]"),
                format!("`{k}` is not a kind of event the feed emits"),
            ));
        }
        if !out.contains(&k) {
            out.push(k);
        }
    }
    Ok(out)
}

/// The HMAC key of a `whsec_…` secret, or the 422 that says what is wrong.
pub fn secret_key(secret: &str) -> Result<Vec<u8>, ApiError> {
    let bad = |why: String| ApiError::unprocessable_on("invalid_webhook_secret", "secret", why);
    let b64 = secret
        .strip_prefix(SECRET_PREFIX)
        .ok_or_else(|| bad(format!("must start with `{SECRET_PREFIX}`")))?;
    let key = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| bad(format!("must be `{SECRET_PREFIX}` followed by base64")))?;
    if !(MIN_SECRET_BYTES..=MAX_SECRET_BYTES).contains(&key.len()) {
        return Err(bad(format!(
            "must carry a key of {MIN_SECRET_BYTES}–{MAX_SECRET_BYTES} bytes, not {}",
            key.len()
        )));
    }
    Ok(key)
}

fn generate_secret() -> String {
    let mut key = [0u8; GENERATED_SECRET_BYTES];
    rand::thread_rng().fill_bytes(&mut key);
    format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    )
}

async fn load<C: ConnectionTrait>(c: &C, id: i32) -> Result<webhook::Model, ApiError> {
    webhook::Entity::find_by_id(id)
        .one(c)
        .await?
        .ok_or_else(|| ApiError::not_found("webhook", id))
}

async fn head_seq<C: ConnectionTrait>(c: &C) -> Result<i64, ApiError> {
    use crate::entities::event;
    Ok(event::Entity::find()
        .order_by_desc(event::Column::Seq)
        .limit(1)
        .one(c)
        .await?
        .map(|e| e.seq)
        .unwrap_or(0))
}

/// Create a subscription. It starts at the feed's head: it is sent what happens from now on
/// (`POST …/redeliver` with `from_seq` replays older events).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction webhooks.create", db.operation = "webhooks.create"))]
pub async fn create(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: WebhookInput,
) -> Result<WebhookCreated, ApiError> {
    let url = check_url(&input.url)?;
    let event_kinds = check_kinds(input.event_kinds)?;
    let secret = match input.secret {
        Some(s) => {
            secret_key(&s)?;
            s
        }
        None => generate_secret(),
    };
    let txn = db.begin().await?;
    if let Some(d) = input.department_id {
        crate::catalogue::store::department_ref(&txn, d, "department_id").await?;
    }
    let m = webhook::ActiveModel {
        url: Set(url),
        event_kinds: Set(serde_json::to_string(&event_kinds).unwrap_or_else(|_| "[]".into())),
        department_id: Set(input.department_id),
        secret: Set(secret.clone()),
        active: Set(input.active),
        status: Set(WebhookStatus::Ok.as_str().into()),
        cursor: Set(head_seq(&txn).await?),
        failures: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        lease_token: Set(None),
        lease_until: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let v = view(&m)?;
    audit::record(
        &txn,
        actor,
        now,
        Change::new("create", "webhook", v.id).after(&v),
    )
    .await?;
    txn.commit().await?;
    Ok(WebhookCreated { webhook: v, secret })
}

pub async fn get(db: &DatabaseConnection, id: i32) -> Result<Webhook, ApiError> {
    view(&load(db, id).await?)
}

pub async fn list(db: &DatabaseConnection, page: PageRequest) -> Result<Page<Webhook>, ApiError> {
    let mut q = webhook::Entity::find();
    if let Some(after) = page.after_id {
        q = q.filter(webhook::Column::Id.gt(after));
    }
    let rows = q
        .order_by_asc(webhook::Column::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    let views = rows.iter().map(view).collect::<Result<Vec<_>, _>>()?;
    Ok(page.page(views, |w| i64::from(w.id), |w| w))
}

#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction webhooks.update", db.operation = "webhooks.update"))]
pub async fn update(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
    patch: WebhookPatch,
) -> Result<Webhook, ApiError> {
    let url = patch.url.as_deref().map(check_url).transpose()?;
    let event_kinds = patch.event_kinds.map(check_kinds).transpose()?;
    if let Some(s) = &patch.secret {
        secret_key(s)?;
    }
    let txn = db.begin().await?;
    let current = load(&txn, id).await?;
    if let Some(Some(d)) = patch.department_id {
        crate::catalogue::store::department_ref(&txn, d, "department_id").await?;
    }
    let before = view(&current)?;
    let mut am = current.into_active_model();
    if let Some(u) = url {
        am.url = Set(u);
    }
    if let Some(k) = event_kinds {
        am.event_kinds = Set(serde_json::to_string(&k).unwrap_or_else(|_| "[]".into()));
    }
    if let Some(d) = patch.department_id {
        am.department_id = Set(d);
    }
    if let Some(s) = patch.secret {
        am.secret = Set(s);
    }
    if let Some(a) = patch.active {
        am.active = Set(a);
    }
    am.updated_at = Set(now);
    let m = am.update(&txn).await?;
    let after = view(&m)?;
    audit::record(
        &txn,
        actor,
        now,
        Change::new("update", "webhook", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Delete a subscription and its delivery log.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction webhooks.delete", db.operation = "webhooks.delete"))]
pub async fn delete(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
) -> Result<WebhookDeleted, ApiError> {
    let txn = db.begin().await?;
    let before = view(&load(&txn, id).await?)?;
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::WebhookId.eq(id))
        .exec(&txn)
        .await?;
    webhook::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        actor,
        now,
        Change::new("delete", "webhook", id).before(&before),
    )
    .await?;
    txn.commit().await?;
    Ok(WebhookDeleted { id, deleted: true })
}

/// Revive a subscription (dead or not): failures cleared, the next attempt now, and with
/// `from_seq` the cursor moved so that event is the next one sent. Refused (409
/// `webhook_busy`) while a replica is delivering for it.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction webhooks.redeliver", db.operation = "webhooks.redeliver"))]
pub async fn redeliver(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
    input: RedeliverInput,
) -> Result<Webhook, ApiError> {
    let txn = db.begin().await?;
    let current = load(&txn, id).await?;
    if let Some(from) = input.from_seq {
        let head = head_seq(&txn).await?;
        if from < 1 || from > head + 1 {
            return Err(ApiError::unprocessable_on(
                "invalid_from_seq",
                "from_seq",
                format!("must be between 1 and {} (the feed's head + 1)", head + 1),
            ));
        }
    }
    if current.lease_until.is_some_and(|l| l > now) {
        return Err(ApiError::conflict(
            "webhook_busy",
            format!("webhook {id} is being delivered right now; try again shortly"),
        ));
    }
    let before = view(&current)?;
    let mut am = current.into_active_model();
    if let Some(from) = input.from_seq {
        am.cursor = Set(from - 1);
    }
    am.status = Set(WebhookStatus::Ok.as_str().into());
    am.failures = Set(0);
    am.last_error = Set(None);
    am.next_attempt_at = Set(now);
    am.updated_at = Set(now);
    let m = am.update(&txn).await?;
    let after = view(&m)?;
    audit::record(
        &txn,
        actor,
        now,
        Change::new("redeliver", "webhook", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// The delivery log of a subscription, oldest first.
pub async fn deliveries(
    db: &DatabaseConnection,
    id: i32,
    page: PageRequest,
) -> Result<Page<WebhookDelivery>, ApiError> {
    load(db, id).await?;
    let epoch = crate::cases::store::feed_epoch(db).await?;
    let mut q = webhook_delivery::Entity::find().filter(webhook_delivery::Column::WebhookId.eq(id));
    if let Some(after) = page.after_id {
        q = q.filter(webhook_delivery::Column::Id.gt(after));
    }
    let rows = q
        .order_by_asc(webhook_delivery::Column::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    Ok(page.page(
        rows,
        |r| r.id,
        |r| WebhookDelivery {
            id: r.id,
            event_seq: r.event_seq,
            message_id: message_id(&epoch, r.event_seq),
            attempt: r.attempt,
            status_code: r.status_code,
            error: r.error,
            duration_ms: r.duration_ms,
            at: r.at,
        },
    ))
}

/// One active subscription's delivery lag, for `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LagFigure {
    pub id: i32,
    /// Feed events past its cursor: not yet delivered (or not yet passed over by its filter).
    pub lag_events: i64,
    /// Age of the first of them at `now` (0 when it is caught up).
    pub oldest_age_seconds: i64,
    /// Consecutive failed attempts.
    pub failures: i32,
    pub dead: bool,
}

/// The lag of every active subscription: one query for them, the feed's head, and one
/// indexed lookup per subscription that is behind (subscriptions are few).
pub async fn lag_figures<C: ConnectionTrait>(
    c: &C,
    now: DateTime<Utc>,
) -> Result<Vec<LagFigure>, ApiError> {
    use crate::entities::event;
    let subs = webhook::Entity::find()
        .filter(webhook::Column::Active.eq(true))
        .order_by_asc(webhook::Column::Id)
        .all(c)
        .await?;
    if subs.is_empty() {
        return Ok(Vec::new());
    }
    let head = head_seq(c).await?;
    let mut out = Vec::with_capacity(subs.len());
    for s in subs {
        let lag_events = (head - s.cursor).max(0);
        let oldest_age_seconds = if lag_events > 0 {
            event::Entity::find()
                .filter(event::Column::Seq.gt(s.cursor))
                .order_by_asc(event::Column::Seq)
                .limit(1)
                .one(c)
                .await?
                .map(|e| (now - e.at).num_seconds().max(0))
                .unwrap_or(0)
        } else {
            0
        };
        out.push(LagFigure {
            id: s.id,
            lag_events,
            oldest_age_seconds,
            failures: s.failures,
            dead: s.status == "dead",
        });
    }
    Ok(out)
}
