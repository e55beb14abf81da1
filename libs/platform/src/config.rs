//! Configuration from the environment, with the embedded defaults of `make run`.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DATABASE_URL` | `sqlite://./var/<service>.db?mode=rwc` | SQLite file (WAL) or `postgres://…` |
//! | `REDIS_URL` | unset: in-process cache and locks | `redis://127.0.0.1:6379` |
//! | `JWT_SECRET` | a random dev secret, printed at start | HS256 signing secret of the embedded default; with an Ed25519 key it only derives the service's other keys |
//! | `JWT_SIGNING_KEY_FILE` | unset: HS256 with `JWT_SECRET` | the approval service signs with this Ed25519 PKCS#8 PEM (kid = RFC 7638 thumbprint) and publishes it at `/.well-known/jwks.json` |
//! | `JWT_VERIFY_KEY_FILES` | none | comma-separated Ed25519 public-key PEMs also accepted and published: the next and the previous key of a rotation |
//! | `JWT_JWKS_URL` | unset: HS256 with `JWT_SECRET` | a verifying service (assessment) reads the issuer's keys here |
//! | `JWT_ISSUER` | `approval` | the `iss` the approval service sets and every service requires |
//! | `CONSOLE_IDLE_MINUTES` | `15` (the product's own default) | a console page asked for longer after the last one signs the browser out (超时自动退出) |
//! | `OIDC_ISSUER`, `OIDC_JWKS_URL`, `OIDC_AUDIENCE`, `OIDC_USERNAME_CLAIM` | unset | an external OpenID Connect provider whose tokens `POST /v1/auth/oidc` exchanges for a session of the account its username claim (default `preferred_username`) names |
//! | `TOKEN_MAX_LIFETIME_SECONDS` | `86400` (one day; the product's own default) | tokens living longer (`exp - iat`) are refused |
//! | `BIND` | `127.0.0.1:<port>` | listen address |
//! | `TOKEN_TTL_SECONDS` | `900` (15 min; the product's own default) | access-token lifetime (the approval service renews it with a refresh token) |
//! | `BODY_LIMIT_BYTES` | `262144` | largest accepted JSON body |
//! | `DEMO_DATA` | `false` | seed the Hohhot demo bundle and one user per role |
//! | `OFFICE_HOURS` | `09:00-17:00` | the working day's boundary, Asia/Shanghai |
//! | `CALENDAR_FALLBACK` | `provisional` | a year without a holiday table: `provisional` (statutory rules, flagged), `error` or `weekends_only` |
//! | `BOOTSTRAP_ADMIN_USERNAME`, `BOOTSTRAP_ADMIN_PASSWORD` | unset | first administrator (a security administrator, `secadmin`), created at start if no administrator exists |
//! | `LOG_FORMAT` / `RUST_LOG` | text / `info` | logs |

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{name}: {message}")]
    Invalid { name: &'static str, message: String },
}

/// The service's settings. `Debug` redacts the secrets ([`crate::secret`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    pub service: String,
    pub database_url: String,
    pub redis_url: Option<String>,
    /// The signing secret, and whether it was generated for this run (dev only).
    pub jwt_secret: String,
    pub jwt_secret_generated: bool,
    pub bind: String,
    pub token_ttl_seconds: i64,
    pub body_limit_bytes: usize,
    pub demo_data: bool,
    pub office_hours: String,
    pub calendar_fallback: String,
    /// `BOOTSTRAP_ADMIN_USERNAME` / `BOOTSTRAP_ADMIN_PASSWORD`: create this security
    /// administrator (`secadmin`) at start when no administrator exists yet (how a production
    /// install gets its first login; it creates the system administrator and the auditor).
    pub bootstrap_admin: Option<(String, String)>,
    /// `TRUSTED_PROXIES`: the reverse proxies / ingress whose `X-Forwarded-For` names the
    /// client (addresses or CIDR blocks, comma-separated; product default: none, the socket's
    /// peer is the client). See [`crate::client`].
    pub trusted_proxies: crate::client::TrustedProxies,
    /// Keys, issuer and token lifetime limit (`JWT_*`).
    pub jwt: JwtSettings,
    /// `CONSOLE_IDLE_MINUTES` × 60: the consoles' idle timeout ([`crate::idle`]).
    pub console_idle_seconds: i64,
}

/// How tokens are signed and verified (`crate::auth::JwtKeys::from_config`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwtSettings {
    /// `JWT_ISSUER` (default `approval`).
    pub issuer: String,
    /// `JWT_SIGNING_KEY_FILE`: the issuer's Ed25519 private key (PEM); unset, HS256.
    pub signing_key_file: Option<String>,
    /// `JWT_VERIFY_KEY_FILES`: more Ed25519 public keys (PEM) to accept and publish.
    pub verify_key_files: Vec<String>,
    /// `JWT_JWKS_URL`: verify with the issuer's published keys (a service that does not sign).
    pub jwks_url: Option<String>,
    /// `TOKEN_MAX_LIFETIME_SECONDS` (default 86400, the product's own default).
    pub max_lifetime_seconds: i64,
    /// `OIDC_*`: an external OpenID Connect identity provider (统一身份认证) whose tokens the
    /// approval service exchanges for its own sessions; unset, none.
    pub oidc: Option<OidcSettings>,
}

/// An external identity provider (`OIDC_ISSUER`, `OIDC_JWKS_URL`, `OIDC_AUDIENCE`,
/// `OIDC_USERNAME_CLAIM`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OidcSettings {
    /// The provider's issuer (`iss` of its tokens).
    pub issuer: String,
    /// Where its public keys are (the `jwks_uri` of its discovery document).
    pub jwks_url: String,
    /// This platform's client id at the provider (`aud` of its tokens).
    pub audience: String,
    /// The claim naming the platform account (default `preferred_username`).
    pub username_claim: String,
}

impl Default for JwtSettings {
    fn default() -> Self {
        JwtSettings {
            issuer: crate::auth::DEFAULT_ISSUER.into(),
            signing_key_file: None,
            verify_key_files: Vec::new(),
            jwks_url: None,
            max_lifetime_seconds: crate::auth::DEFAULT_MAX_LIFETIME_SECONDS,
            oidc: None,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::secret::{redact_opt_url, redact_url, REDACTED};
        f.debug_struct("Config")
            .field("service", &self.service)
            .field("database_url", &redact_url(&self.database_url))
            .field("redis_url", &redact_opt_url(&self.redis_url))
            .field("jwt_secret", &REDACTED)
            .field("jwt_secret_generated", &self.jwt_secret_generated)
            .field("bind", &self.bind)
            .field("token_ttl_seconds", &self.token_ttl_seconds)
            .field("body_limit_bytes", &self.body_limit_bytes)
            .field("demo_data", &self.demo_data)
            .field("office_hours", &self.office_hours)
            .field("calendar_fallback", &self.calendar_fallback)
            .field(
                "bootstrap_admin",
                &self.bootstrap_admin.as_ref().map(|(u, _)| (u, REDACTED)),
            )
            .field("trusted_proxies", &self.trusted_proxies)
            .field("jwt", &self.jwt)
            .field("console_idle_seconds", &self.console_idle_seconds)
            .finish()
    }
}

impl Config {
    pub fn from_env(service: &str, default_port: u16) -> Result<Self, ConfigError> {
        Self::from_lookup(service, default_port, |k| std::env::var(k).ok())
    }

    /// Pure form of [`Config::from_env`]: reads variables through `get`.
    pub fn from_lookup(
        service: &str,
        default_port: u16,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let (jwt_secret, generated) = match get("JWT_SECRET") {
            Some(s) if s.len() < 16 => {
                return Err(ConfigError::Invalid {
                    name: "JWT_SECRET",
                    message: "must be at least 16 bytes".into(),
                })
            }
            Some(s) => (s, false),
            None => (random_secret(), true),
        };
        let token_ttl_seconds = parse_num(
            get("TOKEN_TTL_SECONDS"),
            "TOKEN_TTL_SECONDS",
            900,
            60,
            7 * 86_400,
        )?;
        let body_limit = parse_num(
            get("BODY_LIMIT_BYTES"),
            "BODY_LIMIT_BYTES",
            262_144,
            1_024,
            16 * 1_048_576,
        )?;
        let demo_data = match get("DEMO_DATA").as_deref() {
            None | Some("0") | Some("false") | Some("no") => false,
            Some("1") | Some("true") | Some("yes") => true,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "DEMO_DATA",
                    message: format!("expected true or false, got `{other}`"),
                })
            }
        };
        let trusted_proxies =
            crate::client::TrustedProxies::parse(&get("TRUSTED_PROXIES").unwrap_or_default())
                .map_err(|message| ConfigError::Invalid {
                    name: "TRUSTED_PROXIES",
                    message,
                })?;
        let max_lifetime_seconds = parse_num(
            get("TOKEN_MAX_LIFETIME_SECONDS"),
            "TOKEN_MAX_LIFETIME_SECONDS",
            crate::auth::DEFAULT_MAX_LIFETIME_SECONDS,
            60,
            30 * 86_400,
        )?;
        if token_ttl_seconds > max_lifetime_seconds {
            return Err(ConfigError::Invalid {
                name: "TOKEN_TTL_SECONDS",
                message: format!(
                    "must not exceed TOKEN_MAX_LIFETIME_SECONDS ({max_lifetime_seconds})"
                ),
            });
        }
        let jwt = JwtSettings {
            issuer: get("JWT_ISSUER").unwrap_or_else(|| crate::auth::DEFAULT_ISSUER.into()),
            signing_key_file: get("JWT_SIGNING_KEY_FILE"),
            verify_key_files: get("JWT_VERIFY_KEY_FILES")
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            jwks_url: get("JWT_JWKS_URL"),
            max_lifetime_seconds,
            oidc: match (
                get("OIDC_ISSUER"),
                get("OIDC_JWKS_URL"),
                get("OIDC_AUDIENCE"),
            ) {
                (None, None, None) => None,
                (Some(issuer), Some(jwks_url), Some(audience)) => Some(OidcSettings {
                    issuer,
                    jwks_url,
                    audience,
                    username_claim: get("OIDC_USERNAME_CLAIM")
                        .unwrap_or_else(|| "preferred_username".into()),
                }),
                _ => return Err(ConfigError::Invalid {
                    name: "OIDC_ISSUER",
                    message:
                        "set OIDC_ISSUER, OIDC_JWKS_URL and OIDC_AUDIENCE together, or none of them"
                            .into(),
                }),
            },
        };
        let console_idle_minutes = parse_num(
            get("CONSOLE_IDLE_MINUTES"),
            "CONSOLE_IDLE_MINUTES",
            crate::idle::DEFAULT_IDLE_SECONDS / 60,
            1,
            24 * 60,
        )?;
        Ok(Config {
            console_idle_seconds: console_idle_minutes * 60,
            jwt,
            trusted_proxies,
            service: service.to_string(),
            database_url: get("DATABASE_URL")
                .unwrap_or_else(|| format!("sqlite://./var/{service}.db?mode=rwc")),
            redis_url: get("REDIS_URL"),
            jwt_secret,
            jwt_secret_generated: generated,
            bind: get("BIND").unwrap_or_else(|| format!("127.0.0.1:{default_port}")),
            token_ttl_seconds,
            body_limit_bytes: body_limit as usize,
            demo_data,
            office_hours: get("OFFICE_HOURS").unwrap_or_else(|| "09:00-17:00".into()),
            calendar_fallback: get("CALENDAR_FALLBACK").unwrap_or_else(|| "provisional".into()),
            bootstrap_admin: match (
                get("BOOTSTRAP_ADMIN_USERNAME"),
                get("BOOTSTRAP_ADMIN_PASSWORD"),
            ) {
                (Some(u), Some(p)) => Some((u, p)),
                (None, None) => None,
                _ => return Err(ConfigError::Invalid {
                    name: "BOOTSTRAP_ADMIN_PASSWORD",
                    message:
                        "set both BOOTSTRAP_ADMIN_USERNAME and BOOTSTRAP_ADMIN_PASSWORD, or neither"
                            .into(),
                }),
            },
        })
    }
}

fn parse_num(
    value: Option<String>,
    name: &'static str,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, ConfigError> {
    let Some(v) = value else { return Ok(default) };
    let n: i64 = v.trim().parse().map_err(|_| ConfigError::Invalid {
        name,
        message: format!("expected a whole number, got `{v}`"),
    })?;
    if n < min || n > max {
        return Err(ConfigError::Invalid {
            name,
            message: format!("must be between {min} and {max}, got {n}"),
        });
    }
    Ok(n)
}

fn random_secret() -> String {
    use rand::Rng;
    let bytes: [u8; 32] = rand::thread_rng().gen();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn debug_output_carries_no_secret() {
        let c = cfg(&[
            ("JWT_SECRET", "a-signing-secret-of-32-bytes-xx"),
            ("DATABASE_URL", "postgres://app:db-pass-1@db:5432/approval"),
            ("REDIS_URL", "redis://:redis-pass-2@cache:6379"),
            ("BOOTSTRAP_ADMIN_USERNAME", "root"),
            ("BOOTSTRAP_ADMIN_PASSWORD", "Bootstrap-pass-3"),
        ])
        .unwrap();
        let shown = format!("{c:?}");
        for secret in [
            "a-signing-secret",
            "db-pass-1",
            "redis-pass-2",
            "Bootstrap-pass-3",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(
            shown.contains("db:5432/approval") && shown.contains("root"),
            "{shown}"
        );
    }

    fn cfg(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup("approval", 8080, |k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_the_embedded_ones() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.database_url, "sqlite://./var/approval.db?mode=rwc");
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert!(c.jwt_secret_generated && c.jwt_secret.len() == 64);
        assert_eq!(c.redis_url, None);
        assert!(!c.demo_data);
    }

    #[test]
    fn bad_values_name_the_variable() {
        assert_eq!(
            cfg(&[("TOKEN_TTL_SECONDS", "ten")]).unwrap_err(),
            ConfigError::Invalid {
                name: "TOKEN_TTL_SECONDS",
                message: "expected a whole number, got `ten`".into()
            }
        );
        assert!(matches!(
            cfg(&[("JWT_SECRET", "short")]),
            Err(ConfigError::Invalid {
                name: "JWT_SECRET",
                ..
            })
        ));
        assert!(matches!(
            cfg(&[("DEMO_DATA", "maybe")]),
            Err(ConfigError::Invalid {
                name: "DEMO_DATA",
                ..
            })
        ));
        let c = cfg(&[("JWT_SECRET", "0123456789abcdef0123"), ("DEMO_DATA", "1")]).unwrap();
        assert!(!c.jwt_secret_generated && c.demo_data);
    }
}
