//! What the approval benchmarks share: environment knobs, a fresh PostgreSQL database per run
//! (dropped at the end), and raw SQL helpers. Included with `#[path]` by each bench.

#![allow(dead_code)]

use platform::config::Config;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement, Value};

/// The approval service's configuration for a bench on `database_url`: demo data, no Redis,
/// random port, and `calendar_fallback` for years without a table.
pub fn bench_config(database_url: &str, calendar_fallback: &str) -> Config {
    Config {
        service: "approval".into(),
        database_url: database_url.into(),
        redis_url: None,
        jwt_secret: "bench-secret-bench-secret-bench-secret".into(),
        jwt_secret_generated: false,
        bind: "127.0.0.1:0".into(),
        token_ttl_seconds: 3600,
        body_limit_bytes: 262_144,
        demo_data: true,
        office_hours: "09:00-17:00".into(),
        calendar_fallback: calendar_fallback.into(),
        bootstrap_admin: None,
        trusted_proxies: Default::default(),
        jwt: Default::default(),
        console_idle_seconds: platform::idle::DEFAULT_IDLE_SECONDS,
    }
}

/// A whole number from the environment (`_` allowed as a digit separator), or `default`.
pub fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// The PostgreSQL server to bench against: `BENCH_DATABASE_URL`, else `TEST_DATABASE_URL`,
/// else the local `postgres://postgres@127.0.0.1:5432/test`.
pub fn base_url() -> String {
    std::env::var("BENCH_DATABASE_URL")
        .or_else(|_| std::env::var("TEST_DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Create a fresh database on the server of `base`: its URL and name.
pub async fn fresh_db(base: &str) -> (String, String) {
    use rand::Rng;
    let name = format!("bench_{:012x}", rand::thread_rng().gen::<u64>() >> 16);
    let admin = Database::connect(base)
        .await
        .expect("connect to PostgreSQL (BENCH_DATABASE_URL)");
    admin
        .execute(Statement::from_string(
            admin.get_database_backend(),
            format!("CREATE DATABASE {name}"),
        ))
        .await
        .expect("create bench db");
    let (head, _) = base
        .rsplit_once('/')
        .expect("database URL with a database name");
    (format!("{head}/{name}"), name)
}

/// Drop a database made by [`fresh_db`].
pub async fn drop_db(base: &str, name: &str) {
    if let Ok(admin) = Database::connect(base).await {
        let _ = admin
            .execute(Statement::from_string(
                admin.get_database_backend(),
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            ))
            .await;
    }
}

/// Run a statement; its affected rows.
pub async fn exec(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> u64 {
    db.execute(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        values,
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}: {sql}"))
    .rows_affected()
}

/// One bigint from a query.
pub async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    db.query_one(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"))
        .expect("row")
        .try_get_by_index::<i64>(0)
        .expect("bigint")
}
