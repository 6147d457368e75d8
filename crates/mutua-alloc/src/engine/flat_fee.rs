//! `flat_fee`: a fee per year, half a year per semester, pro rata.

use mutua_core::FlatFee;
use rust_decimal::Decimal;

use super::amount::RuleAmount;
use super::{MEMBER_ROUNDING, Presence, SliceContext, mul};
use crate::error::AllocError;
use crate::trace::{BasisKind, LineBasis, RuleKind, Step, Trace, Unit};

pub(super) fn amount(
    context: &SliceContext<'_>,
    rule: &FlatFee,
    presence: &Presence,
    annual_factor: Decimal,
) -> Result<RuleAmount, AllocError> {
    let annual = rule.amount_per_year.to_decimal();
    let exact = mul(annual, annual_factor, "annual × pro rata")?;
    let mut trace = Trace::new(RuleKind::FlatFee, &context.terms.reference, exact, MEMBER_ROUNDING);
    trace.step(Step::FlatFee { amount: rule.amount_per_year });
    let basis = LineBasis {
        quantity: Some(Decimal::ONE),
        unit: Unit::Flat,
        unit_price: Some(annual / Decimal::TWO),
        kind: BasisKind::FlatFee { annual },
        presence: context.presence_trace(presence),
        revision: None,
        bounds: Vec::new(),
    };
    Ok(RuleAmount { exact, trace, basis })
}
