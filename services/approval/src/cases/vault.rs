//! The applicant's ID number and phone number at rest (数据保密性, GB/T 22239-2019 8.1.4.8:
//! cryptography keeps important data confidential in storage; 《个人信息保护法》第五十一条:
//! encryption): AES-256-GCM with a fresh 96-bit nonce per value and the column's name as
//! associated data (a value copied into another column does not open), and a keyed hash
//! (HMAC-SHA-256) of the normalised ID number for exact search (`?applicant=`), so the
//! database holds neither the value nor an unkeyed hash that a dictionary of every valid ID
//! number (region × birth date × sequence: few enough to enumerate) could reverse.
//!
//! The stored form is `v1:` + base64url(nonce ‖ ciphertext ‖ tag); a value without the prefix
//! is a row written before encryption and is read as it is until the background pass at start
//! seals it ([`crate::cases::store::seal_plaintext_applicants`]). The two keys are derived from
//! one 32-byte master key (`PII_KEY`, 64 hex digits) with HMAC-SHA-256 over fixed labels, so
//! the search key never encrypts and the encryption key never hashes.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use platform::ApiError;
use sha2::Sha256;

const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 12;

/// The associated data of the ID number's column.
pub const ID_NUMBER: &str = "cases.applicant_id_number";
/// The associated data of the phone number's column.
pub const PHONE: &str = "cases.applicant_phone";

/// The keys that seal and open the applicant's data and hash the ID number for search.
#[derive(Clone)]
pub struct PiiVault {
    cipher: Aes256Gcm,
    search_key: [u8; 32],
    fingerprint_key: [u8; 32],
}

impl std::fmt::Debug for PiiVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PiiVault([redacted])")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn derive(master: &[u8], label: &str) -> [u8; 32] {
    // HMAC accepts a key of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(master).expect("HMAC takes any key");
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

/// Why a master key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("PII_KEY must be 64 hexadecimal digits (32 bytes); {0}")]
pub struct BadKey(String);

impl PiiVault {
    /// The vault of a 32-byte master key.
    pub fn new(master: &[u8; 32]) -> Self {
        let enc = derive(master, "approval pii v1 encryption");
        PiiVault {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&enc)),
            search_key: derive(master, "approval pii v1 search"),
            fingerprint_key: derive(master, "approval pii v1 request fingerprint"),
        }
    }

    /// `PII_KEY` as configured: 64 hexadecimal digits.
    pub fn from_hex(hex: &str) -> Result<Self, BadKey> {
        let hex = hex.trim();
        if hex.len() != 64 {
            return Err(BadKey(format!("got {} characters", hex.len())));
        }
        let mut key = [0u8; 32];
        for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
            let s = std::str::from_utf8(pair).map_err(|_| BadKey("not ASCII".into()))?;
            key[i] = u8::from_str_radix(s, 16)
                .map_err(|_| BadKey(format!("`{s}` is not hexadecimal")))?;
        }
        Ok(PiiVault::new(&key))
    }

    /// The embedded default without `PII_KEY`: a key derived from the token-signing secret
    /// (one secret to keep for a development install; production sets its own `PII_KEY`).
    pub fn derived_from(secret: &str) -> Self {
        PiiVault::new(&derive(
            secret.as_bytes(),
            "approval pii key from JWT_SECRET",
        ))
    }

    /// Seal `plain` for the column `column` ([`ID_NUMBER`], [`PHONE`]).
    pub fn seal(&self, column: &str, plain: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain.as_bytes(),
                    aad: column.as_bytes(),
                },
            )
            .expect("AES-GCM encrypts any message below 64 GiB");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Whether `stored` is sealed (not a row from before encryption).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(PREFIX)
    }

    /// Open a value of `column`; a value from before encryption is returned as it is. A value
    /// that does not open (another key, another column, an edited byte) is an internal error,
    /// never a wrong answer.
    pub fn open(&self, column: &str, stored: &str) -> Result<String, ApiError> {
        let Some(b64) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        let bad = |why: &str| ApiError::Internal(format!("{column}: sealed value {why}"));
        let bytes = URL_SAFE_NO_PAD
            .decode(b64)
            .map_err(|_| bad("is not base64"))?;
        if bytes.len() < NONCE_LEN {
            return Err(bad("is too short"));
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: column.as_bytes(),
                },
            )
            .map_err(|_| bad("does not open with this PII_KEY"))?;
        String::from_utf8(plain).map_err(|_| bad("is not UTF-8"))
    }

    /// The keyed fingerprint of a request (method, path and body, each ended by a zero byte),
    /// hex: what an `Idempotency-Key` row keeps to tell a retry from a reused key, without an
    /// unkeyed hash of a body that holds the applicant's ID number.
    pub fn request_fingerprint(&self, method: &str, path: &str, body: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.fingerprint_key)
            .expect("HMAC takes any key");
        for part in [method.as_bytes(), path.as_bytes(), body] {
            mac.update(part);
            mac.update(&[0]);
        }
        hex(&mac.finalize().into_bytes())
    }

    /// The keyed search hash of an ID number or credit code (trimmed, upper case), hex.
    pub fn search_hash(&self, id_number: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.search_key).expect("HMAC takes any key");
        mac.update(id_number.trim().to_ascii_uppercase().as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault(byte: u8) -> PiiVault {
        PiiVault::new(&[byte; 32])
    }

    #[test]
    fn a_sealed_value_opens_with_its_key_and_column_only() {
        let v = vault(1);
        let s = v.seal(ID_NUMBER, "11010519491231002X");
        assert!(PiiVault::is_sealed(&s));
        assert!(!s.contains("1101051949"), "{s}");
        assert_eq!(v.open(ID_NUMBER, &s).unwrap(), "11010519491231002X");
        // Another column, another key, an edited byte: refused, not misread.
        assert!(v.open(PHONE, &s).is_err());
        assert!(vault(2).open(ID_NUMBER, &s).is_err());
        let mut edited = s.clone().into_bytes();
        let last = edited.len() - 1;
        edited[last] = if edited[last] == b'A' { b'B' } else { b'A' };
        assert!(v
            .open(ID_NUMBER, std::str::from_utf8(&edited).unwrap())
            .is_err());
        assert!(v.open(ID_NUMBER, "v1:!!").is_err());
        assert!(v.open(ID_NUMBER, "v1:AAAA").is_err());
    }

    #[test]
    fn each_seal_has_its_own_nonce_and_fits_the_column() {
        let v = vault(1);
        let a = v.seal(PHONE, "13812341234");
        let b = v.seal(PHONE, "13812341234");
        assert_ne!(a, b, "a fresh nonce per value");
        // The widest value the API accepts (32 characters) stays within varchar(128).
        assert!(v.seal(PHONE, &"9".repeat(32)).len() <= 128);
    }

    #[test]
    fn rows_from_before_encryption_read_as_they_are() {
        assert_eq!(
            vault(1).open(ID_NUMBER, "11010519491231002X").unwrap(),
            "11010519491231002X"
        );
        assert!(!PiiVault::is_sealed("11010519491231002X"));
    }

    #[test]
    fn the_search_hash_is_keyed_and_normalised() {
        let v = vault(1);
        let h = v.search_hash("11010519491231002x");
        assert_eq!(h, v.search_hash(" 11010519491231002X "));
        assert_eq!(h.len(), 64);
        assert_ne!(h, vault(2).search_hash("11010519491231002X"));
        assert_ne!(h, v.search_hash("110105194912310021"));
    }

    #[test]
    fn the_request_fingerprint_is_keyed_and_separates_its_parts() {
        let v = vault(1);
        let f = v.request_fingerprint("POST", "/v1/cases", b"{}");
        assert_eq!(f.len(), 64);
        assert_eq!(f, v.request_fingerprint("POST", "/v1/cases", b"{}"));
        assert_ne!(f, vault(2).request_fingerprint("POST", "/v1/cases", b"{}"));
        assert_ne!(f, v.request_fingerprint("POST", "/v1/cases", b"{ }"));
        assert_ne!(
            v.request_fingerprint("POST", "/v1/a", b"b"),
            v.request_fingerprint("POST", "/v1/ab", b""),
            "the parts are delimited"
        );
        assert_ne!(f, v.search_hash("{}"), "its own key");
    }

    #[test]
    fn the_master_key_is_64_hex_digits() {
        assert!(PiiVault::from_hex(&"ab".repeat(32)).is_ok());
        assert!(PiiVault::from_hex("abc").is_err());
        assert!(PiiVault::from_hex(&"zz".repeat(32)).is_err());
        let a = PiiVault::from_hex(&"01".repeat(32)).unwrap();
        assert_eq!(
            a.open(ID_NUMBER, &vault(1).seal(ID_NUMBER, "X")).unwrap(),
            "X"
        );
        assert!(format!("{a:?}").contains("redacted"));
    }
}
