//! Building and running the assessment service: connect, migrate, seed the default indicator
//! system, load the approval service's calendar, start the feed consumer, the calendar refresh
//! and the scheduler, serve.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{web, App, HttpResponse, HttpServer};
use migration::{AssessmentMigrator, MigratorTrait};
use platform::auth::JwtKeys;
use platform::clock::SharedClock;
use platform::config::Config;
use platform::json::BodyLimit;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::approval_client::ApprovalClient;
use crate::openapi::ApiDoc;
use crate::state::{AppState, AssessmentSettings};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("binding {0}: {1}")]
    Bind(String, std::io::Error),
}

pub struct Application {
    port: u16,
    server: Server,
    pub state: AppState,
    _scheduler: Option<tokio_cron_scheduler::JobScheduler>,
}

pub async fn migrate(db: &sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    AssessmentMigrator::up(db, None).await
}

impl Application {
    pub async fn build(config: Config, clock: SharedClock) -> Result<Self, StartupError> {
        let settings = AssessmentSettings::from_lookup(|k| std::env::var(k).ok())
            .map_err(StartupError::Config)?;
        Self::build_with(config, settings, clock).await
    }

    pub async fn build_with(
        config: Config,
        settings: AssessmentSettings,
        clock: SharedClock,
    ) -> Result<Self, StartupError> {
        let db = platform::db::connect(&config.database_url).await?;
        migrate(&db).await?;
        crate::systems::seed_default(&db, clock.now()).await?;
        crate::cadre::seed_presets(&db, clock.now()).await?;
        let redis = match &config.redis_url {
            Some(url) => Some(
                redis::Client::open(url.as_str())
                    .map_err(|e| StartupError::Config(format!("REDIS_URL: {e}")))?,
            ),
            None => None,
        };
        // Only the approval service issues tokens; this one verifies them, with the issuer's
        // published keys (`JWT_JWKS_URL`) or, for the embedded default, the shared secret.
        if config.jwt.signing_key_file.is_some() {
            return Err(StartupError::Config(
                "JWT_SIGNING_KEY_FILE: only the approval service issues tokens; set JWT_JWKS_URL to its /.well-known/jwks.json".into(),
            ));
        }
        let jwt = JwtKeys::from_config(&config, platform::auth::AUD_ASSESSMENT)
            .map_err(|e| StartupError::Config(e.to_string()))?;
        let approval = ApprovalClient::from_settings(&settings);
        let settings_session_cache = settings.session_cache_seconds;
        let idle = platform::idle::IdleStamps::new(
            settings
                .approval_client_secret
                .as_deref()
                .unwrap_or(&config.jwt_secret)
                .as_bytes(),
            config.console_idle_seconds,
        );
        let mailer = outbox::mailer::Mailer::from_settings(
            settings.smtp_url.as_deref(),
            std::path::Path::new(&settings.mail_dir),
        )
        .map_err(|e| StartupError::Config(format!("mail: {e}")))?;
        let mail_from = settings
            .mail_from
            .parse()
            .map_err(|e| StartupError::Config(format!("MAIL_FROM: {e}")))?;
        let cal = crate::calendar_sync::builtin();
        let version = crate::calendar_sync::CalendarVersion::of(
            &cal,
            crate::calendar_sync::SOURCE_BUILTIN,
            None,
        );
        let state = AppState {
            db,
            clock,
            calendar: Arc::new(std::sync::RwLock::new(cal)),
            calendar_version: Arc::new(std::sync::RwLock::new(version)),
            approval,
            redis,
            config: config.clone(),
            settings,
            mailer: Arc::new(mailer),
            mail_from,
            metrics: Arc::new(crate::metrics::AssessmentMetrics::new()),
            jwt,
            sessions: Arc::new(crate::sessions::SessionCache::new(settings_session_cache)),
            idle,
        };
        crate::jwks::load_at_start(&state).await;
        // The approval service's holiday tables; unreachable, the built-in ones (never fatal).
        crate::calendar_sync::load_at_start(&state).await;
        let listener = TcpListener::bind(&config.bind)
            .map_err(|e| StartupError::Bind(config.bind.clone(), e))?;
        let port = listener
            .local_addr()
            .map_err(|e| StartupError::Bind(config.bind.clone(), e))?
            .port();
        let server =
            run(listener, state.clone()).map_err(|e| StartupError::Bind(config.bind.clone(), e))?;
        if state.settings.feed_consumer {
            crate::feed::spawn(state.clone());
        }
        crate::calendar_sync::spawn(state.clone());
        crate::jwks::spawn(state.clone());
        let scheduler = if state.settings.scheduler_enabled {
            Some(
                crate::jobs::start(state.clone())
                    .await
                    .map_err(StartupError::Config)?,
            )
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

pub fn run(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let keys = web::Data::new(state.jwt.clone());
    let limit = web::Data::new(BodyLimit(state.config.body_limit_bytes));
    let limiter = web::Data::new(crate::cache::RateLimiter::new(
        state.settings.cadre_rate_limit,
    ));
    let public_limiter = web::Data::new(crate::routes::public::PublicLimiter(
        crate::cache::RateLimiter::new(state.settings.public_rate_limit),
    ));
    let metrics = web::Data::from(state.metrics.kit.clone());
    let state = web::Data::new(state);
    let spec = ApiDoc::openapi();
    let routes = web::Data::new(platform::http::RouteTable::from_openapi(&spec));
    let server = HttpServer::new(move || {
        App::new()
            .wrap(actix_web::middleware::from_fn(crate::sessions::guard))
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
            .app_data(public_limiter.clone())
            .app_data(routes.clone())
            .app_data(limiter.clone())
            .app_data(web::QueryConfig::default().error_handler(platform::http::query_error))
            .app_data(web::PathConfig::default().error_handler(platform::http::path_error))
            .configure(crate::routes::configure)
            .configure(crate::console::configure)
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
