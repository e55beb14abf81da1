//! The indicator system (考核指标体系): categories, their maxima and sources,
//! bonus/deduction caps and case-volume tiers — data, not code.
//!
//! [`IndicatorSystem::fenghua_default`] is this product's reading of the
//! Fenghua method (奉化):
//!
//! | key | category | max | source |
//! |---|---|---:|---|
//! | `e_supervision` | 电子监察覆盖率 | 10 | computed: coverage |
//! | `standardisation` | 规范类 | 15 | manual, evidence |
//! | `openness` | 公开类 | 10 | manual, evidence |
//! | `efficiency` | 高效类 | 20 | computed: efficiency |
//! | `data_exchange` | 数据交换 | 10 | computed: data exchange |
//! | `quality` | 优质类 | 10 | manual, evidence |
//! | `satisfaction` | 群众满意 | 15 | computed: satisfaction |
//! | `integrity` | 廉洁类 | 5 | manual, evidence |
//! | `volume` | 办件量 | 5 | computed: volume tier |
//!
//! Total 100. Bonus (加分项) capped at 5.00, deductions (扣分项) at 10.00;
//! quarterly case-volume tier bounds 500 / 2 000 / 5 000 / 10 000; satisfaction
//! source weights 40 / 40 / 20 (see [`SatisfactionWeights`]).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::error::SystemError;
use crate::points::Points;
use crate::satisfaction::SatisfactionWeights;

/// Key of the 电子监察覆盖率 category in the Fenghua default.
pub const KEY_E_SUPERVISION: &str = "e_supervision";
/// Key of the 规范类 category in the Fenghua default.
pub const KEY_STANDARDISATION: &str = "standardisation";
/// Key of the 公开类 category in the Fenghua default.
pub const KEY_OPENNESS: &str = "openness";
/// Key of the 高效类 category in the Fenghua default.
pub const KEY_EFFICIENCY: &str = "efficiency";
/// Key of the 数据交换 category in the Fenghua default.
pub const KEY_DATA_EXCHANGE: &str = "data_exchange";
/// Key of the 优质类 category in the Fenghua default.
pub const KEY_QUALITY: &str = "quality";
/// Key of the 群众满意 category in the Fenghua default.
pub const KEY_SATISFACTION: &str = "satisfaction";
/// Key of the 廉洁类 category in the Fenghua default.
pub const KEY_INTEGRITY: &str = "integrity";
/// Key of the 办件量 category in the Fenghua default.
pub const KEY_VOLUME: &str = "volume";

/// Which computed rule (see [`indicators`](crate::indicators)) fills a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComputedKind {
    /// Items under e-supervision / items that should be.
    Coverage,
    /// On-time and early completion.
    Efficiency,
    /// Data reported in real time / all data.
    DataExchange,
    /// Three-source public satisfaction.
    Satisfaction,
    /// Quarterly case-volume tier.
    Volume,
}

/// Where a category's points come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CategorySource {
    /// Derived from counts by a rule.
    Computed(ComputedKind),
    /// Entered by an assessor (考核人员), with evidence when required.
    Manual { evidence_required: bool },
}

/// One scoring category (考核类别).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub key: String,
    pub name: String,
    pub max_points: Points,
    pub source: CategorySource,
}

/// A complete indicator system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorSystem {
    pub id: String,
    pub name: String,
    pub categories: Vec<Category>,
    /// Most bonus points (加分) counted in a quarter.
    pub bonus_cap: Points,
    /// Most deduction points (扣分) counted in a quarter.
    pub deduction_cap: Points,
    /// Lower bounds of tiers 2, 3, 4 and 5 (see [`volume_tier`](crate::volume_tier)).
    pub volume_tiers: [u64; 4],
    /// Weights of the three satisfaction sources.
    #[serde(default)]
    pub satisfaction_weights: SatisfactionWeights,
}

fn category(key: &str, name: &str, max: i64, source: CategorySource) -> Category {
    Category {
        key: key.to_string(),
        name: name.to_string(),
        max_points: Points::whole(max),
        source,
    }
}

impl IndicatorSystem {
    /// The Fenghua preset (see the module table). Sums to exactly 100.
    pub fn fenghua_default() -> IndicatorSystem {
        use CategorySource::{Computed, Manual};
        let manual = Manual {
            evidence_required: true,
        };
        IndicatorSystem {
            id: "fenghua-2024".to_string(),
            name: "奉化政务服务中心绩效评估".to_string(),
            categories: vec![
                category(
                    KEY_E_SUPERVISION,
                    "电子监察覆盖率",
                    10,
                    Computed(ComputedKind::Coverage),
                ),
                category(KEY_STANDARDISATION, "规范类", 15, manual),
                category(KEY_OPENNESS, "公开类", 10, manual),
                category(
                    KEY_EFFICIENCY,
                    "高效类",
                    20,
                    Computed(ComputedKind::Efficiency),
                ),
                category(
                    KEY_DATA_EXCHANGE,
                    "数据交换",
                    10,
                    Computed(ComputedKind::DataExchange),
                ),
                category(KEY_QUALITY, "优质类", 10, manual),
                category(
                    KEY_SATISFACTION,
                    "群众满意",
                    15,
                    Computed(ComputedKind::Satisfaction),
                ),
                category(KEY_INTEGRITY, "廉洁类", 5, manual),
                category(KEY_VOLUME, "办件量", 5, Computed(ComputedKind::Volume)),
            ],
            bonus_cap: Points::whole(5),
            deduction_cap: Points::whole(10),
            volume_tiers: [500, 2_000, 5_000, 10_000],
            satisfaction_weights: SatisfactionWeights::default(),
        }
    }

    /// The category with this key.
    pub fn category(&self, key: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.key == key)
    }

    /// Sum of all category maxima.
    pub fn total_max(&self) -> Points {
        self.categories.iter().map(|c| c.max_points).sum()
    }

    /// Checks keys (non-empty, unique), maxima (positive, summing to 100.00),
    /// each computed rule used at most once, caps non-negative, tiers strictly
    /// increasing and satisfaction weights summing to 100. Reports the first
    /// problem found in that order.
    pub fn validate(&self) -> Result<(), SystemError> {
        let mut keys = HashSet::new();
        let mut kinds = HashSet::new();
        for (index, c) in self.categories.iter().enumerate() {
            if c.key.trim().is_empty() {
                return Err(SystemError::EmptyKey { index });
            }
            if !keys.insert(c.key.as_str()) {
                return Err(SystemError::DuplicateKey { key: c.key.clone() });
            }
            if c.max_points <= Points::ZERO {
                return Err(SystemError::NonPositiveMax {
                    key: c.key.clone(),
                    max: c.max_points,
                });
            }
            if let CategorySource::Computed(kind) = c.source {
                if !kinds.insert(kind) {
                    return Err(SystemError::DuplicateComputed { kind });
                }
            }
        }
        let total = self.total_max();
        if total != Points::HUNDRED {
            return Err(SystemError::MaxPointsSum { total });
        }
        for (which, cap) in [
            ("bonus_cap", self.bonus_cap),
            ("deduction_cap", self.deduction_cap),
        ] {
            if cap < Points::ZERO {
                return Err(SystemError::NegativeCap { which, cap });
            }
        }
        if self.volume_tiers.windows(2).any(|w| w[0] >= w[1]) {
            return Err(SystemError::TiersNotIncreasing {
                tiers: self.volume_tiers,
            });
        }
        let total = self.satisfaction_weights.total();
        if total != 100 {
            return Err(SystemError::SatisfactionWeights { total });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fenghua_default_sums_to_100_and_validates() {
        let s = IndicatorSystem::fenghua_default();
        assert_eq!(s.total_max(), Points::from_centi(10_000));
        assert_eq!(s.categories.len(), 9);
        let maxima: Vec<i64> = s.categories.iter().map(|c| c.max_points.centi()).collect();
        assert_eq!(maxima, [1000, 1500, 1000, 2000, 1000, 1000, 1500, 500, 500]);
        assert_eq!(s.validate(), Ok(()));
    }

    #[test]
    fn sum_of_99_is_rejected() {
        let mut s = IndicatorSystem::fenghua_default();
        s.categories[8].max_points = Points::whole(4);
        assert_eq!(
            s.validate(),
            Err(SystemError::MaxPointsSum {
                total: Points::from_centi(9_900)
            })
        );
    }

    #[test]
    fn duplicate_key_is_rejected() {
        let mut s = IndicatorSystem::fenghua_default();
        s.categories[2].key = KEY_STANDARDISATION.to_string();
        assert_eq!(
            s.validate(),
            Err(SystemError::DuplicateKey {
                key: "standardisation".to_string()
            })
        );
    }

    #[test]
    fn non_increasing_tiers_are_rejected() {
        let mut s = IndicatorSystem::fenghua_default();
        s.volume_tiers = [500, 2_000, 2_000, 10_000];
        assert_eq!(
            s.validate(),
            Err(SystemError::TiersNotIncreasing {
                tiers: [500, 2_000, 2_000, 10_000]
            })
        );
        s.volume_tiers = [500, 400, 5_000, 10_000];
        assert!(matches!(
            s.validate(),
            Err(SystemError::TiersNotIncreasing { .. })
        ));
    }

    #[test]
    fn other_structural_errors() {
        let mut s = IndicatorSystem::fenghua_default();
        s.categories[0].key = " ".to_string();
        assert_eq!(s.validate(), Err(SystemError::EmptyKey { index: 0 }));

        let mut s = IndicatorSystem::fenghua_default();
        s.categories[1].source = CategorySource::Computed(ComputedKind::Coverage);
        assert_eq!(
            s.validate(),
            Err(SystemError::DuplicateComputed {
                kind: ComputedKind::Coverage
            })
        );

        let mut s = IndicatorSystem::fenghua_default();
        s.bonus_cap = Points::from_centi(-1);
        assert!(matches!(
            s.validate(),
            Err(SystemError::NegativeCap {
                which: "bonus_cap",
                ..
            })
        ));

        let mut s = IndicatorSystem::fenghua_default();
        s.satisfaction_weights.callback = 30;
        assert_eq!(
            s.validate(),
            Err(SystemError::SatisfactionWeights { total: 110 })
        );
    }

    #[test]
    fn serde_round_trip() {
        let s = IndicatorSystem::fenghua_default();
        let json = serde_json::to_string(&s).unwrap_or_default();
        assert!(json.contains("\"computed\":\"coverage\""), "{json}");
        let back: Option<IndicatorSystem> = serde_json::from_str(&json).ok();
        assert_eq!(back, Some(s));
    }
}
