use std::sync::Arc;

use chrono::{DateTime, Utc};
use platform::auth::{JwtKeys, Role};
use platform::clock::ManualClock;
use platform::config::Config;
use reqwest::{Response, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{json, Value};

pub const SECRET: &str = "shared-test-secret-shared-test-secret";
/// The assessment service's client secret at the approval service (`SERVICE_ACCOUNTS`).
pub const CLIENT_SECRET: &str = "assessment-client-secret-0123456789";

/// The service account the assessment service signs in with, in an approval database.
pub async fn service_account(approval_db: &DatabaseConnection) {
    approval::startup::provision_service_accounts(
        approval_db,
        &[("assessment".into(), CLIENT_SECRET.into())],
        Utc::now(),
    )
    .await
    .expect("service account");
}

pub fn suffix() -> String {
    format!("{:016x}", rand::random::<u64>())
}

pub async fn fresh_db(service: &str) -> String {
    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(base) => {
            let name = format!("t_{service}_{}", suffix());
            let admin = Database::connect(&base)
                .await
                .expect("connect TEST_DATABASE_URL");
            admin
                .execute(Statement::from_string(
                    admin.get_database_backend(),
                    format!("CREATE DATABASE {name}"),
                ))
                .await
                .expect("create db");
            admin.close().await.ok();
            let (head, _) = base.rsplit_once('/').expect("db name");
            format!("{head}/{name}")
        }
        None => format!(
            "sqlite://{}?mode=rwc",
            std::env::temp_dir()
                .join(format!("{service}-test-{}.db", suffix()))
                .display()
        ),
    }
}

pub fn config(service: &str, database_url: &str) -> Config {
    Config {
        service: service.into(),
        database_url: database_url.into(),
        redis_url: std::env::var("TEST_REDIS_URL")
            .ok()
            .filter(|s| !s.is_empty()),
        jwt_secret: SECRET.into(),
        jwt_secret_generated: false,
        bind: "127.0.0.1:0".into(),
        token_ttl_seconds: 3600,
        body_limit_bytes: 262_144,
        demo_data: false,
        office_hours: "09:00-17:00".into(),
        calendar_fallback: "error".into(),
        bootstrap_admin: None,
        trusted_proxies: Default::default(),
        jwt: Default::default(),
        console_idle_seconds: platform::idle::DEFAULT_IDLE_SECONDS,
    }
}

pub struct Services {
    pub approval: String,
    pub assessment: String,
    pub assessment_db_url: String,
    pub approval_db_url: String,
    pub approval_mail_dir: String,
    pub approval_db: DatabaseConnection,
    pub db: DatabaseConnection,
    pub clock: ManualClock,
    pub client: reqwest::Client,
    keys: JwtKeys,
    pub mail_dir: std::path::PathBuf,
    pub dept: std::collections::HashMap<String, i32>,
    /// The assessment service's state (its calendar, for one).
    pub state: assessment::state::AppState,
}

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub async fn start_assessment(
    approval_url: &str,
    db_url: &str,
    clock: &ManualClock,
    mail_dir: &std::path::Path,
) -> assessment::startup::Application {
    start_assessment_on(approval_url, db_url, clock, mail_dir, "127.0.0.1:0").await
}

/// The assessment service bound to `bind`.
pub async fn start_assessment_on(
    approval_url: &str,
    db_url: &str,
    clock: &ManualClock,
    mail_dir: &std::path::Path,
    bind: &str,
) -> assessment::startup::Application {
    let settings = assessment::state::AssessmentSettings {
        approval_url: approval_url.into(),
        feed_consumer: false,
        scheduler_enabled: false,
        mail_dir: mail_dir.display().to_string(),
        approval_client_secret: Some(CLIENT_SECRET.into()),
        ..Default::default()
    };
    let mut cfg = config("assessment", db_url);
    cfg.bind = bind.into();
    assessment::startup::Application::build_with(cfg, settings, Arc::new(clock.clone()))
        .await
        .expect("assessment starts")
}

/// Both services on fresh databases, one injected clock (Mon 9 Mar 2026 10:00 Shanghai), the
/// Hohhot demo catalogue in the approval service.
pub async fn spawn() -> Services {
    spawn_opts(false).await
}

/// Both services, the approval service's public pages linking to this assessment service
/// (`ASSESSMENT_PUBLIC_URL`), as a citizen's browser follows them. The assessment port is
/// chosen first (bound and released), so that the approval service can be told it.
pub async fn spawn_linked() -> Services {
    spawn_opts(true).await
}

async fn spawn_opts(linked: bool) -> Services {
    platform::telemetry::init("error");
    let clock = ManualClock::new(at("2026-03-09T10:00:00+08:00"));
    let approval_db_url = fresh_db("approval").await;
    let approval_mail_dir = std::env::temp_dir()
        .join(format!("approval-mail-{}", suffix()))
        .display()
        .to_string();
    let settings = approval::state::SupervisionSettings {
        scheduler_enabled: false,
        mail_dir: approval_mail_dir.clone(),
        ..Default::default()
    };
    let mut cfg = config("approval", &approval_db_url);
    cfg.demo_data = true;
    let assessment_bind = if linked {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    } else {
        "127.0.0.1:0".to_string()
    };
    let mut public = approval::state::PublicSettings::default();
    if linked {
        public.assessment_public_url = format!("http://{assessment_bind}");
    }
    let approval =
        approval::startup::Application::build_full(cfg, settings, public, Arc::new(clock.clone()))
            .await
            .expect("approval starts");
    let approval_url = format!("http://127.0.0.1:{}", approval.port());
    let approval_db = approval.state.db.clone();
    token_users(&approval_db).await;
    service_account(&approval_db).await;
    tokio::spawn(approval.run_until_stopped());

    let db_url = fresh_db("assessment").await;
    let mail_dir = std::env::temp_dir().join(format!("assessment-mail-{}", suffix()));
    let app =
        start_assessment_on(&approval_url, &db_url, &clock, &mail_dir, &assessment_bind).await;
    let assessment_url = format!("http://127.0.0.1:{}", app.port());
    let db = app.state.db.clone();
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());

    let keys = JwtKeys::hs256(SECRET.as_bytes(), 3600);
    let client = reqwest::Client::new();
    let admin = keys
        .issue(1, "root", Role::Sysadmin, None, Utc::now())
        .unwrap();
    let depts: Value = client
        .get(format!("{approval_url}/v1/departments?limit=200"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let dept = depts["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["id"].as_i64().unwrap() as i32,
            )
        })
        .collect();
    Services {
        approval: approval_url,
        assessment: assessment_url,
        assessment_db_url: db_url,
        approval_db_url,
        approval_mail_dir,
        approval_db,
        db,
        clock,
        client,
        keys,
        mail_dir,
        dept,
        state,
    }
}

impl Services {
    /// Four eyes: the assessor (`token`: user 7) submits the draft, a leader (user 8) approves it.
    /// Returns the approval's response.
    pub async fn approve_result(&self, id: i64) -> Response {
        expect(
            self.post(
                &format!("/v1/results/{id}/submit"),
                &self.token(Role::Assessor, None),
                &json!({}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        self.post(
            &format!("/v1/results/{id}/approve"),
            &self.token_as(8, Role::Leader, None),
            &json!({}),
        )
        .await
    }

    pub fn token(&self, role: Role, dept: Option<i32>) -> String {
        self.keys
            .issue(7, &format!("test-{role}"), role, dept, Utc::now())
            .unwrap()
    }

    /// A token for a particular user id (staff scores are per user).
    pub fn token_as(&self, user_id: i32, role: Role, dept: Option<i32>) -> String {
        self.keys
            .issue(user_id, &format!("user-{user_id}"), role, dept, Utc::now())
            .unwrap()
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        url: String,
        token: &str,
        body: Option<&Value>,
    ) -> Response {
        let mut r = self.client.request(method, url).bearer_auth(token);
        if let Some(b) = body {
            r = r.json(b);
        }
        r.send().await.unwrap()
    }

    pub async fn approval_post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.call(
            reqwest::Method::POST,
            format!("{}{}", self.approval, path),
            token,
            Some(body),
        )
        .await
    }

    pub async fn approval_put(&self, path: &str, token: &str, body: &Value) -> Response {
        self.call(
            reqwest::Method::PUT,
            format!("{}{}", self.approval, path),
            token,
            Some(body),
        )
        .await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.call(
            reqwest::Method::POST,
            format!("{}{}", self.assessment, path),
            token,
            Some(body),
        )
        .await
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Response {
        self.call(
            reqwest::Method::PUT,
            format!("{}{}", self.assessment, path),
            token,
            Some(body),
        )
        .await
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.call(
            reqwest::Method::GET,
            format!("{}{}", self.assessment, path),
            token,
            None,
        )
        .await
    }

    pub fn d(&self, code: &str) -> i32 {
        self.dept[code]
    }

    /// Accept one Hohhot bundle case at the approval window.
    pub async fn submit_case(&self) -> Value {
        let clerk = self.token(Role::Clerk, None);
        expect(
            self.approval_post("/v1/cases", &clerk, &case_body()).await,
            StatusCode::CREATED,
        )
        .await
    }

    /// 一审 and 一核 approval of a branch by its department.
    pub async fn approve_branch(&self, branch: &Value) {
        self.approve_branch_as(branch, 7).await
    }
}

/// A Hohhot bundle application with every material.
pub fn case_body() -> Value {
    let m = |i: &str, c: &str| json!({"item_code": i, "material_code": c});
    json!({
            "bundle_code": "HHHT-ENT-ACCESS",
            "applicant": {"kind": "enterprise", "name": "测试企业", "id_number": "91350100M000100Y43"},
            "materials": [m("HHHT-SCJG-001","M01"), m("HHHT-SCJG-001","M02"), m("HHHT-SCJG-001","M03"), m("HHHT-SCJG-001","M04"),
                          m("HHHT-ZJJ-001","M01"), m("HHHT-ZJJ-001","M02"), m("HHHT-SWJ-001","M01"), m("HHHT-SWJ-001","M02"),
                          m("HHHT-SWJ-001","M03"), m("HHHT-GAJ-001","M01"), m("HHHT-GAJ-001","M02")]
    })
}

impl Services {
    /// The same, by staff member `user_id` (reviewer and approver of the branch's department).
    pub async fn approve_branch_as(&self, branch: &Value, user_id: i32) {
        let id = branch["id"].as_i64().unwrap();
        let dept = branch["department_id"].as_i64().map(|d| d as i32);
        let path = format!("/v1/branches/{id}/commands");
        let reviewer = self.token_as(user_id, Role::Reviewer, dept);
        let approver = self.token_as(user_id, Role::Approver, dept);
        for (t, b) in [
            (&reviewer, json!({"command": "start_review"})),
            (&reviewer, json!({"command": "review", "opinion": ""})),
            (&approver, json!({"command": "approve", "opinion": ""})),
        ] {
            expect(self.approval_post(&path, t, &b).await, StatusCode::OK).await;
        }
    }

    pub async fn pull(&self) -> Value {
        expect(
            self.post(
                "/v1/feed/pull",
                &self.token(Role::Assessor, None),
                &json!({}),
            )
            .await,
            StatusCode::OK,
        )
        .await
    }

    pub async fn count(&self, table: &str) -> i64 {
        count(&self.db, table).await
    }
}

pub async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    db.query_one(Statement::from_string(
        db.get_database_backend(),
        format!("SELECT COUNT(*) AS n FROM {table}"),
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get::<i64>("", "n")
    .unwrap()
}

pub async fn expect(r: Response, status: StatusCode) -> Value {
    let got = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(got, status, "body: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

pub async fn problem(r: Response, status: StatusCode, code: &str, field: Option<&str>) -> Value {
    let body = expect(r, status).await;
    assert_eq!(body["code"], code, "{body}");
    if let Some(f) = field {
        assert_eq!(body["field"], f, "{body}");
    }
    body
}

/// The branch of `dept` in a case view.
pub fn branch(case: &Value, dept: i32) -> Value {
    case["branches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["department_id"] == dept)
        .unwrap()
        .clone()
}

/// The same manual scores (`points` each, with evidence) for `categories` of every department
/// in `depts` for 2026Q1.
pub async fn manual_all(s: &Services, depts: &[i32], categories: &[&str], points: f64) {
    let assessor = s.token(Role::Assessor, None);
    for d in depts {
        for cat in categories {
            let body = json!({"department_id": d, "year": 2026, "quarter": 1, "category": cat, "points": points, "evidence": ["检查记录"]});
            expect(
                s.put("/v1/manual-scores", &assessor, &body).await,
                StatusCode::OK,
            )
            .await;
        }
    }
}

/// The user ids the tests' tokens name ([`Services::token`], [`Services::token_as`]): the
/// approval service checks every token against a real, active user row at its token version
/// (0) and trusts the signed role and department, so each id gets a row unless the demo data
/// has one. Their role is `service`, so no count of demo people includes them.
async fn token_users(db: &sea_orm::DatabaseConnection) {
    use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
    for id in [7, 8, 21, 22, 30, 40, 99, 201] {
        if approval::entities::user::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .is_some()
        {
            continue;
        }
        approval::entities::user::ActiveModel {
            id: Set(id),
            username: Set(format!("test-user-{id}")),
            display_name: Set(format!("Test user {id}")),
            email: Set(None),
            role: Set("service".into()),
            department_id: Set(None),
            password_hash: Set("!".into()),
            active: Set(true),
            created_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
            deleted_at: Set(None),
            password_changed_at: Set(None),
            token_version: Set(0),
            totp_secret: Set(None),
            totp_confirmed_at: Set(None),
            totp_last_step: Set(None),
        }
        .insert(db)
        .await
        .expect("token user");
    }
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        db.execute_unprepared(
            "SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT MAX(id) FROM users))",
        )
        .await
        .unwrap();
    }
}

/// The cookies a response sets, as a `Cookie` header sends them back (`name=value; …`): the
/// console's token and its activity stamp after a sign-in.
pub fn jar_of(r: &Response) -> String {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(str::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
