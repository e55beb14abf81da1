//! The applicant key (申请人标识): how two services agree that a rating comes from a case's own
//! applicant without passing the ID number or credit code itself around.
//!
//! The approval service puts `applicant_key(id_number)` on the `case_accepted` event; the
//! assessment service computes the same key from the identity a 好差评 rater gives and compares.
//! The key is a SHA-256 over a fixed prefix and the identity with surrounding white space removed
//! and ASCII letters upper-cased (an ID number's check character `x` and `X` are one identity,
//! GB 11643-1999; credit codes are upper-case, GB 32100-2015).

use sha2::{Digest, Sha256};

/// Hex SHA-256 of `"applicant:" + normalised identity`.
pub fn applicant_key(identity: &str) -> String {
    let normalised = identity.trim().to_ascii_uppercase();
    let digest = Sha256::digest(format!("applicant:{normalised}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The last six characters of an ID number or credit code, upper-cased: the check code
/// (校验码) an applicant types to look a case up. Shorter identities give what they have.
pub fn check_of(id_number: &str) -> String {
    let chars: Vec<char> = id_number.trim().chars().collect();
    let from = chars.len().saturating_sub(6);
    chars[from..]
        .iter()
        .collect::<String>()
        .to_ascii_uppercase()
}

/// The check key (查询校验标识) of a case: hex SHA-256 of `"check:" + case number + ":" +
/// check code`, the number trimmed and the check code trimmed and upper-cased. The approval
/// service puts it on `case_accepted` and compares with it when the public looks a case up;
/// the assessment service verifies a public rating with it, without ever seeing the identity.
pub fn check_key(case_no: &str, check: &str) -> String {
    let basis = format!(
        "check:{}:{}",
        case_no.trim(),
        check.trim().to_ascii_uppercase()
    );
    let digest = Sha256::digest(basis.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod check_tests {
    use super::{check_key, check_of};
    use sha2::{Digest, Sha256};

    #[test]
    fn the_check_code_is_the_last_six_characters_upper_cased() {
        assert_eq!(check_of("11010519491231002x"), "31002X");
        assert_eq!(check_of(" 91150100MA0N12345K "), "12345K");
        assert_eq!(check_of("abc"), "ABC");
        assert_eq!(check_of(""), "");
    }

    #[test]
    fn the_check_key_is_sha256_of_the_documented_basis() {
        let k = check_key("20260309-0A1B2C3D", "31002x");
        let expected: String = Sha256::digest(b"check:20260309-0A1B2C3D:31002X")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(k, expected);
        assert_eq!(k, check_key(" 20260309-0A1B2C3D ", " 31002X "));
        assert_ne!(k, check_key("20260309-0A1B2C3D", "31002Y"));
        assert_ne!(k, check_key("20260309-0A1B2C3E", "31002X"));
        assert_eq!(k.len(), 64);
    }
}

#[cfg(test)]
mod tests {
    use super::applicant_key;

    #[test]
    fn same_identity_same_key_and_case_of_the_check_character_does_not_matter() {
        let a = applicant_key("11010519491231002x");
        assert_eq!(a, applicant_key(" 11010519491231002X "));
        assert_eq!(a.len(), 64);
        assert_ne!(a, applicant_key("110105194912310021"));
        assert_ne!(applicant_key(""), applicant_key("0"));
    }
}

/// Hex SHA-256 of `text`: for keeping a value only as its hash (a client address, a case
/// number asked for), never for checking a password.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A seed derived from a recorded basis (e.g. quarter, department and feed position): the
/// first eight bytes of SHA-256 over it, as a non-negative `i64`-sized number. Anyone holding
/// the basis recomputes the seed; nobody chooses it.
pub fn derived_seed(basis: &str) -> u64 {
    let digest = Sha256::digest(basis.as_bytes());
    let mut bytes = [0_u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(bytes) & (i64::MAX as u64)
}

#[cfg(test)]
mod seed_tests {
    use super::derived_seed;

    #[test]
    fn seed_is_a_function_of_its_basis() {
        let a = derived_seed("callback:2026Q1:department:3:feed:120");
        assert_eq!(a, derived_seed("callback:2026Q1:department:3:feed:120"));
        assert_ne!(a, derived_seed("callback:2026Q1:department:3:feed:121"));
        assert!(a <= i64::MAX as u64);
    }
}
