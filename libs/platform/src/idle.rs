//! The idle timeout of the consoles' cookie sessions (超时自动退出, GB/T 22239-2019 8.1.4.1 b):
//! beside the cookie holding the access token, a second cookie holds the moment of the last
//! page served, signed (HMAC-SHA-256 with a key of the service's, bound to the token). A page
//! asked for longer than `CONSOLE_IDLE_MINUTES` after the last one (default 15; the product's
//! own default, the standard sets no number) is refused with the sign-in page and both cookies
//! removed; every page served renews the stamp. The token's own expiry still ends the session
//! however busy it is.
//!
//! Pure: the stamp is a function of the key, the token and the time, tested below.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The default idle timeout: 15 minutes (the product's own default).
pub const DEFAULT_IDLE_SECONDS: i64 = 900;

/// Why a stamp does not let the page through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdleRefusal {
    /// No stamp (a cookie from before the timeout existed, or removed).
    Missing,
    /// Not signed by this service for this token.
    Forged,
    /// The last page was this many seconds ago.
    Idle { seconds: i64 },
}

impl IdleRefusal {
    /// The sentence shown on the sign-in page.
    pub fn message(&self, idle_seconds: i64) -> String {
        match self {
            IdleRefusal::Idle { .. } => format!(
                "no page was asked for in {} minutes: the session timed out (超时自动退出); sign in again",
                idle_seconds / 60
            ),
            IdleRefusal::Missing | IdleRefusal::Forged => {
                "the console session has no valid activity stamp: sign in again".into()
            }
        }
    }
}

/// Signs and checks the activity stamps of one service.
#[derive(Clone)]
pub struct IdleStamps {
    key: [u8; 32],
    pub idle_seconds: i64,
}

impl std::fmt::Debug for IdleStamps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdleStamps")
            .field("idle_seconds", &self.idle_seconds)
            .finish_non_exhaustive()
    }
}

impl IdleStamps {
    /// With a key derived from `secret` (a secret every replica of the service shares).
    pub fn new(secret: &[u8], idle_seconds: i64) -> Self {
        let mut h = Sha256::new();
        h.update(b"parallel-approval console idle stamp v1\0");
        h.update(secret);
        IdleStamps {
            key: h.finalize().into(),
            idle_seconds,
        }
    }

    /// The MAC over the token's hash and the moment, not yet finalised.
    fn mac(&self, token: &str, at: i64) -> Hmac<Sha256> {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        m.update(&Sha256::digest(token.as_bytes()));
        m.update(&at.to_be_bytes());
        m
    }

    /// The stamp for a page served at `now` (seconds since 1970) with `token`.
    pub fn stamp(&self, token: &str, now: i64) -> String {
        let mac = self.mac(token, now).finalize().into_bytes();
        format!("{now}.{}", URL_SAFE_NO_PAD.encode(mac))
    }

    /// The stamp cookie `name` (on `path`) for a page served now with `token`.
    pub fn renewed(
        &self,
        name: &'static str,
        path: &'static str,
        token: &str,
        secure: bool,
    ) -> actix_web::cookie::Cookie<'static> {
        let now = chrono::Utc::now().timestamp();
        stamp_cookie(
            name,
            path,
            self.stamp(token, now),
            self.idle_seconds,
            secure,
        )
    }

    /// A console page's step of a session guard: the renewed stamp cookie when the page comes
    /// within the idle time of the last one (`stamp`: the request's cookie `name`), else the
    /// sentence for the sign-in page.
    pub fn admit(
        &self,
        name: &'static str,
        path: &'static str,
        token: &str,
        stamp: Option<&str>,
        secure: bool,
    ) -> Result<actix_web::cookie::Cookie<'static>, String> {
        let now = chrono::Utc::now().timestamp();
        self.check(token, stamp, now)
            .map_err(|refusal| refusal.message(self.idle_seconds))?;
        Ok(self.renewed(name, path, token, secure))
    }

    /// May a page be served at `now` after the stamp `value`?
    pub fn check(&self, token: &str, value: Option<&str>, now: i64) -> Result<(), IdleRefusal> {
        let value = value.ok_or(IdleRefusal::Missing)?;
        let (at, mac) = value.split_once('.').ok_or(IdleRefusal::Forged)?;
        let at: i64 = at.parse().map_err(|_| IdleRefusal::Forged)?;
        let mac = URL_SAFE_NO_PAD
            .decode(mac)
            .map_err(|_| IdleRefusal::Forged)?;
        // Constant-time comparison.
        self.mac(token, at)
            .verify_slice(&mac)
            .map_err(|_| IdleRefusal::Forged)?;
        let seconds = now - at;
        if seconds > self.idle_seconds {
            return Err(IdleRefusal::Idle { seconds });
        }
        Ok(())
    }
}

/// The stamp's cookie: `HttpOnly`, `SameSite=Strict`, on the console's path, `Secure` over
/// HTTPS; it lives as long as the idle time (a browser closed past it forgets it).
pub fn stamp_cookie(
    name: &'static str,
    path: &'static str,
    value: String,
    idle_seconds: i64,
    secure: bool,
) -> actix_web::cookie::Cookie<'static> {
    actix_web::cookie::Cookie::build(name, value)
        .path(path)
        .http_only(true)
        .same_site(actix_web::cookie::SameSite::Strict)
        .secure(secure)
        .max_age(actix_web::cookie::time::Duration::seconds(idle_seconds))
        .finish()
}

/// The removal of a console cookie.
pub fn removal(name: &'static str, path: &'static str) -> actix_web::cookie::Cookie<'static> {
    let mut c = actix_web::cookie::Cookie::build(name, "")
        .path(path)
        .http_only(true)
        .same_site(actix_web::cookie::SameSite::Strict)
        .finish();
    c.make_removal();
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_lets_pages_through_until_the_idle_time_has_passed() {
        let s = IdleStamps::new(b"secret", 900);
        let v = s.stamp("tok", 1_000);
        assert_eq!(s.check("tok", Some(&v), 1_000), Ok(()));
        assert_eq!(s.check("tok", Some(&v), 1_900), Ok(()));
        assert_eq!(
            s.check("tok", Some(&v), 1_901),
            Err(IdleRefusal::Idle { seconds: 901 })
        );
    }

    #[test]
    fn a_stamp_belongs_to_its_token_its_time_and_its_service() {
        let s = IdleStamps::new(b"secret", 900);
        let v = s.stamp("tok", 1_000);
        assert_eq!(s.check("other", Some(&v), 1_000), Err(IdleRefusal::Forged));
        let moved = v.replacen("1000", "1800", 1);
        assert_eq!(
            s.check("tok", Some(&moved), 1_900),
            Err(IdleRefusal::Forged)
        );
        let elsewhere = IdleStamps::new(b"another", 900);
        assert_eq!(
            elsewhere.check("tok", Some(&v), 1_000),
            Err(IdleRefusal::Forged)
        );
        assert_eq!(s.check("tok", None, 1_000), Err(IdleRefusal::Missing));
        for junk in ["", "1000", "x.y", "1000.!!"] {
            assert_eq!(
                s.check("tok", Some(junk), 1_000),
                Err(IdleRefusal::Forged),
                "{junk}"
            );
        }
    }
}
