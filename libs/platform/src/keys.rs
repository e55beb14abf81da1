//! The token issuer's keys (签发密钥): Ed25519 key pairs read from PEM files, their key ids,
//! and the public key set (JWKS, RFC 7517) the issuer publishes and verifiers read.
//!
//! - A signing key is a PKCS#8 `PRIVATE KEY` PEM, as `openssl genpkey -algorithm ed25519`
//!   writes it; a verification-only key is the matching SPKI `PUBLIC KEY` PEM
//!   (`openssl pkey -pubout`).
//! - A key's id (`kid`) is its JWK thumbprint (RFC 7638 §3, SHA-256, base64url): the same key
//!   always has the same id, on every replica, with nothing to configure.
//! - The JWKS names every key a verifier should accept: the signing key and the keys of a
//!   rotation (the next key, published before it signs, and the previous one, kept until the
//!   tokens it signed have expired; `docs/security.md`).
//!
//! Pure apart from reading files: parsing and thumbprints are tested here with RFC 8037's
//! example key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4): SEQUENCE { SEQUENCE {
/// OID 1.3.101.112 }, BIT STRING (0 unused bits) } followed by the 32 key bytes.
const SPKI_ED25519_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// Why a key could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("{0}: not a PEM file")]
    NotPem(String),
    #[error("{0}: expected an Ed25519 `{1}` PEM")]
    WrongKind(String, &'static str),
    #[error("{0}: cannot read: {1}")]
    Unreadable(String, String),
}

/// An Ed25519 signing key with its id.
#[derive(Clone)]
pub struct SigningKey {
    /// The PKCS#8 document (what jsonwebtoken signs with).
    pub pkcs8: Vec<u8>,
    pub public: PublicKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.public.kid)
            .finish_non_exhaustive()
    }
}

/// An Ed25519 public key with its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// The 32 key bytes.
    pub raw: Vec<u8>,
    /// RFC 7638 thumbprint.
    pub kid: String,
}

impl PublicKey {
    pub fn from_raw(raw: Vec<u8>) -> Self {
        let x = URL_SAFE_NO_PAD.encode(&raw);
        PublicKey {
            kid: thumbprint(&x),
            raw,
        }
    }

    /// The key as a JWK of the published set.
    pub fn jwk(&self) -> Jwk {
        Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: URL_SAFE_NO_PAD.encode(&self.raw),
            kid: self.kid.clone(),
            alg: "EdDSA".into(),
            key_use: "sig".into(),
        }
    }
}

/// RFC 7638 §3.2: SHA-256 over the required members in lexicographic order, no whitespace.
fn thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

impl SigningKey {
    /// From the text of a PKCS#8 `PRIVATE KEY` PEM (`name` only names it in errors).
    pub fn from_pem(name: &str, text: &str) -> Result<Self, KeyError> {
        let pem = pem::parse(text).map_err(|_| KeyError::NotPem(name.into()))?;
        if pem.tag() != "PRIVATE KEY" {
            return Err(KeyError::WrongKind(name.into(), "PRIVATE KEY"));
        }
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(pem.contents())
            .map_err(|_| KeyError::WrongKind(name.into(), "PRIVATE KEY"))?;
        Ok(SigningKey {
            pkcs8: pem.contents().to_vec(),
            public: PublicKey::from_raw(pair.public_key().as_ref().to_vec()),
        })
    }

    pub fn from_file(path: &str) -> Result<Self, KeyError> {
        Self::from_pem(path, &read(path)?)
    }

    /// A new random key (tests, and `approval keys generate`).
    pub fn generate() -> Self {
        let rng = ring::rand::SystemRandom::new();
        // Generation fails only without an OS random source, which nothing here can run without.
        #[allow(clippy::expect_used)]
        let doc = Ed25519KeyPair::generate_pkcs8(&rng).expect("the OS random source");
        let pair = Ed25519KeyPair::from_pkcs8(doc.as_ref()).expect("a key ring just generated");
        SigningKey {
            pkcs8: doc.as_ref().to_vec(),
            public: PublicKey::from_raw(pair.public_key().as_ref().to_vec()),
        }
    }

    /// The key as a PKCS#8 `PRIVATE KEY` PEM.
    pub fn to_pem(&self) -> String {
        pem::encode(&pem::Pem::new("PRIVATE KEY", self.pkcs8.clone()))
    }
}

impl PublicKey {
    /// From the text of an SPKI `PUBLIC KEY` PEM.
    pub fn from_pem(name: &str, text: &str) -> Result<Self, KeyError> {
        let pem = pem::parse(text).map_err(|_| KeyError::NotPem(name.into()))?;
        let der = pem.contents();
        if pem.tag() != "PUBLIC KEY" || der.len() != 44 || der[..12] != SPKI_ED25519_PREFIX {
            return Err(KeyError::WrongKind(name.into(), "PUBLIC KEY"));
        }
        Ok(PublicKey::from_raw(der[12..].to_vec()))
    }

    pub fn from_file(path: &str) -> Result<Self, KeyError> {
        Self::from_pem(path, &read(path)?)
    }

    /// The key as an SPKI `PUBLIC KEY` PEM.
    pub fn to_pem(&self) -> String {
        let mut der = SPKI_ED25519_PREFIX.to_vec();
        der.extend_from_slice(&self.raw);
        pem::encode(&pem::Pem::new("PUBLIC KEY", der))
    }
}

fn read(path: &str) -> Result<String, KeyError> {
    std::fs::read_to_string(path).map_err(|e| KeyError::Unreadable(path.into(), e.to_string()))
}

/// One public key of the set (RFC 7517 §4, RFC 8037 §2 for `OKP`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Jwk {
    /// Always `OKP` (octet key pair).
    pub kty: String,
    /// Always `Ed25519`.
    pub crv: String,
    /// The public key, base64url.
    pub x: String,
    /// The key id a token names in its header; the key's RFC 7638 thumbprint.
    pub kid: String,
    /// Always `EdDSA`.
    #[serde(default)]
    pub alg: String,
    /// Always `sig`.
    #[serde(rename = "use", default)]
    pub key_use: String,
}

/// The published key set (`GET /.well-known/jwks.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

impl JwkSet {
    /// The Ed25519 signing keys of the set; anything else (another curve, an encryption key, a
    /// key without an id or with a malformed value) is left out.
    pub fn ed25519_keys(&self) -> Vec<PublicKey> {
        self.keys
            .iter()
            .filter(|k| k.kty == "OKP" && k.crv == "Ed25519" && !k.kid.is_empty())
            .filter(|k| k.key_use.is_empty() || k.key_use == "sig")
            .filter_map(|k| {
                let raw = URL_SAFE_NO_PAD
                    .decode(&k.x)
                    .ok()
                    .filter(|r| r.len() == 32)?;
                Some(PublicKey {
                    raw,
                    kid: k.kid.clone(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8037 Appendix A.1/A.3: the example Ed25519 key and its thumbprint.
    const RFC8037_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    const RFC8037_THUMBPRINT: &str = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";

    #[test]
    fn key_id_is_the_rfc_7638_thumbprint() {
        let raw = URL_SAFE_NO_PAD.decode(RFC8037_X).unwrap();
        assert_eq!(PublicKey::from_raw(raw).kid, RFC8037_THUMBPRINT);
    }

    #[test]
    fn pem_round_trips_and_the_public_half_matches() {
        let key = SigningKey::generate();
        let again = SigningKey::from_pem("k", &key.to_pem()).unwrap();
        assert_eq!(again.public, key.public);
        let public = PublicKey::from_pem("p", &key.public.to_pem()).unwrap();
        assert_eq!(public, key.public);
        let set = JwkSet {
            keys: vec![key.public.jwk()],
        };
        let json = serde_json::to_string(&set).unwrap();
        let back: JwkSet = serde_json::from_str(&json).unwrap();
        assert_eq!(back.ed25519_keys(), vec![key.public.clone()]);
    }

    #[test]
    fn wrong_files_are_named_in_the_refusal() {
        let key = SigningKey::generate();
        assert_eq!(
            SigningKey::from_pem("pub.pem", &key.public.to_pem()).unwrap_err(),
            KeyError::WrongKind("pub.pem".into(), "PRIVATE KEY")
        );
        assert_eq!(
            PublicKey::from_pem("key.pem", &key.to_pem()).unwrap_err(),
            KeyError::WrongKind("key.pem".into(), "PUBLIC KEY")
        );
        assert_eq!(
            SigningKey::from_pem("x", "not a pem").unwrap_err(),
            KeyError::NotPem("x".into())
        );
        assert!(matches!(
            SigningKey::from_file("/nonexistent/key.pem").unwrap_err(),
            KeyError::Unreadable(..)
        ));
    }

    #[test]
    fn foreign_keys_of_a_set_are_left_out() {
        let key = SigningKey::generate();
        let mut other = key.public.jwk();
        other.crv = "X25519".into();
        let mut short = key.public.jwk();
        short.x = "AAAA".into();
        short.kid = "short".into();
        let set = JwkSet {
            keys: vec![other, short, key.public.jwk()],
        };
        assert_eq!(set.ed25519_keys(), vec![key.public]);
    }
}
