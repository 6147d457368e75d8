//! The domain model of mutua: what a French métropole's shared services ("mutualisation") are made of.
//!
//! - [`money`](Amount): euros at scale 2 with checked arithmetic and named [`Rounding`]; [`Rate`], [`Quantity`],
//!   [`Ratio`] and [`Fte`] for unrounded figures. No float anywhere.
//! - [`Party`]: the MEL, its communes and other bodies (a syndicate such as the FEAL), with what a public
//!   debtor requires on its invoices.
//! - [`PopulationTable`]: legal populations by commune, millésime and kind, and which millésime is in force.
//! - [`Semester`], [`Period`], [`DateRange`]: calendar periods, day and month counts, intersections.
//! - [`Dispositif`], [`Convention`], [`Terms`], [`Membership`]: the shared services, the agreements that set their
//!   terms over time, and who joined when.
//! - [`Rule`] and [`Component`]: tariffs and allocation keys as data.
//! - [`Valuation`]: full cost and unit operating cost (CGCT D5211-16), forecast and actual;
//!   [`UnitCostDerivation`] and [`UnitCostUpdate`]: the D5211-16 unit cost of a year derived from the last compte
//!   administratif updated by the budget primitif ([`DerivedUnitCost`], `docs/unit-cost.md`).
//! - [`CeeDeposit`], [`CeeOperation`]: pooled energy-saving certificates.
//! - [`AttributionCompensation`]: the AC an EPCI pays a commune for a year, its instalments, and how a service
//!   commun's cost imputed on it (CGCT L5211-4-2) reduces them ([`attribution`]).
//! - [`accounts`]: the M57 accounts of each flow, chosen by the [`Relation`] between payee and payer
//!   ([`LineAccounts`], `docs/accounts.md`).
//! - [`Dataset`] holds it all; [`validate`] checks it and reports every problem with its source (file and line,
//!   or table and key) and field; [`ValidatedDataset`] is a dataset that passed, the only kind the allocation
//!   takes.
//! - [`DatasetBuilder`] and [`ConventionBuilder`] build a dataset in memory with sensible defaults.
//!
//! Where this crate sits: `mutua-dataset` reads a source into it (a directory, a JSON document, or rows a finance
//! system assembles), `mutua-alloc` computes every amount from a [`ValidatedDataset`], `mutua-documents` turns
//! the amounts into documents and words them in French, `mutua-render` and `mutua-einvoice` write them as PDF and
//! Factur-X, and `mutua-issue` numbers and issues them. `docs/architecture.md` draws the whole flow.
//!
//! The core does no I/O, reads no clock and no environment: dates and data come from the caller.
//!
//! ```
//! use mutua_core::{Amount, Rounding, Semester};
//! let semester: Semester = "2026-S1".parse()?;
//! assert_eq!(semester.period().days(), 181);
//! let share = Amount::from_decimal("1234.565".parse()?, Rounding::HalfUp);
//! assert_eq!(share.format_fr(), "1\u{202f}234,57\u{a0}€");
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod accounts;
mod activity;
pub mod attribution;
mod build;
mod cee;
mod convention;
mod dataset;
mod eligibility;
mod index;
pub mod limits;
mod money;
mod party;
mod period;
mod population;
mod rule;
mod unit_cost;
mod validate;
mod validated;
mod valuation;

pub use accounts::{AccountFamily, AccountNature, AccountsRule, LineAccounts, Relation};
pub use activity::ActivityRecord;
pub use attribution::{AttributionCompensation, Instalment, InstalmentChange};
pub use build::{BuildErrors, ConventionBuilder, DatasetBuilder, municipale_in_force};
pub use cee::{CeeDeposit, CeeKind, CeeOperation};
pub use convention::{
    Convention, DEFAULT_PAYMENT_TERM_DAYS, Dispositif, Eligibility, EligibilityCheck, Flow, LegalVehicle,
    MAX_PAYMENT_TERM_DAYS, Membership, ProRata, RegularisationHalf, RegularisationPolicy, Settlement, Terms,
    VatRegime,
};
pub use dataset::{CarriedAmount, Dataset, DatasetMeta, IndexValue, REPORT_COMPONENT, Titre};
pub use eligibility::{Crossing, EligibilityCrossing};
pub use index::DatasetIndex;
pub use money::{
    Amount, CENTS_SCALE, Fte, MoneyError, Quantity, Rate, Ratio, Rounding, format_decimal_fr,
    parse_decimal_exact,
};
pub use party::{
    Address, Article, Bic, ConventionId, DispositifId, Iban, IdError, InseeCode, InvoicingRequirements,
    Party, PartyId, PartyKind, PartyNaming, PaymentDetails, Siren, Siret, Source, may_elide,
};
pub use period::{DateRange, Half, Period, PeriodError, Semester, parse_date};
pub use population::{
    Millesime, PopulationBasis, PopulationFigure, PopulationKind, PopulationRecord, PopulationTable,
};
pub use rule::{
    AbsentShares, ActivityBasis, Band, BandMode, CeeRedistribution, Component, FlatFee, IndexRevision, Key,
    PerInhabitant, PoolShare, PoolSource, PopulationBands, PriceTier, Rule, TariffError, TierPart, UnitCost,
    UnitPrice, WeightGrid,
};
pub use unit_cost::{CostLine, DerivedLine, DerivedUnitCost, UnitCostDerivation, UnitCostUpdate};
pub use validate::{
    PrintedText, Problem, SemesterCheck, ValidationError, forbidden_char, printed_texts, validate,
    validate_semester, validate_validated_semester,
};
pub use validated::{Rejected, ValidatedDataset, Warning, warnings};
pub use valuation::{
    FteCost, GradeCategory, STAFF_LINE_ROUNDING, StaffLine, UNIT_COST_ROUNDING, Valuation, ValuationBasis,
    ValuationError, ValuationResult,
};
