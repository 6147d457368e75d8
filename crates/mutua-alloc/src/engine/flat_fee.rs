//! `flat_fee`: a fee per year, its fraction of the year per semester, pro rata.

use mutua_core::FlatFee;
use rust_decimal::Decimal;

use super::amount::RuleAmount;
use super::{MEMBER_ROUNDING, Presence, SliceContext, overflow};
use crate::error::AllocError;
use crate::trace::{BasisKind, Fraction, LineBasis, RuleKind, Step, Trace, Unit};

pub(super) fn amount(
    context: &SliceContext<'_>,
    rule: &FlatFee,
    presence: &Presence,
    fraction: Fraction,
) -> Result<(RuleAmount, Decimal), AllocError> {
    let annual = rule.amount_per_year.to_decimal();
    let exact = fraction.of(annual).ok_or_else(|| overflow("annual × pro rata"))?;
    let mut trace = Trace::new(RuleKind::FlatFee, &context.terms.reference, exact, MEMBER_ROUNDING);
    trace.step(Step::FlatFee { amount: rule.amount_per_year });
    let basis = LineBasis {
        quantity: Some(Decimal::ONE),
        unit: Unit::Flat,
        unit_price: Some(context.semester_price(annual)),
        kind: BasisKind::FlatFee { annual },
        presence: context.presence_trace(presence),
        revision: None,
        bounds: Vec::new(),
    };
    Ok((RuleAmount { exact, trace, basis }, annual))
}
