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
