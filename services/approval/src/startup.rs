//! Building and running the service (zero2prod style): connect, migrate, seed, bind, serve.

use std::net::TcpListener;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{web, App, HttpResponse, HttpServer};
use migration::{Migrator, MigratorTrait};
use platform::auth::{AuthUser, JwtKeys, Role};
use platform::clock::SharedClock;
use platform::config::Config;
use platform::json::BodyLimit;
use platform::ApiError;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::calendar_store;
use crate::catalogue::{model::UserInput, store};
use crate::entities::user;
use crate::openapi::ApiDoc;
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("seeding: {0}")]
    Seed(String),
    #[error("binding {0}: {1}")]
    Bind(String, std::io::Error),
}

pub struct Application {
    port: u16,
    server: Server,
    pub state: AppState,
    /// Kept alive for as long as the application runs.
    _scheduler: Option<tokio_cron_scheduler::JobScheduler>,
}

/// The actor recorded for what the service does by itself (seeding, bootstrap): configuration,
/// so the system administrator's role.
pub fn system_actor() -> AuthUser {
    AuthUser {
        id: 0,
        name: "system".into(),
        role: Role::Sysadmin,
        department_id: None,
    }
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    Migrator::up(db, None).await
}

impl Application {
    /// Build with the e-supervision settings from the environment.
    pub async fn build(config: Config, clock: SharedClock) -> Result<Self, StartupError> {
        let supervision = crate::state::SupervisionSettings::from_lookup(|k| std::env::var(k).ok())
            .map_err(StartupError::Config)?;
        let public = crate::state::PublicSettings::from_lookup(|k| std::env::var(k).ok())
            .map_err(StartupError::Config)?;
        Self::build_full(config, supervision, public, clock).await
    }

    /// Build with these e-supervision settings and the public pages' defaults.
    pub async fn build_with(
        config: Config,
        supervision: crate::state::SupervisionSettings,
        clock: SharedClock,
    ) -> Result<Self, StartupError> {
        Self::build_full(
            config,
            supervision,
            crate::state::PublicSettings::default(),
            clock,
        )
        .await
    }

    pub async fn build_full(
        config: Config,
        supervision: crate::state::SupervisionSettings,
        public: crate::state::PublicSettings,
        clock: SharedClock,
    ) -> Result<Self, StartupError> {
        let audit = crate::audit::AuditSettings::from_lookup(|k| std::env::var(k).ok())
            .map_err(StartupError::Config)?;
        Self::build_audited(config, supervision, public, audit, clock).await
    }

    /// Build with these settings; audit settings the law does not allow (a retention below
    /// six months) refuse to start.
    pub async fn build_audited(
        config: Config,
        supervision: crate::state::SupervisionSettings,
        public: crate::state::PublicSettings,
        audit: crate::audit::AuditSettings,
        clock: SharedClock,
    ) -> Result<Self, StartupError> {
        audit.check().map_err(StartupError::Config)?;
        let (hours, fallback) =
            calendar_store::calendar_settings(&config.office_hours, &config.calendar_fallback)
                .map_err(StartupError::Config)?;
        let db = platform::db::connect(&config.database_url).await?;
        migrate(&db).await?;
        crate::audit::store::set_retention(&db, audit.retention_days)
            .await
            .map_err(|e| StartupError::Seed(e.to_string()))?;
        calendar_store::seed_builtin(&db, clock.now()).await?;
        let cal = calendar_store::load(&db, hours, fallback)
            .await
            .map_err(StartupError::Seed)?;
        if config.demo_data {
            crate::demo::seed(&db, clock.now())
                .await
                .map_err(|e| StartupError::Seed(e.to_string()))?;
        }
        if let Some((username, password)) = &config.bootstrap_admin {
            bootstrap_admin(&db, clock.now(), username, password)
                .await
                .map_err(|e| StartupError::Seed(e.to_string()))?;
        }
        let accounts = service_accounts_from_env().map_err(StartupError::Config)?;
        provision_service_accounts(&db, &accounts, clock.now())
            .await
            .map_err(|e| StartupError::Seed(format!("SERVICE_ACCOUNTS: {e}")))?;
        // Items from before guide versions were kept (or seeded directly) get version 1.
        crate::public::guide::backfill_versions(&db)
            .await
            .map_err(|e| StartupError::Seed(e.to_string()))?;
        // The applicant data at rest (数据保密性): `PII_KEY`, or for the embedded default a key
        // derived from the signing secret; rows from before encryption are sealed in the
        // background once the service runs (`spawn_sealing`).
        let pii = match std::env::var("PII_KEY")
            .ok()
            .filter(|v| !v.trim().is_empty())
        {
            Some(hex) => crate::cases::vault::PiiVault::from_hex(&hex)
                .map_err(|e| StartupError::Config(e.to_string()))?,
            None => {
                tracing::warn!(
                    "PII_KEY not set: the key of the applicant data is derived from JWT_SECRET (set PII_KEY in production)"
                );
                crate::cases::vault::PiiVault::derived_from(&config.jwt_secret)
            }
        };
        // The one issuer (签发方): an Ed25519 key of its own in production, HS256 with the
        // shared secret only for the embedded default.
        if config.jwt.jwks_url.is_some() && config.jwt.signing_key_file.is_none() {
            return Err(StartupError::Config(
                "JWT_JWKS_URL is for the services that verify; the approval service issues the tokens: set JWT_SIGNING_KEY_FILE".into(),
            ));
        }
        let jwt = JwtKeys::from_config(&config, platform::auth::AUD_APPROVAL).map_err(|e| {
            StartupError::Config(format!("JWT_SIGNING_KEY_FILE / JWT_VERIFY_KEY_FILES: {e}"))
        })?;
        if jwt.algorithm() == "HS256" {
            tracing::warn!("JWT_SIGNING_KEY_FILE not set: tokens are signed with the shared HS256 secret (the embedded default; set an Ed25519 key in production)");
        }
        let redis = match &config.redis_url {
            Some(url) => Some(
                redis::Client::open(url.as_str())
                    .map_err(|e| StartupError::Config(format!("REDIS_URL: {e}")))?,
            ),
            None => None,
        };
        let mailer = crate::notices::mailer::Mailer::from_settings(
            supervision.smtp_url.as_deref(),
            std::path::Path::new(&supervision.mail_dir),
        )
        .map_err(|e| StartupError::Config(format!("mail: {e}")))?;
        let mail_from: lettre::message::Mailbox = supervision
            .mail_from
            .parse()
            .map_err(|e| StartupError::Config(format!("MAIL_FROM: {e}")))?;
        let state = AppState {
            db,
            clock,
            calendar: Arc::new(RwLock::new(cal)),
            redis,
            config: config.clone(),
            supervision,
            mailer: Arc::new(mailer),
            mail_from,
            lookup_limits: crate::state::LookupLimits::new(&public),
            public,
            audit,
            login: crate::login::LoginGuard::new(
                crate::login::LoginSettings::from_lookup(|k| std::env::var(k).ok())
                    .map_err(StartupError::Config)?,
            ),
            sessions: crate::sessions::Sessions::new(
                crate::sessions::SessionSettings::from_lookup(|k| std::env::var(k).ok())
                    .map_err(StartupError::Config)?,
            ),
            metrics: Arc::new(crate::metrics::ApprovalMetrics::new()),
            pii: Arc::new(pii),
            jwt,
            idle: platform::idle::IdleStamps::new(
                config.jwt_secret.as_bytes(),
                config.console_idle_seconds,
            ),
            oidc: config
                .jwt
                .oidc
                .clone()
                .map(|o| Arc::new(crate::login::oidc::OidcVerifier::new(o))),
        };
        let listener = TcpListener::bind(&config.bind)
            .map_err(|e| StartupError::Bind(config.bind.clone(), e))?;
        let port = listener
            .local_addr()
            .map_err(|e| StartupError::Bind(config.bind.clone(), e))?
            .port();
        let server =
            run(listener, state.clone()).map_err(|e| StartupError::Bind(config.bind.clone(), e))?;
        spawn_calendar_refresh(state.clone());
        spawn_sealing(state.clone());
        if state.supervision.scheduler_enabled {
            crate::webhooks::delivery::spawn_worker(state.clone());
        }
        let scheduler = if state.supervision.scheduler_enabled {
            let s = crate::supervision::scheduler::start(state.clone());
            Some(s.await.map_err(StartupError::Config)?)
        } else {
            None
        };
        Ok(Application {
            port,
            server,
            state,
            _scheduler: scheduler,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Other replicas may edit a holiday table: pick their edits up once a minute.
/// Seal the applicant data of cases written before encryption, in the background: a large
/// database is not held back from serving (a start-up probe would give up), the rows not
/// reached yet read as they are, and a pass cut short goes on at the next start. Until a row
/// is sealed, the search by ID number (`?applicant=`, by the keyed hash) does not find it.
fn spawn_sealing(state: AppState) {
    tokio::spawn(async move {
        match crate::cases::store::seal_plaintext_applicants(&state.db, &state.pii).await {
            Ok(0) => {}
            Ok(sealed) => tracing::info!(
                sealed,
                "sealed the applicant data of cases written before encryption"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "sealing the applicant data stopped; it goes on at the next start")
            }
        }
    });
}

fn spawn_calendar_refresh(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = reload_calendar(&state).await {
                tracing::warn!(error = %e, "calendar refresh failed; keeping the previous tables");
            }
        }
    });
}

pub async fn reload_calendar(state: &AppState) -> Result<(), String> {
    let current = state.calendar();
    let fresh = calendar_store::load(&state.db, current.hours(), current.fallback()).await?;
    *state.calendar.write().unwrap_or_else(|p| p.into_inner()) = fresh;
    Ok(())
}

/// The shortest secret `SERVICE_ACCOUNTS` accepts: 24 characters (the product's own default;
/// a generated secret is 64 hex characters).
pub const SERVICE_SECRET_MIN_CHARS: usize = 24;

/// `SERVICE_ACCOUNTS=name:secret[,name:secret…]`: the service accounts other systems use
/// with client credentials (the assessment service's first), from a secret of the deployment.
pub fn service_accounts_from_env() -> Result<Vec<(String, String)>, String> {
    parse_service_accounts(&std::env::var("SERVICE_ACCOUNTS").unwrap_or_default())
}

/// The pure form of [`service_accounts_from_env`].
pub fn parse_service_accounts(value: &str) -> Result<Vec<(String, String)>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entry| {
            let (name, secret) = entry.split_once(':').ok_or_else(|| {
                "SERVICE_ACCOUNTS: expected name:secret, comma-separated".to_string()
            })?;
            if name.trim().is_empty() {
                return Err("SERVICE_ACCOUNTS: an entry has no name".into());
            }
            if secret.chars().count() < SERVICE_SECRET_MIN_CHARS {
                return Err(format!(
                    "SERVICE_ACCOUNTS: the secret of `{}` is shorter than {SERVICE_SECRET_MIN_CHARS} characters",
                    name.trim()
                ));
            }
            Ok((name.trim().to_string(), secret.to_string()))
        })
        .collect()
}

/// Make sure each service account exists with this secret: created (role `service`) when
/// missing; its secret replaced when it differs (a rotation: the account's token version is
/// raised, so tokens of the old secret end). A retired account stays retired — only the
/// security administrator brings it back — and a name held by a person's account is refused.
/// Each creation and rotation is in the audit trail.
pub async fn provision_service_accounts(
    db: &DatabaseConnection,
    accounts: &[(String, String)],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    use sea_orm::{ActiveModelTrait, Set};
    for (name, secret) in accounts {
        match store::find_user_by_name(db, name).await? {
            None => {
                let input = UserInput {
                    username: name.clone(),
                    display_name: name.clone(),
                    email: None,
                    role: Role::Service,
                    department_id: None,
                    password: secret.clone(),
                };
                store::create_user(db, &system_actor(), now, input).await?;
                tracing::info!(account = %name, "service account created");
            }
            Some(u) if u.role != Role::Service.as_str() => {
                return Err(ApiError::validation(
                    "SERVICE_ACCOUNTS",
                    format!(
                        "`{name}` is an account of role {}, not a service account",
                        u.role
                    ),
                ))
            }
            Some(u) if platform::auth::verify_password(secret, &u.password_hash) => {
                if !u.active || u.deleted_at.is_some() {
                    tracing::warn!(account = %name, "service account is retired; its client credentials are refused");
                }
            }
            Some(u) => {
                let (id, version) = (u.id, u.token_version);
                let mut m: user::ActiveModel = u.into();
                m.password_hash = Set(platform::auth::hash_password(secret)?);
                m.password_changed_at = Set(Some(now));
                m.token_version = Set(version + 1);
                m.updated_at = Set(now);
                m.update(db).await?;
                crate::login::audit(
                    db,
                    now,
                    (None, "system"),
                    "service_secret_rotated",
                    name,
                    "SERVICE_ACCOUNTS",
                )
                .await?;
                tracing::info!(account = %name, id, "service account secret replaced");
            }
        }
    }
    Ok(())
}

async fn bootstrap_admin(
    db: &DatabaseConnection,
    now: chrono::DateTime<chrono::Utc>,
    username: &str,
    password: &str,
) -> Result<(), ApiError> {
    let admins = user::Entity::find()
        .filter(user::Column::Role.is_in(Role::ADMINISTRATORS.map(|r| r.as_str().to_string())))
        .count(db)
        .await?;
    if admins > 0 {
        return Ok(());
    }
    // The first admin's password follows the same rule as every other.
    let rule = crate::login::LoginSettings::from_lookup(|k| std::env::var(k).ok())
        .map_err(|e| ApiError::Internal(format!("login settings: {e}")))?
        .password;
    let problems = rule.problems(password, username);
    if !problems.is_empty() {
        return Err(ApiError::validation(
            "BOOTSTRAP_ADMIN_PASSWORD",
            format!(
                "the password breaks the rule: {} (GB/T 22239-2019 8.1.4.1 a)",
                problems.join("; ")
            ),
        ));
    }
    let input = UserInput {
        username: username.into(),
        display_name: "Security administrator".into(),
        email: None,
        // 三权分立: the first account is the security administrator, who creates the system
        // administrator and the auditor; the system administrator then the business accounts.
        role: Role::Secadmin,
        department_id: None,
        password: password.into(),
    };
    store::create_user(db, &system_actor(), now, input).await?;
    tracing::info!(%username, "bootstrap admin created");
    Ok(())
}

pub fn run(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let keys = web::Data::new(state.jwt.clone());
    let limit = web::Data::new(BodyLimit(state.config.body_limit_bytes));
    let metrics = web::Data::from(state.metrics.kit.clone());
    let state = web::Data::new(state);
    let spec = ApiDoc::openapi();
    let routes = web::Data::new(platform::http::RouteTable::from_openapi(&spec));
    let server = HttpServer::new(move || {
        App::new()
            .wrap(actix_web::middleware::from_fn(
                crate::sessions::guard::guard,
            ))
            .wrap(platform::http::problem_handlers())
            .wrap_fn(platform::http::head_guard)
            .wrap(platform::http::security_headers())
            .wrap_fn(platform::observe::observe)
            .wrap(tracing_actix_web::TracingLogger::<
                platform::observe::RootSpan,
            >::new())
            .app_data(state.clone())
            .app_data(metrics.clone())
            .app_data(keys.clone())
            .app_data(limit.clone())
            // Handlers that read raw bytes (for an idempotency fingerprint) get the same
            // limit as the JSON extractor.
            .app_data(web::PayloadConfig::new(limit.0))
            .app_data(routes.clone())
            .app_data(web::QueryConfig::default().error_handler(platform::http::query_error))
            .app_data(web::PathConfig::default().error_handler(platform::http::path_error))
            .configure(crate::routes::configure)
            .configure(crate::console::configure)
            .configure(crate::public::configure)
            .route(
                "/docs",
                web::get().to(|| async {
                    HttpResponse::Found()
                        .insert_header(("Location", "/docs/"))
                        .finish()
                }),
            )
            .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", spec.clone()))
            .default_service(web::to(platform::http::not_found))
    })
    .listen(listener)?
    .run();
    Ok(server)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_accounts_parse_with_named_refusals() {
        let secret = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            parse_service_accounts(&format!(" assessment:{secret} , cadre:{secret}x ")).unwrap(),
            vec![
                ("assessment".to_string(), secret.to_string()),
                ("cadre".to_string(), format!("{secret}x")),
            ]
        );
        assert_eq!(parse_service_accounts("").unwrap(), vec![]);
        // A secret may hold a colon; only the first separates the name.
        assert_eq!(
            parse_service_accounts(&format!("a:{secret}:z")).unwrap()[0].1,
            format!("{secret}:z")
        );
        assert!(parse_service_accounts("assessment")
            .unwrap_err()
            .contains("name:secret"));
        assert!(parse_service_accounts("assessment:short")
            .unwrap_err()
            .contains("`assessment`"));
        assert!(parse_service_accounts(&format!(":{secret}"))
            .unwrap_err()
            .contains("no name"));
    }
}
