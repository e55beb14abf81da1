//! Sign-in through an external identity provider (统一身份认证, OpenID Connect): a government
//! SSO's token — an ID token or an access token that is a JWT — is exchanged at
//! `POST /v1/auth/oidc` for an ordinary session of this platform. The token must be signed
//! with a key the provider publishes (`OIDC_JWKS_URL`; RS256, ES256 or EdDSA — never a shared
//! secret, never `none`), name the provider as `iss` (`OIDC_ISSUER`) and this platform as
//! `aud` (`OIDC_AUDIENCE`), and be unexpired (30 seconds of clock difference allowed; the
//! product's own default). Its username claim (`OIDC_USERNAME_CLAIM`, default
//! `preferred_username`) must name an active account here: the roles and departments are
//! this platform's, never the provider's. The provider's keys are read when first needed,
//! kept five minutes, and read again at once (at most every ten seconds) for an unknown `kid`.

use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use platform::config::OidcSettings;
use platform::ApiError;
use tokio::sync::Mutex;

/// Keys are read again after this long.
const KEYS_TTL: Duration = Duration::from_secs(300);
/// An unknown `kid` reads the keys again no more often than this.
const UNKNOWN_KID_PAUSE: Duration = Duration::from_secs(10);
/// Clock difference allowed between the provider and this service (product default).
const LEEWAY_SECONDS: u64 = 30;
/// The signature algorithms accepted from a provider: asymmetric only.
const ALGORITHMS: [Algorithm; 3] = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];

/// The provider's settings and its keys as last read.
pub struct OidcVerifier {
    pub settings: OidcSettings,
    http: reqwest::Client,
    keys: Mutex<Option<(JwkSet, Instant)>>,
}

fn invalid(why: impl Into<String>) -> ApiError {
    ApiError::unauthorized(
        "oidc_token_invalid",
        format!(
            "the identity provider's token is not accepted: {}",
            why.into()
        ),
    )
}

impl OidcVerifier {
    pub fn new(settings: OidcSettings) -> Self {
        OidcVerifier {
            settings,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            keys: Mutex::new(None),
        }
    }

    async fn fetch(&self) -> Result<JwkSet, ApiError> {
        let unreachable = |e: String| {
            tracing::warn!(error = %e, url = %self.settings.jwks_url, "identity provider's keys unreachable");
            ApiError::Unavailable("the identity provider's keys cannot be read now".into())
        };
        let r = self
            .http
            .get(&self.settings.jwks_url)
            .send()
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        if !r.status().is_success() {
            return Err(unreachable(format!("status {}", r.status())));
        }
        r.json::<JwkSet>()
            .await
            .map_err(|e| unreachable(e.to_string()))
    }

    /// The provider's key `kid`, reading the set again when it is old or lacks it.
    async fn key(&self, kid: &str) -> Result<jsonwebtoken::jwk::Jwk, ApiError> {
        let unknown = || {
            invalid(format!(
                "it is signed with key `{kid}`, which the provider does not publish"
            ))
        };
        let mut cached = self.keys.lock().await;
        if let Some((set, at)) = cached.as_ref() {
            if at.elapsed() < KEYS_TTL {
                if let Some(k) = set.find(kid) {
                    return Ok(k.clone());
                }
                if at.elapsed() < UNKNOWN_KID_PAUSE {
                    return Err(unknown());
                }
            }
        }
        let set = self.fetch().await?;
        let found = set.find(kid).cloned();
        *cached = Some((set, Instant::now()));
        found.ok_or_else(unknown)
    }

    /// The username a valid provider token names.
    pub async fn username_of(&self, token: &str) -> Result<String, ApiError> {
        let header = decode_header(token).map_err(|_| invalid("it is not a JWT"))?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(invalid(format!(
                "it is signed with {:?}; accepted: RS256, ES256, EdDSA",
                header.alg
            )));
        }
        let kid = header
            .kid
            .ok_or_else(|| invalid("its header names no key (`kid`)"))?;
        let jwk = self.key(&kid).await?;
        let key = DecodingKey::from_jwk(&jwk)
            .map_err(|_| invalid(format!("the provider's key `{kid}` cannot be used")))?;
        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_SECONDS;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[self.settings.issuer.as_str()]);
        validation.set_audience(&[self.settings.audience.as_str()]);
        let claims = decode::<serde_json::Value>(token, &key, &validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                invalid(match e.kind() {
                    ErrorKind::ExpiredSignature => "it has expired".to_string(),
                    ErrorKind::InvalidIssuer => {
                        format!("it is not issued by `{}`", self.settings.issuer)
                    }
                    ErrorKind::InvalidAudience => {
                        format!("it is not for `{}`", self.settings.audience)
                    }
                    ErrorKind::InvalidSignature => "its signature is not valid".to_string(),
                    ErrorKind::MissingRequiredClaim(c) => format!("it has no `{c}` claim"),
                    _ => "it is not valid".to_string(),
                })
            })?
            .claims;
        claims
            .get(&self.settings.username_claim)
            .and_then(|v| v.as_str())
            .filter(|u| !u.trim().is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                invalid(format!(
                    "it has no `{}` claim naming the account",
                    self.settings.username_claim
                ))
            })
    }
}
