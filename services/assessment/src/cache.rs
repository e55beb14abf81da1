//! Response cache and per-client rate limit for the cadre API: in Redis when configured (so
//! every replica shares them), in process otherwise.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use platform::ApiError;

type Local = Mutex<HashMap<String, (Instant, String)>>;

fn local() -> &'static Local {
    static L: OnceLock<Local> = OnceLock::new();
    L.get_or_init(|| Mutex::new(HashMap::new()))
}

const TTL: Duration = Duration::from_secs(3600);

pub async fn get(redis: Option<&redis::Client>, key: &str) -> Option<String> {
    if let Some(c) = redis {
        if let Ok(mut conn) = c.get_multiplexed_async_connection().await {
            if let Ok(v) = redis::cmd("GET")
                .arg(key)
                .query_async::<Option<String>>(&mut conn)
                .await
            {
                return v;
            }
        }
    }
    let map = local().lock().unwrap_or_else(|p| p.into_inner());
    map.get(key)
        .filter(|(t, _)| t.elapsed() < TTL)
        .map(|(_, v)| v.clone())
}

pub async fn put(redis: Option<&redis::Client>, key: &str, value: &str) {
    if let Some(c) = redis {
        if let Ok(mut conn) = c.get_multiplexed_async_connection().await {
            let r: redis::RedisResult<()> = redis::cmd("SET")
                .arg(key)
                .arg(value)
                .arg("EX")
                .arg(TTL.as_secs())
                .query_async(&mut conn)
                .await;
            if r.is_ok() {
                return;
            }
        }
    }
    let mut map = local().lock().unwrap_or_else(|p| p.into_inner());
    if map.len() > 10_000 {
        map.retain(|_, (t, _)| t.elapsed() < TTL);
    }
    map.insert(key.to_string(), (Instant::now(), value.to_string()));
}

/// A fixed window of `limit` requests per minute per client.
#[derive(Clone)]
pub struct RateLimiter {
    pub limit: u64,
    counts: Arc<Mutex<HashMap<String, (u64, u64)>>>,
}

impl RateLimiter {
    pub fn new(limit: u64) -> Self {
        RateLimiter {
            limit,
            counts: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Count one request of `client`; 429 with Retry-After when over the limit.
    pub async fn check(
        &self,
        redis: Option<&redis::Client>,
        client: &str,
        now_secs: u64,
    ) -> Result<(), ApiError> {
        let window = now_secs / 60;
        let retry_after = 60 - now_secs % 60;
        let mut count = None;
        if let Some(c) = redis {
            if let Ok(mut conn) = c.get_multiplexed_async_connection().await {
                let key = format!("pa:rl:{client}:{window}");
                let r: redis::RedisResult<(u64, i64)> = redis::pipe()
                    .cmd("INCR")
                    .arg(&key)
                    .cmd("EXPIRE")
                    .arg(&key)
                    .arg(120)
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

/// ETag of a body: FNV-1a, quoted.
pub fn etag(body: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in body.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("\"{h:016x}\"")
}
