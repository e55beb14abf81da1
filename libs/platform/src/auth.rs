//! Authentication and roles: JWTs (jsonwebtoken) signed by the one issuer, the approval
//! service — Ed25519 with a key id in production (`JWT_SIGNING_KEY_FILE`, published as a
//! JWKS; [`crate::keys`]), HS256 with a shared secret only for the embedded default — argon2
//! password hashes, and the `AuthUser` extractor every protected route takes.
//!
//! A token must name the issuer (`iss`) and this service (`aud`) and live no longer than the
//! configured maximum. A missing, expired, forged or wrong-algorithm token is 401
//! (`token_missing`, `token_expired`, `token_invalid`), as is one for another service
//! (`token_audience`), of another issuer (`token_issuer`) or signed with a key the issuer no
//! longer publishes (`token_key_unknown`); a valid token with the wrong role is 403 (checked
//! by the handler through [`AuthUser::require`]).

use std::fmt;
use std::future::{ready, Ready};
use std::str::FromStr;
use std::sync::{Arc, RwLock};

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::keys::{JwkSet, PublicKey, SigningKey};

/// The roles of the platform's users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Window clerk (综合窗口受理员): accepts cases, issues certificates.
    Clerk,
    /// Department reviewer (经办人): first review (一审).
    Reviewer,
    /// Chief representative (首席代表): approval (一核).
    Approver,
    /// E-supervision (电子监察): watches time limits, cards, complaints.
    Supervisor,
    /// Assessor (审管办 考核): manual indicators, quarterly assessment.
    Assessor,
    /// Organization department (组织部): read-only cadre scores.
    OrgDept,
    /// System administrator (系统管理员): accounts of the business roles and configuration
    /// (catalogue, departments, calendar, webhooks); never roles, lockouts or the audit trail.
    Sysadmin,
    /// Security administrator (安全管理员): roles, administrators' accounts, lockouts, second
    /// factors; never configuration or the audit trail.
    Secadmin,
    /// Security auditor (安全审计员): reads and verifies the audit trail, nothing else.
    Auditor,
    /// Service account of another system (integrations): reads statistics and the event feed.
    Service,
    /// Leader who approves results (审定: 市政府领导 / 审管办负责人); never the one who computed them.
    Leader,
    /// Third-party call centre (第三方回访): enters the answers of the callback sample.
    Callcenter,
    /// Hall inspector (督察, Xiangyang's 督察部): records window staff's conduct (人员行为规范)
    /// and publicity entries for their daily record.
    Inspector,
}

impl Role {
    pub const ALL: [Role; 13] = [
        Role::Clerk,
        Role::Reviewer,
        Role::Approver,
        Role::Supervisor,
        Role::Assessor,
        Role::OrgDept,
        Role::Sysadmin,
        Role::Secadmin,
        Role::Auditor,
        Role::Service,
        Role::Leader,
        Role::Callcenter,
        Role::Inspector,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Reviewer => "reviewer",
            Role::Approver => "approver",
            Role::Supervisor => "supervisor",
            Role::Assessor => "assessor",
            Role::OrgDept => "org_dept",
            Role::Sysadmin => "sysadmin",
            Role::Secadmin => "secadmin",
            Role::Auditor => "auditor",
            Role::Service => "service",
            Role::Leader => "leader",
            Role::Callcenter => "callcenter",
            Role::Inspector => "inspector",
        }
    }

    /// Roles that act for one department and so must belong to one.
    pub fn is_department_scoped(self) -> bool {
        matches!(self, Role::Reviewer | Role::Approver)
    }

    /// The three administrators of 三权分立 (separation of the administrators' duties,
    /// GB/T 22239-2019 8.1.4.2 c/d): system, security and audit administration, each
    /// unable to do the others' work and none with business powers.
    pub const ADMINISTRATORS: [Role; 3] = [Role::Sysadmin, Role::Secadmin, Role::Auditor];

    /// One of [`Role::ADMINISTRATORS`].
    pub fn is_administrator(self) -> bool {
        Role::ADMINISTRATORS.contains(&self)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role `{s}`"))
    }
}

/// The audience of the approval service (`aud`).
pub const AUD_APPROVAL: &str = "approval";
/// The audience of the assessment service (`aud`).
pub const AUD_ASSESSMENT: &str = "assessment";
/// The audiences of a person's token: the two services of the platform people work in. A
/// service account's token names only the service it calls.
pub const USER_AUDIENCES: [&str; 2] = [AUD_APPROVAL, AUD_ASSESSMENT];
/// The issuer of the embedded default (`JWT_ISSUER` overrides it).
pub const DEFAULT_ISSUER: &str = "approval";

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// User id.
    pub sub: String,
    pub name: String,
    pub role: Role,
    /// Department id for department-scoped roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dept: Option<i32>,
    pub iat: i64,
    pub exp: i64,
    /// The user's token version (`users.token_version`) when the token was issued: a service
    /// that keeps versions refuses the token once the account changed. A token without it (the
    /// format before versions) counts as version 0.
    #[serde(default)]
    pub tv: i32,
    /// The session (会话) the token belongs to: its refresh-token family; none for tokens
    /// minted outside a sign-in (service tokens, tests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The issuer (`JWT_ISSUER`, default `approval`): the approval service is the only one.
    #[serde(default)]
    pub iss: String,
    /// The services the token is for ([`USER_AUDIENCES`] for people, one for a service
    /// account); each service accepts only tokens naming it.
    #[serde(default, deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
}

/// `aud` is a string or an array of strings (RFC 7519 §4.1.3).
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// How tokens are signed: HS256 with the shared secret (the embedded default only) or Ed25519
/// with a key of the issuer's (`JWT_SIGNING_KEY_FILE`).
#[derive(Clone)]
enum Signer {
    Hs256(EncodingKey),
    EdDsa { kid: String, key: EncodingKey },
}

/// How tokens are verified: the shared secret, or the issuer's public keys by `kid` (loaded
/// from files by the issuer, from its JWKS by another service).
#[derive(Clone)]
enum Verifier {
    Hs256(DecodingKey),
    EdDsa(Arc<RwLock<KeyRing>>),
}

/// The public keys a verifier accepts, by key id.
#[derive(Default)]
struct KeyRing {
    keys: Vec<(PublicKey, DecodingKey)>,
    /// A token named a key id the ring does not have: the holder of a JWKS should fetch it
    /// again (a key rotated in since the last fetch).
    wanted: bool,
}

/// Signing and verification keys, the issuer and the audience of this service.
#[derive(Clone)]
pub struct JwtKeys {
    signer: Option<Signer>,
    verifier: Verifier,
    pub ttl_seconds: i64,
    issuer: String,
    /// The audience this service accepts.
    audience: String,
    /// The longest lifetime (`exp - iat`) a token may have (`TOKEN_MAX_LIFETIME_SECONDS`).
    max_lifetime_seconds: i64,
}

/// The longest token lifetime accepted unless configured: one day (the product's own default;
/// the access tokens it issues live 15 minutes).
pub const DEFAULT_MAX_LIFETIME_SECONDS: i64 = 86_400;

impl JwtKeys {
    /// HS256 with a shared secret: the embedded default (`make run`, tests). Issuer `approval`,
    /// audience `approval` (see [`JwtKeys::for_audience`]).
    pub fn hs256(secret: &[u8], ttl_seconds: i64) -> Self {
        JwtKeys {
            signer: Some(Signer::Hs256(EncodingKey::from_secret(secret))),
            verifier: Verifier::Hs256(DecodingKey::from_secret(secret)),
            ttl_seconds,
            issuer: DEFAULT_ISSUER.into(),
            audience: AUD_APPROVAL.into(),
            max_lifetime_seconds: DEFAULT_MAX_LIFETIME_SECONDS.max(ttl_seconds),
        }
    }

    /// The issuer's keys: sign with `signing`, accept it and the keys of a rotation (`also`:
    /// the next and the previous key), all published by [`JwtKeys::jwks`].
    pub fn ed25519(signing: &SigningKey, also: &[PublicKey], ttl_seconds: i64) -> Self {
        let mut ring = KeyRing::default();
        for k in std::iter::once(&signing.public).chain(also) {
            if !ring.keys.iter().any(|(p, _)| p.kid == k.kid) {
                ring.keys
                    .push((k.clone(), DecodingKey::from_ed_der(&k.raw)));
            }
        }
        JwtKeys {
            signer: Some(Signer::EdDsa {
                kid: signing.public.kid.clone(),
                key: EncodingKey::from_ed_der(&signing.pkcs8),
            }),
            verifier: Verifier::EdDsa(Arc::new(RwLock::new(ring))),
            ttl_seconds,
            issuer: DEFAULT_ISSUER.into(),
            audience: AUD_APPROVAL.into(),
            max_lifetime_seconds: DEFAULT_MAX_LIFETIME_SECONDS.max(ttl_seconds),
        }
    }

    /// A service that only verifies, with the issuer's published keys: empty until
    /// [`JwtKeys::set_published`] is given the issuer's JWKS.
    pub fn verify_only() -> Self {
        JwtKeys {
            signer: None,
            verifier: Verifier::EdDsa(Arc::new(RwLock::new(KeyRing::default()))),
            ttl_seconds: 0,
            issuer: DEFAULT_ISSUER.into(),
            audience: AUD_APPROVAL.into(),
            max_lifetime_seconds: DEFAULT_MAX_LIFETIME_SECONDS,
        }
    }

    /// The keys a service builds from its configuration (`crate::config::JwtSettings`): the
    /// issuer's key files, the issuer's JWKS (verify only), or the shared secret.
    pub fn from_config(
        config: &crate::config::Config,
        audience: &str,
    ) -> Result<Self, crate::keys::KeyError> {
        let jwt = &config.jwt;
        let keys = if let Some(path) = &jwt.signing_key_file {
            let signing = SigningKey::from_file(path)?;
            let also = jwt
                .verify_key_files
                .iter()
                .map(|p| PublicKey::from_file(p))
                .collect::<Result<Vec<_>, _>>()?;
            JwtKeys::ed25519(&signing, &also, config.token_ttl_seconds)
        } else if jwt.jwks_url.is_some() {
            let mut k = JwtKeys::verify_only();
            k.ttl_seconds = config.token_ttl_seconds;
            k
        } else {
            JwtKeys::hs256(config.jwt_secret.as_bytes(), config.token_ttl_seconds)
        };
        Ok(keys
            .with_issuer(&jwt.issuer)
            .for_audience(audience)
            .with_max_lifetime(jwt.max_lifetime_seconds.max(config.token_ttl_seconds)))
    }

    /// Accept only tokens naming `audience`.
    pub fn for_audience(mut self, audience: &str) -> Self {
        self.audience = audience.into();
        self
    }

    /// Issue and accept tokens of `issuer`.
    pub fn with_issuer(mut self, issuer: &str) -> Self {
        self.issuer = issuer.into();
        self
    }

    /// Refuse tokens that live longer than this.
    pub fn with_max_lifetime(mut self, seconds: i64) -> Self {
        self.max_lifetime_seconds = seconds;
        self
    }

    /// `HS256` or `EdDSA`: what this service's tokens are signed with.
    pub fn algorithm(&self) -> &'static str {
        match self.verifier {
            Verifier::Hs256(_) => "HS256",
            Verifier::EdDsa(_) => "EdDSA",
        }
    }

    /// The id of the key that signs, for an Ed25519 issuer.
    pub fn signing_kid(&self) -> Option<&str> {
        match &self.signer {
            Some(Signer::EdDsa { kid, .. }) => Some(kid),
            _ => None,
        }
    }

    /// The public keys to publish: the Ed25519 ring; nothing for HS256 (a shared secret is
    /// never published).
    pub fn jwks(&self) -> JwkSet {
        match &self.verifier {
            Verifier::Hs256(_) => JwkSet::default(),
            Verifier::EdDsa(ring) => JwkSet {
                keys: read_ring(ring).keys.iter().map(|(p, _)| p.jwk()).collect(),
            },
        }
    }

    /// Replace the accepted keys by the issuer's published set (a verify-only service after
    /// fetching the JWKS); returns how many Ed25519 keys it now accepts.
    pub fn set_published(&self, set: &JwkSet) -> usize {
        let Verifier::EdDsa(ring) = &self.verifier else {
            return 0;
        };
        let keys: Vec<_> = set
            .ed25519_keys()
            .into_iter()
            .map(|k| {
                let d = DecodingKey::from_ed_der(&k.raw);
                (k, d)
            })
            .collect();
        let n = keys.len();
        let mut r = ring.write().unwrap_or_else(|p| p.into_inner());
        r.keys = keys;
        r.wanted = false;
        n
    }

    /// Did a token name a key this service does not have since the last
    /// [`JwtKeys::set_published`]? (Then the JWKS is fetched again.)
    pub fn key_wanted(&self) -> bool {
        match &self.verifier {
            Verifier::EdDsa(ring) => read_ring(ring).wanted,
            Verifier::Hs256(_) => false,
        }
    }

    /// A person's token outside a session: token version 0, no session id.
    pub fn issue(
        &self,
        user_id: i32,
        name: &str,
        role: Role,
        dept: Option<i32>,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        self.issue_claims(&self.claims(user_id, name, role, dept, 0, None, now))
    }

    /// The claims of a person's token issued `now`, for this issuer's lifetime.
    #[allow(clippy::too_many_arguments)]
    pub fn claims(
        &self,
        user_id: i32,
        name: &str,
        role: Role,
        dept: Option<i32>,
        tv: i32,
        sid: Option<&str>,
        now: DateTime<Utc>,
    ) -> Claims {
        Claims {
            sub: user_id.to_string(),
            name: name.to_string(),
            role,
            dept,
            iat: now.timestamp(),
            exp: now.timestamp() + self.ttl_seconds,
            tv,
            sid: sid.map(str::to_string),
            iss: self.issuer.clone(),
            aud: USER_AUDIENCES.iter().map(|a| a.to_string()).collect(),
        }
    }

    /// A token of session `sid` at the user's token version `tv`.
    #[allow(clippy::too_many_arguments)]
    pub fn issue_session(
        &self,
        user_id: i32,
        name: &str,
        role: Role,
        dept: Option<i32>,
        tv: i32,
        sid: &str,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        self.issue_claims(&self.claims(user_id, name, role, dept, tv, Some(sid), now))
    }

    /// Sign `claims` as they are.
    pub fn issue_claims(&self, claims: &Claims) -> Result<String, ApiError> {
        let (header, key) = match &self.signer {
            Some(Signer::Hs256(key)) => (Header::new(Algorithm::HS256), key),
            Some(Signer::EdDsa { kid, key }) => {
                let mut h = Header::new(Algorithm::EdDSA);
                h.kid = Some(kid.clone());
                (h, key)
            }
            None => {
                return Err(ApiError::Internal(
                    "this service verifies tokens; only the approval service issues them".into(),
                ))
            }
        };
        encode(&header, claims, key).map_err(|e| ApiError::Internal(format!("signing token: {e}")))
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let invalid = |m: &str| ApiError::unauthorized("token_invalid", m.to_string());
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| invalid("access token is not valid"))?;
        let (algorithm, key) = match &self.verifier {
            Verifier::Hs256(key) => (Algorithm::HS256, key.clone()),
            Verifier::EdDsa(ring) => {
                if header.alg != Algorithm::EdDSA {
                    return Err(invalid(
                        "access token uses an algorithm this service does not accept",
                    ));
                }
                let kid = header
                    .kid
                    .as_deref()
                    .ok_or_else(|| invalid("access token names no key (`kid`)"))?;
                let found = read_ring(ring)
                    .keys
                    .iter()
                    .find(|(p, _)| p.kid == kid)
                    .map(|(_, d)| d.clone());
                match found {
                    Some(d) => (Algorithm::EdDSA, d),
                    None => {
                        ring.write().unwrap_or_else(|p| p.into_inner()).wanted = true;
                        return Err(ApiError::unauthorized(
                            "token_key_unknown",
                            format!(
                                "access token is signed with key `{kid}`, which the issuer does not publish (rotated away, or not yet known here): sign in again"
                            ),
                        ));
                    }
                }
            }
        };
        let mut validation = Validation::new(algorithm);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.set_issuer(&[self.issuer.as_str()]);
        validation.set_audience(&[self.audience.as_str()]);
        let claims = decode::<Claims>(token, &key, &validation)
            .map(|d| d.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                match e.kind() {
                    ErrorKind::ExpiredSignature => {
                        ApiError::unauthorized("token_expired", "access token has expired")
                    }
                    ErrorKind::InvalidAlgorithm => {
                        invalid("access token uses an algorithm this service does not accept")
                    }
                    ErrorKind::InvalidSignature => invalid("access token signature is not valid"),
                    ErrorKind::InvalidAudience => ApiError::unauthorized(
                        "token_audience",
                        format!(
                            "access token is not for this service (its `aud` does not name `{}`)",
                            self.audience
                        ),
                    ),
                    ErrorKind::InvalidIssuer => ApiError::unauthorized(
                        "token_issuer",
                        format!("access token is not issued by `{}`", self.issuer),
                    ),
                    ErrorKind::MissingRequiredClaim(c) => {
                        invalid(&format!("access token has no `{c}` claim"))
                    }
                    _ => invalid("access token is not valid"),
                }
            })?;
        if claims.exp - claims.iat > self.max_lifetime_seconds {
            return Err(invalid(&format!(
                "access token lives longer than this service accepts ({} s)",
                self.max_lifetime_seconds
            )));
        }
        Ok(claims)
    }
}

fn read_ring(ring: &RwLock<KeyRing>) -> std::sync::RwLockReadGuard<'_, KeyRing> {
    ring.read().unwrap_or_else(|p| p.into_inner())
}

/// The authenticated caller, taken from `Authorization: Bearer <jwt>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    pub id: i32,
    pub name: String,
    pub role: Role,
    pub department_id: Option<i32>,
}

impl AuthUser {
    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            let names: Vec<_> = roles.iter().map(|r| r.as_str()).collect();
            Err(ApiError::forbidden(format!(
                "role {} may not do this; required: {}",
                self.role,
                names.join(" or ")
            )))
        }
    }

    /// The system administrator, who configures every department's records.
    pub fn is_sysadmin(&self) -> bool {
        self.role == Role::Sysadmin
    }

    /// 403 unless the caller is the system administrator or belongs to `department_id`.
    pub fn require_department(&self, department_id: i32) -> Result<(), ApiError> {
        if self.is_sysadmin() || self.department_id == Some(department_id) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this belongs to department {department_id}; your department is {}",
                self.department_id
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "none".into())
            )))
        }
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

fn authenticate(req: &HttpRequest) -> Result<AuthUser, ApiError> {
    let keys = req
        .app_data::<web::Data<JwtKeys>>()
        .ok_or_else(|| ApiError::Internal("JwtKeys not configured".into()))?;
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::unauthorized("token_missing", "Authorization: Bearer token required")
        })?
        .to_str()
        .map_err(|_| ApiError::unauthorized("token_invalid", "Authorization header is not text"))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| {
            ApiError::unauthorized("token_missing", "Authorization must use the Bearer scheme")
        })?;
    let claims = keys.verify(token.trim())?;
    let id = claims
        .sub
        .parse()
        .map_err(|_| ApiError::unauthorized("token_invalid", "token subject is not a user id"))?;
    Ok(AuthUser {
        id,
        name: claims.name,
        role: claims.role,
        department_id: claims.dept,
    })
}

/// The token of an `Authorization: Bearer <token>` header, if the request has one (scheme
/// name case as RFC 6750 writes it, or lower case).
pub fn bearer_token(headers: &header::HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_string())
}

/// Hash a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("hashing password: {e}")))
}

/// Check a password against a stored PHC hash; a malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_round_trip_and_expiry() {
        let keys = JwtKeys::hs256(b"secret-one", 60);
        let now = Utc::now();
        let t = keys.issue(7, "li", Role::Reviewer, Some(3), now).unwrap();
        let c = keys.verify(&t).unwrap();
        assert_eq!(
            (c.sub.as_str(), c.role, c.dept),
            ("7", Role::Reviewer, Some(3))
        );
        let old = keys
            .issue(
                7,
                "li",
                Role::Reviewer,
                Some(3),
                now - chrono::Duration::seconds(120),
            )
            .unwrap();
        assert_eq!(keys.verify(&old).unwrap_err().code(), "token_expired");
        assert_eq!((c.tv, c.sid), (0, None));
        let s = keys
            .issue_session(7, "li", Role::Reviewer, Some(3), 4, "fam", now)
            .unwrap();
        let c = keys.verify(&s).unwrap();
        assert_eq!((c.tv, c.sid.as_deref()), (4, Some("fam")));
        let other = JwtKeys::hs256(b"secret-two", 60);
        assert_eq!(other.verify(&t).unwrap_err().code(), "token_invalid");
    }

    #[test]
    fn an_ed25519_issuer_and_a_jwks_verifier_agree_and_follow_a_rotation() {
        let (k1, k2) = (SigningKey::generate(), SigningKey::generate());
        let issuer = JwtKeys::ed25519(&k1, &[], 60);
        let now = Utc::now();
        let t1 = issuer.issue(7, "li", Role::Reviewer, Some(3), now).unwrap();
        // Another service: the issuer's keys as published, its own audience.
        let verifier = JwtKeys::verify_only().for_audience(AUD_ASSESSMENT);
        assert_eq!(
            verifier.verify(&t1).unwrap_err().code(),
            "token_key_unknown"
        );
        assert!(verifier.key_wanted(), "an unknown kid asks for the JWKS");
        assert_eq!(verifier.set_published(&issuer.jwks()), 1);
        assert!(!verifier.key_wanted());
        assert_eq!(verifier.verify(&t1).unwrap().sub, "7");
        // Rotation: the next key is published first, then signs; the old one stays until
        // its tokens expired, then goes.
        let next = JwtKeys::ed25519(&k2, std::slice::from_ref(&k1.public), 60);
        let t2 = next.issue(8, "wang", Role::Clerk, None, now).unwrap();
        assert_eq!(
            verifier.verify(&t2).unwrap_err().code(),
            "token_key_unknown"
        );
        assert_eq!(verifier.set_published(&next.jwks()), 2);
        assert!(verifier.verify(&t1).is_ok() && verifier.verify(&t2).is_ok());
        verifier.set_published(&JwtKeys::ed25519(&k2, &[], 60).jwks());
        assert_eq!(
            verifier.verify(&t1).unwrap_err().code(),
            "token_key_unknown"
        );
        // A verifier signs nothing; an HS256 token is refused by an EdDSA verifier.
        assert!(verifier.issue(1, "x", Role::Clerk, None, now).is_err());
        let hs = JwtKeys::hs256(b"secret-one", 60)
            .issue(7, "li", Role::Reviewer, Some(3), now)
            .unwrap();
        assert_eq!(verifier.verify(&hs).unwrap_err().code(), "token_invalid");
        assert!(JwtKeys::hs256(b"secret-one", 60).jwks().keys.is_empty());
    }

    #[test]
    fn audience_issuer_and_lifetime() {
        let keys = JwtKeys::hs256(b"secret-one", 60);
        let now = Utc::now();
        let person = keys.issue(7, "li", Role::Reviewer, Some(3), now).unwrap();
        // A person's token serves both services.
        for aud in USER_AUDIENCES {
            let k = JwtKeys::hs256(b"secret-one", 60).for_audience(aud);
            assert!(k.verify(&person).is_ok(), "{aud}");
        }
        let mut c = keys.claims(9, "svc", Role::Service, None, 0, None, now);
        c.aud = vec![AUD_APPROVAL.into()];
        let service = keys.issue_claims(&c).unwrap();
        let assessment = JwtKeys::hs256(b"secret-one", 60).for_audience(AUD_ASSESSMENT);
        assert_eq!(
            assessment.verify(&service).unwrap_err().code(),
            "token_audience"
        );
        let other = JwtKeys::hs256(b"secret-one", 60).with_issuer("elsewhere");
        assert_eq!(other.verify(&person).unwrap_err().code(), "token_issuer");
        let strict = JwtKeys::hs256(b"secret-one", 60).with_max_lifetime(30);
        assert_eq!(strict.verify(&person).unwrap_err().code(), "token_invalid");
    }

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not-a-hash"));
    }

    #[test]
    fn roles_parse_back() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("root".parse::<Role>().is_err());
        // The single `admin` of before 三权分立 is gone: a stored or signed `admin` no longer
        // parses (migration 0xx turned the rows into `sysadmin`).
        assert!("admin".parse::<Role>().is_err());
        assert!(serde_json::from_str::<Role>("\"admin\"").is_err());
    }
}
