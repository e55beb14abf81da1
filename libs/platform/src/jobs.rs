//! The job ledger that makes a scheduled job run once per tick across replicas: a run first
//! inserts `(job, tick)` into the service's `job_runs` table (unique on both); the replica
//! whose insert wins runs it, the others skip. Jobs stay idempotent anyway, so a run that dies
//! midway is done again at the next tick.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, Statement};

/// The tick a moment belongs to: its minute, UTC.
pub fn tick_of(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%dT%H:%MZ").to_string()
}

/// Who is running: host and process.
pub fn runner_id() -> String {
    format!(
        "{}-{}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "local".into()),
        std::process::id()
    )
}

/// Claim `(job, tick)`; `true` when this caller won it.
pub async fn claim_tick<C: ConnectionTrait>(
    c: &C,
    job: &str,
    tick: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let backend = c.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "INSERT INTO job_runs (job, tick, runner, started_at) VALUES ($1, $2, $3, $4) ON CONFLICT (job, tick) DO NOTHING"
        }
        _ => "INSERT INTO job_runs (job, tick, runner, started_at) VALUES (?, ?, ?, ?) ON CONFLICT (job, tick) DO NOTHING",
    };
    let res = c
        .execute(Statement::from_sql_and_values(
            backend,
            sql,
            [job.into(), tick.into(), runner_id().into(), now.into()],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}

/// Record that the run of `(job, tick)` finished.
pub async fn finish_tick<C: ConnectionTrait>(
    c: &C,
    job: &str,
    tick: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let backend = c.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "UPDATE job_runs SET finished_at = $1 WHERE job = $2 AND tick = $3"
        }
        _ => "UPDATE job_runs SET finished_at = ? WHERE job = ? AND tick = ?",
    };
    c.execute(Statement::from_sql_and_values(
        backend,
        sql,
        [at.into(), job.into(), tick.into()],
    ))
    .await?;
    Ok(())
}

/// Give `(job, tick)` back after a failed run, so the job can be run again for the same tick
/// (a retry, by the scheduler or by hand) instead of staying claimed and never done.
pub async fn release_tick<C: ConnectionTrait>(c: &C, job: &str, tick: &str) -> Result<(), DbErr> {
    let backend = c.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "DELETE FROM job_runs WHERE job = $1 AND tick = $2 AND finished_at IS NULL"
        }
        _ => "DELETE FROM job_runs WHERE job = ? AND tick = ? AND finished_at IS NULL",
    };
    c.execute(Statement::from_sql_and_values(
        backend,
        sql,
        [job.into(), tick.into()],
    ))
    .await?;
    Ok(())
}

/// A Redis lock held by one run: its value is a token unique to the run, so only that run can
/// extend or release it (compare-and-delete in a Lua script). A run that outlives the expiry
/// can no longer delete the lock of the run that took it over.
#[derive(Debug, Clone)]
pub struct RunLock {
    key: String,
    token: String,
}

const RELEASE: &str =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const RENEW: &str = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

impl RunLock {
    /// Try to take `key` for `ttl_ms`: `Ok(Some(lock))` when taken, `Ok(None)` when another
    /// run holds it.
    pub async fn acquire(
        conn: &mut redis::aio::MultiplexedConnection,
        key: &str,
        ttl_ms: u64,
    ) -> redis::RedisResult<Option<RunLock>> {
        let token = format!("{}-{:016x}", runner_id(), rand::random::<u64>());
        let set: Option<String> = redis::cmd("SET")
            .arg(key)
            .arg(&token)
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms)
            .query_async(conn)
            .await?;
        Ok(set.map(|_| RunLock {
            key: key.to_string(),
            token,
        }))
    }

    /// Extend the lock while the run lives; `false` when it is no longer this run's.
    pub async fn renew(
        &self,
        conn: &mut redis::aio::MultiplexedConnection,
        ttl_ms: u64,
    ) -> redis::RedisResult<bool> {
        let n: i64 = redis::cmd("EVAL")
            .arg(RENEW)
            .arg(1)
            .arg(&self.key)
            .arg(&self.token)
            .arg(ttl_ms)
            .query_async(conn)
            .await?;
        Ok(n == 1)
    }

    /// Release the lock if it is still this run's; `false` when it was not (expired, taken).
    pub async fn release(
        &self,
        conn: &mut redis::aio::MultiplexedConnection,
    ) -> redis::RedisResult<bool> {
        let n: i64 = redis::cmd("EVAL")
            .arg(RELEASE)
            .arg(1)
            .arg(&self.key)
            .arg(&self.token)
            .query_async(conn)
            .await?;
        Ok(n == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_released_tick_can_be_claimed_again_a_finished_one_cannot() {
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        db.execute_unprepared(
            "CREATE TABLE job_runs (id INTEGER PRIMARY KEY, job TEXT NOT NULL, tick TEXT NOT NULL, \
             runner TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, UNIQUE (job, tick))",
        )
        .await
        .unwrap();
        let now = Utc::now();
        assert!(claim_tick(&db, "sweep", "t1", now).await.unwrap());
        assert!(
            !claim_tick(&db, "sweep", "t1", now).await.unwrap(),
            "claimed"
        );
        release_tick(&db, "sweep", "t1").await.unwrap();
        assert!(
            claim_tick(&db, "sweep", "t1", now).await.unwrap(),
            "a failed run is retried"
        );
        finish_tick(&db, "sweep", "t1", now).await.unwrap();
        release_tick(&db, "sweep", "t1").await.unwrap();
        assert!(
            !claim_tick(&db, "sweep", "t1", now).await.unwrap(),
            "done once stays done"
        );
    }

    /// Against the machine's Redis (`TEST_REDIS_URL`, default 127.0.0.1:6379).
    #[tokio::test]
    async fn a_late_run_cannot_release_the_lock_of_the_run_that_took_over() {
        let url = std::env::var("TEST_REDIS_URL")
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "redis://127.0.0.1:6379".into());
        let client = redis::Client::open(url).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let key = format!("pa:test-lock:{:016x}", rand::random::<u64>());
        let first = RunLock::acquire(&mut conn, &key, 50)
            .await
            .unwrap()
            .unwrap();
        assert!(RunLock::acquire(&mut conn, &key, 50)
            .await
            .unwrap()
            .is_none());
        // The first run outlives its expiry; a second run takes the lock.
        tokio::time::sleep(std::time::Duration::from_millis(80)).await;
        let second = RunLock::acquire(&mut conn, &key, 10_000)
            .await
            .unwrap()
            .expect("expired: free to take");
        assert!(
            !first.release(&mut conn).await.unwrap(),
            "not the first run's any more"
        );
        assert!(!first.renew(&mut conn, 10_000).await.unwrap());
        assert!(
            RunLock::acquire(&mut conn, &key, 50)
                .await
                .unwrap()
                .is_none(),
            "still held"
        );
        assert!(second.renew(&mut conn, 10_000).await.unwrap());
        assert!(second.release(&mut conn).await.unwrap());
        assert!(RunLock::acquire(&mut conn, &key, 50)
            .await
            .unwrap()
            .is_some());
    }
}
