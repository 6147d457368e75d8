//! [`ValidatedDataset`]: a dataset that passed [`validate`](crate::validate()), the only kind the allocation accepts.

use std::ops::Deref;

use crate::cee::{CeeDeposit, CeeOperation};
use crate::convention::{Convention, Membership};
use crate::dataset::Dataset;
use crate::eligibility::EligibilityCrossing;
use crate::index::DatasetIndex;
use crate::party::Source;
use crate::party::{ConventionId, DispositifId};
use crate::period::DateRange;
use crate::unit_cost::{DerivedUnitCost, UnitCostDerivation};
use crate::validate::ValidationError;
use crate::valuation::{Valuation, ValuationBasis, ValuationError, ValuationResult};

/// What a valid dataset holds that a finance officer should know before the batch: it refuses nothing, and the
/// batch runs with it (`mutua check` and `mutua run` print each, in French, before computing).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// A member whose population crosses its convention's threshold after it joined: under `each_year` it leaves
    /// the convention on 1 January of that year and is not billed from then; under `at_joining` or `until_end` it
    /// stays a member.
    NoLongerEligible(EligibilityCrossing),
    /// Activity recorded for a semester in which its member is no longer billed (it left its convention's
    /// eligibility, under `each_year`): it is left aside.
    ActivityNotBilled {
        /// The activity record.
        source: Source,
        /// The convention.
        convention: crate::party::ConventionId,
        /// The member.
        member: crate::party::PartyId,
        /// The semester recorded.
        semester: crate::period::Semester,
    },
}

impl Warning {
    /// The record it is about.
    #[must_use]
    pub fn source(&self) -> &Source {
        match self {
            Warning::NoLongerEligible(crossing) => &crossing.source,
            Warning::ActivityNotBilled { source, .. } => source,
        }
    }

    /// The field of that record it is about (a CSV column or a key).
    #[must_use]
    pub fn field(&self) -> &'static str {
        match self {
            Warning::NoLongerEligible(_) | Warning::ActivityNotBilled { .. } => "member",
        }
    }
}

/// Every warning about a dataset, ordered by record.
#[must_use]
pub fn warnings(dataset: &Dataset) -> Vec<Warning> {
    let index = DatasetIndex::new(dataset);
    let billed = dataset.billed_ranges_indexed(&index);
    warnings_indexed(dataset, &index, &billed)
}

/// [`warnings`] with the index and billed ranges already built.
fn warnings_indexed(dataset: &Dataset, index: &DatasetIndex, billed: &[DateRange]) -> Vec<Warning> {
    let mut warnings: Vec<Warning> =
        dataset.eligibility_crossings().into_iter().map(Warning::NoLongerEligible).collect();
    for record in &dataset.activity {
        let period = record.semester.period();
        let of_member = index
            .memberships_of(dataset, &record.convention, &record.member)
            .filter_map(|(position, m)| Some((m, billed.get(position)?)));
        let (member, billed_then) = of_member.fold((false, false), |(member, billed_then), (m, range)| {
            (member || period.intersect(m.range).is_some(), billed_then || period.intersect(*range).is_some())
        });
        if member && !billed_then {
            warnings.push(Warning::ActivityNotBilled {
                source: record.source.clone(),
                convention: record.convention.clone(),
                member: record.member.clone(),
                semester: record.semester,
            });
        }
    }
    warnings.sort_by(|a, b| (&a.source().file, a.source().line).cmp(&(&b.source().file, b.source().line)));
    warnings
}

/// A dataset every rule of [`validate`](crate::validate()) accepts. Only [`ValidatedDataset::new`] makes one, and it cannot be changed
/// afterwards (it derefs to [`Dataset`] for reading, never for writing): what `mutua_alloc::allocate` is given has
/// been validated, and stays so.
///
/// ```
/// use mutua_core::{DatasetBuilder, ValidatedDataset};
///
/// let validated = DatasetBuilder::new("test", "2026-S1").metropole("MEL", "Métropole", "200093201").build()?;
/// // To change a validated dataset, take it back and validate it again.
/// let mut dataset = validated.into_inner();
/// dataset.meta.name = "test 2".into();
/// let again = ValidatedDataset::new(dataset)?;
/// assert_eq!(again.meta.name, "test 2");
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedDataset {
    dataset: Dataset,
    warnings: Vec<Warning>,
    /// The lookups of the computation, built once: the dataset cannot change.
    index: DatasetIndex,
    /// [`Dataset::billed_ranges`], read once.
    billed: Vec<DateRange>,
}

/// A dataset [`validate`](crate::validate()) refused: the dataset, given back, and every problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The dataset as it was.
    pub dataset: Dataset,
    /// Every problem, ordered by file and line.
    pub errors: Vec<ValidationError>,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for error in &self.errors {
            writeln!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Rejected {}

impl ValidatedDataset {
    /// Validates a dataset.
    ///
    /// # Errors
    ///
    /// [`Rejected`] with the dataset and every problem, when any rule is broken.
    pub fn new(dataset: Dataset) -> Result<ValidatedDataset, Box<Rejected>> {
        let index = DatasetIndex::new(&dataset);
        let billed = dataset.billed_ranges_indexed(&index);
        let errors = crate::validate::validate_indexed(&dataset, &index, &billed);
        if errors.is_empty() {
            let warnings = warnings_indexed(&dataset, &index, &billed);
            Ok(ValidatedDataset { dataset, warnings, index, billed })
        } else {
            Err(Box::new(Rejected { dataset, errors }))
        }
    }

    /// The dataset, to read.
    #[must_use]
    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    /// What the dataset holds that is reported before the batch, without refusing it (members that leave their
    /// convention's eligibility), ordered by record.
    #[must_use]
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The lookups of the computation over this dataset, built when it was validated.
    #[must_use]
    pub fn index(&self) -> &DatasetIndex {
        &self.index
    }

    /// The days each membership is billed ([`Dataset::billed_range`]), in the order of [`Dataset::memberships`].
    #[must_use]
    pub fn billed_ranges(&self) -> &[DateRange] {
        &self.billed
    }

    /// The memberships of a convention, in file order (through the index: [`Dataset::members_of`] scans).
    pub fn members_of<'a>(&'a self, convention: &ConventionId) -> impl Iterator<Item = &'a Membership> + 'a {
        self.index.members_of(&self.dataset, convention)
    }

    /// The memberships of a convention with the days each is billed, in file order.
    pub fn billed_members_of<'a>(
        &'a self,
        convention: &ConventionId,
    ) -> impl Iterator<Item = (&'a Membership, DateRange)> + 'a {
        let positions = self.index.membership_positions(convention);
        positions.iter().filter_map(|&position| {
            Some((self.dataset.memberships.get(position)?, *self.billed.get(position)?))
        })
    }

    /// The distinct members a convention has ever had.
    #[must_use]
    pub fn member_count(&self, convention: &ConventionId) -> usize {
        self.index.member_count(convention)
    }

    /// The valuation of a dispositif for a year and basis.
    #[must_use]
    pub fn valuation(
        &self,
        dispositif: &DispositifId,
        year: i32,
        basis: ValuationBasis,
    ) -> Option<&Valuation> {
        self.index.valuation(&self.dataset, dispositif, year, basis)
    }

    /// The D5211-16 derivation of a dispositif's unit cost for a year.
    #[must_use]
    pub fn unit_cost_derivation(&self, dispositif: &DispositifId, year: i32) -> Option<&UnitCostDerivation> {
        self.index.unit_cost_derivation(&self.dataset, dispositif, year)
    }

    /// [`Dataset::derived_unit_cost`], through the index.
    #[must_use]
    pub fn derived_unit_cost(
        &self,
        dispositif: &DispositifId,
        year: i32,
    ) -> Option<Result<DerivedUnitCost, ValuationError>> {
        let derivation = self.unit_cost_derivation(dispositif, year)?;
        let accounts = self.valuation(dispositif, derivation.compte_administratif, ValuationBasis::Actual);
        Some(self.dataset.derive(derivation, accounts))
    }

    /// [`Dataset::valuation_result`], through the index.
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
        self.valuation(dispositif, year, basis).map(|valuation| valuation.compute(&self.dataset.fte_costs))
    }

    /// Whether a dispositif has a forecast for a year: a `forecast` valuation or a D5211-16 derivation.
    #[must_use]
    pub fn has_forecast(&self, dispositif: &DispositifId, year: i32) -> bool {
        self.unit_cost_derivation(dispositif, year).is_some()
            || self.valuation(dispositif, year, ValuationBasis::Forecast).is_some()
    }

    /// The conventions of a dispositif, by id.
    pub fn conventions_of<'a>(
        &'a self,
        dispositif: &DispositifId,
    ) -> impl Iterator<Item = &'a Convention> + 'a {
        self.index.conventions_of(&self.dataset, dispositif)
    }

    /// The CEE deposits made under a convention, in file order.
    pub fn deposits_of<'a>(&'a self, convention: &ConventionId) -> impl Iterator<Item = &'a CeeDeposit> + 'a {
        self.index.deposits_of(&self.dataset, convention)
    }

    /// The CEE operations of a deposit, in file order.
    pub fn operations_of<'a>(&'a self, deposit: &str) -> impl Iterator<Item = &'a CeeOperation> + 'a {
        self.index.operations_of(&self.dataset, deposit)
    }

    /// The dataset back, to change it (and validate it again).
    #[must_use]
    pub fn into_inner(self) -> Dataset {
        self.dataset
    }
}

impl Deref for ValidatedDataset {
    type Target = Dataset;

    fn deref(&self) -> &Dataset {
        &self.dataset
    }
}

impl AsRef<Dataset> for ValidatedDataset {
    fn as_ref(&self) -> &Dataset {
        &self.dataset
    }
}
