//! Energy-saving certificates (CEE): pooled deposits, their operations and sale prices.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::money::{Quantity, Rate};
use crate::party::{ConventionId, PartyId, Source};

/// The two kinds of certificates, priced separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CeeKind {
    /// Classique certificates.
    Classique,
    /// Précarité énergétique certificates (operations for low-income households).
    Precarite,
}

impl CeeKind {
    /// The French label.
    #[must_use]
    pub fn label_fr(self) -> &'static str {
        match self {
            CeeKind::Classique => "classique",
            CeeKind::Precarite => "précarité",
        }
    }
}

/// A pooled deposit of CEE operations, sold at a price per MWh cumac for each kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CeeDeposit {
    /// Key of the deposit (`depot-2026-1`).
    pub id: String,
    /// The CEE convention it was made under.
    pub convention: ConventionId,
    /// Label printed on payment notices ("3e dépôt mutualisé").
    pub label: String,
    /// Day the certificates were sold: the proceeds are returned in the semester containing it.
    pub sold_on: NaiveDate,
    /// Price obtained per MWh cumac of classique certificates, in euros.
    pub price_classique_per_mwh: Rate,
    /// Price obtained per MWh cumac of précarité certificates, in euros.
    pub price_precarite_per_mwh: Rate,
    /// Where the record came from.
    pub source: Source,
}

impl CeeDeposit {
    /// The price of a kind, in euros per MWh cumac.
    #[must_use]
    pub fn price_per_mwh(&self, kind: CeeKind) -> Rate {
        match kind {
            CeeKind::Classique => self.price_classique_per_mwh,
            CeeKind::Precarite => self.price_precarite_per_mwh,
        }
    }
}

/// One operation of a deposit: the kWh cumac a beneficiary earned, as given by the standard sheets (never
/// recomputed here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CeeOperation {
    /// The deposit it belongs to.
    pub deposit: String,
    /// The party that carried out the operation and earns its share (a commune, the MEL, the FEAL).
    pub beneficiary: PartyId,
    /// The operation's reference (standard sheet and site: "BAT-TH-116 école Pasteur").
    pub reference: String,
    /// Classique or précarité.
    pub kind: CeeKind,
    /// kWh cumac (lifetime-cumulated, discounted energy saved).
    pub kwh_cumac: Quantity,
    /// Where the record came from.
    pub source: Source,
}
