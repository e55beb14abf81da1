//! Keyset pagination: `limit` (1–200, default 50) and an opaque `cursor` returned as
//! `next_cursor`; the cursor encodes the last id seen, so pages never skip or repeat rows
//! when rows are added meanwhile.

use base64::Engine;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

/// One page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Validated paging parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u64,
    pub after_id: Option<i64>,
}

impl PageRequest {
    pub fn parse(limit: Option<u64>, cursor: Option<&str>) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(ApiError::validation(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after_id = match cursor {
            None | Some("") => None,
            Some(c) => Some(decode_cursor(c).ok_or_else(|| {
                ApiError::validation("cursor", "is not a cursor this service issued")
            })?),
        };
        Ok(PageRequest { limit, after_id })
    }

    /// Build a page from up to `limit + 1` rows fetched in id order.
    pub fn page<R, T>(
        &self,
        mut rows: Vec<R>,
        id: impl Fn(&R) -> i64,
        view: impl Fn(R) -> T,
    ) -> Page<T> {
        let more = rows.len() as u64 > self.limit;
        rows.truncate(self.limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| encode_cursor(id(r)))
        } else {
            None
        };
        Page {
            items: rows.into_iter().map(view).collect(),
            next_cursor,
        }
    }
}

impl PageRequest {
    /// Like [`PageRequest::page`] for a view that can fail (e.g. a stored value unreadable).
    pub fn try_page<R, T, E>(
        &self,
        rows: Vec<R>,
        id: impl Fn(&R) -> i64,
        view: impl Fn(R) -> Result<T, E>,
    ) -> Result<Page<T>, E> {
        let page = self.page(rows, id, |r| r);
        Ok(Page {
            items: page.items.into_iter().map(view).collect::<Result<_, _>>()?,
            next_cursor: page.next_cursor,
        })
    }
}

pub fn encode_cursor(id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("id:{id}"))
}

fn decode_cursor(c: &str) -> Option<i64> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .ok()?;
    let s = String::from_utf8(bytes).ok()?;
    s.strip_prefix("id:")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_junk() {
        let p = PageRequest::parse(Some(2), Some(&encode_cursor(41))).unwrap();
        assert_eq!(
            p,
            PageRequest {
                limit: 2,
                after_id: Some(41)
            }
        );
        assert!(PageRequest::parse(None, Some("garbage!")).is_err());
        assert!(PageRequest::parse(Some(0), None).is_err());
        assert!(PageRequest::parse(Some(201), None).is_err());
    }

    #[test]
    fn page_sets_next_cursor_only_when_more() {
        let p = PageRequest::parse(Some(2), None).unwrap();
        let page = p.page(vec![1i64, 2, 3], |r| *r, |r| r);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next_cursor, Some(encode_cursor(2)));
        let page = p.page(vec![1i64, 2], |r| *r, |r| r);
        assert_eq!(page.next_cursor, None);
    }
}
