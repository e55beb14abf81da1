//! The administrators' second factor (双因素认证, GB/T 22239-2019 8.1.4.1 d): time-based
//! one-time passwords (TOTP, RFC 6238) as every authenticator app reads them — HMAC-SHA-1,
//! 6 digits, 30-second steps (the RFC's and the apps' defaults), a 160-bit secret (RFC 4226
//! §4 recommends 160 bits). A code is accepted for the step before and after the current one
//! (clock drift, RFC 6238 §5.2; the product's own default of one step) and never twice: the
//! last accepted step is kept and a code for it or an earlier step is refused.
//!
//! Pure: the caller passes the time (the service's injected clock).

use rand::RngCore;
use totp_rs::{Algorithm, Secret, TOTP};

/// Seconds per step (RFC 6238 §4: X = 30, the default every app uses).
pub const STEP_SECONDS: u64 = 30;
/// Digits of a code (RFC 4226 §5.3: at least 6; the apps' default).
pub const DIGITS: usize = 6;
/// Steps of drift accepted either side (the product's own default).
pub const SKEW_STEPS: u64 = 1;
/// Bytes of a new secret (160 bits, RFC 4226 §4 R6).
pub const SECRET_BYTES: usize = 20;
/// The issuer shown in the authenticator app.
pub const ISSUER: &str = "ParallelApproval";

/// Why a code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRefusal {
    /// Not six digits.
    Malformed,
    /// No step within the drift has this code.
    Wrong,
    /// Right, but for a step already used (a replayed code).
    Replayed,
}

/// A fresh random secret, base32 (RFC 4648, no padding), as it is stored and shown.
pub fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Secret::Raw(bytes.to_vec()).to_encoded().to_string()
}

fn totp(secret_base32: &str, account: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_string()).to_bytes().ok()?;
    Some(TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        0,
        STEP_SECONDS,
        bytes,
        Some(ISSUER.to_string()),
        account.replace(':', "_"),
    ))
}

/// The `otpauth://` address an authenticator app scans (as a QR code) or takes typed in.
pub fn provisioning_url(secret_base32: &str, account: &str) -> Option<String> {
    totp(secret_base32, account).map(|t| t.get_url())
}

/// The code of `secret_base32` at `unix_seconds` (for tests and the enrolment check).
pub fn code_at(secret_base32: &str, unix_seconds: u64) -> Option<String> {
    totp(secret_base32, "x").map(|t| t.generate(unix_seconds))
}

/// The step `code` is right for, within the drift, and later than `last_step`.
pub fn accept(
    secret_base32: &str,
    code: &str,
    unix_seconds: u64,
    last_step: Option<i64>,
) -> Result<i64, CodeRefusal> {
    let code = code.trim();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CodeRefusal::Malformed);
    }
    let t = totp(secret_base32, "x").ok_or(CodeRefusal::Wrong)?;
    let now = unix_seconds / STEP_SECONDS;
    let mut replayed = false;
    for step in now.saturating_sub(SKEW_STEPS)..=now + SKEW_STEPS {
        let expected = t.generate(step * STEP_SECONDS);
        // Compare every byte whatever the first difference (no early exit).
        let same = expected
            .bytes()
            .zip(code.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
        if same {
            let step = i64::try_from(step).map_err(|_| CodeRefusal::Wrong)?;
            if last_step.is_some_and(|l| step <= l) {
                replayed = true;
                continue;
            }
            return Ok(step);
        }
    }
    Err(if replayed {
        CodeRefusal::Replayed
    } else {
        CodeRefusal::Wrong
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B: the SHA-1 seed "12345678901234567890", 8-digit codes; the last
    /// six digits are what a 6-digit generator gives (RFC 4226 §5.3 truncation modulo 10^6).
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    fn rfc_secret() -> String {
        Secret::Raw(RFC_SECRET.to_vec()).to_encoded().to_string()
    }

    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        // T = 59 → 94287082; T = 1111111109 → 07081804; T = 1234567890 → 89005924.
        for (t, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            assert_eq!(code_at(&rfc_secret(), t).unwrap(), eight[2..], "T={t}");
        }
    }

    #[test]
    fn a_code_is_accepted_within_one_step_and_only_once() {
        let s = new_secret();
        assert_eq!(s.len(), 32, "160 bits are 32 base32 characters");
        let t = 1_800_000_000u64;
        let code = code_at(&s, t).unwrap();
        let step = accept(&s, &code, t, None).unwrap();
        assert_eq!(step, i64::try_from(t / 30).unwrap());
        assert_eq!(accept(&s, &code, t, Some(step)), Err(CodeRefusal::Replayed));
        // The previous step's code still counts (drift), two steps back does not.
        let before = code_at(&s, t - 30).unwrap();
        assert!(accept(&s, &before, t, None).is_ok());
        let old = code_at(&s, t - 90).unwrap();
        if old != code && old != before && old != code_at(&s, t + 30).unwrap() {
            assert_eq!(accept(&s, &old, t, None), Err(CodeRefusal::Wrong));
        }
        assert_eq!(accept(&s, "12345", t, None), Err(CodeRefusal::Malformed));
        assert_eq!(accept(&s, "abcdef", t, None), Err(CodeRefusal::Malformed));
    }

    #[test]
    fn the_provisioning_url_names_the_issuer_and_the_account() {
        let url = provisioning_url(&rfc_secret(), "sec:admin").unwrap();
        assert!(url.starts_with("otpauth://totp/"), "{url}");
        assert!(url.contains("ParallelApproval"), "{url}");
        assert!(url.contains("sec_admin"), "{url}");
        assert!(url.contains(&format!("secret={}", rfc_secret())), "{url}");
    }
}
