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
