//! `per_inhabitant`: a rate per inhabitant per year × the member's population, its fraction of the year per semester, pro rata.

use mutua_core::PerInhabitant;
use rust_decimal::Decimal;

use super::amount::RuleAmount;
use super::{Engine, MEMBER_ROUNDING, Presence, SliceContext, mul, overflow};
use crate::error::AllocError;
use crate::trace::{BasisKind, Fraction, LineBasis, RuleKind, Step, Trace, Unit};

pub(super) fn amount(
    engine: &Engine<'_>,
    context: &SliceContext<'_>,
    rule: &PerInhabitant,
    presence: &Presence,
    fraction: Fraction,
) -> Result<(RuleAmount, Decimal), AllocError> {
    let population =
        engine.population(context.convention, &presence.member, rule.population, context.slice.first())?;
    let inhabitants = Decimal::from(population.inhabitants);
    let annual = mul(inhabitants, rule.rate_per_year.value(), "population × rate")?;
    let exact = fraction.of(annual).ok_or_else(|| overflow("annual × pro rata"))?;
    let mut trace = Trace::new(RuleKind::PerInhabitant, &context.terms.reference, exact, MEMBER_ROUNDING);
    trace.member_basis = Some(inhabitants);
    trace.key =
        Some(crate::trace::KeyTrace::Population { kind: population.kind, millesime: population.millesime });
    trace.step(Step::Population(population));
    trace.step(Step::AnnualRate { rate: rule.rate_per_year.value() });
    trace.step(Step::AnnualAmount { amount: annual });
    let basis = LineBasis {
        quantity: Some(inhabitants),
        unit: Unit::Inhabitants,
        unit_price: Some(context.semester_price(rule.rate_per_year.value())),
        kind: BasisKind::PerInhabitant { population, rate_per_year: rule.rate_per_year.value() },
        presence: context.presence_trace(presence),
        revision: None,
        bounds: Vec::new(),
    };
    Ok((RuleAmount { exact, trace, basis }, annual))
}
