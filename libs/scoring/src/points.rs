//! Fixed-point numbers: every score and every ratio is an `i64` count of
//! hundredths, so band edges such as 59.99 / 60.00 compare exactly.
//!
//! * [`Points`] — score points in hundredths ("centi-points"): `8640` is 86.40.
//! * [`Percent`] — ratios in hundredths of a percent: `7900` is 79.00 %.
//!
//! Both serialise as the bare integer (`#[serde(transparent)]`), parse from and
//! display as decimal text with two places (`"86.40"`, `"79.00%"`).
//!
//! **Rounding.** Every division rounds once, to the nearest hundredth, half away
//! from zero (0.005 → 0.01), using exact 128-bit integer arithmetic
//! ([`div_round`]). No floating point is used anywhere in the crate.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Sub};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Text that is not a decimal number with at most two fractional digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a decimal with at most two places: {0:?}")]
pub struct ParseFixedError(pub String);

/// `num / den` rounded to the nearest integer, half away from zero.
/// A non-positive `den` yields 0 (callers never pass one).
pub(crate) fn div_round(num: i128, den: i128) -> i128 {
    if den <= 0 {
        return 0;
    }
    let q = num / den;
    let r = num % den;
    if 2 * r.abs() >= den {
        q + num.signum()
    } else {
        q
    }
}

/// Saturating narrowing from the 128-bit intermediate.
pub(crate) fn to_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

fn parse_centi(text: &str) -> Result<i64, ParseFixedError> {
    let err = || ParseFixedError(text.to_string());
    let t = text.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (int, frac) = match body.split_once('.') {
        Some((int, frac)) if digits(frac) => (int, frac),
        Some(_) => return Err(err()),
        None => (body, ""),
    };
    if !digits(int) || frac.len() > 2 {
        return Err(err());
    }
    let whole: i64 = int.parse().map_err(|_| err())?;
    let mut hundredths: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| err())?
    };
    if frac.len() == 1 {
        hundredths *= 10;
    }
    let v = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(hundredths))
        .ok_or_else(err)?;
    Ok(if neg { -v } else { v })
}

fn fmt_centi(v: i64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    write!(f, "{sign}{}.{:02}", a / 100, a % 100)
}

macro_rules! centi_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Zero.
            pub const ZERO: Self = Self(0);
            /// One hundred (100.00).
            pub const HUNDRED: Self = Self(10_000);

            /// From a count of hundredths: `from_centi(8640)` is 86.40.
            pub const fn from_centi(centi: i64) -> Self {
                Self(centi)
            }

            /// A whole number: `whole(35)` is 35.00 (saturating).
            pub const fn whole(n: i64) -> Self {
                Self(n.saturating_mul(100))
            }

            /// The count of hundredths.
            pub const fn centi(self) -> i64 {
                self.0
            }

            /// Restricts to `lo..=hi`.
            pub fn clamp_to(self, lo: Self, hi: Self) -> Self {
                Self(self.0.clamp(lo.0, hi.0))
            }

            /// `self × num / den`, rounded once to hundredths (see module docs).
            pub fn scale(self, num: i64, den: i64) -> Self {
                Self(to_i64(div_round(
                    i128::from(self.0) * i128::from(num),
                    i128::from(den),
                )))
            }
        }

        impl Add for $name {
            type Output = Self;
            fn add(self, rhs: Self) -> Self {
                Self(self.0.saturating_add(rhs.0))
            }
        }

        impl Sub for $name {
            type Output = Self;
            fn sub(self, rhs: Self) -> Self {
                Self(self.0.saturating_sub(rhs.0))
            }
        }

        impl Sum for $name {
            fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
                iter.fold(Self::ZERO, Add::add)
            }
        }
    };
}

centi_type!(
    /// Score points in hundredths (centi-points): `Points::from_centi(5999)` is 59.99.
    Points
);

centi_type!(
    /// A ratio in hundredths of a percent: `Percent::from_centi(7900)` is 79.00 %.
    Percent
);

impl Points {
    /// What fraction of `max` these points are; `max` ≤ 0 gives 0 %.
    pub fn ratio_of(self, max: Points) -> Percent {
        Percent(to_i64(div_round(
            i128::from(self.0) * 10_000,
            i128::from(max.0),
        )))
    }
}

impl Percent {
    /// `part / whole` as a percentage; `whole == 0` gives `None`.
    pub fn from_counts(part: u64, whole: u64) -> Option<Percent> {
        (whole > 0).then(|| {
            Percent(to_i64(div_round(
                i128::from(part) * 10_000,
                i128::from(whole),
            )))
        })
    }

    /// This share of `max`: `Percent 95.00 % of 10.00` is 9.50.
    pub fn of(self, max: Points) -> Points {
        Points(to_i64(div_round(
            i128::from(max.0) * i128::from(self.0),
            10_000,
        )))
    }
}

impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_centi(self.0, f)
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_centi(self.0, f)?;
        f.write_str("%")
    }
}

impl FromStr for Points {
    type Err = ParseFixedError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_centi(s).map(Points)
    }
}

impl FromStr for Percent {
    type Err = ParseFixedError;
    /// Accepts an optional trailing `%`: `"79"`, `"79.5%"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        parse_centi(t.strip_suffix('%').unwrap_or(t)).map(Percent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        assert_eq!("86.4".parse::<Points>(), Ok(Points::from_centi(8640)));
        assert_eq!("59.99".parse::<Points>(), Ok(Points::from_centi(5999)));
        assert_eq!("-1.05".parse::<Points>(), Ok(Points::from_centi(-105)));
        assert_eq!("100".parse::<Points>(), Ok(Points::HUNDRED));
        assert_eq!("79%".parse::<Percent>(), Ok(Percent::from_centi(7900)));
        assert!("1.234".parse::<Points>().is_err());
        assert!("abc".parse::<Points>().is_err());
        assert!(".5".parse::<Points>().is_err());
        assert!("5.".parse::<Points>().is_err());
        assert_eq!(Points::from_centi(8640).to_string(), "86.40");
        assert_eq!(Points::from_centi(-5).to_string(), "-0.05");
        assert_eq!(Percent::from_centi(7900).to_string(), "79.00%");
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(div_round(5, 10), 1);
        assert_eq!(div_round(4, 10), 0);
        assert_eq!(div_round(-5, 10), -1);
        assert_eq!(div_round(-4, 10), 0);
        // 2/3 = 66.666…% → 66.67 %
        assert_eq!(Percent::from_counts(2, 3), Some(Percent::from_centi(6667)));
        assert_eq!(Percent::from_counts(1, 0), None);
        // 95 % of 10.00 = 9.50; 86.40 % of 15.00 = 12.96
        assert_eq!(Percent::from_centi(9500).of(Points::whole(10)).centi(), 950);
        assert_eq!(
            Percent::from_centi(8640).of(Points::whole(15)).centi(),
            1296
        );
        assert_eq!(Points::whole(4).ratio_of(Points::whole(5)).centi(), 8000);
    }

    #[test]
    fn serialises_as_bare_integer() {
        let p = Points::from_centi(8640);
        assert_eq!(serde_json::to_string(&p).ok(), Some("8640".to_string()));
        let back: Result<Points, _> = serde_json::from_str("8640");
        assert_eq!(back.ok(), Some(p));
    }
}
