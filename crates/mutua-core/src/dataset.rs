//! The whole model of one dataset: everything a semester's computation needs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::activity::ActivityRecord;
use crate::attribution::AttributionCompensation;
use crate::cee::{CeeDeposit, CeeOperation};
use crate::convention::{Convention, Dispositif, Membership};
use crate::money::Amount;
use crate::party::{ConventionId, DispositifId, Party, PartyId, Source};
use crate::period::Semester;
use crate::population::PopulationTable;
use crate::unit_cost::{DerivedUnitCost, UnitCostDerivation, UnitCostUpdate};
use crate::valuation::{FteCost, Valuation, ValuationBasis, ValuationError, ValuationResult};

/// Settings of a dataset as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetMeta {
    /// Name ("Métropole Européenne de Lille — schéma de mutualisation").
    pub name: String,
    /// The semester a batch runs on when none is given.
    pub current_semester: Semester,
    /// The threshold under which no titre de recettes is issued (D1611-1: 15 €); smaller totals are carried.
    pub titre_threshold: Amount,
    /// First number of each document series (`FAC-MEL-2026` → 1); a series not listed starts at 1.
    pub series_start: BTreeMap<String, u64>,
    /// Where the settings came from.
    pub source: Source,
}

/// A value of a price index for a month (`SYNTEC` 2026-01 = 312.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexValue {
    /// Index name.
    pub index: String,
    /// Month `YYYY-MM`.
    pub month: String,
    /// Value.
    pub value: crate::money::Ratio,
    /// Where the record came from.
    pub source: Source,
}

/// The component of a carried amount whose file does not say it.
fn report_component() -> String {
    REPORT_COMPONENT.to_owned()
}

/// The component of a carried amount read from a `carried.csv` without a `component` column.
pub const REPORT_COMPONENT: &str = "report";

/// An amount below the titre threshold in an earlier semester, carried to the next one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarriedAmount {
    /// The semester whose run carried it: the amount is owed again in the semester after.
    pub semester: Semester,
    /// The semester the amount was computed for: `semester` itself, or an earlier one for an amount carried
    /// again (its debtor's total stayed under the threshold).
    pub origin: Semester,
    /// For a regularisation line carried: the year it regularises. Such an amount is not a billing of its
    /// semester, and no regularisation counts it as billed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regularises: Option<i32>,
    /// The party that would have issued the document.
    pub issuer: PartyId,
    /// The debtor.
    pub debtor: PartyId,
    /// The convention the amount was owed under.
    pub convention: ConventionId,
    /// The component of the line it came from, so that a regularisation counts the amount as billed for that
    /// component and semester (`report` for a file written before the column existed).
    #[serde(default = "report_component")]
    pub component: String,
    /// The label of the line it came from.
    pub label: String,
    /// The amount carried.
    pub amount: Amount,
    /// Where the record came from.
    pub source: Source,
}

/// A titre de recettes the finance system issued before mutua kept the ledger (`titres.csv`): what a member
/// was billed for one component of a convention in a past semester, which a regularisation subtracts from
/// what is due on the actual valuation. One row per titre line; the semesters mutua issued are read from
/// its ledger instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Titre {
    /// The titre's number in the finance system (`T-2025-000412`).
    pub number: String,
    /// The semester the titre billed.
    pub semester: Semester,
    /// The party that issued it (the convention's provider).
    pub issuer: PartyId,
    /// The debtor.
    pub debtor: PartyId,
    /// The convention billed.
    pub convention: ConventionId,
    /// The component of the convention's tariff billed (`instruction`, `fixed`…).
    pub component: String,
    /// The amount billed for that component.
    pub amount: Amount,
    /// Where the record came from.
    pub source: Source,
}

/// Everything a dataset holds, loaded and ready to validate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dataset {
    /// Settings.
    pub meta: DatasetMeta,
    /// Parties by key.
    pub parties: BTreeMap<PartyId, Party>,
    /// Legal populations.
    pub populations: PopulationTable,
    /// Dispositifs by key.
    pub dispositifs: BTreeMap<DispositifId, Dispositif>,
    /// Conventions by key.
    pub conventions: BTreeMap<ConventionId, Convention>,
    /// Memberships, in file order.
    pub memberships: Vec<Membership>,
    /// Recorded activity, in file order.
    pub activity: Vec<ActivityRecord>,
    /// Loaded annual costs of an FTE.
    pub fte_costs: Vec<FteCost>,
    /// Valuations of the dispositifs' full cost.
    pub valuations: Vec<Valuation>,
    /// D5211-16 unit costs derived from a compte administratif (`unit_costs.csv`), in source order.
    pub unit_costs: Vec<UnitCostDerivation>,
    /// The foreseeable changes of those unit costs (`unit_cost_updates.csv`), in source order.
    pub unit_cost_updates: Vec<UnitCostUpdate>,
    /// Price index values.
    pub indices: Vec<IndexValue>,
    /// CEE deposits.
    pub cee_deposits: Vec<CeeDeposit>,
    /// CEE operations.
    pub cee_operations: Vec<CeeOperation>,
    /// Amounts carried from earlier semesters (below the titre threshold).
    pub carried: Vec<CarriedAmount>,
    /// Titres issued by the finance system before mutua, for regularisations (`titres.csv`), in file order.
    pub titres: Vec<Titre>,
    /// The attributions de compensation the EPCI pays its communes, by year (`attributions.csv`), in file order:
    /// what the statements of imputation on the AC show before and after imputation.
    pub attributions: Vec<AttributionCompensation>,
}

impl Dataset {
    /// The party with a key.
    #[must_use]
    pub fn party(&self, id: &PartyId) -> Option<&Party> {
        self.parties.get(id)
    }

    /// The memberships of a convention, in file order.
    pub fn members_of<'a>(
        &'a self,
        convention: &'a ConventionId,
    ) -> impl Iterator<Item = &'a Membership> + 'a {
        self.memberships.iter().filter(move |m| &m.convention == convention)
    }

    /// The distinct members a convention has ever had.
    #[must_use]
    pub fn member_count(&self, convention: &ConventionId) -> usize {
        let mut members: Vec<&PartyId> = self.members_of(convention).map(|m| &m.member).collect();
        members.sort_unstable();
        members.dedup();
        members.len()
    }

    /// The valuation of a dispositif for a year and basis.
    #[must_use]
    pub fn valuation(
        &self,
        dispositif: &DispositifId,
        year: i32,
        basis: ValuationBasis,
    ) -> Option<&Valuation> {
        self.valuations.iter().find(|v| &v.dispositif == dispositif && v.year == year && v.basis == basis)
    }

    /// The D5211-16 derivation of a dispositif's unit cost for a year.
    #[must_use]
    pub fn unit_cost_derivation(&self, dispositif: &DispositifId, year: i32) -> Option<&UnitCostDerivation> {
        self.unit_costs.iter().find(|d| &d.dispositif == dispositif && d.year == year)
    }

    /// The D5211-16 unit cost of a dispositif for a year, derived from its compte administratif and the updates;
    /// `None` when the dataset does not derive it (`unit_costs.csv` has no row for it).
    #[must_use]
    pub fn derived_unit_cost(
        &self,
        dispositif: &DispositifId,
        year: i32,
    ) -> Option<Result<DerivedUnitCost, ValuationError>> {
        let derivation = self.unit_cost_derivation(dispositif, year)?;
        let accounts = self.valuation(dispositif, derivation.compte_administratif, ValuationBasis::Actual);
        Some(self.derive(derivation, accounts))
    }

    /// A D5211-16 derivation computed on the actual valuation of its compte administratif (`accounts`).
    pub(crate) fn derive(
        &self,
        derivation: &UnitCostDerivation,
        accounts: Option<&Valuation>,
    ) -> Result<DerivedUnitCost, ValuationError> {
        accounts
            .ok_or(ValuationError::MissingAccounts { year: derivation.compte_administratif })
            .and_then(|accounts| derivation.compute(accounts, &self.unit_cost_updates, &self.fte_costs))
    }

    /// The computed valuation of a dispositif for a year and basis, the one every valuation-based rule bills on:
    /// for the forecast, the D5211-16 derived unit cost when the dataset derives it, else the `forecast` row of
    /// `valuations.csv`; for the actual, the `actual` row. `None` when there is neither.
    #[must_use]
    pub fn valuation_result(
        &self,
        dispositif: &DispositifId,
        year: i32,
        basis: ValuationBasis,
    ) -> Option<Result<ValuationResult, ValuationError>> {
        if basis == ValuationBasis::Forecast
            && let Some(derived) = self.derived_unit_cost(dispositif, year)
        {
            return Some(derived.map(|derived| derived.valuation()));
        }
        self.valuation(dispositif, year, basis).map(|valuation| valuation.compute(&self.fte_costs))
    }

    /// Whether a dispositif has a forecast for a year: a `forecast` valuation or a D5211-16 derivation.
    #[must_use]
    pub fn has_forecast(&self, dispositif: &DispositifId, year: i32) -> bool {
        self.unit_cost_derivation(dispositif, year).is_some()
            || self.valuation(dispositif, year, ValuationBasis::Forecast).is_some()
    }

    /// The conventions of a dispositif.
    pub fn conventions_of<'a>(
        &'a self,
        dispositif: &'a DispositifId,
    ) -> impl Iterator<Item = &'a Convention> + 'a {
        self.conventions.values().filter(move |c| &c.dispositif == dispositif)
    }

    /// The years the dataset has activity or valuations for, ascending.
    #[must_use]
    pub fn years_covered(&self) -> Vec<i32> {
        let mut years: Vec<i32> = self
            .activity
            .iter()
            .map(|a| a.semester.year)
            .chain(self.valuations.iter().map(|v| v.year))
            .collect();
        years.sort_unstable();
        years.dedup();
        years
    }
}
