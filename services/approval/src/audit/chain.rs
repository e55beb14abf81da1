//! The audit chain's pure core (审计记录防篡改): the canonical encoding of a row, its hash, and
//! the verify walk — plain functions over plain structs, tested without a database.
//!
//! Encoding (so that an outside auditor can recompute it with a short script):
//!
//! ```text
//! hash      = lower-case hex of SHA-256( prev_hash "\n" canonical )
//! canonical = one line per field, in this order:
//!             chain_seq, id, at, actor_id, actor_name, action, entity, entity_id,
//!             before, after, source, xid
//! line      = name ":" len ":" value "\n"     (len = the value's length in UTF-8 bytes)
//!           | name ":-\n"                      (NULL)
//! ```
//!
//! `at` is written `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, microseconds), integers in decimal,
//! text as stored. The first row's `prev_hash` is the anchor: 64 zeros, or after a retention
//! purge the hash of the last purged row (`audit_chain_head.anchor_hash`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// The hash before the first row of a chain never purged.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit row as the chain sees it: every column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub source: Option<String>,
    pub xid: Option<i64>,
}

/// A sealed row: its content and its seal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub row: Row,
    pub chain_seq: i64,
    pub prev_hash: String,
    pub hash: String,
}

fn line(out: &mut String, name: &str, value: Option<&str>) {
    out.push_str(name);
    match value {
        Some(v) => {
            out.push(':');
            out.push_str(&v.len().to_string());
            out.push(':');
            out.push_str(v);
        }
        None => out.push_str(":-"),
    }
    out.push('\n');
}

/// The canonical content of `row` at place `chain_seq` (see the module doc).
pub fn canonical(chain_seq: i64, row: &Row) -> String {
    let mut s = String::new();
    let num = |n: i64| n.to_string();
    line(&mut s, "chain_seq", Some(&num(chain_seq)));
    line(&mut s, "id", Some(&num(row.id)));
    line(
        &mut s,
        "at",
        Some(&row.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()),
    );
    line(&mut s, "actor_id", row.actor_id.map(num).as_deref());
    line(&mut s, "actor_name", Some(&row.actor_name));
    line(&mut s, "action", Some(&row.action));
    line(&mut s, "entity", Some(&row.entity));
    line(&mut s, "entity_id", Some(&row.entity_id));
    line(&mut s, "before", row.before.as_deref());
    line(&mut s, "after", row.after.as_deref());
    line(&mut s, "source", row.source.as_deref());
    line(&mut s, "xid", row.xid.map(num).as_deref());
    s
}

/// The hash of `row` sealed at `chain_seq` after `prev_hash`.
pub fn hash(prev_hash: &str, chain_seq: i64, row: &Row) -> String {
    platform::identity::sha256_hex(&format!("{prev_hash}\n{}", canonical(chain_seq, row)))
}

/// Seal `rows` (in this order) after the chain's end (`last_seq`, `last_hash`).
pub fn seal(last_seq: i64, last_hash: &str, rows: Vec<Row>) -> Vec<Sealed> {
    let mut prev = last_hash.to_string();
    let mut seq = last_seq;
    rows.into_iter()
        .map(|row| {
            seq += 1;
            let h = hash(&prev, seq, &row);
            Sealed {
                row,
                chain_seq: seq,
                prev_hash: std::mem::replace(&mut prev, h.clone()),
                hash: h,
            }
        })
        .collect()
}

/// Why the chain breaks where it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreakReason {
    /// The row's content (or its `chain_seq`) no longer gives its hash: it was edited.
    RowContentChanged,
    /// No row holds this `chain_seq`: a row was deleted (or the chain was cut at its end).
    RowMissing,
    /// The row's `prev_hash` is not the hash of the row before it: rows were replaced,
    /// reordered or re-hashed.
    PrevLinkBroken,
}

/// The first place the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Broken {
    /// Where in the chain.
    pub chain_seq: i64,
    /// The row at that place; absent when the row is missing.
    pub id: Option<i64>,
    pub reason: BreakReason,
}

/// A verify walk in progress: feed it the sealed rows in `chain_seq` order, page by page.
#[derive(Debug, Clone)]
pub struct Walk {
    next_seq: i64,
    prev_hash: String,
    pub checked: u64,
    pub broken: Option<Broken>,
}

impl Walk {
    /// Start after the anchor (`anchor_seq`, `anchor_hash`).
    pub fn new(anchor_seq: i64, anchor_hash: &str) -> Self {
        Walk {
            next_seq: anchor_seq + 1,
            prev_hash: anchor_hash.to_string(),
            checked: 0,
            broken: None,
        }
    }

    /// Check the next row; after the first break the rest is not looked at.
    pub fn step(&mut self, s: &Sealed) {
        if self.broken.is_some() {
            return;
        }
        self.checked += 1;
        let at = |reason, id| Broken {
            chain_seq: s.chain_seq,
            id,
            reason,
        };
        if s.chain_seq != self.next_seq {
            self.broken = Some(Broken {
                chain_seq: self.next_seq,
                id: None,
                reason: BreakReason::RowMissing,
            });
        } else if s.prev_hash != self.prev_hash {
            self.broken = Some(at(BreakReason::PrevLinkBroken, Some(s.row.id)));
        } else if hash(&s.prev_hash, s.chain_seq, &s.row) != s.hash {
            self.broken = Some(at(BreakReason::RowContentChanged, Some(s.row.id)));
        } else {
            self.next_seq += 1;
            self.prev_hash = s.hash.clone();
        }
    }

    /// End the walk against the head (`last_seq`, `last_hash`): rows cut from the end are
    /// missing, a head that does not match the last row is a broken link.
    pub fn finish(mut self, last_seq: i64, last_hash: &str) -> Option<Broken> {
        if self.broken.is_none() {
            if self.next_seq <= last_seq {
                self.broken = Some(Broken {
                    chain_seq: self.next_seq,
                    id: None,
                    reason: BreakReason::RowMissing,
                });
            } else if self.next_seq - 1 == last_seq && self.prev_hash != last_hash {
                self.broken = Some(Broken {
                    chain_seq: last_seq,
                    id: None,
                    reason: BreakReason::PrevLinkBroken,
                });
            }
        }
        self.broken
    }
}

/// Walk a whole chain at once (for tests and small chains).
pub fn verify(anchor: (i64, &str), head: (i64, &str), rows: &[Sealed]) -> Option<Broken> {
    let mut w = Walk::new(anchor.0, anchor.1);
    for r in rows {
        w.step(r);
    }
    w.finish(head.0, head.1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn row(id: i64) -> Row {
        Row {
            id,
            at: Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap()
                + chrono::Duration::microseconds(123_456),
            actor_id: Some(1),
            actor_name: "管理员".into(),
            action: "update".into(),
            entity: "department".into(),
            entity_id: id.to_string(),
            before: Some(r#"{"name":"a"}"#.into()),
            after: None,
            source: Some("127.0.0.1".into()),
            xid: None,
        }
    }

    fn chain(n: i64) -> Vec<Sealed> {
        seal(0, GENESIS, (1..=n).map(row).collect())
    }

    fn head(c: &[Sealed]) -> (i64, String) {
        let l = c.last().unwrap();
        (l.chain_seq, l.hash.clone())
    }

    #[test]
    fn the_canonical_encoding_is_the_documented_one() {
        let r = row(7);
        assert_eq!(
            canonical(3, &r),
            "chain_seq:1:3\nid:1:7\nat:27:2026-12-02T08:00:00.123456Z\nactor_id:1:1\n\
             actor_name:9:管理员\naction:6:update\nentity:10:department\nentity_id:1:7\n\
             before:12:{\"name\":\"a\"}\nafter:-\nsource:9:127.0.0.1\nxid:-\n"
        );
        // The hash is SHA-256 of prev "\n" canonical, as an auditor's script computes it.
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(format!("{GENESIS}\n{}", canonical(3, &r)).as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hash(GENESIS, 3, &r), hex);
        // NULL and the empty text differ; so do the places in the chain.
        let mut e = r.clone();
        e.after = Some(String::new());
        assert_ne!(hash(GENESIS, 3, &r), hash(GENESIS, 3, &e));
        assert_ne!(hash(GENESIS, 3, &r), hash(GENESIS, 4, &r));
    }

    #[test]
    fn a_sealed_chain_verifies() {
        let c = chain(5);
        let (s, h) = head(&c);
        assert_eq!(c[0].prev_hash, GENESIS);
        assert_eq!(c[1].prev_hash, c[0].hash);
        assert_eq!(verify((0, GENESIS), (s, &h), &c), None);
        assert_eq!(verify((0, GENESIS), (0, GENESIS), &[]), None);
        // After a purge of the first two, the rest verifies from the anchor.
        assert_eq!(verify((2, &c[1].hash), (s, &h), &c[2..]), None);
    }

    #[test]
    fn an_edited_row_is_content_changed() {
        let mut c = chain(5);
        let (s, h) = head(&c);
        c[2].row.after = Some("{}".into());
        assert_eq!(
            verify((0, GENESIS), (s, &h), &c),
            Some(Broken {
                chain_seq: 3,
                id: Some(3),
                reason: BreakReason::RowContentChanged
            })
        );
    }

    #[test]
    fn a_rehashed_row_breaks_the_next_link() {
        let mut c = chain(5);
        let (s, h) = head(&c);
        c[2].row.actor_name = "x".into();
        c[2].hash = hash(&c[2].prev_hash, 3, &c[2].row);
        assert_eq!(
            verify((0, GENESIS), (s, &h), &c).map(|b| (b.chain_seq, b.reason)),
            Some((4, BreakReason::PrevLinkBroken))
        );
    }

    #[test]
    fn deleted_rows_are_missing_in_the_middle_and_at_the_end() {
        let mut c = chain(5);
        let (s, h) = head(&c);
        c.remove(1);
        assert_eq!(
            verify((0, GENESIS), (s, &h), &c),
            Some(Broken {
                chain_seq: 2,
                id: None,
                reason: BreakReason::RowMissing
            })
        );
        let c = chain(5);
        assert_eq!(
            verify((0, GENESIS), (s, &h), &c[..4]).map(|b| (b.chain_seq, b.reason)),
            Some((5, BreakReason::RowMissing))
        );
        // A head that names another last hash.
        assert_eq!(
            verify((0, GENESIS), (s, GENESIS), &c).map(|b| b.reason),
            Some(BreakReason::PrevLinkBroken)
        );
    }
}
