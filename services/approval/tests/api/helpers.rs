use std::sync::Arc;

use approval::startup::{system_actor, Application};
use chrono::Utc;
use platform::auth::{JwtKeys, Role};
use platform::clock::ManualClock;
use platform::config::Config;
use reqwest::{Response, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{json, Value};

pub const SECRET: &str = "test-secret-test-secret-test-secret";

/// The user id of the tokens [`TestApp::token`] mints (a row created at start).
pub const TOKEN_USER: i32 = 9_000;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub clock: ManualClock,
    pub keys: JwtKeys,
    /// The system administrator's (sysadmin) token: users, departments, items, configuration.
    pub sysadmin_token: String,
    pub sysadmin_id: i32,
    pub db: DatabaseConnection,
    pub database_url: String,
    /// Where the service writes mail (`MAIL_DIR`).
    pub mail_dir: String,
}

fn random_suffix() -> String {
    use rand::Rng;
    let n: u64 = rand::thread_rng().gen();
    format!("{n:016x}")
}

/// A fresh database: a new PostgreSQL database when `TEST_DATABASE_URL` is set, else a
/// new SQLite file in the temp dir.
async fn fresh_database_url() -> String {
    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(base) => {
            let name = format!("t_approval_{}", random_suffix());
            let admin = Database::connect(&base)
                .await
                .expect("connect TEST_DATABASE_URL");
            admin
                .execute(Statement::from_string(
                    admin.get_database_backend(),
                    format!("CREATE DATABASE {name}"),
                ))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let (head, _) = base
                .rsplit_once('/')
                .expect("TEST_DATABASE_URL has a database name");
            format!("{head}/{name}")
        }
        None => {
            let path = std::env::temp_dir().join(format!("approval-test-{}.db", random_suffix()));
            format!("sqlite://{}?mode=rwc", path.display())
        }
    }
}

/// E-supervision settings for tests: no background scheduler (tests run jobs on demand with
/// the injected clock), mail written to a fresh temp folder.
pub fn test_supervision() -> approval::state::SupervisionSettings {
    approval::state::SupervisionSettings {
        scheduler_enabled: false,
        mail_dir: std::env::temp_dir()
            .join(format!("approval-test-mail-{}", random_suffix()))
            .display()
            .to_string(),
        ..Default::default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// [`spawn_app`] with a changed configuration (e.g. `calendar_fallback`).
pub async fn spawn_app_with(change: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_full(change, test_supervision()).await
}

/// [`spawn_app`] with these e-supervision (and webhook) settings.
pub async fn spawn_app_supervised(supervision: approval::state::SupervisionSettings) -> TestApp {
    spawn_app_full(|_| {}, supervision).await
}

/// [`spawn_app_with`], the e-supervision settings changed too (e.g. `pdf_font`).
pub async fn spawn_app_with_settings(
    change: impl FnOnce(&mut Config),
    change_settings: impl FnOnce(&mut approval::state::SupervisionSettings),
) -> TestApp {
    let mut settings = test_supervision();
    change_settings(&mut settings);
    spawn_app_full(change, settings).await
}

/// [`spawn_app`] with `code` as the supervising office (审管办, `SUPERVISING_OFFICE_CODE`):
/// the approver of the department with that code alone changes items' time limits.
pub async fn spawn_app_with_office(code: &str) -> TestApp {
    spawn_app_with_settings(
        |_| {},
        |s| s.supervising_office_code = Some(code.to_string()),
    )
    .await
}

async fn spawn_app_full(
    change: impl FnOnce(&mut Config),
    supervision: approval::state::SupervisionSettings,
) -> TestApp {
    let mut config = test_config().await;
    change(&mut config);
    // Tokens are signed with the wall clock's "now" in mind; the service's clock starts there too.
    let clock = ManualClock::new(Utc::now());
    let database_url = config.database_url.clone();
    let settings = supervision;
    let mail_dir = settings.mail_dir.clone();
    let app = Application::build_with(config, settings, Arc::new(clock.clone()))
        .await
        .expect("build app");
    finish_spawn(app, clock, database_url, mail_dir).await
}

/// The tests' configuration on a fresh database.
pub async fn test_config() -> Config {
    let database_url = fresh_database_url().await;
    Config {
        service: "approval".into(),
        database_url: database_url.clone(),
        redis_url: std::env::var("TEST_REDIS_URL")
            .ok()
            .filter(|s| !s.is_empty()),
        jwt_secret: SECRET.into(),
        jwt_secret_generated: false,
        bind: "127.0.0.1:0".into(),
        token_ttl_seconds: 3600,
        body_limit_bytes: 64 * 1024,
        demo_data: false,
        office_hours: "09:00-17:00".into(),
        calendar_fallback: "error".into(),
        bootstrap_admin: None,
        trusted_proxies: Default::default(),
        jwt: Default::default(),
        console_idle_seconds: platform::idle::DEFAULT_IDLE_SECONDS,
    }
}

async fn finish_spawn(
    app: Application,
    clock: ManualClock,
    database_url: String,
    mail_dir: String,
) -> TestApp {
    let port = app.port();
    let db = app.state.db.clone();
    // The app's own keys (HS256 with SECRET, or the Ed25519 key a test configured).
    let keys = app.state.jwt.clone();
    tokio::spawn(app.run_until_stopped());
    let admin = approval::catalogue::store::create_user(
        &db,
        &system_actor(),
        Utc::now(),
        approval::catalogue::model::UserInput {
            username: "root".into(),
            display_name: "Test system administrator".into(),
            email: None,
            role: Role::Sysadmin,
            department_id: None,
            password: "root-password".into(),
        },
    )
    .await
    .expect("admin user");
    // The user of `TestApp::token`: the service checks every token against a real, active row
    // at its token version (0), and trusts the signed role and department. Its own role is
    // `service`, so that no test counting people (clerks, reviewers, ...) counts it.
    {
        use sea_orm::{ActiveModelTrait, Set};
        approval::entities::user::ActiveModel {
            id: Set(TOKEN_USER),
            username: Set("test-user".into()),
            display_name: Set("Test user".into()),
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
        .insert(&db)
        .await
        .expect("token user");
    }
    let sysadmin_token = keys
        .issue(admin.id, "root", Role::Sysadmin, None, Utc::now())
        .unwrap();
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
        clock,
        keys,
        sysadmin_token,
        sysadmin_id: admin.id,
        db,
        database_url,
        mail_dir,
    }
}

impl TestApp {
    /// A token for any role (the service trusts the signed claims).
    pub fn token(&self, role: Role, dept: Option<i32>) -> String {
        self.keys
            .issue(TOKEN_USER, &format!("test-{role}"), role, dept, Utc::now())
            .unwrap()
    }

    /// A token of the security auditor (安全审计员), who alone reads and verifies the audit trail.
    pub fn auditor_token(&self) -> String {
        self.token(Role::Auditor, None)
    }

    /// A token of the security administrator (安全管理员): roles, lockouts, second factors.
    pub fn secadmin_token(&self) -> String {
        self.token(Role::Secadmin, None)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn get_anon(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_raw(
        &self,
        path: &str,
        token: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn create_department(&self, code: &str) -> i32 {
        let r = self
            .post(
                "/v1/departments",
                &self.sysadmin_token,
                &department_body(code),
            )
            .await;
        let body = expect_status(r, StatusCode::CREATED).await;
        body["id"].as_i64().unwrap() as i32
    }

    pub async fn create_item(&self, code: &str, dept: i32) -> i32 {
        let r = self
            .post("/v1/items", &self.sysadmin_token, &item_body(code, dept))
            .await;
        let body = expect_status(r, StatusCode::CREATED).await;
        body["id"].as_i64().unwrap() as i32
    }

    pub async fn count_rows(&self, table: &str) -> i64 {
        let row = self
            .db
            .query_one(Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }
}

pub fn department_body(code: &str) -> Value {
    json!({
        "code": code,
        "name": format!("Department {code}"),
        "head_email": format!("head.{}@example.gov.cn", code.to_lowercase()),
        "window_email": format!("window.{}@example.gov.cn", code.to_lowercase()),
    })
}

pub fn item_body(code: &str, dept: i32) -> Value {
    json!({
        "code": code,
        "category": "administrative_licensing",
        "name": format!("Item {code}"),
        "legal_basis": "《行政许可法》",
        "department_id": dept,
        "statutory_limit_days": 20,
        "promised_limit_days": 5,
        "location": "Hall A, window 3",
        "materials": [
            {"code": "M01", "name": "申请书", "required": true},
            {"code": "M02", "name": "住所证明", "required": true, "tolerance_allowed": true},
            {"code": "M03", "name": "其他材料", "required": false}
        ],
        "supervision_method": "电子监察",
        "fee_standard": "不收费",
        "fee_basis": "",
        "kind": "promised",
        "completion_method": "窗口领取",
    })
}

pub async fn expect_status(r: Response, status: StatusCode) -> Value {
    let got = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(got, status, "body: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Assert a problem+json answer with this status, code and (if given) field.
pub async fn expect_problem(
    r: Response,
    status: StatusCode,
    code: &str,
    field: Option<&str>,
) -> Value {
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = expect_status(r, status).await;
    assert_eq!(ct, "application/problem+json", "content type of {body}");
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert_eq!(body["code"], code, "{body}");
    if let Some(f) = field {
        assert_eq!(body["field"], f, "{body}");
    }
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    body
}

/// An RFC 3339 moment, e.g. `at("2026-03-09T10:00:00+08:00")`.
pub fn at(s: &str) -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .with_timezone(&Utc)
}

impl TestApp {
    /// A new department with one item `code` (promised and statutory limits in working days,
    /// the rest of [`item_body`] changed by `tweak`), and one case accepted on it by a clerk
    /// at the clock's moment, with the item's two required materials.
    pub async fn item_case(
        &self,
        code: &str,
        promised: i64,
        statutory: i64,
        tweak: impl FnOnce(&mut Value),
    ) -> Value {
        let dept = self.create_department(&format!("D-{code}")).await;
        let mut item = item_body(code, dept);
        item["promised_limit_days"] = json!(promised);
        item["statutory_limit_days"] = json!(statutory);
        tweak(&mut item);
        expect_status(
            self.post("/v1/items", &self.sysadmin_token, &item).await,
            StatusCode::CREATED,
        )
        .await;
        let body = json!({
            "item_code": code,
            "applicant": {"kind": "person", "name": "张三", "id_number": "11010519491231002X"},
            "materials": [
                {"item_code": code, "material_code": "M01"},
                {"item_code": code, "material_code": "M02"}
            ]
        });
        let clerk = self.token(Role::Clerk, None);
        expect_status(
            self.post("/v1/cases", &clerk, &body).await,
            StatusCode::CREATED,
        )
        .await
    }
}

/// Undo every applied migration from `name` (e.g. `m20261202_000006_facts`) to the newest, so a
/// down-and-up test of one migration keeps working when later migrations are added.
pub async fn migrate_down_through(db: &DatabaseConnection, name: &str) {
    use migration::MigratorTrait;
    let all = migration::Migrator::migrations();
    let at = all
        .iter()
        .position(|m| m.name() == name)
        .unwrap_or_else(|| panic!("no migration {name}"));
    let steps = (all.len() - at) as u32;
    migration::Migrator::down(db, Some(steps)).await.unwrap();
}

/// The first 200 events of the feed, oldest first.
pub async fn feed(app: &TestApp) -> Vec<Value> {
    let page = expect_status(
        app.get(
            "/v1/events?after=0&limit=200",
            &app.token(Role::Service, None),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    page["events"].as_array().unwrap().clone()
}

pub fn of_kind<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["kind"] == kind).collect()
}

/// The check code of case `case_no` (the last 6 characters of the applicant's identity).
pub async fn check_of_case(app: &TestApp, case_no: &str) -> String {
    let row = app
        .db
        .query_one(Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT applicant_id_number FROM cases WHERE case_no = '{case_no}'"),
        ))
        .await
        .unwrap()
        .expect("the case exists");
    // Stored sealed (`cases::vault`, the test key is derived from the signing secret).
    let id_number = approval::cases::vault::PiiVault::derived_from(SECRET)
        .open(
            approval::cases::vault::ID_NUMBER,
            &row.try_get::<String>("", "applicant_id_number").unwrap(),
        )
        .unwrap();
    platform::identity::check_of(&id_number)
}

/// Post the public complaint form.
pub async fn post_complaint(app: &TestApp, body: &Value) -> Response {
    app.client
        .post(format!("{}/v1/complaints", app.address))
        .json(body)
        .send()
        .await
        .unwrap()
}

/// The newest complaint on case `case_no`, as the supervisors see it.
pub async fn newest_complaint(app: &TestApp, case_no: &str) -> Option<Value> {
    let sup = app.token(Role::Supervisor, None);
    let list = expect_status(
        app.get("/v1/complaints?limit=200", &sup).await,
        StatusCode::OK,
    )
    .await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["case_no"] == case_no)
        .max_by_key(|c| c["id"].as_i64())
        .cloned()
}

/// File a complaint on case `case_no` (no account needed, its check code); its id.
pub async fn file_complaint(app: &TestApp, case_no: &str) -> i64 {
    let check = check_of_case(app, case_no).await;
    let r = post_complaint(
        app,
        &json!({"case_no": case_no, "check": check, "complainant": "张先生", "contact": "13800000000", "content": "窗口推诿"}),
    )
    .await;
    expect_status(r, StatusCode::ACCEPTED).await;
    newest_complaint(app, case_no).await.expect("filed")["id"]
        .as_i64()
        .unwrap()
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
