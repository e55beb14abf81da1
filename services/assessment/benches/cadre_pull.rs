//! The cadre pull (组织部 干部考核): `GET /v1/cadre/departments` against both services started as
//! the tests start them (approval and assessment on fresh PostgreSQL databases), after a
//! quarter for ~40 departments is scored, approved and published. Measures the first request
//! (cold), cache misses, the warm cache and `If-None-Match` (304) at a few concurrencies over
//! loopback. Prints figures and ratios; asserts nothing about time.
//!
//! `make bench` runs it; `BENCH_DATABASE_URL` (default: `TEST_DATABASE_URL`, else the local
//! `postgres://postgres@127.0.0.1:5432/test`), `BENCH_REQUESTS` (per series, default 2000),
//! `BENCH_CONCURRENCY` (comma-separated, default `1,8,32`), `BENCH_DEPARTMENTS` (default 40)
//! and `BENCH_MISSES` (cache-miss requests, 1–150, default 150) tune it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use assessment::quarter::Quarter;
use chrono::{DateTime, Utc};
use platform::auth::{AuthUser, JwtKeys, Role};
use platform::clock::ManualClock;
use platform::config::Config;
use reqwest::header::{ETAG, IF_NONE_MATCH};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement, Value};

/// The assessment service's client secret at the approval service.
const CLIENT_SECRET: &str = "bench-client-secret-0123456789abcdef";
const SECRET: &str = "bench-secret-bench-secret-bench-secret";
const PATH: &str = "/v1/cadre/departments?year=2026&scheme=hohhot&allow_partial=true";
/// The day after 2026Q1 ends: the quarter is scored, approved and published at this moment.
const NOW: &str = "2026-04-01T10:00:00+08:00";

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn env_list(name: &str, default: &[usize]) -> Vec<usize> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .filter(|&k| k > 0)
            .collect(),
        _ => default.to_vec(),
    }
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

async fn fresh_db(base: &str) -> (String, String) {
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
    admin.close().await.ok();
    let (head, _) = base
        .rsplit_once('/')
        .expect("database URL with a database name");
    (format!("{head}/{name}"), name)
}

fn config(service: &str, database_url: &str, demo_data: bool) -> Config {
    Config {
        service: service.into(),
        database_url: database_url.into(),
        redis_url: None,
        jwt_secret: SECRET.into(),
        jwt_secret_generated: false,
        bind: "127.0.0.1:0".into(),
        token_ttl_seconds: 3600,
        body_limit_bytes: 262_144,
        demo_data,
        office_hours: "09:00-17:00".into(),
        calendar_fallback: "error".into(),
        bootstrap_admin: None,
        trusted_proxies: Default::default(),
        jwt: Default::default(),
        console_idle_seconds: platform::idle::DEFAULT_IDLE_SECONDS,
    }
}

async fn exec(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> u64 {
    db.execute(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        values,
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}: {sql}"))
    .rows_affected()
}

/// 2026Q1 facts for `depts` departments (`per_dept` branches each, a varied on-time share,
/// onsite ratings, the four manual scores with evidence), then scored, approved and published
/// through the library. Returns the published result's id.
async fn publish_quarter(
    db: &DatabaseConnection,
    cal: &calendar::WorkCalendar,
    depts: i32,
    per_dept: i32,
    now: DateTime<Utc>,
) -> i32 {
    let (from, _) = Quarter::new(2026, 1).expect("quarter").bounds();
    exec(
        db,
        "INSERT INTO a_departments (department_id, code, name, head_email, window_email, synced_at) \
         SELECT d, 'BENCH-D' || lpad(d::text, 2, '0'), '基准部门 ' || d, NULL, NULL, $1 \
         FROM generate_series(1, $2::int) d",
        vec![now.into(), depts.into()],
    )
    .await;
    // Branch k of department d: opened on day k % 80 of the quarter, due 7 days later at 17:00,
    // decided early, on the due day or late (more often late in higher-numbered departments).
    exec(
        db,
        "INSERT INTO a_branches (branch_id, case_id, department_id, item_id, opened_at, due_at, \
           decided_at, outcome) \
         SELECT d * 100000 + k, d * 100000 + k, d, 1000 + d, o.opened, o.due, \
           CASE WHEN (k * 37 + d) % 100 < 55 THEN o.opened + interval '2 days' \
                WHEN (k * 37 + d) % 100 < 95 - d THEN o.due - interval '2 hours' \
                ELSE o.due + interval '1 day' END, \
           CASE WHEN k % 20 = 0 THEN 'rejected' ELSE 'approved' END \
         FROM generate_series(1, $2::int) d CROSS JOIN generate_series(1, $3::int) k \
         CROSS JOIN LATERAL (SELECT $1::timestamptz + (k % 80) * interval '1 day' \
             + interval '10 hours' AS opened, \
           $1::timestamptz + (k % 80 + 7) * interval '1 day' + interval '17 hours' AS due) o",
        vec![from.into(), depts.into(), per_dept.into()],
    )
    .await;
    exec(
        db,
        "INSERT INTO onsite_ratings (case_id, department_id, level, rated_at) \
         SELECT d * 100000 + k, d, CASE WHEN (k + d) % 10 < 6 THEN 'very_satisfied' \
           WHEN (k + d) % 10 < 9 THEN 'satisfied' ELSE 'average' END, \
           $1::timestamptz + (k % 80) * interval '1 day' + interval '11 hours' \
         FROM generate_series(1, $2::int) d CROSS JOIN generate_series(1, $3::int) k \
         WHERE k % 3 = 0",
        vec![from.into(), depts.into(), per_dept.into()],
    )
    .await;
    exec(
        db,
        "INSERT INTO manual_scores (department_id, year, quarter, category, points, evidence, \
           entered_by, entered_at) \
         SELECT d, 2026, 1, c.key, c.maxc - (d * 37 + c.n * 13) % (c.maxc / 3 + 1), \
           json_build_array('检查记录 2026Q1-' || d)::text, 'bench', $1 \
         FROM generate_series(1, $2::int) d \
         CROSS JOIN (VALUES ('standardisation', 1500, 1), ('openness', 1000, 2), \
           ('quality', 1000, 3), ('integrity', 500, 4)) AS c(key, maxc, n)",
        vec![now.into(), depts.into()],
    )
    .await;
    let assessor = AuthUser {
        id: 7,
        name: "bench-assessor".into(),
        role: Role::Assessor,
        department_id: None,
    };
    let q = Quarter::new(2026, 1).expect("quarter");
    let leader = AuthUser {
        id: 8,
        name: "bench-leader".into(),
        role: Role::Leader,
        department_id: None,
    };
    let author = assessment::results::Author::of(&assessor);
    let draft = assessment::results::run(db, cal, &author, now, q, 10)
        .await
        .unwrap_or_else(|e| panic!("results::run: {e:?}"));
    assert_eq!(
        draft.departments.len(),
        depts as usize,
        "every department scored"
    );
    assessment::results::submit(db, &assessor, now, draft.id)
        .await
        .unwrap_or_else(|e| panic!("submit: {e:?}"));
    assessment::results::approve(db, &leader, now, draft.id)
        .await
        .unwrap_or_else(|e| panic!("approve: {e:?}"));
    let r = assessment::results::publish(db, cal, &assessor, now, draft.id, "office@bench")
        .await
        .unwrap_or_else(|e| panic!("publish: {e:?}"));
    assert_eq!(r.status, "published");
    r.id
}

struct Series {
    label: String,
    conc: usize,
    n: usize,
    elapsed: Duration,
    lat: Vec<Duration>,
}

impl Series {
    fn rps(&self) -> f64 {
        self.n as f64 / self.elapsed.as_secs_f64()
    }
    fn pct(&self, p: f64) -> f64 {
        let i = ((self.lat.len() as f64 - 1.0) * p).round() as usize;
        self.lat[i].as_secs_f64() * 1000.0
    }
}

/// `urls` requested by `conc` clients, each taking the next URL in turn; every response must
/// have `want` (304 bodies are empty; 200 bodies are read in full).
async fn series(
    client: &reqwest::Client,
    label: &str,
    urls: Arc<Vec<String>>,
    token: &str,
    etag: Option<&str>,
    conc: usize,
    want: StatusCode,
) -> Series {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conc {
        let (client, urls, next) = (client.clone(), urls.clone(), next.clone());
        let token = token.to_string();
        let etag = etag.map(String::from);
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(url) = urls.get(i) else { break };
                let t = Instant::now();
                let mut req = client.get(url).bearer_auth(&token);
                if let Some(e) = &etag {
                    req = req.header(IF_NONE_MATCH, e);
                }
                let r = req.send().await.expect("request");
                let status = r.status();
                let body = r.bytes().await.expect("body");
                lat.push(t.elapsed());
                assert_eq!(status, want, "{url}: {}", String::from_utf8_lossy(&body));
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.expect("client task"));
    }
    let elapsed = t0.elapsed();
    lat.sort();
    Series {
        label: label.into(),
        conc,
        n: lat.len(),
        elapsed,
        lat,
    }
}

struct Services {
    approval_db: DatabaseConnection,
    db: DatabaseConnection,
    cal: calendar::WorkCalendar,
    assessment_url: String,
}

async fn bench(s: Services, now: DateTime<Utc>) {
    let depts = env_num("BENCH_DEPARTMENTS", 40).clamp(1, 999) as i32;
    let per_dept = 250;
    let n = env_num("BENCH_REQUESTS", 2000).max(1);
    let concs = env_list("BENCH_CONCURRENCY", &[1, 8, 32]);
    let misses = env_num("BENCH_MISSES", 150).clamp(1, 150);

    let t = Instant::now();
    let result_id = publish_quarter(&s.db, &s.cal, depts, per_dept, now).await;
    let publish_time = t.elapsed();

    // The demo organization department's account: the assessment service asks the approval
    // service whether its session is live (cached per user for SESSION_CACHE_SECONDS).
    let orgdept = approval::catalogue::store::find_user_by_name(&s.approval_db, "orgdept")
        .await
        .expect("approval database")
        .expect("the demo orgdept account");
    let keys = JwtKeys::hs256(SECRET.as_bytes(), 3600);
    let token = keys
        .issue(orgdept.id, "orgdept", Role::OrgDept, None, Utc::now())
        .expect("token");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .expect("client");
    let url = format!("{}{PATH}", s.assessment_url);
    // Open a connection first so the cold request measures the pull, not the TCP handshake.
    let h = client
        .get(format!("{}/healthz", s.assessment_url))
        .send()
        .await
        .expect("healthz");
    assert!(h.status().is_success());

    // Cold: the first pull after the publication (the cache key holds the new generation).
    let t = Instant::now();
    let r = client
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("first pull");
    let status = r.status();
    let etag = r
        .headers()
        .get(ETAG)
        .and_then(|v| v.to_str().ok())
        .map(String::from)
        .expect("ETag");
    let body: serde_json::Value = r.json().await.expect("json");
    let cold = t.elapsed();
    assert_eq!(status, StatusCode::OK, "{body}");
    let items = body["items"].as_array().map_or(0, Vec::len);
    assert_eq!(items, depts as usize, "every department in one page");
    assert_eq!(
        body["items"][0]["provenance"]["quarters"][0]["revision_id"],
        result_id
    );

    // Cache misses: the same pull with a distinct `limit` each (51–200: one page of every
    // department, a different URI, so a different cache key), one client.
    let miss_urls: Vec<String> = (0..misses)
        .map(|i| format!("{url}&limit={}", 200 - i))
        .collect();
    let miss = series(
        &client,
        "cache miss (distinct `limit`, computed)",
        Arc::new(miss_urls),
        &token,
        None,
        1,
        StatusCode::OK,
    )
    .await;
    let same: Arc<Vec<String>> = Arc::new(vec![url.clone(); n]);
    let mut rows = Vec::new();
    for &c in &concs {
        rows.push(
            series(
                &client,
                "warm cache (200, body)",
                same.clone(),
                &token,
                None,
                c,
                StatusCode::OK,
            )
            .await,
        );
    }
    for &c in &concs {
        rows.push(
            series(
                &client,
                "`If-None-Match` (304)",
                same.clone(),
                &token,
                Some(&etag),
                c,
                StatusCode::NOT_MODIFIED,
            )
            .await,
        );
    }

    // What sits under every request, through the library: the generation stamp (5 queries,
    // read before the cache is consulted) and the computation a miss does.
    let reps = 200;
    let t = Instant::now();
    for _ in 0..reps {
        assessment::cadre::generation(&s.db)
            .await
            .expect("generation");
    }
    let gen_ms = t.elapsed().as_secs_f64() * 1000.0 / reps as f64;
    let t = Instant::now();
    for _ in 0..20 {
        let d = assessment::cadre::departments(&s.db, 2026, "hohhot", true, None)
            .await
            .expect("departments");
        assert_eq!(d.len(), depts as usize);
    }
    let compute_ms = t.elapsed().as_secs_f64() * 1000.0 / 20.0;

    println!("\n## The cadre pull: GET /v1/cadre/departments (PostgreSQL, loopback)\n");
    println!(
        "2026Q1 published for {depts} departments ({per_dept} branches each; scored, approved \
         and published through `assessment::results` in {:.2} s), scheme hohhot, \
         allow_partial=true, an org_dept token, rate limit set out of the way, in-process \
         cache (no Redis). Each row is one series of requests.\n",
        publish_time.as_secs_f64()
    );
    println!(
        "| request | concurrency | requests | requests/s | p50 ms | p99 ms |\n|---|---|---|---|---|---|"
    );
    let cold_ms = cold.as_secs_f64() * 1000.0;
    println!(
        "| cold: the first pull after publication | 1 | 1 | {:.1} | {cold_ms:.2} | {cold_ms:.2} |",
        1000.0 / cold_ms
    );
    for r in std::iter::once(&miss).chain(rows.iter()) {
        println!(
            "| {} | {} | {} | {:.0} | {:.2} | {:.2} |",
            r.label,
            r.conc,
            r.n,
            r.rps(),
            r.pct(0.5),
            r.pct(0.99)
        );
    }
    let warm1 = rows
        .iter()
        .find(|r| r.conc == 1 && r.label.starts_with("warm"));
    let best = rows
        .iter()
        .filter(|r| r.label.starts_with("warm"))
        .map(Series::rps)
        .fold(0.0, f64::max);
    println!();
    if let Some(w) = warm1 {
        println!(
            "ratio warm ÷ cold, requests/s at one client: {:.1} (warm {:.0}/s vs the first pull \
             {:.1}/s); p50 latency cold ÷ warm: {:.1}",
            w.rps() / (1000.0 / cold_ms),
            w.rps(),
            1000.0 / cold_ms,
            cold_ms / w.pct(0.5)
        );
        println!(
            "\nratio warm ÷ cache miss, requests/s at one client: {:.1}",
            w.rps() / miss.rps()
        );
    }
    println!("\nbest warm throughput over the concurrencies: {best:.0} requests/s\n");
    println!("| under each request, through the library | ms |\n|---|---|");
    println!(
        "| `cadre::generation` (the cache-key stamp, every request, hit or miss) | {gen_ms:.3} |"
    );
    println!("| `cadre::departments` (what a miss computes) | {compute_ms:.3} |");
    s.approval_db.close().await.ok();
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let base = std::env::var("BENCH_DATABASE_URL")
        .or_else(|_| std::env::var("TEST_DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let now = at(NOW);
    let clock = ManualClock::new(now);
    let (approval_url_db, approval_name) = fresh_db(&base).await;
    let (assessment_url_db, assessment_name) = fresh_db(&base).await;
    let tag = &assessment_name[6..];
    let approval_mail = std::env::temp_dir().join(format!("approval-bench-mail-{tag}"));
    let assessment_mail = std::env::temp_dir().join(format!("assessment-bench-mail-{tag}"));

    let started: Result<Services, String> = async {
        let settings = approval::state::SupervisionSettings {
            scheduler_enabled: false,
            mail_dir: approval_mail.display().to_string(),
            ..Default::default()
        };
        let approval = approval::startup::Application::build_with(
            config("approval", &approval_url_db, true),
            settings,
            Arc::new(clock.clone()),
        )
        .await
        .map_err(|e| format!("start approval: {e}"))?;
        let approval_url = format!("http://127.0.0.1:{}", approval.port());
        let approval_db = approval.state.db.clone();
        tokio::spawn(approval.run_until_stopped());
        approval::startup::provision_service_accounts(
            &approval_db,
            &[("assessment".into(), CLIENT_SECRET.into())],
            now,
        )
        .await
        .map_err(|e| format!("service account: {e}"))?;
        let settings = assessment::state::AssessmentSettings {
            approval_client_secret: Some(CLIENT_SECRET.into()),
            approval_url,
            feed_consumer: false,
            scheduler_enabled: false,
            cadre_rate_limit: 1_000_000_000,
            mail_dir: assessment_mail.display().to_string(),
            ..Default::default()
        };
        let app = assessment::startup::Application::build_with(
            config("assessment", &assessment_url_db, false),
            settings,
            Arc::new(clock.clone()),
        )
        .await
        .map_err(|e| format!("start assessment: {e}"))?;
        let s = Services {
            approval_db,
            db: app.state.db.clone(),
            cal: app.state.calendar(),
            assessment_url: format!("http://127.0.0.1:{}", app.port()),
        };
        tokio::spawn(app.run_until_stopped());
        Ok(s)
    }
    .await;
    let outcome = match started {
        Ok(s) => {
            let db = s.db.clone();
            // Run inside a task so the databases are dropped even when the bench panics.
            let r = tokio::spawn(bench(s, now)).await;
            db.close().await.ok();
            r.map_err(|e| e.into_panic())
        }
        Err(e) => Err(Box::new(e) as Box<dyn std::any::Any + Send>),
    };
    for dir in [&approval_mail, &assessment_mail] {
        let _ = std::fs::remove_dir_all(dir);
    }
    if let Ok(admin) = Database::connect(&base).await {
        for name in [&approval_name, &assessment_name] {
            let _ = admin
                .execute(Statement::from_string(
                    admin.get_database_backend(),
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ))
                .await;
        }
    }
    if let Err(p) = outcome {
        std::panic::resume_unwind(p);
    }
}
