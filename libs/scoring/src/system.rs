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
//! Total 100. The nine categories are Fenghua's; their maxima are **not** in
//! the source and, like everything below, are this product's configurable
//! defaults: bonus (加分项) capped at 5.00, deductions (扣分项) at 10.00;
//! quarterly case-volume tier bounds 500 / 2 000 / 5 000 / 10 000; satisfaction
//! source weights 40 / 40 / 20 (see [`SatisfactionWeights`]) and satisfied
//! levels ([`SatisfiedLevels`]); an empty indicator's weight redistributed
//! ([`EmptyPolicy`]); supervision facts as deductions
//! ([`deductions::default_rules`](crate::deductions::default_rules)); a record
//! reported within 60 minutes counts as real time for 数据交换; self-assessment
//! and peer review shown but not counted (weights 0); a second assessment
//! (二次考核, Hohhot) when the total is below 60.00 or satisfaction below 80 %
//! ([`SecondRoundRule`]).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::deductions::{default_rules, validate_rules, DeductionRule};
use crate::error::SystemError;
use crate::points::{Percent, Points};
use crate::satisfaction::{SatisfactionWeights, SatisfiedLevels};

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
    /// 公开类 from facts (a system may choose it instead of the manual score): items with a
    /// complete public guide ÷ active items, and decisions published within the system's delay
    /// ÷ publishable decisions, weighted by `openness_guide_share`.
    Openness,
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

/// What a computed rate indicator with nothing to measure (empty denominator) scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "policy")]
pub enum EmptyPolicy {
    /// Its maximum is shared out over the applicable computed rate indicators, in proportion
    /// to their maxima (this product's default). With none applicable, nothing is awarded.
    #[default]
    Redistribute,
    /// It scores this share of its maximum (e.g. `0` for nothing).
    Fixed { share: Percent },
}

/// When a unit gets a second assessment (二次考核, Hohhot): total below `below_total` **or**
/// satisfaction below `below_satisfaction`. The source names the round, not the numbers: the
/// defaults 60.00 and 80 % (the Hohhot cadre preset's threshold) are this product's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondRoundRule {
    pub below_total: Points,
    pub below_satisfaction: Percent,
}

impl Default for SecondRoundRule {
    fn default() -> Self {
        SecondRoundRule {
            below_total: Points::whole(60),
            below_satisfaction: Percent::whole(80),
        }
    }
}

fn default_delay_minutes() -> u32 {
    60
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
    /// Which answers count as satisfied (满意率), per source.
    #[serde(default)]
    pub satisfied_levels: SatisfiedLevels,
    /// What an indicator with nothing to measure scores.
    #[serde(default)]
    pub empty_policy: EmptyPolicy,
    /// Supervision facts that cost points, per kind.
    #[serde(default = "default_rules")]
    pub deduction_rules: Vec<DeductionRule>,
    /// 数据交换: a record reaching the platform within this many minutes of the moment it
    /// happened counts as reported in real time.
    #[serde(default = "default_delay_minutes")]
    pub data_exchange_max_delay_minutes: u32,
    /// Percent of the quarter total taken from the department's self-assessment (部门自评,
    /// Liaocheng); 0 = shown in the breakdown, not counted.
    #[serde(default)]
    pub self_assessment_weight: u32,
    /// Percent of the quarter total taken from the mean peer rating (协作互评); 0 = shown only.
    #[serde(default)]
    pub peer_review_weight: u32,
    /// When a second assessment round (二次考核) opens.
    #[serde(default)]
    pub second_round: SecondRoundRule,
    /// Computed 公开类: percent given to guide completeness (the rest to timely publication of
    /// decisions); this product's default 50.
    #[serde(default = "half")]
    pub openness_guide_share: u32,
    /// Computed 公开类: a decision shown on the public list within this many minutes of being
    /// made counts as published in time; this product's default 1 440 (one day).
    #[serde(default = "one_day")]
    pub publication_delay_minutes: u32,
}

fn half() -> u32 {
    50
}

fn one_day() -> u32 {
    1_440
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
            satisfied_levels: SatisfiedLevels::default(),
            empty_policy: EmptyPolicy::default(),
            deduction_rules: default_rules(),
            data_exchange_max_delay_minutes: default_delay_minutes(),
            self_assessment_weight: 0,
            peer_review_weight: 0,
            second_round: SecondRoundRule::default(),
            openness_guide_share: half(),
            publication_delay_minutes: one_day(),
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
        self.satisfied_levels.validate()?;
        validate_rules(&self.deduction_rules)?;
        let total = self
            .self_assessment_weight
            .saturating_add(self.peer_review_weight);
        if total > 100 {
            return Err(SystemError::ReviewWeights { total });
        }
        let pct_range = Percent::ZERO..=Percent::HUNDRED;
        if let EmptyPolicy::Fixed { share } = self.empty_policy {
            if !pct_range.contains(&share) {
                return Err(SystemError::PercentOutOfRange {
                    which: "empty_policy.share",
                    value: share,
                });
            }
        }
        if self.openness_guide_share > 100 {
            return Err(SystemError::ReviewWeights {
                total: self.openness_guide_share,
            });
        }
        if !pct_range.contains(&self.second_round.below_satisfaction) {
            return Err(SystemError::PercentOutOfRange {
                which: "second_round.below_satisfaction",
                value: self.second_round.below_satisfaction,
            });
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
    fn new_parts_are_validated() {
        let mut s = IndicatorSystem::fenghua_default();
        s.self_assessment_weight = 60;
        s.peer_review_weight = 50;
        assert_eq!(s.validate(), Err(SystemError::ReviewWeights { total: 110 }));
        let mut s = IndicatorSystem::fenghua_default();
        s.empty_policy = EmptyPolicy::Fixed {
            share: Percent::from_centi(10_001),
        };
        assert!(matches!(
            s.validate(),
            Err(SystemError::PercentOutOfRange { .. })
        ));
        // A system stored before these fields existed reads with the defaults.
        let old = r#"{"id":"x","name":"x","categories":[],"bonus_cap":0,"deduction_cap":0,"volume_tiers":[1,2,3,4]}"#;
        let read: Option<IndicatorSystem> = serde_json::from_str(old).ok();
        assert_eq!(
            read.map(|s| (
                s.empty_policy,
                s.deduction_rules.len(),
                s.data_exchange_max_delay_minutes
            )),
            Some((EmptyPolicy::Redistribute, 6, 60))
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
