//! Manually entered category scores (人工评分) with evidence (佐证材料).

use serde::{Deserialize, Serialize};

use crate::error::ScoringError;
use crate::points::Points;
use crate::system::{Category, CategorySource};

/// An assessor's score for one manual category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualScore {
    /// Category key.
    pub category: String,
    pub points: Points,
    /// References to evidence (document ids, file names, notes). Blank
    /// entries do not count.
    pub evidence: Vec<String>,
}

impl ManualScore {
    /// Whether at least one evidence entry is non-blank.
    pub fn has_evidence(&self) -> bool {
        self.evidence.iter().any(|e| !e.trim().is_empty())
    }

    /// Checks this score against its category: the category must be manual,
    /// `0 ≤ points ≤ max`, and evidence present when required.
    pub fn validate(&self, category: &Category) -> Result<(), ScoringError> {
        let name = || self.category.clone();
        let CategorySource::Manual { evidence_required } = category.source else {
            return Err(ScoringError::NotManual { category: name() });
        };
        if self.points < Points::ZERO || self.points > category.max_points {
            return Err(ScoringError::ManualOutOfRange {
                category: name(),
                points: self.points,
                max: category.max_points,
            });
        }
        if evidence_required && !self.has_evidence() {
            return Err(ScoringError::MissingEvidence { category: name() });
        }
        Ok(())
    }
}
