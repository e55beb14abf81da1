//! `Idempotency-Key`: a retried submission or command returns the first result, not a second
//! case. The stored response is written in the same transaction as the change it describes,
//! so after a crash either both exist or neither. A retry is told from a reused key by a keyed
//! fingerprint of the request (HMAC-SHA-256, `PiiVault::request_fingerprint`): the body holds
//! the applicant's ID number, so an unkeyed hash of it would let a dictionary find the number.
//!
//! A key is kept for `IDEMPOTENCY_TTL_HOURS` (product default 24, as long as a client's
//! retries last): an older one is no longer replayed, and the hourly housekeeping job
//! deletes it, so the answers it stored (with the applicant's data) do not stay forever.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use platform::ApiError;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::entities::idempotency_key;

/// A key sent by a client, with the fingerprint of the request it came with.
#[derive(Debug, Clone)]
pub struct IdemKey {
    pub key: String,
    pub user_id: i32,
    pub fingerprint: String,
    /// The unkeyed FNV-1a fingerprint rows stored before keyed fingerprints carry (16 hex
    /// digits); compared only with such a row, until the last of them expires.
    pub legacy_fingerprint: String,
}

impl IdemKey {
    /// Read the header; `None` when absent. Keys are 1–128 visible ASCII characters.
    pub fn from_request(
        req: &actix_web::HttpRequest,
        user_id: i32,
        body: &[u8],
    ) -> Result<Option<Self>, ApiError> {
        let Some(v) = req.headers().get("Idempotency-Key") else {
            return Ok(None);
        };
        let key = v.to_str().map_err(|_| ApiError::BadRequest {
            code: "invalid_idempotency_key",
            message: "Idempotency-Key must be ASCII".into(),
            field: Some("Idempotency-Key".into()),
        })?;
        if key.is_empty() || key.len() > 128 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ApiError::BadRequest {
                code: "invalid_idempotency_key",
                message: "Idempotency-Key must be 1–128 visible ASCII characters".into(),
                field: Some("Idempotency-Key".into()),
            });
        }
        let state = req
            .app_data::<actix_web::web::Data<crate::state::AppState>>()
            .ok_or_else(|| ApiError::Internal("no application state".into()))?;
        Ok(Some(IdemKey {
            key: key.to_string(),
            user_id,
            fingerprint: state
                .pii
                .request_fingerprint(req.method().as_str(), req.path(), body),
            legacy_fingerprint: legacy_fingerprint(req.method().as_str(), req.path(), body),
        }))
    }
}

/// FNV-1a over method, path and body: the fingerprint of rows stored before the keyed one
/// (`PiiVault::request_fingerprint`).
pub fn legacy_fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in method
        .bytes()
        .chain([0])
        .chain(path.bytes())
        .chain([0])
        .chain(body.iter().copied())
    {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The stored answer for this key, if the request was already done after `horizon` (now
/// less the TTL). A key stored before it is expired: deleted here, and the request runs anew.
pub async fn replay<C: ConnectionTrait>(
    c: &C,
    key: &IdemKey,
    horizon: DateTime<Utc>,
) -> Result<Option<HttpResponse>, ApiError> {
    let row = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::UserId.eq(key.user_id))
        .filter(idempotency_key::Column::Key.eq(key.key.as_str()))
        .one(c)
        .await?;
    let Some(row) = row else { return Ok(None) };
    if row.created_at < horizon {
        idempotency_key::Entity::delete_by_id(row.id)
            .exec(c)
            .await?;
        return Ok(None);
    }
    let expected = if row.fingerprint.len() == 16 {
        &key.legacy_fingerprint
    } else {
        &key.fingerprint
    };
    if &row.fingerprint != expected {
        return Err(ApiError::Validation {
            code: "idempotency_key_reused",
            errors: vec![platform::FieldError::new(
                "Idempotency-Key",
                "this key was used for a different request; use a new key",
            )],
        });
    }
    let status = StatusCode::from_u16(row.status as u16).unwrap_or(StatusCode::OK);
    Ok(Some(
        HttpResponse::build(status)
            .content_type("application/json")
            .insert_header(("Idempotent-Replayed", "true"))
            .body(row.body),
    ))
}

/// Store the answer, inside the transaction of the change.
pub async fn save<C: ConnectionTrait>(
    c: &C,
    key: &IdemKey,
    status: StatusCode,
    body: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    idempotency_key::ActiveModel {
        key: Set(key.key.clone()),
        user_id: Set(key.user_id),
        fingerprint: Set(key.fingerprint.clone()),
        status: Set(status.as_u16() as i32),
        body: Set(body.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(c)
    .await?;
    Ok(())
}

/// Delete every key stored before `horizon`; how many went.
pub async fn purge<C: ConnectionTrait>(c: &C, horizon: DateTime<Utc>) -> Result<u64, ApiError> {
    let r = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(horizon))
        .exec(c)
        .await?;
    Ok(r.rows_affected)
}
