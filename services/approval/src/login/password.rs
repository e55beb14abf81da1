//! The password rule (口令复杂度与定期更换), as a pure function over plain values.
//!
//! GB/T 22239-2019 (等保 2.0) level 3, 8.1.4.1 a: "身份鉴别信息具有复杂度要求并定期更换" —
//! identification secrets must be complex and changed regularly. The standard fixes no
//! numbers; the product's defaults, all configurable: at least 10 characters
//! (`PASSWORD_MIN_LENGTH`) from at least 3 of the 4 classes lower case, upper case, digits and
//! other characters (`PASSWORD_MIN_CLASSES`), not containing the username, none of the last 5
//! (`PASSWORD_HISTORY`), and changed every 90 days (`PASSWORD_MAX_AGE_DAYS`, 0 = never).

use chrono::{DateTime, Duration, Utc};

/// The product's defaults (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub min_classes: usize,
    pub history: usize,
    /// Days a password stays valid; 0 = it never expires.
    pub max_age_days: u32,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_length: 10,
            min_classes: 3,
            history: 5,
            max_age_days: 90,
        }
    }
}

/// The longest password accepted, in bytes (argon2 input stays bounded).
pub const MAX_PASSWORD_BYTES: usize = 256;

fn classes(p: &str) -> usize {
    let lower = p.chars().any(|c| c.is_lowercase());
    let upper = p.chars().any(|c| c.is_uppercase());
    let digit = p.chars().any(|c| c.is_ascii_digit());
    let other = p.chars().any(|c| !c.is_alphanumeric());
    [lower, upper, digit, other]
        .into_iter()
        .filter(|b| *b)
        .count()
}

impl PasswordPolicy {
    /// What is wrong with `password` for account `username` (empty: it complies). Every
    /// message names the rule; the caller adds the standard's clause.
    pub fn problems(&self, password: &str, username: &str) -> Vec<String> {
        let mut out = Vec::new();
        let n = password.chars().count();
        if n < self.min_length {
            out.push(format!("at least {} characters (has {n})", self.min_length));
        }
        if password.len() > MAX_PASSWORD_BYTES {
            out.push(format!("at most {MAX_PASSWORD_BYTES} bytes"));
        }
        let k = classes(password);
        if k < self.min_classes {
            out.push(format!(
                "characters from at least {} of: lower case, upper case, digits, other characters (has {k})",
                self.min_classes
            ));
        }
        let name = username.trim().to_lowercase();
        if name.chars().count() >= 3 && password.to_lowercase().contains(&name) {
            out.push("must not contain the username".into());
        }
        out
    }

    /// When a password set at `changed_at` expires (`None`: never).
    pub fn expires_at(&self, changed_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        (self.max_age_days > 0).then(|| changed_at + Duration::days(i64::from(self.max_age_days)))
    }

    /// Whether a password set at `changed_at` has expired at `now`.
    pub fn expired(&self, changed_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.expires_at(changed_at).is_some_and(|at| at <= now)
    }

    /// Read from variables through `get`; a bad value names the variable.
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let d = PasswordPolicy::default();
        let num = |name: &str, default: u64, min: u64, max: u64| -> Result<u64, String> {
            match get(name).filter(|v| !v.trim().is_empty()) {
                None => Ok(default),
                Some(v) => match v.trim().parse::<u64>() {
                    Ok(n) if (min..=max).contains(&n) => Ok(n),
                    _ => Err(format!(
                        "{name}: expected a whole number {min}–{max}, got `{v}`"
                    )),
                },
            }
        };
        Ok(PasswordPolicy {
            min_length: num("PASSWORD_MIN_LENGTH", d.min_length as u64, 8, 128)? as usize,
            min_classes: num("PASSWORD_MIN_CLASSES", d.min_classes as u64, 1, 4)? as usize,
            history: num("PASSWORD_HISTORY", d.history as u64, 0, 24)? as usize,
            max_age_days: num("PASSWORD_MAX_AGE_DAYS", u64::from(d.max_age_days), 0, 3650)? as u32,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_rule() {
        let p = PasswordPolicy::default();
        assert!(p.problems("Clerk-pass-2026", "clerk1").is_empty());
        assert!(
            p.problems("窗口受理Ab12345", "clerk1").is_empty(),
            "Chinese letters count as letters"
        );
        let short = p.problems("Ab1-", "clerk1");
        assert_eq!(short.len(), 1, "{short:?}");
        assert!(short[0].contains("at least 10 characters (has 4)"));
        let two = p.problems("only-lower-case", "clerk1");
        assert!(two[0].contains("(has 2)"), "{two:?}");
        let named = p.problems("Xclerk1-2026", "Clerk1");
        assert_eq!(named, vec!["must not contain the username".to_string()]);
        assert!(p
            .problems(&"Aa1-".repeat(70), "x")
            .iter()
            .any(|m| m.contains("256 bytes")));
    }

    #[test]
    fn expiry() {
        let p = PasswordPolicy::default();
        let t0 = DateTime::from_timestamp(1_767_225_600, 0).unwrap();
        assert!(!p.expired(t0, t0 + Duration::days(89)));
        assert!(p.expired(t0, t0 + Duration::days(90)));
        let never = PasswordPolicy {
            max_age_days: 0,
            ..p
        };
        assert!(!never.expired(t0, t0 + Duration::days(10_000)));
        assert_eq!(never.expires_at(t0), None);
    }

    #[test]
    fn settings_are_checked() {
        let get = |k: &str| match k {
            "PASSWORD_MIN_CLASSES" => Some("5".to_string()),
            _ => None,
        };
        let e = PasswordPolicy::from_lookup(&get).unwrap_err();
        assert!(e.contains("PASSWORD_MIN_CLASSES"), "{e}");
        let get = |k: &str| (k == "PASSWORD_MAX_AGE_DAYS").then(|| "0".to_string());
        assert_eq!(PasswordPolicy::from_lookup(&get).unwrap().max_age_days, 0);
    }
}
