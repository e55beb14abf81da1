//! Response cache of the cadre API: in Redis when configured (so every replica shares it), in
//! process otherwise. The per-client rate limit is `platform::ratelimit`.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

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

/// The per-client rate limit (one fixed window a minute) lives in `platform` now: the
/// approval service's public lookup uses it too.
pub use platform::ratelimit::RateLimiter;

/// ETag of a body: FNV-1a, quoted.
pub fn etag(body: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in body.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("\"{h:016x}\"")
}
