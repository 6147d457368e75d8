//! `population_bands`: the fee of the member's band (flat), or each band's rate × the inhabitants in it
//! (marginal), its fraction of the year per semester, pro rata.

use mutua_core::{BandMode, Component, PopulationBands};
use rust_decimal::Decimal;

use super::amount::RuleAmount;
use super::{Engine, MEMBER_ROUNDING, Presence, SliceContext, overflow};
use crate::error::AllocError;
use crate::trace::{BandTrace, BasisKind, Fraction, KeyTrace, LineBasis, RuleKind, Step, Trace, Unit};

/// Where a population falls in the bands.
pub(crate) fn band_of(rule: &PopulationBands, inhabitants: u64) -> BandTrace {
    match rule.mode {
        BandMode::Flat => rule
            .bands
            .iter()
            .find(|band| band.from <= inhabitants && band.to.is_none_or(|to| inhabitants <= to))
            .map_or(BandTrace::OutOfBands, |band| BandTrace::Flat { from: band.from, to: band.to }),
        BandMode::Marginal => BandTrace::Marginal {
            parts: rule
                .bands
                .iter()
                .filter(|band| band.from.max(1) <= inhabitants)
                .map(|band| {
                    let last = band.to.map_or(inhabitants, |to| to.min(inhabitants));
                    (last + 1 - band.from.max(1), band.value.value())
                })
                .collect(),
        },
    }
}

pub(super) fn amount(
    engine: &Engine<'_>,
    context: &SliceContext<'_>,
    component: &Component,
    rule: &PopulationBands,
    presence: &Presence,
    fraction: Fraction,
) -> Result<(RuleAmount, Decimal), AllocError> {
    let convention = context.convention;
    let population =
        engine.population(convention, &presence.member, rule.population, context.slice.first())?;
    let annual = rule.annual_amount(population.inhabitants).map_err(|source| AllocError::Tariff {
        convention: convention.id.to_string(),
        component: component.id.clone(),
        source,
    })?;
    let exact = fraction.of(annual).ok_or_else(|| overflow("annual × pro rata"))?;
    let mut trace = Trace::new(RuleKind::PopulationBands, &context.terms.reference, exact, MEMBER_ROUNDING);
    trace.member_basis = Some(Decimal::from(population.inhabitants));
    trace.key = Some(KeyTrace::Population { kind: population.kind, millesime: population.millesime });
    let band = band_of(rule, population.inhabitants);
    trace.step(Step::Population(population));
    trace.step(Step::Band(band.clone()));
    trace.step(Step::AnnualAmount { amount: annual });
    let basis = LineBasis {
        quantity: Some(Decimal::ONE),
        unit: Unit::Flat,
        unit_price: Some(context.semester_price(annual)),
        kind: BasisKind::Band { population, band, annual },
        presence: context.presence_trace(presence),
        revision: None,
        bounds: Vec::new(),
    };
    Ok((RuleAmount { exact, trace, basis }, annual))
}
