//! Secrets kept out of `Debug` output and logs (issue 18, hardening): the signing secret, the
//! bootstrap password and the credentials inside database, Redis and SMTP addresses print as
//! `[redacted]`, so a `{:?}` of a configuration in a log line or a panic message shows where
//! the service connects, never how it authenticates.

/// What a secret prints as.
pub const REDACTED: &str = "[redacted]";

/// A connection URL with its user-info (`user:password@`) replaced: `postgres://***@db/x`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
        _ => url.to_string(),
    }
}

/// [`redact_url`] of an optional URL, for `Debug` impls.
pub fn redact_opt_url(url: &Option<String>) -> Option<String> {
    url.as_deref().map(redact_url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_is_removed_and_the_rest_kept() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db.internal:5432/approval"),
            "postgres://***@db.internal:5432/approval"
        );
        assert_eq!(
            redact_url("smtp://mailer:pw@smtp.example.gov.cn:587"),
            "smtp://***@smtp.example.gov.cn:587"
        );
        assert_eq!(
            redact_url("sqlite://var/a.db?mode=rwc"),
            "sqlite://var/a.db?mode=rwc"
        );
        assert_eq!(redact_opt_url(&None), None);
    }
}
