//! Case lifecycle throughput through the HTTP API against PostgreSQL on loopback, beside the
//! same database's own limit measured in the same run (a raw insert loop with the same number
//! of rows per transaction). Prints figures and ratios; asserts nothing about time.
//!
//! `make bench` runs it; `BENCH_DATABASE_URL` (default: `TEST_DATABASE_URL`, else the local
//! `postgres://postgres@127.0.0.1:5432/test`), `BENCH_CASES` (default 200) and
//! `BENCH_CONCURRENCY` (default 8) tune it.

#[path = "support/mod.rs"]
mod support;
use support::*;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use approval::startup::Application;
use chrono::{DateTime, Utc};
use platform::auth::{JwtKeys, Role};
use platform::clock::ManualClock;
use platform::config::Config;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement, TransactionTrait};
use serde_json::{json, Value};
use tokio::sync::Mutex;

const SECRET: &str = "bench-secret-bench-secret-bench-secret";

type Latencies = Arc<Mutex<BTreeMap<&'static str, Vec<Duration>>>>;

struct Driver {
    client: reqwest::Client,
    base: String,
    keys: JwtKeys,
    lat: Latencies,
}

impl Driver {
    fn token(&self, role: Role, dept: Option<i32>) -> String {
        self.keys
            .issue(1, "bench", role, dept, Utc::now())
            .expect("token")
    }

    async fn post(&self, kind: &'static str, path: &str, token: &str, body: &Value) -> Value {
        let t0 = Instant::now();
        let r = self
            .client
            .post(format!("{}{}", self.base, path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request");
        let status = r.status();
        let v: Value = r.json().await.expect("json");
        let dt = t0.elapsed();
        assert!(status.is_success(), "{kind}: {status} {v}");
        self.lat.lock().await.entry(kind).or_default().push(dt);
        v
    }

    async fn lifecycle(&self, materials: &Value) {
        let clerk = self.token(Role::Clerk, None);
        let body = json!({
            "bundle_code": "HHHT-ENT-ACCESS",
            "applicant": {"kind": "enterprise", "name": "基准测试有限公司", "id_number": "91350100M000100Y43"},
            "materials": materials
        });
        let case = self.post("submit", "/v1/cases", &clerk, &body).await;
        let id = case["id"].as_i64().expect("case id");
        for b in case["branches"].as_array().expect("branches") {
            let bid = b["id"].as_i64().expect("branch id");
            let dept = b["department_id"].as_i64().map(|d| d as i32);
            let path = format!("/v1/branches/{bid}/commands");
            let reviewer = self.token(Role::Reviewer, dept);
            let approver = self.token(Role::Approver, dept);
            self.post(
                "start_review",
                &path,
                &reviewer,
                &json!({"command": "start_review"}),
            )
            .await;
            self.post(
                "review",
                &path,
                &reviewer,
                &json!({"command": "review", "opinion": ""}),
            )
            .await;
            self.post(
                "approve",
                &path,
                &approver,
                &json!({"command": "approve", "opinion": ""}),
            )
            .await;
        }
        let fee = case["fee_total_cents"].as_i64().unwrap_or(0);
        self.post(
            "payment",
            &format!("/v1/cases/{id}/payment"),
            &clerk,
            &json!({"amount_cents": fee, "reference": "BENCH"}),
        )
        .await;
        self.post(
            "issue",
            &format!("/v1/cases/{id}/issue"),
            &clerk,
            &json!({}),
        )
        .await;
    }
}

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1000.0
}

async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    let row = db
        .query_one(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .expect("count")
        .expect("row");
    row.try_get::<i64>("", "n").expect("n")
}

/// The database's own limit: `txns` transactions of `rows` inserts each, `conc` at a time.
async fn raw_limit(db: &DatabaseConnection, txns: usize, rows: usize, conc: usize) -> f64 {
    db.execute(Statement::from_string(db.get_database_backend(), "CREATE TABLE bench_raw (id BIGSERIAL PRIMARY KEY, case_id INT NOT NULL, payload TEXT NOT NULL)"))
        .await
        .expect("raw table");
    let t0 = Instant::now();
    let per = txns.div_ceil(conc);
    let mut tasks = Vec::new();
    for w in 0..conc {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            for t in 0..per {
                let txn = db.begin().await.expect("begin");
                for r in 0..rows {
                    txn.execute(Statement::from_sql_and_values(
                        txn.get_database_backend(),
                        "INSERT INTO bench_raw (case_id, payload) VALUES ($1, $2)",
                        [
                            ((w * per + t) as i32).into(),
                            format!("{{\"row\":{r},\"state\":\"approving\"}}").into(),
                        ],
                    ))
                    .await
                    .expect("insert");
                }
                txn.commit().await.expect("commit");
            }
        }));
    }
    for t in tasks {
        t.await.expect("raw worker");
    }
    (per * conc) as f64 / t0.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let base = std::env::var("BENCH_DATABASE_URL")
        .or_else(|_| std::env::var("TEST_DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let cases = env_num("BENCH_CASES", 200);
    let conc = env_num("BENCH_CONCURRENCY", 8);
    let (url, name) = fresh_db(&base).await;
    let start: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-03-09T10:00:00+08:00")
        .expect("time")
        .with_timezone(&Utc);
    let config = Config {
        service: "approval".into(),
        database_url: url.clone(),
        redis_url: None,
        jwt_secret: SECRET.into(),
        jwt_secret_generated: false,
        bind: "127.0.0.1:0".into(),
        token_ttl_seconds: 3600,
        body_limit_bytes: 262_144,
        demo_data: true,
        office_hours: "09:00-17:00".into(),
        calendar_fallback: "error".into(),
        bootstrap_admin: None,
        trusted_proxies: Default::default(),
        jwt: Default::default(),
        console_idle_seconds: platform::idle::DEFAULT_IDLE_SECONDS,
    };
    let app = Application::build(config, Arc::new(ManualClock::new(start)))
        .await
        .expect("start the service");
    let db = app.state.db.clone();
    let base_url = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());

    let materials = json!([
        {"item_code": "HHHT-SCJG-001", "material_code": "M01"}, {"item_code": "HHHT-SCJG-001", "material_code": "M02"},
        {"item_code": "HHHT-SCJG-001", "material_code": "M03"}, {"item_code": "HHHT-SCJG-001", "material_code": "M04"},
        {"item_code": "HHHT-ZJJ-001", "material_code": "M01"}, {"item_code": "HHHT-ZJJ-001", "material_code": "M02"},
        {"item_code": "HHHT-SWJ-001", "material_code": "M01"}, {"item_code": "HHHT-SWJ-001", "material_code": "M02"},
        {"item_code": "HHHT-SWJ-001", "material_code": "M03"}, {"item_code": "HHHT-GAJ-001", "material_code": "M01"},
        {"item_code": "HHHT-GAJ-001", "material_code": "M02"}
    ]);
    let driver = Arc::new(Driver {
        client: reqwest::Client::new(),
        base: base_url,
        keys: JwtKeys::hs256(SECRET.as_bytes(), 3600),
        lat: Arc::new(Mutex::new(BTreeMap::new())),
    });
    // Warm-up, not measured.
    driver.lifecycle(&materials).await;
    driver.lat.lock().await.clear();
    let rows_before =
        count(&db, "cases").await + count(&db, "branches").await + count(&db, "events").await;

    let t0 = Instant::now();
    let per = cases.div_ceil(conc);
    let mut tasks = Vec::new();
    for _ in 0..conc {
        let d = driver.clone();
        let m = materials.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..per {
                d.lifecycle(&m).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("worker");
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let done = per * conc;
    let mut lat = driver.lat.lock().await;
    let api_txns: usize = lat.values().map(Vec::len).sum();
    let rows_after =
        count(&db, "cases").await + count(&db, "branches").await + count(&db, "events").await;
    // Rows each API transaction writes: its inserts (case, branches, events) plus the two row
    // updates every command makes (the case's version bump and the branch or case itself).
    let rows_per_txn = ((rows_after - rows_before) as f64 / api_txns as f64).round() as usize + 2;
    let raw_tps = raw_limit(&db, api_txns.min(4000), rows_per_txn, conc).await;
    let api_tps = api_txns as f64 / elapsed;

    println!("\n## Case lifecycle through the HTTP API (PostgreSQL, loopback)\n");
    println!("{done} Hohhot bundles (4 branches: submit, 3 commands per branch, payment, issue), {conc} clients, {elapsed:.2} s\n");
    println!("| figure | value |\n|---|---|");
    println!(
        "| cases per second (complete lifecycles) | {:.1} |",
        done as f64 / elapsed
    );
    println!("| API write transactions per second | {api_tps:.1} |");
    println!("| raw DB limit: transactions/s of {rows_per_txn} inserts each (rows an API write touches), same concurrency | {raw_tps:.1} |");
    println!("| ratio API ÷ raw DB limit | {:.2} |", api_tps / raw_tps);
    println!("\n| command | count | p50 ms | p99 ms |\n|---|---|---|---|");
    for (kind, v) in lat.iter_mut() {
        println!(
            "| {kind} | {} | {:.2} | {:.2} |",
            v.len(),
            pct(v, 0.5),
            pct(v, 0.99)
        );
    }
    drop(lat);
    db.close().await.ok();
    if let Ok(admin) = Database::connect(&base).await {
        let _ = admin
            .execute(Statement::from_string(
                admin.get_database_backend(),
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            ))
            .await;
    }
}
