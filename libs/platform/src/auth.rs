//! Authentication and roles: HS256 JWTs (jsonwebtoken), argon2 password hashes, and the
//! `AuthUser` extractor every protected route takes.
//!
//! A missing, expired, forged or wrong-algorithm token is 401; a valid token with the wrong
//! role is 403 (checked by the handler through [`AuthUser::require`]).

use std::fmt;
use std::future::{ready, Ready};
use std::str::FromStr;

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
}

/// Signing and verification keys (HS256).
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub ttl_seconds: i64,
}

impl JwtKeys {
    pub fn hs256(secret: &[u8], ttl_seconds: i64) -> Self {
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl_seconds,
        }
    }

    /// A token outside a session: token version 0, no session id.
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

    /// The claims of a token issued `now`, for this issuer's lifetime.
    #[allow(clippy::too_many_arguments)]
    fn claims(
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
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("signing token: {e}")))
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        decode::<Claims>(token, &self.decoding, &validation)
            .map(|d| d.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                match e.kind() {
                    ErrorKind::ExpiredSignature => {
                        ApiError::unauthorized("token_expired", "access token has expired")
                    }
                    ErrorKind::InvalidAlgorithm => ApiError::unauthorized(
                        "token_invalid",
                        "access token uses an algorithm this service does not accept",
                    ),
                    ErrorKind::InvalidSignature => ApiError::unauthorized(
                        "token_invalid",
                        "access token signature is not valid",
                    ),
                    _ => ApiError::unauthorized("token_invalid", "access token is not valid"),
                }
            })
    }
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
