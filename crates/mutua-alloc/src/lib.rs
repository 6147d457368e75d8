//! Allocation: every amount a semester owes, split exactly to the cent, with how it was obtained.
//!
//! [`allocate`] takes a [`ValidatedDataset`](mutua_core::ValidatedDataset) and a semester and returns an
//! [`Allocation`]: every [`Charge`] (who owes whom, under which convention and component, how much) with its
//! [`LineBasis`] (quantity × unit price, and the figures it comes from) and its [`Trace`] (the rule, the key, the
//! bases, the ratio, the rounding and the cents the remainder rule moved, as typed [`trace::Step`]s — numbers, not
//! words: `mutua_documents::present` says them in French), and every pool's reconciliation ([`PoolSummary`]: what
//! was to split, what was allotted, what nobody pays and why). One module per kind of rule in the engine; every
//! match on a rule is exhaustive, so a new kind of rule does not compile until each place handles it.
//!
//! ```
//! use chrono::NaiveDate;
//! use mutua_core::{ConventionBuilder, DatasetBuilder, Rule};
//!
//! let since = NaiveDate::from_ymd_opt(2021, 1, 1).ok_or("date")?;
//! let dataset = DatasetBuilder::new("test", "2026-S1")
//!     .metropole("MEL", "Métropole Européenne de Lille", "200093201")
//!     .commune("59005", "Allennes-les-Marais", "215900051", 1523)
//!     .dispositif("cep", "Conseil en énergie partagé")
//!     .convention(ConventionBuilder::new("cep", "cep", "MEL", since).component(
//!         "habitants",
//!         "Conseil en énergie partagé",
//!         Rule::per_inhabitant("1.20".parse()?),
//!     ))
//!     .member("cep", "59005", since, None)
//!     .build()?;
//! let allocation = mutua_alloc::allocate(&dataset, "2026-S1".parse()?)?;
//! let charge = &allocation.charges[0];
//! // 1,523 inhabitants × 1.20 € a year, half a year.
//! assert_eq!(charge.amount.to_string(), "913.80");
//! assert_eq!(charge.trace.rule, mutua_alloc::trace::RuleKind::PerInhabitant);
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The splitter contract
//!
//! [`split`] shares a total among targets in proportion to exact decimal weights, by the largest remainder
//! method computed in integer cents: each target first gets its quota `total × weight / Σweight` truncated
//! toward zero to the cent, and the cents left over go one each to the targets with the largest remainders.
//! **Equal remainders are ordered by ascending key, never by input order**, so a key's part does not depend
//! on where its target sits in the list. The parts add up to the total exactly (checked in release builds
//! too), each lies within one cent of its exact quota, a credit splits like the charge with every part
//! negated, a zero total gives zero parts, and a zero-weight target gets nothing. Results come back in input
//! order, as [`Share`]s that keep the exact quota, the floor and the cent added, for the trace. Duplicate
//! keys, negative weights, all-zero weights and totals beyond 128-bit integer arithmetic are refused with a
//! [`SplitError`]. [`split_equal`] is the same with every weight 1; [`split_capped`] keeps every part within
//! its cap and redistributes the excess to the other targets by weight (water-filling), still exact.
//!
//! ```
//! use mutua_alloc::{split, SplitTarget};
//! use mutua_core::Amount;
//! use rust_decimal::Decimal;
//!
//! let targets = [SplitTarget::new(2, Decimal::ONE), SplitTarget::new(1, Decimal::ONE)];
//! let shares = split(Amount::from_cents(-1_01), &targets)?;
//! assert_eq!(shares[0].amount, Amount::from_cents(-50));
//! assert_eq!(shares[1].amount, Amount::from_cents(-51)); // key 1 < key 2 takes the odd cent
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod allocation;
mod engine;
mod error;
mod history;
mod split;
pub mod trace;

pub use allocation::{
    Allocation, Charge, ChargeKind, PoolOrigin, PoolSummary, PriorImputations, Unbilled, UnbilledReason,
};
pub use engine::cee::{
    PROCEEDS_ROUNDING, component_of as cee_component, kind_of_component as cee_kind_of_component,
};
pub use engine::regularisation::REGULARISATION_ROUNDING;
pub use engine::{MEMBER_ROUNDING, allocate, allocate_with};
pub use error::AllocError;
pub use history::{Billed, BilledSource, History};
pub use split::{CappedTarget, Share, SplitError, SplitTarget, apportion, split, split_capped, split_equal};
pub use trace::{LineBasis, Trace};
