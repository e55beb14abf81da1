//! Length limits for every text field and every list of a JSON request body, checked once at
//! the edge ([`crate::json::parse_json`]) so no over-long value reaches a handler, a bounded
//! database column (PostgreSQL refuses a `VARCHAR(32)` overflow with an error, SQLite stores
//! it) or an argon2 hash (a megabyte password costs the hash as much CPU as it likes).
//!
//! A field is limited by the last segment of its name (`applicant.phone` → `phone`,
//! `materials[3].code` → `code`), so one table covers both services; a name not in the table
//! gets [`DEFAULT_TEXT_CHARS`]; a string inside a list takes the list's name (`missing[2]`). Lengths count Unicode scalar values (characters), as people
//! count a Chinese name, not bytes. Lists are limited to [`DEFAULT_LIST_ITEMS`] items unless
//! named in [`LIST_ITEMS`].
//!
//! None of these numbers comes from the sources or the law: every one is the product's own
//! default, chosen to be no larger than the database column the value is stored in (see the
//! migrations) and comfortably larger than any real value (an ID number has 18 characters, a
//! unified social credit code 18, a mobile number 11). `docs/api.md` lists them.

use serde_json::Value;

use crate::error::{ApiError, FieldError};

/// Any string field not named in [`TEXT_CHARS`] (product default).
pub const DEFAULT_TEXT_CHARS: usize = 2_000;

/// Any list not named in [`LIST_ITEMS`] (product default).
pub const DEFAULT_LIST_ITEMS: usize = 1_000;

/// Per-name limits, characters (product defaults; each at most its column's length).
pub const TEXT_CHARS: &[(&str, usize)] = &[
    // Codes, numbers and references: the catalogue's codes are VARCHAR(64).
    ("code", 64),
    ("item_code", 64),
    ("bundle_code", 64),
    ("material_code", 64),
    ("power_code", 64),
    ("department_code", 64),
    ("key", 64),
    ("epoch", 64),
    ("reference", 64),
    ("notice_ref", 64),
    ("visit_ref", 64),
    ("attachment_ref", 200),
    ("payment_ref", 64),
    ("check", 64),
    // Lists of material codes (补正: what is missing, what was received): each item a code.
    ("missing", 64),
    ("received", 64),
    // Case numbers: complaints.case_no is VARCHAR(32).
    ("case_no", 32),
    // People and contacts.
    ("username", 64),
    ("name", 200),
    ("display_name", 200),
    ("complainant", 200),
    ("applicant_name", 200),
    ("id_number", 32),
    ("applicant_id", 32),
    ("phone", 32),
    ("contact", 200),
    ("email", 254),
    ("head_email", 254),
    ("window_email", 254),
    ("window_no", 20),
    ("post", 32),
    ("location", 200),
    ("title", 200),
    // Secrets: long enough for any passphrase, short enough to bound the argon2 work.
    ("password", 128),
    ("current_password", 128),
    ("new_password", 128),
    // A service account's secret is its password (argon2 too).
    ("client_secret", 128),
    ("client_id", 64),
    // A JWT (introspection, the identity provider's token): an ID token with many claims
    // runs to a few kilobytes.
    ("token", 8_000),
    ("secret", 200),
    ("refresh_token", 200),
    // Addresses: webhooks.url is VARCHAR(2000).
    ("url", 2_000),
    // Free texts people write at length: complaint bodies, answers, descriptions.
    ("content", 10_000),
    ("body", 10_000),
    ("description", 10_000),
    ("answer", 10_000),
];

/// Per-name list limits, items (product defaults).
pub const LIST_ITEMS: &[(&str, usize)] = &[
    // A flow has a handful of steps; a bundle a handful of stages.
    ("flow_steps", 100),
    ("stages", 100),
    // A year's holidays and make-up working days.
    ("holidays", 366),
    ("makeup_workdays", 366),
];

/// The character limit of a field named `leaf`.
pub fn text_limit(leaf: &str) -> usize {
    TEXT_CHARS
        .iter()
        .find(|(n, _)| *n == leaf)
        .map_or(DEFAULT_TEXT_CHARS, |(_, l)| *l)
}

/// The item limit of a list named `leaf`.
pub fn list_limit(leaf: &str) -> usize {
    LIST_ITEMS
        .iter()
        .find(|(n, _)| *n == leaf)
        .map_or(DEFAULT_LIST_ITEMS, |(_, l)| *l)
}

/// The first over-long string or list of `v`: (path, code, message).
pub fn find_violation(v: &Value) -> Option<(String, &'static str, String)> {
    fn walk(v: &Value, path: &mut String, leaf: &str) -> Option<(String, &'static str, String)> {
        match v {
            Value::String(s) => {
                let max = text_limit(leaf);
                // Bytes bound characters from above: most strings need no count.
                if s.len() > max {
                    let n = s.chars().count();
                    if n > max {
                        return Some((
                            path.clone(),
                            "too_long",
                            format!("must be at most {max} characters (has {n})"),
                        ));
                    }
                }
                None
            }
            Value::Array(items) => {
                let max = list_limit(leaf);
                if items.len() > max {
                    return Some((
                        path.clone(),
                        "too_many_items",
                        format!("must have at most {max} items (has {})", items.len()),
                    ));
                }
                items.iter().enumerate().find_map(|(i, item)| {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    let found = walk(item, path, leaf);
                    path.truncate(len);
                    found
                })
            }
            Value::Object(map) => map.iter().find_map(|(k, item)| {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                let found = if k.chars().count() > 64 {
                    Some((
                        path.clone(),
                        "too_long",
                        "a field name must be at most 64 characters".to_string(),
                    ))
                } else {
                    walk(item, path, k)
                };
                path.truncate(len);
                found
            }),
            _ => None,
        }
    }
    let mut path = String::new();
    walk(v, &mut path, "").map(|(p, c, m)| (if p.is_empty() { "body".into() } else { p }, c, m))
}

/// Refuse the first over-long string or list of `v`: 422 `validation_failed` naming the
/// field, the code a handler's own length rule answers with, so a client sees one code
/// whichever layer caught it.
pub fn check_json(v: &Value) -> Result<(), ApiError> {
    match find_violation(v) {
        Some((field, _kind, message)) => Err(ApiError::Validation {
            code: "validation_failed",
            errors: vec![FieldError::new(field, message)],
        }),
        None => Ok(()),
    }
}

/// Refuse a single text value named `field` (forms, query strings).
pub fn check_text(field: &str, s: &str) -> Result<(), ApiError> {
    let leaf = field.rsplit(['.', ']']).next().unwrap_or(field);
    let max = text_limit(leaf);
    let n = s.chars().count();
    if n > max {
        return Err(ApiError::Validation {
            code: "validation_failed",
            errors: vec![FieldError::new(
                field,
                format!("must be at most {max} characters (has {n})"),
            )],
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_named_field_gets_its_limit_and_others_the_default() {
        let ok = json!({"applicant": {"phone": "1".repeat(32), "note": "x".repeat(2000)}});
        assert!(find_violation(&ok).is_none());
        let phone = json!({"applicant": {"phone": "1".repeat(33)}});
        let (field, code, message) = find_violation(&phone).unwrap();
        assert_eq!(
            (field.as_str(), code),
            ("applicant.phone", "too_long"),
            "{message}"
        );
        assert!(
            message.contains("at most 32 characters (has 33)"),
            "{message}"
        );
        let note = json!({"note": "x".repeat(2001)});
        assert_eq!(find_violation(&note).unwrap().0, "note");
    }

    #[test]
    fn characters_are_counted_not_bytes() {
        // 200 Chinese characters are 600 bytes and fit a 200-character name.
        let name = json!({"name": "张".repeat(200)});
        assert!(find_violation(&name).is_none());
        let long = json!({"name": "张".repeat(201)});
        assert!(find_violation(&long).unwrap().2.contains("has 201"));
    }

    #[test]
    fn lists_and_their_items_are_limited() {
        let many = json!({"missing": vec!["m"; 1001]});
        let (field, code, _) = find_violation(&many).unwrap();
        assert_eq!((field.as_str(), code), ("missing", "too_many_items"));
        let ok = json!({"missing": vec!["m"; 1000]});
        assert!(find_violation(&ok).is_none());
        // An item of a list is limited by the list's name.
        let item = json!({"materials": [{"code": "c"}, {"code": "c".repeat(65)}]});
        assert_eq!(find_violation(&item).unwrap().0, "materials[1].code");
        let steps = json!({"flow_steps": vec![json!({}); 101]});
        assert_eq!(find_violation(&steps).unwrap().1, "too_many_items");
        let top = json!(vec!["x"; 1001]);
        assert_eq!(find_violation(&top).unwrap().0, "body");
    }

    #[test]
    fn over_long_field_names_are_refused() {
        let mut m = serde_json::Map::new();
        m.insert("k".repeat(65), json!(1));
        assert_eq!(find_violation(&Value::Object(m)).unwrap().1, "too_long");
    }

    #[test]
    fn every_limit_is_within_the_default_range_and_names_are_unique() {
        let mut names: Vec<_> = TEXT_CHARS.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TEXT_CHARS.len(), "a name listed twice");
        assert!(TEXT_CHARS.iter().all(|(_, l)| *l > 0));
    }

    #[test]
    fn single_values_use_their_leaf_name() {
        assert!(check_text("applicant.phone", &"1".repeat(32)).is_ok());
        let e = check_text("applicant.phone", &"1".repeat(33)).unwrap_err();
        assert_eq!(e.code(), "validation_failed");
        assert!(check_text("items[2].code", &"c".repeat(65)).is_err());
    }
}
