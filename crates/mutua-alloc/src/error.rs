//! Why an allocation cannot be computed.

use mutua_core::{Amount, MoneyError, TariffError, ValuationBasis, ValuationError};

use crate::split::SplitError;

/// Why an allocation cannot be computed. Each names the convention, member or dispositif concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AllocError {
    /// A population needed by a rule is missing.
    #[error("no population of millésime {millesime} for `{member}` (needed by convention `{convention}`)")]
    MissingPopulation {
        /// Member.
        member: String,
        /// Millésime.
        millesime: i32,
        /// Convention.
        convention: String,
    },
    /// A valuation needed by a rule is missing.
    #[error("dispositif `{dispositif}` has no {} valuation for {year}", basis.as_str())]
    MissingValuation {
        /// Dispositif.
        dispositif: String,
        /// Year.
        year: i32,
        /// Forecast or actual.
        basis: ValuationBasis,
    },
    /// A valuation cannot be computed.
    #[error("valuation of `{dispositif}` for {year}: {source}")]
    Valuation {
        /// Dispositif.
        dispositif: String,
        /// Year.
        year: i32,
        /// Why.
        source: ValuationError,
    },
    /// An index value needed by a revision is missing.
    #[error("index `{index}` has no value for {month} or before")]
    MissingIndex {
        /// Index.
        index: String,
        /// Month.
        month: String,
    },
    /// A pool could not be split.
    #[error("cannot split `{component}` of convention `{convention}`: {source}")]
    Split {
        /// Convention.
        convention: String,
        /// Component.
        component: String,
        /// Why.
        source: SplitError,
    },
    /// A tariff could not be applied.
    #[error("cannot apply `{component}` of convention `{convention}`: {source}")]
    Tariff {
        /// Convention.
        convention: String,
        /// Component.
        component: String,
        /// Why.
        source: TariffError,
    },
    /// A member of a fixed-percentage key has no percentage.
    #[error("member `{member}` of `{convention}` has no fixed percentage")]
    MissingPercentage {
        /// Convention.
        convention: String,
        /// Member.
        member: String,
    },
    /// An activity unit has no weight (the dataset was not validated).
    #[error("unit `{unit}` has no weight in convention `{convention}`")]
    UnknownUnit {
        /// Convention.
        convention: String,
        /// Unit.
        unit: String,
    },
    /// A party is referenced but missing (the dataset was not validated).
    #[error("unknown party `{0}`")]
    UnknownParty(String),
    /// A convention is referenced but missing (the dataset was not validated).
    #[error("unknown convention `{0}`")]
    UnknownConvention(String),
    /// A rule or option this engine does not apply in that position.
    #[error("`{rule}` is not supported for component `{component}` of `{convention}`")]
    UnsupportedRule {
        /// Convention.
        convention: String,
        /// Component.
        component: String,
        /// The rule or option.
        rule: String,
    },
    /// Arithmetic overflow or division by zero in a convention's computation.
    #[error("convention `{convention}`, `{component}`: computation out of bounds ({source})")]
    Arithmetic {
        /// Convention.
        convention: String,
        /// Component (or deposit).
        component: String,
        /// What overflowed.
        source: MoneyError,
    },
    /// An amount computed for a member beyond the largest amount a document may carry.
    #[error(
        "convention `{convention}`, `{component}`: {amount} for `{member}` is beyond the largest amount ({limit})"
    )]
    OutOfBounds {
        /// Convention.
        convention: String,
        /// Component.
        component: String,
        /// Member.
        member: String,
        /// The amount.
        amount: Amount,
        /// The limit.
        limit: String,
    },
    /// A regularisation needs what a semester billed, and neither the ledger nor the titres record it.
    #[error(
        "convention `{convention}`: what {semester} billed is recorded neither in the ledger nor in titres.csv"
    )]
    BilledUnknown {
        /// Convention.
        convention: String,
        /// The semester.
        semester: mutua_core::Semester,
    },
    /// Arithmetic overflow or division by zero.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

impl AllocError {
    /// The error, with a convention and component for an arithmetic one that has none.
    #[must_use]
    pub fn within(self, convention: &str, component: &str) -> AllocError {
        match self {
            AllocError::Money(source) => AllocError::Arithmetic {
                convention: convention.to_owned(),
                component: component.to_owned(),
                source,
            },
            AllocError::Tariff { convention, component, source: TariffError::Overflow } => {
                AllocError::Arithmetic { convention, component, source: MoneyError::Overflow("tariff") }
            }
            other => other,
        }
    }

    /// The convention the error is about, if it names one.
    #[must_use]
    pub fn convention(&self) -> Option<&str> {
        match self {
            AllocError::MissingPopulation { convention, .. }
            | AllocError::Split { convention, .. }
            | AllocError::Tariff { convention, .. }
            | AllocError::MissingPercentage { convention, .. }
            | AllocError::UnknownUnit { convention, .. }
            | AllocError::UnsupportedRule { convention, .. }
            | AllocError::Arithmetic { convention, .. }
            | AllocError::OutOfBounds { convention, .. } => Some(convention),
            AllocError::UnknownConvention(convention) | AllocError::BilledUnknown { convention, .. } => {
                Some(convention)
            }
            _ => None,
        }
    }
}
