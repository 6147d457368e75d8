//! Recorded activity: the units of work each member used in a semester.

use serde::{Deserialize, Serialize};

use crate::money::Quantity;
use crate::party::{ConventionId, PartyId, Source};
use crate::period::Semester;

/// Units of work a member used under a convention in a semester: 12 "PC" (permis de construire) files,
/// 7.5 hours of the data-protection officer, 14 linear metres of archives…
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityRecord {
    /// The convention the work was done under.
    pub convention: ConventionId,
    /// The member the work was done for.
    pub member: PartyId,
    /// The semester the work was done in.
    pub semester: Semester,
    /// The activity, matched by the rules' `activity` (`ads`, `hours`, `archives`, `printing`, `housing`).
    pub activity: String,
    /// The unit type, weighted by the rule's grid (`PC`, `DP`, `hour`, `metre`, `page_a4`).
    pub unit: String,
    /// How many units (never negative).
    pub quantity: Quantity,
    /// Where the record came from.
    pub source: Source,
}
