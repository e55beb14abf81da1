//! Grade bands (等次) of a quarterly or annual score.

use serde::{Deserialize, Serialize};

use crate::points::Points;

/// Working days after publication within which a failing unit submits its
/// written rectification (整改报告). The date itself is computed by the
/// service with the calendar crate.
pub const RECTIFICATION_WORKING_DAYS: u32 = 15;

/// The four bands, ordered worst to best (so `Ord` follows the score).
///
/// | band | score |
/// |---|---|
/// | [`Fail`](Grade::Fail) 不合格 | below 60.00 |
/// | [`Pass`](Grade::Pass) 合格 | 60.00 to 79.99 |
/// | [`Good`](Grade::Good) 良好 | 80.00 to 94.99 |
/// | [`Excellent`](Grade::Excellent) 优秀 | 95.00 and above |
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 不合格
    Fail,
    /// 合格
    Pass,
    /// 良好
    Good,
    /// 优秀
    Excellent,
}

impl Grade {
    /// Lower edge of 合格.
    pub const PASS_FROM: Points = Points::whole(60);
    /// Lower edge of 良好.
    pub const GOOD_FROM: Points = Points::whole(80);
    /// Lower edge of 优秀.
    pub const EXCELLENT_FROM: Points = Points::whole(95);

    /// The band a score falls in (exact: 59.99 fails, 60.00 passes).
    pub fn of(score: Points) -> Grade {
        if score >= Self::EXCELLENT_FROM {
            Grade::Excellent
        } else if score >= Self::GOOD_FROM {
            Grade::Good
        } else if score >= Self::PASS_FROM {
            Grade::Pass
        } else {
            Grade::Fail
        }
    }

    /// The Chinese label: 不合格 / 合格 / 良好 / 优秀.
    pub fn label_zh(self) -> &'static str {
        match self {
            Grade::Fail => "不合格",
            Grade::Pass => "合格",
            Grade::Good => "良好",
            Grade::Excellent => "优秀",
        }
    }
}

/// Whether the unit must submit a written rectification (整改) — only 不合格.
pub fn needs_rectification(grade: Grade) -> bool {
    grade == Grade::Fail
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(text: &str) -> &'static str {
        match text.parse::<Points>() {
            Ok(p) => Grade::of(p).label_zh(),
            Err(_) => "unparsable",
        }
    }

    #[test]
    fn band_edges_are_exact() {
        assert_eq!(g("0"), "不合格");
        assert_eq!(g("59.99"), "不合格");
        assert_eq!(g("60.00"), "合格");
        assert_eq!(g("79.99"), "合格");
        assert_eq!(g("80.00"), "良好");
        assert_eq!(g("94.99"), "良好");
        assert_eq!(g("95.00"), "优秀");
        assert_eq!(g("100"), "优秀");
    }

    #[test]
    fn only_fail_needs_rectification() {
        assert!(needs_rectification(Grade::Fail));
        assert!(!needs_rectification(Grade::Pass));
        assert!(!needs_rectification(Grade::Good));
        assert!(!needs_rectification(Grade::Excellent));
        assert_eq!(RECTIFICATION_WORKING_DAYS, 15);
    }
}
