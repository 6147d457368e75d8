//! [`ValidatedDataset`]: a dataset that passed [`validate`], the only kind the allocation accepts.

use std::ops::Deref;

use crate::dataset::Dataset;
use crate::eligibility::EligibilityCrossing;
use crate::party::Source;
use crate::validate::{ValidationError, validate};

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
    let mut warnings: Vec<Warning> =
        dataset.eligibility_crossings().into_iter().map(Warning::NoLongerEligible).collect();
    let billed = dataset.billed_ranges();
    for record in &dataset.activity {
        let period = record.semester.period();
        let of_member = dataset
            .memberships
            .iter()
            .zip(&billed)
            .filter(|(m, _)| m.convention == record.convention && m.member == record.member);
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

/// A dataset every rule of [`validate`] accepts. Only [`ValidatedDataset::new`] makes one, and it cannot be changed
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
}

/// A dataset [`validate`] refused: the dataset, given back, and every problem found.
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
        let errors = validate(&dataset);
        if errors.is_empty() {
            let warnings = warnings(&dataset);
            Ok(ValidatedDataset { dataset, warnings })
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
