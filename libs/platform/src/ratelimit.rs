//! A fixed-window rate limit per client key: in Redis when configured (so every replica
//! shares the counts), in process otherwise. Used by the assessment service's cadre API (per
//! client, per minute) and the approval service's public lookup (per address and per case
//! number, per ten minutes). "Now" is passed in, so tests move an injected clock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::ApiError;

/// `limit` requests per `window_secs` per client key.
#[derive(Clone)]
pub struct RateLimiter {
    pub limit: u64,
    pub window_secs: u64,
    counts: Arc<Mutex<HashMap<String, (u64, u64)>>>,
}

impl RateLimiter {
    /// `limit` requests per minute.
    pub fn new(limit: u64) -> Self {
        Self::per_window(limit, 60)
    }

    /// `limit` requests per window of `window_secs` seconds (at least 1).
    pub fn per_window(limit: u64, window_secs: u64) -> Self {
        RateLimiter {
            limit,
            window_secs: window_secs.max(1),
            counts: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Count one request of `client`; 429 with Retry-After (the seconds to the next window)
    /// when over the limit.
    pub async fn check(
        &self,
        redis: Option<&redis::Client>,
        client: &str,
        now_secs: u64,
    ) -> Result<(), ApiError> {
        let window = now_secs / self.window_secs;
        let retry_after = self.window_secs - now_secs % self.window_secs;
        let mut count = None;
        if let Some(c) = redis {
            if let Ok(mut conn) = c.get_multiplexed_async_connection().await {
                let key = if self.window_secs == 60 {
                    format!("pa:rl:{client}:{window}")
                } else {
                    format!("pa:rl:{}:{client}:{window}", self.window_secs)
                };
                let r: redis::RedisResult<(u64, i64)> = redis::pipe()
                    .cmd("INCR")
                    .arg(&key)
                    .cmd("EXPIRE")
                    .arg(&key)
                    .arg(self.window_secs * 2)
                    .query_async(&mut conn)
                    .await;
                if let Ok((n, _)) = r {
                    count = Some(n);
                }
            }
        }
        let n = match count {
            Some(n) => n,
            None => {
                let mut m = self.counts.lock().unwrap_or_else(|p| p.into_inner());
                m.retain(|_, (w, _)| *w >= window);
                let e = m.entry(client.to_string()).or_insert((window, 0));
                e.1 += 1;
                e.1
            }
        };
        if n > self.limit {
            return Err(ApiError::TooManyRequests { retry_after });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_limit_holds_per_key_and_window_and_says_when_to_retry() {
        let l = RateLimiter::per_window(2, 600);
        let t = 6_000; // the start of a window
        assert!(l.check(None, "a", t).await.is_ok());
        assert!(l.check(None, "a", t + 1).await.is_ok());
        match l.check(None, "a", t + 100).await {
            Err(ApiError::TooManyRequests { retry_after }) => assert_eq!(retry_after, 500),
            other => panic!("{other:?}"),
        }
        assert!(l.check(None, "b", t + 100).await.is_ok(), "another key");
        assert!(l.check(None, "a", t + 600).await.is_ok(), "the next window");
    }
}
