//! [`RuleAmount`]: what a per-member rule's module computes, before what every per-member rule shares.

use rust_decimal::Decimal;

use crate::trace::{LineBasis, Trace};

/// What a per-member rule computes for one member and slice, before revision, bounds and rounding.
pub(crate) struct RuleAmount {
    /// The exact amount.
    pub(crate) exact: Decimal,
    /// How it was obtained.
    pub(crate) trace: Trace,
    /// The basis printed on the line.
    pub(crate) basis: LineBasis,
}
