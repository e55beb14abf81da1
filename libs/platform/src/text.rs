//! Characters no text field may carry, checked once at the edge for every JSON body, query
//! string and form, so a string never reaches the database (PostgreSQL refuses `U+0000`
//! outright) or a screen (bidi overrides reorder what a reviewer reads, "Trojan Source").
//!
//! Refused everywhere: C0 controls except tab, line feed and carriage return (multi-line
//! texts such as complaint bodies and reasons keep those), DEL, C1 controls, and the bidi
//! embedding/override/isolate controls U+202A–U+202E and U+2066–U+2069.

use serde_json::Value;

use crate::error::{ApiError, FieldError};

/// The first forbidden character of `s`, if any.
pub fn forbidden_char(s: &str) -> Option<char> {
    s.chars().find(|&c| is_forbidden(c))
}

/// Whether `c` is refused in any text field.
pub fn is_forbidden(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The message naming the character, e.g. "must not contain the control character U+0000".
pub fn message(c: char) -> String {
    let what = if ('\u{202a}'..='\u{2069}').contains(&c) {
        "the bidirectional-text control"
    } else {
        "the control character"
    };
    format!(
        "must not contain {what} U+{:04X} (control and bidi-override characters are refused in text)",
        u32::from(c)
    )
}

/// Refuse a text value naming `field`.
pub fn check(field: &str, s: &str) -> Result<(), ApiError> {
    match forbidden_char(s) {
        Some(c) => Err(ApiError::Validation {
            code: "invalid_characters",
            errors: vec![FieldError::new(field, message(c))],
        }),
        None => Ok(()),
    }
}

/// Could the raw JSON bytes carry a forbidden character? A cheap pre-filter: raw control
/// bytes are already invalid JSON, so only escapes (`\u00..`, `\u20..`, `\b`, `\f`) and the
/// raw UTF-8 of U+0080–U+009F and of the bidi controls need a closer look.
pub fn json_may_contain_forbidden(body: &[u8]) -> bool {
    body.windows(2).any(|w| {
        matches!(
            w,
            [b'\\', b'u' | b'U' | b'b' | b'f'] | [0xC2, 0x80..=0x9F] | [0xE2, 0x80 | 0x81]
        )
    })
}

/// The JSON path of the first string (key or value) with a forbidden character.
pub fn find_in_json(v: &Value) -> Option<(String, char)> {
    fn walk(v: &Value, path: &mut String) -> Option<(String, char)> {
        match v {
            Value::String(s) => forbidden_char(s).map(|c| (path.clone(), c)),
            Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let found = walk(item, path);
                path.truncate(len);
                found
            }),
            Value::Object(map) => map.iter().find_map(|(k, item)| {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                let found = match forbidden_char(k) {
                    Some(c) => Some((path.clone(), c)),
                    None => walk(item, path),
                };
                path.truncate(len);
                found
            }),
            _ => None,
        }
    }
    let mut path = String::new();
    walk(v, &mut path).map(|(p, c)| (if p.is_empty() { "body".into() } else { p }, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_nul_controls_and_bidi_but_keeps_newlines_and_chinese() {
        for bad in [
            "a\u{0}b",
            "\u{1b}[31m",
            "x\u{7f}",
            "\u{85}",
            "名\u{202e}称",
            "\u{2066}",
        ] {
            assert!(forbidden_char(bad).is_some(), "{bad:?}");
        }
        for ok in [
            "呼和浩特市市场监督管理局",
            "line one\nline two\r\n\ttabbed",
            "é ü",
            "a\u{200d}b",
        ] {
            assert_eq!(forbidden_char(ok), None, "{ok:?}");
        }
        assert!(message('\u{0}').contains("U+0000"));
        assert!(message('\u{202e}').contains("bidirectional"));
    }

    #[test]
    fn finds_the_path_in_nested_json() {
        let v: Value =
            serde_json::from_str(r#"{"a":"ok","materials":[{"name":"x"},{"name":"b\u0000"}]}"#)
                .unwrap();
        assert_eq!(
            find_in_json(&v),
            Some(("materials[1].name".to_string(), '\u{0}'))
        );
        let v: Value = serde_json::from_str(r#"{"k\u202e":1}"#).unwrap();
        assert_eq!(
            find_in_json(&v),
            Some(("k\u{202e}".to_string(), '\u{202e}'))
        );
        let v: Value = serde_json::from_str(r#""\u0007""#).unwrap();
        assert_eq!(find_in_json(&v).map(|x| x.0), Some("body".to_string()));
    }

    #[test]
    fn the_pre_filter_sees_every_encoding() {
        assert!(json_may_contain_forbidden(br#"{"a":"\u0000"}"#));
        assert!(json_may_contain_forbidden(
            "{\"a\":\"\u{202e}\"}".as_bytes()
        ));
        assert!(json_may_contain_forbidden("{\"a\":\"\u{85}\"}".as_bytes()));
        assert!(!json_may_contain_forbidden(
            "{\"name\":\"呼和浩特\"}".as_bytes()
        ));
    }
}
