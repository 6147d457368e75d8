//! `unit_price`: the member's weighted units of the semester × the price, degressive beyond each tier.

use mutua_core::{Component, UnitPrice};

use super::amount::RuleAmount;
use super::{Engine, MEMBER_ROUNDING, Presence, SliceContext, div};
use crate::error::AllocError;
use crate::trace::{BasisKind, LineBasis, RuleKind, Step, Trace, Unit};

pub(super) fn amount(
    engine: &Engine<'_>,
    context: &SliceContext<'_>,
    component: &Component,
    rule: &UnitPrice,
    presence: &Presence,
) -> Result<Option<RuleAmount>, AllocError> {
    let convention = context.convention;
    let (units, records) =
        engine.weighted_units(convention, &presence.member, context.semester, &rule.basis)?;
    let units = context.activity_share(units)?;
    if units.is_zero() {
        return Ok(None);
    }
    let exact = rule.exact_amount(units).map_err(|source| AllocError::Tariff {
        convention: convention.id.to_string(),
        component: component.id.clone(),
        source,
    })?;
    let mut trace = Trace::new(RuleKind::UnitPrice, &context.terms.reference, exact, MEMBER_ROUNDING);
    trace.member_basis = Some(units);
    if !records.is_empty() {
        trace.step(Step::Activity { records });
    }
    let unit_label = rule.basis.unit_label.clone();
    trace.step(Step::WeightedUnits { units, unit_label: unit_label.clone() });
    trace.step(Step::Price {
        price: rule.price.value(),
        unit_label: unit_label.clone(),
        tiers: rule.tiers.iter().map(|tier| (tier.from.value(), tier.price.value())).collect(),
    });
    let unit_price = if rule.tiers.is_empty() {
        Some(rule.price.value())
    } else {
        div(exact, units, "average price").ok()
    };
    let basis = LineBasis {
        quantity: Some(units),
        unit: Unit::Named(unit_label.clone()),
        unit_price,
        kind: BasisKind::Units {
            units,
            price: rule.price.value(),
            unit_label,
            degressive: !rule.tiers.is_empty(),
        },
        presence: None,
        revision: None,
        bounds: Vec::new(),
    };
    Ok(Some(RuleAmount { exact, trace, basis }))
}
