//! `unit_price`: the member's weighted units of the semester × the price, degressive beyond each tier.
//!
//! Tiers count the units of the whole semester ("from the 20,000th page of the semester"), across the slices an
//! amendment cuts: the semester's units are spread over its days, each slice counts the units of its days from
//! where the previous slice stopped, and each slice's units are priced by the tier they fall in under the terms of
//! that slice. A degressive price gives one line per tier reached (units × the tier's deliberated price), so that
//! every printed unit price is a price of the deliberation.

use mutua_core::UnitPrice;
use rust_decimal::Decimal;

use super::amount::RuleAmount;
use super::{Engine, MEMBER_ROUNDING, Presence, SliceContext, div, mul};
use crate::error::AllocError;
use crate::trace::{BasisKind, LineBasis, RuleKind, Step, TierSpan, Trace, Unit};

/// The amounts of one member and slice: one per tier its units reach (one alone when the price is flat).
pub(super) fn amounts(
    engine: &Engine<'_>,
    context: &SliceContext<'_>,
    rule: &UnitPrice,
    presence: &Presence,
) -> Result<Vec<RuleAmount>, AllocError> {
    let convention = context.convention;
    let (semester_units, records) =
        engine.weighted_units(convention, &presence.member, context.semester, &rule.basis)?;
    let (after, through) = context.activity_span(semester_units)?;
    let units = through.checked_sub(after).ok_or_else(|| super::overflow("slice units"))?;
    if units.is_zero() {
        return Ok(Vec::new());
    }
    let unit_label = rule.basis.unit_label.clone();
    let degressive = !rule.tiers.is_empty();
    let mut amounts = Vec::new();
    let parts = rule.parts(after, through);
    // Units all in the first tier are the line they always were (units × the first price): only a line that
    // reaches a later tier, or shares the member's units with one, names its tier.
    let names_tier = degressive && (parts.len() > 1 || parts.iter().any(|part| !part.from.is_zero()));
    for part in parts {
        let price = part.price.value();
        let exact = mul(part.units, price, "units × price")?;
        let mut trace = Trace::new(RuleKind::UnitPrice, &context.terms.reference, exact, MEMBER_ROUNDING);
        trace.member_basis = Some(part.units);
        if !records.is_empty() {
            trace.step(Step::Activity { records: records.clone() });
        }
        trace.step(Step::WeightedUnits { units, unit_label: unit_label.clone() });
        trace.step(Step::Price {
            price: rule.price.value(),
            unit_label: unit_label.clone(),
            tiers: rule.tiers.iter().map(|tier| (tier.from.value(), tier.price.value())).collect(),
        });
        let tier = names_tier.then_some(TierSpan { from: part.from, to: part.to });
        if let Some(span) = tier {
            trace.step(Step::Tier { span, counted: (after, through), units: part.units, price });
        }
        let basis = LineBasis {
            quantity: Some(part.units),
            unit: Unit::Named(unit_label.clone()),
            unit_price: Some(price),
            kind: BasisKind::Units {
                units: part.units,
                price,
                unit_label: unit_label.clone(),
                degressive,
                tier,
            },
            presence: None,
            revision: None,
            bounds: Vec::new(),
        };
        amounts.push(RuleAmount { exact, trace, basis });
    }
    Ok(amounts)
}

impl SliceContext<'_> {
    /// The semester's units this slice counts, as (after, through): the units of the slice's days when the
    /// semester's units are spread evenly over its days, counted from the semester's first unit. The last slice
    /// ends exactly at the semester's units.
    fn activity_span(&self, semester_units: Decimal) -> Result<(Decimal, Decimal), AllocError> {
        if self.slice == self.period {
            return Ok((Decimal::ZERO, semester_units));
        }
        let days = Decimal::from(self.period.days());
        let before = (self.slice.first() - self.period.first()).num_days();
        let at = |day_count: i64| -> Result<Decimal, AllocError> {
            div(mul(semester_units, Decimal::from(day_count), "units × days")?, days, "activity share")
        };
        let through = before.checked_add(self.slice.days()).ok_or_else(|| super::overflow("days"))?;
        Ok((at(before)?, at(through)?))
    }
}
