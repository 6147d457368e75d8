//! [`DatasetIndex`]: the lookups a semester's computation makes many times, built once in one pass over the
//! dataset, so that validation, the allocation and the documents stay linear (or n log n) in the number of
//! parties, memberships, activity rows and operations.
//!
//! A [`Dataset`] answers the same questions by scanning its tables ([`Dataset::members_of`],
//! [`Dataset::valuation`]…): fine for one question, quadratic for one question per record. Validation builds an
//! index for its own pass; a [`crate::ValidatedDataset`] holds one (it cannot change once validated) and its
//! methods of the same names answer through it.
//!
//! Every list keeps file order, and a lookup that [`Dataset`] answers with the first matching record (`find`)
//! answers with the first here too: an index changes how fast an answer comes, never the answer.

use std::collections::{BTreeMap, BTreeSet};

use crate::cee::{CeeDeposit, CeeOperation};
use crate::convention::Membership;
use crate::dataset::Dataset;
use crate::party::{ConventionId, DispositifId, PartyId};
use crate::period::{Half, Semester};
use crate::unit_cost::UnitCostDerivation;
use crate::valuation::{Valuation, ValuationBasis};

/// Positions in the dataset's tables, grouped by the keys the computation looks them up by. It holds no
/// reference: pass it the dataset it was built from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatasetIndex {
    /// Memberships of each convention, positions in [`Dataset::memberships`], in file order.
    memberships: BTreeMap<ConventionId, Vec<usize>>,
    /// Memberships of each member of each convention, in file order.
    member_memberships: BTreeMap<(ConventionId, PartyId), Vec<usize>>,
    /// The distinct members each convention has ever had.
    member_counts: BTreeMap<ConventionId, usize>,
    /// The first valuation of each dispositif, year and basis.
    valuations: BTreeMap<(DispositifId, i32, ValuationBasis), usize>,
    /// The first D5211-16 derivation of each dispositif and year.
    unit_costs: BTreeMap<(DispositifId, i32), usize>,
    /// The conventions of each dispositif, by id.
    conventions: BTreeMap<DispositifId, Vec<ConventionId>>,
    /// The CEE deposits made under each convention, in file order.
    deposits: BTreeMap<ConventionId, Vec<usize>>,
    /// The CEE operations of each deposit, in file order.
    operations: BTreeMap<String, Vec<usize>>,
    /// The semesters each convention has activity recorded for.
    activity_semesters: BTreeSet<(ConventionId, Semester)>,
    /// The millésimes the populations hold.
    millesimes: BTreeSet<i32>,
}

impl DatasetIndex {
    /// Indexes a dataset: one pass over each table.
    #[must_use]
    pub fn new(dataset: &Dataset) -> DatasetIndex {
        let mut index = DatasetIndex::default();
        for (position, membership) in dataset.memberships.iter().enumerate() {
            index.memberships.entry(membership.convention.clone()).or_default().push(position);
            let members = index
                .member_memberships
                .entry((membership.convention.clone(), membership.member.clone()))
                .or_default();
            if members.is_empty() {
                *index.member_counts.entry(membership.convention.clone()).or_default() += 1;
            }
            members.push(position);
        }
        for (position, valuation) in dataset.valuations.iter().enumerate() {
            index
                .valuations
                .entry((valuation.dispositif.clone(), valuation.year, valuation.basis))
                .or_insert(position);
        }
        for (position, derivation) in dataset.unit_costs.iter().enumerate() {
            index.unit_costs.entry((derivation.dispositif.clone(), derivation.year)).or_insert(position);
        }
        for convention in dataset.conventions.values() {
            index.conventions.entry(convention.dispositif.clone()).or_default().push(convention.id.clone());
        }
        for (position, deposit) in dataset.cee_deposits.iter().enumerate() {
            index.deposits.entry(deposit.convention.clone()).or_default().push(position);
        }
        for (position, operation) in dataset.cee_operations.iter().enumerate() {
            index.operations.entry(operation.deposit.clone()).or_default().push(position);
        }
        index.activity_semesters =
            dataset.activity.iter().map(|record| (record.convention.clone(), record.semester)).collect();
        index.millesimes = dataset.populations.records().map(|record| record.millesime).collect();
        index
    }

    /// The memberships of a convention, in file order.
    pub fn members_of<'a>(
        &'a self,
        dataset: &'a Dataset,
        convention: &ConventionId,
    ) -> impl Iterator<Item = &'a Membership> + 'a {
        positions(self.memberships.get(convention)).filter_map(|position| dataset.memberships.get(position))
    }

    /// The positions in [`Dataset::memberships`] of a convention's memberships, in file order.
    #[must_use]
    pub fn membership_positions(&self, convention: &ConventionId) -> &[usize] {
        self.memberships.get(convention).map_or(&[], Vec::as_slice)
    }

    /// The memberships of one member of a convention, in file order.
    pub fn memberships_of<'a>(
        &'a self,
        dataset: &'a Dataset,
        convention: &ConventionId,
        member: &PartyId,
    ) -> impl Iterator<Item = (usize, &'a Membership)> + 'a {
        let found = self.member_memberships.get(&(convention.clone(), member.clone()));
        positions(found).filter_map(|position| dataset.memberships.get(position).map(|m| (position, m)))
    }

    /// The distinct members a convention has ever had.
    #[must_use]
    pub fn member_count(&self, convention: &ConventionId) -> usize {
        self.member_counts.get(convention).copied().unwrap_or(0)
    }

    /// The first valuation of a dispositif for a year and basis.
    #[must_use]
    pub fn valuation<'a>(
        &self,
        dataset: &'a Dataset,
        dispositif: &DispositifId,
        year: i32,
        basis: ValuationBasis,
    ) -> Option<&'a Valuation> {
        let position = self.valuations.get(&(dispositif.clone(), year, basis))?;
        dataset.valuations.get(*position)
    }

    /// The first D5211-16 derivation of a dispositif's unit cost for a year.
    #[must_use]
    pub fn unit_cost_derivation<'a>(
        &self,
        dataset: &'a Dataset,
        dispositif: &DispositifId,
        year: i32,
    ) -> Option<&'a UnitCostDerivation> {
        let position = self.unit_costs.get(&(dispositif.clone(), year))?;
        dataset.unit_costs.get(*position)
    }

    /// The conventions of a dispositif, by id.
    pub fn conventions_of<'a>(
        &'a self,
        dataset: &'a Dataset,
        dispositif: &DispositifId,
    ) -> impl Iterator<Item = &'a crate::convention::Convention> + 'a {
        self.conventions.get(dispositif).into_iter().flatten().filter_map(|id| dataset.conventions.get(id))
    }

    /// The CEE deposits made under a convention, in file order.
    pub fn deposits_of<'a>(
        &'a self,
        dataset: &'a Dataset,
        convention: &ConventionId,
    ) -> impl Iterator<Item = &'a CeeDeposit> + 'a {
        positions(self.deposits.get(convention)).filter_map(|position| dataset.cee_deposits.get(position))
    }

    /// The CEE operations of a deposit, in file order.
    pub fn operations_of<'a>(
        &'a self,
        dataset: &'a Dataset,
        deposit: &str,
    ) -> impl Iterator<Item = &'a CeeOperation> + 'a {
        positions(self.operations.get(deposit)).filter_map(|position| dataset.cee_operations.get(position))
    }

    /// Whether a convention has activity recorded for a semester.
    #[must_use]
    pub fn has_activity(&self, convention: &ConventionId, semester: Semester) -> bool {
        self.activity_semesters.contains(&(convention.clone(), semester))
    }

    /// Whether a convention has activity recorded for a semester of a year.
    #[must_use]
    pub fn has_activity_in(&self, convention: &ConventionId, year: i32) -> bool {
        [Half::S1, Half::S2].into_iter().any(|half| self.has_activity(convention, Semester { year, half }))
    }

    /// Whether a dispositif has a forecast for a year: a `forecast` valuation or a D5211-16 derivation
    /// ([`Dataset::has_forecast`]).
    #[must_use]
    pub fn has_forecast(&self, dispositif: &DispositifId, year: i32) -> bool {
        self.unit_costs.contains_key(&(dispositif.clone(), year))
            || self.valuations.contains_key(&(dispositif.clone(), year, ValuationBasis::Forecast))
    }

    /// The millésimes the populations hold, ascending.
    #[must_use]
    pub fn millesimes(&self) -> &BTreeSet<i32> {
        &self.millesimes
    }
}

fn positions(list: Option<&Vec<usize>>) -> impl Iterator<Item = usize> + '_ {
    list.into_iter().flatten().copied()
}
