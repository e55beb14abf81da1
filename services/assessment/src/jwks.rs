//! The issuer's public keys (JWKS), followed: with `JWT_JWKS_URL` set, this service verifies
//! every token with the approval service's published Ed25519 keys, read at start, again every
//! five minutes (the JWKS's own `max-age`), and at once (at most every ten seconds) when a
//! token names a key id it does not have — a key rotated in since the last read. An
//! unreachable issuer keeps the keys already read.

use std::time::{Duration, Instant};

use crate::state::AppState;

/// Read the key set again after this long (the issuer's `Cache-Control: max-age=300`).
const REFRESH: Duration = Duration::from_secs(300);
/// An unknown `kid` is looked up no more often than this (a stream of forged ids cannot turn
/// this service into a load on the issuer).
const UNKNOWN_KID_PAUSE: Duration = Duration::from_secs(10);
/// How often the follower looks whether a key is wanted.
const TICK: Duration = Duration::from_millis(500);

/// Read the issuer's keys once; returns how many this service now accepts.
pub async fn refresh(state: &AppState) -> Result<usize, String> {
    let Some(url) = &state.config.jwt.jwks_url else {
        return Ok(0);
    };
    let set = state.approval.jwks(url).await?;
    let n = state.jwt.set_published(&set);
    if n == 0 {
        return Err("the issuer's JWKS holds no Ed25519 signing key".into());
    }
    Ok(n)
}

/// At start: read the keys (an issuer not up yet is retried by [`spawn`]).
pub async fn load_at_start(state: &AppState) {
    if state.config.jwt.jwks_url.is_none() {
        return;
    }
    match refresh(state).await {
        Ok(n) => tracing::info!(keys = n, "read the issuer's keys"),
        Err(e) => tracing::warn!(error = %e, "cannot read the issuer's keys yet; retrying"),
    }
}

/// Follow the issuer's keys in the background.
pub fn spawn(state: AppState) {
    if state.config.jwt.jwks_url.is_none() {
        return;
    }
    tokio::spawn(async move {
        let mut last = Instant::now();
        let mut have = !state.jwt.jwks().keys.is_empty();
        loop {
            tokio::time::sleep(TICK).await;
            // Without any key yet (the issuer was not up at start), every second.
            let pause = if have {
                UNKNOWN_KID_PAUSE
            } else {
                Duration::from_secs(1)
            };
            let wanted = !have || state.jwt.key_wanted();
            let due = last.elapsed() >= REFRESH || (wanted && last.elapsed() >= pause);
            if !due {
                continue;
            }
            last = Instant::now();
            match refresh(&state).await {
                Ok(_) => have = true,
                Err(e) => {
                    tracing::warn!(error = %e, "reading the issuer's keys failed; keeping the ones read before")
                }
            }
        }
    });
}
