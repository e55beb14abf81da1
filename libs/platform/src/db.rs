//! The database pool: SQLite (embedded default, WAL) or PostgreSQL, chosen by the URL.

use std::time::Duration;

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
};

pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let is_sqlite = url.starts_with("sqlite:");
    if is_sqlite {
        ensure_sqlite_dir(url);
    }
    let mut opts = ConnectOptions::new(url.to_string());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10));
    if is_sqlite {
        // SQLite has one writer at a time. With a single connection every transaction runs
        // alone, so two transactions can never deadlock upgrading their locks (SQLITE_BUSY);
        // the embedded default trades concurrency for never failing a request that way.
        opts.max_connections(1).min_connections(1);
    } else {
        opts.max_connections(20);
    }
    let db = Database::connect(opts).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        for pragma in [
            "PRAGMA journal_mode=WAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=10000",
        ] {
            db.execute(Statement::from_string(DbBackend::Sqlite, pragma))
                .await?;
        }
    }
    Ok(db)
}

/// Is the database answering?
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute(Statement::from_string(
        db.get_database_backend(),
        "SELECT 1",
    ))
    .await
    .map(|_| ())
}

fn ensure_sqlite_dir(url: &str) {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return;
    }
    if let Some(parent) = std::path::Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            let _ = std::fs::create_dir_all(parent);
        }
    }
}

/// Is Redis answering? (`REDIS_URL` configured only.)
pub async fn redis_ping(client: &redis::Client) -> Result<(), String> {
    let fut = async {
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .map_err(|e| e.to_string())?;
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    tokio::time::timeout(Duration::from_secs(2), fut)
        .await
        .map_err(|_| "timed out after 2 s".to_string())?
}

/// A short, stable name for the database a service uses: Redis keys (locks, caches, rate
/// limits) are prefixed with it, so deployments (or test runs) sharing one Redis never meet.
pub fn namespace(database_url: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in database_url.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:012x}").chars().take(12).collect()
}
