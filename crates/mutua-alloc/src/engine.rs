//! The allocation of one semester: every convention's rules applied to its members.
//!
//! Conventions state annual tariffs; a semester bills half of them, pro rata of membership (days or months, as
//! the convention says). Amendments split the semester into slices, each billed under its own terms. Tariffs
//! that apply to one member (per inhabitant, bands, unit prices, unit cost) are rounded per member with
//! [`MEMBER_ROUNDING`]; pools are split with the exact largest-remainder splitter so that the shares add up to
//! the pool to the cent.

use std::collections::BTreeMap;

use mutua_core::{
    ActivityBasis, ActivityRecord, Amount, Component, Convention, ConventionId, Dataset, DateRange,
    Eligibility, Flow, Half, IndexRevision, Key, MoneyError, PartyId, Period, PoolSource, PopulationBasis,
    ProRata, Rounding, Rule, Semester, Terms, ValuationBasis, ValuationResult,
};
use rust_decimal::Decimal;

use crate::allocation::{
    Allocation, Charge, ChargeKind, LineBasis, PoolSummary, Trace, Unbilled, UnbilledReason, decimal_fr,
    price_fr,
};
use crate::error::AllocError;
use crate::split::{CappedTarget, SplitTarget, split, split_capped};

/// The rounding of an amount computed for one member (a tariff, not a split): half up to the cent.
pub const MEMBER_ROUNDING: Rounding = Rounding::HalfUp;

/// Computes every amount owed for a semester under every convention of a validated dataset.
///
/// The result is deterministic: charges are ordered by payee, payer, dispositif, convention, kind and
/// component, whatever the order of the input files.
pub fn allocate(dataset: &Dataset, semester: Semester) -> Result<Allocation, AllocError> {
    let mut activity: ActivityIndex<'_> = BTreeMap::new();
    for record in &dataset.activity {
        activity.entry((&record.convention, &record.member, record.semester)).or_default().push(record);
    }
    let mut engine = Engine { dataset, activity, valuations: BTreeMap::new() };
    let mut charges = Vec::new();
    let mut pools = Vec::new();
    for convention in dataset.conventions.values() {
        if convention.flow == Flow::None {
            continue;
        }
        let current =
            engine.convention_semester(convention, semester, ValuationBasis::Forecast, &mut pools)?;
        charges.extend(current);
        charges.extend(engine.regularisation(convention, semester)?);
        charges.extend(crate::cee::deposits(dataset, convention, semester, &mut pools)?);
    }
    charges.extend(carried(dataset, semester)?);
    for charge in &charges {
        check_bound(charge)?;
    }
    charges.sort_by(|a, b| {
        (&a.payee, &a.payer, &a.dispositif, &a.convention, &a.kind, &a.component, &a.label).cmp(&(
            &b.payee,
            &b.payer,
            &b.dispositif,
            &b.convention,
            &b.kind,
            &b.component,
            &b.label,
        ))
    });
    let valuations = engine.valuations.into_values().collect();
    Ok(Allocation { semester, charges, valuations, pools })
}

/// The membership of one member inside one slice of the period.
struct Presence {
    member: PartyId,
    /// The days of the slice the member was in (its first and last day).
    days: Period,
    /// The pro rata measure of that presence (days or months).
    measure: i64,
}

/// The activity records of a convention, member and semester, in file order.
type ActivityIndex<'a> = BTreeMap<(&'a ConventionId, &'a PartyId, Semester), Vec<&'a ActivityRecord>>;

struct Engine<'a> {
    dataset: &'a Dataset,
    /// Activity indexed once, rather than scanned for every member of every rule.
    activity: ActivityIndex<'a>,
    valuations: BTreeMap<(String, i32, ValuationBasis), ValuationResult>,
}

fn measure(pro_rata: ProRata, period: Period) -> i64 {
    match pro_rata {
        ProRata::Days | ProRata::None => period.days(),
        ProRata::MonthsStarted => period.months_started(),
        ProRata::MonthsFull => period.months_full(),
    }
}

fn pro_rata_unit(pro_rata: ProRata) -> &'static str {
    match pro_rata {
        ProRata::Days | ProRata::None => "jours",
        ProRata::MonthsStarted | ProRata::MonthsFull => "mois",
    }
}

/// Half of an annual amount for a semester: the first half rounded half up, the second the rest, so that the two
/// semesters of a year add up to the annual amount exactly.
fn semester_part(annual: Amount, half: Half) -> Result<Amount, MoneyError> {
    let first = Amount::from_decimal(annual.to_decimal() / Decimal::TWO, MEMBER_ROUNDING);
    match half {
        Half::S1 => Ok(first),
        Half::S2 => annual.checked_sub(first),
    }
}

fn overflow(what: &'static str) -> AllocError {
    AllocError::Money(MoneyError::Overflow(what))
}

fn mul(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal, AllocError> {
    a.checked_mul(b).ok_or_else(|| overflow(what))
}

fn div(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal, AllocError> {
    a.checked_div(b).ok_or(AllocError::Money(MoneyError::DivisionByZero(what)))
}

/// Refuses an amount beyond the largest a document may carry ([`mutua_core::limits::AMOUNT`]): documents sum
/// their lines, and every sum must stay exact.
fn check_bound(charge: &Charge) -> Result<(), AllocError> {
    let limit = mutua_core::limits::AMOUNT;
    if charge.amount.to_decimal().abs() > limit.max {
        return Err(AllocError::OutOfBounds {
            convention: charge.convention.to_string(),
            component: charge.component.clone(),
            member: if charge.provider_pays { charge.payee.to_string() } else { charge.payer.to_string() },
            amount: charge.amount,
            limit: limit.max.to_string(),
        });
    }
    Ok(())
}

/// Σ of decimals, checked.
fn checked_total(
    values: impl IntoIterator<Item = Decimal>,
    what: &'static str,
) -> Result<Decimal, AllocError> {
    values
        .into_iter()
        .try_fold(Decimal::ZERO, |total, value| total.checked_add(value))
        .ok_or_else(|| overflow(what))
}

/// Who a pool's share goes to: a member, or — for a fixed-percentage key that does not redistribute them — the
/// percentages of members absent for part of the period, which nobody pays. Members sort first, so that they
/// take the odd cents of equal remainders.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum PoolTarget {
    Member(PartyId),
    Absent,
}

fn is_valuation_based(component: &Component) -> bool {
    matches!(
        &component.rule,
        Rule::UnitCost(_) | Rule::PoolShare(mutua_core::PoolShare { pool: PoolSource::Valuation { .. }, .. })
    )
}

impl Engine<'_> {
    /// Members present in a slice, ordered by party id, with their pro rata measure.
    fn presences(&self, convention: &Convention, slice: Period) -> Vec<Presence> {
        let mut by_member: BTreeMap<&PartyId, Vec<DateRange>> = BTreeMap::new();
        for membership in self.dataset.members_of(&convention.id) {
            by_member.entry(&membership.member).or_default().push(membership.range);
        }
        let mut presences = Vec::with_capacity(by_member.len());
        for (member, ranges) in by_member {
            let mut parts: Vec<Period> = ranges.iter().filter_map(|range| slice.intersect(*range)).collect();
            if parts.is_empty() {
                continue;
            }
            parts.sort();
            let days = Period { first: parts[0].first, last: parts[parts.len() - 1].last };
            let measure = if convention.pro_rata == ProRata::None {
                measure(ProRata::Days, slice)
            } else {
                parts.iter().map(|part| measure(convention.pro_rata, *part)).sum()
            };
            presences.push(Presence { member: member.clone(), days, measure });
        }
        presences
    }

    fn check_eligibility(
        &self,
        convention: &Convention,
        member: &PartyId,
        date: chrono::NaiveDate,
    ) -> Result<(), AllocError> {
        let Some(party) = self.dataset.party(member) else {
            return Err(AllocError::UnknownParty(member.to_string()));
        };
        for rule in &convention.eligibility {
            if let Eligibility::PopulationBelow { threshold, population } = rule
                && party.is_commune()
            {
                let figure = self.population(convention, member, *population, date)?;
                if figure.inhabitants >= *threshold {
                    return Err(AllocError::Ineligible {
                        member: member.to_string(),
                        convention: convention.id.to_string(),
                        reason: format!(
                            "{} {} (millésime {}) ≥ {threshold}",
                            figure.inhabitants,
                            figure.kind.label_fr(),
                            figure.millesime
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    fn population(
        &self,
        convention: &Convention,
        member: &PartyId,
        basis: PopulationBasis,
        date: chrono::NaiveDate,
    ) -> Result<mutua_core::PopulationFigure, AllocError> {
        self.dataset.populations.figure(member, basis, date).ok_or_else(|| AllocError::MissingPopulation {
            member: member.to_string(),
            millesime: match basis.millesime {
                mutua_core::Millesime::InForce => self.dataset.populations.in_force(date),
                mutua_core::Millesime::Fixed(year) => year,
            },
            convention: convention.id.to_string(),
        })
    }

    /// The weighted units of an activity a member used in a semester.
    fn weighted_units(
        &self,
        convention: &Convention,
        member: &PartyId,
        semester: Semester,
        basis: &ActivityBasis,
    ) -> Result<(Decimal, Vec<String>), AllocError> {
        let mut total = Decimal::ZERO;
        let mut detail = Vec::new();
        let records =
            self.activity.get(&(&convention.id, member, semester)).map(Vec::as_slice).unwrap_or_default();
        for record in records.iter().filter(|r| r.activity == basis.activity) {
            let weight = basis.weights.get(&record.unit).ok_or_else(|| AllocError::UnknownUnit {
                convention: convention.id.to_string(),
                unit: record.unit.clone(),
            })?;
            let units = mul(record.quantity.value(), weight.value(), "quantity × weight")?;
            total = total.checked_add(units).ok_or_else(|| overflow("Σ weighted units"))?;
            detail.push(format!(
                "{} {} × {}",
                decimal_fr(record.quantity.value(), 4),
                record.unit,
                decimal_fr(weight.value(), 4)
            ));
        }
        Ok((total, detail))
    }

    fn valuation(
        &mut self,
        convention: &Convention,
        year: i32,
        basis: ValuationBasis,
    ) -> Result<Option<ValuationResult>, AllocError> {
        let key = (convention.dispositif.to_string(), year, basis);
        if let Some(result) = self.valuations.get(&key) {
            return Ok(Some(result.clone()));
        }
        let Some(valuation) = self.dataset.valuation(&convention.dispositif, year, basis) else {
            return Ok(None);
        };
        let result = valuation.compute(&self.dataset.fte_costs).map_err(|source| AllocError::Valuation {
            dispositif: convention.dispositif.to_string(),
            year,
            source,
        })?;
        self.valuations.insert(key, result.clone());
        Ok(Some(result))
    }

    fn required_valuation(
        &mut self,
        convention: &Convention,
        year: i32,
        basis: ValuationBasis,
    ) -> Result<ValuationResult, AllocError> {
        self.valuation(convention, year, basis)?.ok_or_else(|| AllocError::MissingValuation {
            dispositif: convention.dispositif.to_string(),
            year,
            basis: basis.label_fr().to_owned(),
        })
    }

    fn revision(
        &self,
        revision: Option<&IndexRevision>,
        slice: Period,
    ) -> Result<Option<(Decimal, String)>, AllocError> {
        let Some(revision) = revision else { return Ok(None) };
        if slice.first < revision.from {
            return Ok(None);
        }
        let month = slice.first.format("%Y-%m").to_string();
        let value_at = |wanted: &str, latest: bool| {
            self.dataset
                .indices
                .iter()
                .filter(|v| {
                    v.index == revision.index
                        && if latest { v.month.as_str() <= wanted } else { v.month == wanted }
                })
                .max_by(|a, b| a.month.cmp(&b.month))
                .map(|v| (v.month.clone(), v.value.value()))
        };
        let missing =
            |month: &str| AllocError::MissingIndex { index: revision.index.clone(), month: month.to_owned() };
        let (base_month, base) = value_at(&revision.base, false).ok_or_else(|| missing(&revision.base))?;
        let (current_month, current) = value_at(&month, true).ok_or_else(|| missing(&month))?;
        let coefficient =
            Rounding::HalfUp.apply(div(current, base, "index revision")?, revision.coefficient_decimals);
        let text = format!(
            "{} {} = {} / {} {} = {} → coefficient {}",
            revision.index,
            current_month,
            decimal_fr(current, 6),
            revision.index,
            base_month,
            decimal_fr(base, 6),
            decimal_fr(coefficient, revision.coefficient_decimals)
        );
        Ok(Some((coefficient, text)))
    }

    /// Every charge of a convention for a semester, with valuation-based rules on the given basis.
    fn convention_semester(
        &mut self,
        convention: &Convention,
        semester: Semester,
        basis: ValuationBasis,
        pools: &mut Vec<PoolSummary>,
    ) -> Result<Vec<Charge>, AllocError> {
        let period = semester.period();
        let period_measure = measure(convention.pro_rata, period);
        let slices = convention.terms_in(period);
        let mut charges = Vec::new();
        for (slice, terms) in &slices {
            let presences = self.presences(convention, *slice);
            for presence in &presences {
                self.check_eligibility(convention, &presence.member, slice.first)?;
            }
            let context = SliceContext {
                convention,
                terms,
                semester,
                period,
                period_measure,
                slice: *slice,
                slices: slices.len(),
            };
            for component in &terms.components {
                let within = |error: AllocError| error.within(convention.id.as_str(), &component.id);
                let revision = self.revision(component.revision.as_ref(), *slice).map_err(within)?;
                let rule = &component.rule;
                match rule {
                    Rule::PoolShare(pool) => {
                        let (charges_of_pool, summary) = self
                            .pool_share(&context, component, pool, &presences, revision, basis)
                            .map_err(within)?;
                        charges.extend(charges_of_pool);
                        if basis == ValuationBasis::Forecast {
                            pools.push(summary);
                        }
                    }
                    Rule::CeeRedistribution(_) => {}
                    _ => {
                        for presence in &presences {
                            if let Some(charge) = self
                                .member_charge(&context, component, presence, revision.as_ref(), basis)
                                .map_err(within)?
                            {
                                charges.push(charge);
                            }
                        }
                    }
                }
            }
        }
        Ok(charges)
    }

    /// The charge of one member under a per-member rule, or `None` when it has nothing to pay.
    fn member_charge(
        &mut self,
        context: &SliceContext<'_>,
        component: &Component,
        presence: &Presence,
        revision: Option<&(Decimal, String)>,
        basis: ValuationBasis,
    ) -> Result<Option<Charge>, AllocError> {
        let convention = context.convention;
        let member = &presence.member;
        let fraction_text = context.fraction_text(presence);
        // The part of the semester this slice and presence stand for: measure / (2 × period measure) of a year.
        let annual_factor =
            div(Decimal::from(presence.measure), Decimal::from(2 * context.period_measure), "pro rata")?;
        let (exact_before_revision, mut trace, line) = match &component.rule {
            Rule::PerInhabitant(rule) => {
                let figure = self.population(convention, member, rule.population, context.slice.first)?;
                let annual =
                    mul(Decimal::from(figure.inhabitants), rule.rate_per_year.value(), "population × rate")?;
                let exact = mul(annual, annual_factor, "annual × pro rata")?;
                let mut trace =
                    Trace::new("per_inhabitant", &context.terms.reference, exact, MEMBER_ROUNDING);
                trace.member_basis = Some(Decimal::from(figure.inhabitants));
                trace.key = Some(format!("{}, millésime {}", figure.kind.label_fr(), figure.millesime));
                trace.step(
                    format!("{} {}", capitalise(figure.kind.label_fr()), figure.millesime),
                    format!("{} hab.", decimal_fr(Decimal::from(figure.inhabitants), 0)),
                );
                trace.step("Tarif annuel", format!("{} par habitant", price_fr(rule.rate_per_year.value())));
                trace.step("Montant annuel", price_fr(annual));
                let line = LineBasis {
                    quantity: Some(Decimal::from(figure.inhabitants)),
                    unit: "hab.".into(),
                    unit_price: Some(rule.rate_per_year.value() / Decimal::TWO),
                    description: format!(
                        "{} hab. ({} {}) × {}/an × 1/2{}",
                        decimal_fr(Decimal::from(figure.inhabitants), 0),
                        figure.kind.label_fr(),
                        figure.millesime,
                        price_fr(rule.rate_per_year.value()),
                        fraction_text
                    ),
                };
                (exact, trace, line)
            }
            Rule::PopulationBands(rule) => {
                let figure = self.population(convention, member, rule.population, context.slice.first)?;
                let annual = rule.annual_amount(figure.inhabitants).map_err(|source| AllocError::Tariff {
                    convention: convention.id.to_string(),
                    component: component.id.clone(),
                    source,
                })?;
                let exact = mul(annual, annual_factor, "annual × pro rata")?;
                let mut trace =
                    Trace::new("population_bands", &context.terms.reference, exact, MEMBER_ROUNDING);
                trace.member_basis = Some(Decimal::from(figure.inhabitants));
                trace.key = Some(format!("{}, millésime {}", figure.kind.label_fr(), figure.millesime));
                trace.step(
                    format!("{} {}", capitalise(figure.kind.label_fr()), figure.millesime),
                    format!("{} hab.", decimal_fr(Decimal::from(figure.inhabitants), 0)),
                );
                let band_text = describe_band(rule, figure.inhabitants);
                trace.step("Tranche", band_text.clone());
                trace.step("Montant annuel", price_fr(annual));
                let line = LineBasis {
                    quantity: Some(Decimal::ONE),
                    unit: "forfait".into(),
                    unit_price: Some(annual / Decimal::TWO),
                    description: format!(
                        "{} ({} hab., {} {}) : {}/an × 1/2{}",
                        band_text,
                        decimal_fr(Decimal::from(figure.inhabitants), 0),
                        figure.kind.label_fr(),
                        figure.millesime,
                        price_fr(annual),
                        fraction_text
                    ),
                };
                (exact, trace, line)
            }
            Rule::FlatFee(rule) => {
                let annual = rule.amount_per_year.to_decimal();
                let exact = mul(annual, annual_factor, "annual × pro rata")?;
                let mut trace = Trace::new("flat_fee", &context.terms.reference, exact, MEMBER_ROUNDING);
                trace.step("Forfait annuel", rule.amount_per_year.format_fr());
                let line = LineBasis {
                    quantity: Some(Decimal::ONE),
                    unit: "forfait".into(),
                    unit_price: Some(annual / Decimal::TWO),
                    description: format!("Forfait {}/an × 1/2{}", price_fr(annual), fraction_text),
                };
                (exact, trace, line)
            }
            Rule::UnitPrice(rule) => {
                let (units, detail) =
                    self.weighted_units(convention, member, context.semester, &rule.basis)?;
                let units = context.activity_share(units)?;
                if units.is_zero() {
                    return Ok(None);
                }
                let exact = rule.exact_amount(units).map_err(|source| AllocError::Tariff {
                    convention: convention.id.to_string(),
                    component: component.id.clone(),
                    source,
                })?;
                let mut trace = Trace::new("unit_price", &context.terms.reference, exact, MEMBER_ROUNDING);
                trace.member_basis = Some(units);
                if !detail.is_empty() {
                    trace.step("Activité du semestre", detail.join(" + "));
                }
                trace.step(format!("Unités pondérées ({})", rule.basis.unit_label), decimal_fr(units, 4));
                let mut price_text =
                    format!("{} par {}", price_fr(rule.price.value()), rule.basis.unit_label);
                for tier in &rule.tiers {
                    price_text.push_str(&format!(
                        ", {} au-delà de {}",
                        price_fr(tier.price.value()),
                        decimal_fr(tier.from.value(), 4)
                    ));
                }
                trace.step("Prix", price_text);
                let unit_price = if rule.tiers.is_empty() {
                    Some(rule.price.value())
                } else {
                    div(exact, units, "average price").ok()
                };
                let line = LineBasis {
                    quantity: Some(units),
                    unit: rule.basis.unit_label.clone(),
                    unit_price,
                    description: format!(
                        "{} × {} par {}{}",
                        decimal_fr(units, 4),
                        price_fr(rule.price.value()),
                        rule.basis.unit_label,
                        if rule.tiers.is_empty() { "" } else { " (tarif dégressif)" }
                    ),
                };
                (exact, trace, line)
            }
            Rule::UnitCost(rule) => {
                let (units, detail) =
                    self.weighted_units(convention, member, context.semester, &rule.basis)?;
                let units = context.activity_share(units)?;
                if units.is_zero() {
                    return Ok(None);
                }
                let valuation = self.required_valuation(convention, context.semester.year, basis)?;
                let exact = mul(units, valuation.unit_cost.value(), "units × unit cost")?;
                let mut trace = Trace::new("unit_cost", &context.terms.reference, exact, MEMBER_ROUNDING);
                trace.member_basis = Some(units);
                if !detail.is_empty() {
                    trace.step("Activité du semestre", detail.join(" + "));
                }
                trace.step(
                    format!("Unités de fonctionnement ({})", rule.basis.unit_label),
                    decimal_fr(units, 4),
                );
                trace.step(
                    format!("Coût unitaire {} {}", valuation.basis.label_fr(), valuation.year),
                    format!(
                        "{} = coût complet {} / {} unités ({})",
                        price_fr(valuation.unit_cost.value()),
                        valuation.full_cost.format_fr(),
                        decimal_fr(valuation.units.value(), 4),
                        valuation.document
                    ),
                );
                let line = LineBasis {
                    quantity: Some(units),
                    unit: rule.basis.unit_label.clone(),
                    unit_price: Some(valuation.unit_cost.value()),
                    description: format!(
                        "{} × {} par {} (coût unitaire {} {})",
                        decimal_fr(units, 4),
                        price_fr(valuation.unit_cost.value()),
                        rule.basis.unit_label,
                        valuation.basis.label_fr(),
                        valuation.year
                    ),
                };
                (exact, trace, line)
            }
            Rule::PoolShare(_) | Rule::CeeRedistribution(_) => return Ok(None),
            _ => {
                return Err(AllocError::UnsupportedRule {
                    convention: convention.id.to_string(),
                    component: component.id.clone(),
                    rule: component.rule.kind_name().to_owned(),
                });
            }
        };
        let mut exact = exact_before_revision;
        let mut line = line;
        if let Some((coefficient, text)) = revision {
            exact = mul(exact, *coefficient, "revision")?;
            trace.step("Révision", text.clone());
            line.unit_price = match line.unit_price {
                Some(price) => Some(mul(price, *coefficient, "price × revision")?),
                None => None,
            };
            line.description.push_str(&format!(" × révision {}", decimal_fr(*coefficient, 6)));
        }
        if !matches!(component.rule, Rule::UnitPrice(_) | Rule::UnitCost(_))
            && presence.measure != context.period_measure
        {
            trace.step(
                "Prorata temporis",
                format!(
                    "{} {} sur {} (du {} au {})",
                    presence.measure,
                    pro_rata_unit(convention.pro_rata),
                    context.period_measure,
                    presence.days.first.format("%d/%m/%Y"),
                    presence.days.last.format("%d/%m/%Y")
                ),
            );
        }
        // Caps and floors are annual: a semester's bound is half, pro rata like the amount.
        let bound = |annual: Amount| mul(annual.to_decimal(), annual_factor, "cap × pro rata");
        if let Some(cap) = component.cap_per_year {
            let cap = bound(cap)?;
            if exact > cap {
                trace.step(
                    "Plafond",
                    format!(
                        "{}/an → {} pour la période",
                        component.cap_per_year.map(|c| c.format_fr()).unwrap_or_default(),
                        price_fr(cap)
                    ),
                );
                exact = cap;
                line.description.push_str(" (plafonné)");
            }
        }
        if let Some(floor) = component.floor_per_year {
            let floor_amount = bound(floor)?;
            if exact < floor_amount {
                trace.step(
                    "Plancher",
                    format!("{}/an → {} pour la période", floor.format_fr(), price_fr(floor_amount)),
                );
                exact = floor_amount;
                line.description.push_str(" (plancher)");
                line.quantity = Some(Decimal::ONE);
                line.unit = "forfait".into();
                line.unit_price = Some(floor_amount);
            }
        }
        trace.exact = exact;
        let amount = Amount::from_decimal(exact, MEMBER_ROUNDING);
        if amount.is_zero() {
            return Ok(None);
        }
        Ok(Some(context.charge(component, member, amount, ChargeKind::Current, line, trace)))
    }

    /// The shares of a pool for the members present in a slice.
    fn pool_share(
        &mut self,
        context: &SliceContext<'_>,
        component: &Component,
        rule: &mutua_core::PoolShare,
        presences: &[Presence],
        revision: Option<(Decimal, String)>,
        basis: ValuationBasis,
    ) -> Result<(Vec<Charge>, PoolSummary), AllocError> {
        let convention = context.convention;
        let split_error = |source| AllocError::Split {
            convention: convention.id.to_string(),
            component: component.id.clone(),
            source,
        };
        // 1. The annual pool, its semester half, and this slice's part of it.
        let (annual, pool_text) = match &rule.pool {
            PoolSource::Fixed { amount_per_year } => {
                let mut annual = *amount_per_year;
                let mut text = format!("Enveloppe annuelle {}", amount_per_year.format_fr());
                if let Some((coefficient, revision_text)) = &revision {
                    annual = Amount::from_decimal(
                        mul(annual.to_decimal(), *coefficient, "pool × revision")?,
                        MEMBER_ROUNDING,
                    );
                    text.push_str(&format!(" × révision ({revision_text}) = {}", annual.format_fr()));
                }
                (annual, text)
            }
            PoolSource::Valuation { share } => {
                let valuation = self.required_valuation(convention, context.semester.year, basis)?;
                let annual = Amount::from_decimal(
                    mul(valuation.full_cost.to_decimal(), share.value(), "full cost × share")?,
                    MEMBER_ROUNDING,
                );
                let text = format!(
                    "Coût complet {} {} ({}) {} × {} = {}",
                    valuation.basis.label_fr(),
                    valuation.year,
                    valuation.document,
                    valuation.full_cost.format_fr(),
                    decimal_fr(share.value(), 6),
                    annual.format_fr()
                );
                (annual, text)
            }
        };
        let semester_pool = semester_part(annual, context.semester.half)?;
        let pool = context.slice_part(semester_pool)?;
        // 2. The weights: the key's basis × the pro rata measure of presence in the slice.
        let (key_text, unit) = key_description(&rule.key, context.slice.first, self.dataset);
        let mut targets = Vec::with_capacity(presences.len());
        let mut basis_of: BTreeMap<PartyId, (Decimal, String)> = BTreeMap::new();
        for presence in presences {
            let (member_basis, basis_text) = match &rule.key {
                Key::Population { population } => {
                    let figure =
                        self.population(convention, &presence.member, *population, context.slice.first)?;
                    (
                        Decimal::from(figure.inhabitants),
                        format!("{} hab.", decimal_fr(Decimal::from(figure.inhabitants), 0)),
                    )
                }
                Key::Activity(activity) => {
                    let (units, _) =
                        self.weighted_units(convention, &presence.member, context.semester, activity)?;
                    (units, format!("{} {}", decimal_fr(units, 4), activity.unit_label))
                }
                Key::Equal => (Decimal::ONE, "1 part".to_owned()),
                Key::FixedPercentages { shares, .. } => {
                    let share =
                        shares.get(&presence.member).ok_or_else(|| AllocError::MissingPercentage {
                            convention: convention.id.to_string(),
                            member: presence.member.to_string(),
                        })?;
                    (share.value(), format!("{} %", decimal_fr(share.value(), 6)))
                }
                _ => {
                    return Err(AllocError::UnsupportedRule {
                        convention: convention.id.to_string(),
                        component: component.id.clone(),
                        rule: rule.key.kind_name().to_owned(),
                    });
                }
            };
            // Activity is only recorded while a member, so it needs no pro rata; other keys scale by presence.
            let weight = match rule.key {
                Key::Activity(_) => member_basis,
                _ => mul(member_basis, Decimal::from(presence.measure), "basis × presence")?,
            };
            basis_of.insert(presence.member.clone(), (member_basis, basis_text));
            let cap = match component.cap_per_year {
                Some(cap) => {
                    let factor = div(
                        Decimal::from(presence.measure),
                        Decimal::from(2 * context.period_measure),
                        "pro rata",
                    )?;
                    Some(Amount::from_decimal(
                        mul(cap.to_decimal(), factor, "cap × pro rata")?,
                        Rounding::Floor,
                    ))
                }
                None => None,
            };
            targets.push(CappedTarget::new(presence.member.clone(), weight, cap));
        }
        if component.floor_per_year.is_some() {
            return Err(AllocError::UnsupportedRule {
                convention: convention.id.to_string(),
                component: component.id.clone(),
                rule: "floor_per_year on a pool_share".to_owned(),
            });
        }
        let total_weight = checked_total(targets.iter().map(|t| t.weight), "Σ weights")?;
        // The percentages of members absent for part of the period, when the convention does not redistribute them.
        let absent = match &rule.key {
            Key::FixedPercentages { shares, absent: mutua_core::AbsentShares::Unbilled } => {
                let full = mul(Decimal::ONE_HUNDRED, Decimal::from(context.period_measure), "full weight")?;
                let missing = full.checked_sub(total_weight).ok_or_else(|| overflow("absent weight"))?;
                let members: Vec<PartyId> = shares
                    .keys()
                    .filter(|party| {
                        !presences.iter().any(|p| &p.member == *party && p.measure == context.period_measure)
                    })
                    .cloned()
                    .collect();
                (missing > Decimal::ZERO).then_some((missing, members))
            }
            _ => None,
        };
        let mut unbilled = Vec::new();
        let mut shares = Vec::new();
        if pool.is_zero() {
        } else if targets.is_empty() && absent.is_none() {
            unbilled.push(Unbilled { amount: pool, reason: UnbilledReason::NoMemberPresent });
        } else if total_weight.is_zero() && absent.is_none() {
            unbilled.push(Unbilled { amount: pool, reason: UnbilledReason::ZeroKey });
        } else {
            // 1. The absent members' part, split off with everyone's percentages.
            let mut members_pool = pool;
            if let Some((missing, members)) = &absent {
                let mut keyed: Vec<SplitTarget<PoolTarget>> = targets
                    .iter()
                    .map(|t| SplitTarget::new(PoolTarget::Member(t.key.clone()), t.weight))
                    .collect();
                keyed.push(SplitTarget::new(PoolTarget::Absent, *missing));
                let split_shares = split(pool, &keyed).map_err(split_error)?;
                let absent_part = split_shares.last().map_or(Amount::ZERO, |share| share.amount);
                members_pool = pool.checked_sub(absent_part)?;
                unbilled.push(Unbilled {
                    amount: absent_part,
                    reason: UnbilledReason::AbsentMembers { members: members.clone() },
                });
                if component.cap_per_year.is_none() {
                    shares = split_shares
                        .into_iter()
                        .filter_map(|share| match share.key {
                            PoolTarget::Member(key) => Some(crate::split::Share {
                                key,
                                weight: share.weight,
                                quota_exact: share.quota_exact,
                                floor: share.floor,
                                amount: share.amount,
                                remainder_cents: share.remainder_cents,
                            }),
                            PoolTarget::Absent => None,
                        })
                        .collect();
                }
            }
            // 2. The members' part, within their caps: what the caps cannot hold is the provider's.
            if targets.is_empty() || total_weight.is_zero() {
                if !members_pool.is_zero() {
                    unbilled.push(Unbilled { amount: members_pool, reason: UnbilledReason::ZeroKey });
                }
            } else if component.cap_per_year.is_some() {
                shares = match split_capped(members_pool, &targets) {
                    Ok(shares) => shares,
                    Err(crate::split::SplitError::CapsBelowTotal { .. }) => {
                        let capped = capped_in_full(&targets, members_pool)?;
                        let held = Amount::checked_sum(capped.iter().map(|s| s.amount))?;
                        unbilled.push(Unbilled {
                            amount: members_pool.checked_sub(held)?,
                            reason: UnbilledReason::CapsReached,
                        });
                        capped
                    }
                    Err(error) => return Err(split_error(error)),
                };
            } else if absent.is_none() {
                let plain: Vec<SplitTarget<PartyId>> =
                    targets.iter().map(|t| SplitTarget::new(t.key.clone(), t.weight)).collect();
                shares = split(members_pool, &plain).map_err(split_error)?;
            }
        }
        let allocated = Amount::checked_sum(shares.iter().map(|s| s.amount))?;
        let summary = PoolSummary {
            convention: convention.id.clone(),
            dispositif: convention.dispositif.clone(),
            component: component.id.clone(),
            label: format!("{} — {}", component.label, context.semester),
            pool,
            allocated,
            unbilled,
        };
        let mut charges = Vec::with_capacity(shares.len());
        for share in &shares {
            if share.amount.is_zero() {
                continue;
            }
            let Some(presence) = presences.iter().find(|p| p.member == share.key) else { continue };
            let (member_basis, basis_text) = basis_of.get(&share.key).cloned().unwrap_or_default();
            let ratio = if total_weight.is_zero() {
                Decimal::ZERO
            } else {
                div(share.weight, total_weight, "ratio")?
            };
            let mut trace =
                Trace::new("pool_share", &context.terms.reference, share.quota_exact, Rounding::TowardZero);
            trace.key = Some(key_text.clone());
            trace.member_basis = Some(share.weight);
            trace.total_basis = Some(total_weight);
            trace.ratio = Some(ratio);
            trace.remainder_cents = share.remainder_cents;
            trace.step("Enveloppe", pool_text.clone());
            trace.step(
                "Part du semestre",
                format!(
                    "{} (1/2 de l'enveloppe annuelle{})",
                    pool.format_fr(),
                    if context.slices > 1 { ", part de la tranche" } else { "" }
                ),
            );
            trace.step("Clé de répartition", key_text.clone());
            trace.step("Base du membre", basis_text.clone());
            if !matches!(rule.key, Key::Activity(_)) {
                trace.step(
                    "Présence",
                    format!(
                        "{} {} sur {}",
                        presence.measure,
                        pro_rata_unit(convention.pro_rata),
                        context.period_measure
                    ),
                );
            }
            // Weights are basis × presence measure (integers, so the split stays exact); for reading, show them
            // per full period: a full member's weighted basis is its basis.
            let per_period = |weight: Decimal| {
                if matches!(rule.key, Key::Activity(_)) {
                    weight
                } else {
                    weight / Decimal::from(context.period_measure)
                }
            };
            trace.step(
                "Base du membre / base totale (au prorata de la présence)",
                format!(
                    "{} / {} = {}",
                    decimal_fr(per_period(share.weight), 4),
                    decimal_fr(per_period(total_weight), 4),
                    decimal_fr(ratio, 8)
                ),
            );
            let unit_price = if member_basis.is_zero() || share.weight.is_zero() {
                None
            } else {
                // Euros per unit of the key for this member: quota / basis.
                div(share.quota_exact, member_basis, "price per unit of key").ok()
            };
            let line = LineBasis {
                quantity: Some(member_basis),
                unit: unit.clone(),
                unit_price,
                description: format!(
                    "{} / {} ({}) × {}",
                    decimal_fr(per_period(share.weight), 4),
                    decimal_fr(per_period(total_weight), 4),
                    key_text,
                    pool.format_fr()
                ),
            };
            charges.push(context.charge(
                component,
                &share.key,
                share.amount,
                ChargeKind::Current,
                line,
                trace,
            ));
        }
        Ok((charges, summary))
    }

    /// The regularisation lines of year N − 1 against its actual valuation, in the semester the convention says.
    fn regularisation(
        &mut self,
        convention: &Convention,
        semester: Semester,
    ) -> Result<Vec<Charge>, AllocError> {
        let Some(policy) = convention.regularisation else { return Ok(Vec::new()) };
        if semester.half != policy.billed_in.half() {
            return Ok(Vec::new());
        }
        let year = semester.year - 1;
        if self.valuation(convention, year, ValuationBasis::Actual)?.is_none() {
            return Ok(Vec::new());
        }
        // Recompute each semester of the year on the forecast (what was billed) and on the actual.
        type BySemester = Vec<(Semester, Charge)>;
        let mut billed: BTreeMap<(PartyId, PartyId, String), BySemester> = BTreeMap::new();
        let mut due: BTreeMap<(PartyId, PartyId, String), BySemester> = BTreeMap::new();
        let mut scratch = Vec::new();
        for past in Semester::of_year(year) {
            for (basis, target) in
                [(ValuationBasis::Forecast, &mut billed), (ValuationBasis::Actual, &mut due)]
            {
                for charge in self.convention_semester(convention, past, basis, &mut scratch)? {
                    let component = convention
                        .terms
                        .iter()
                        .flat_map(|t| &t.components)
                        .find(|c| c.id == charge.component);
                    if component.is_some_and(is_valuation_based) {
                        target
                            .entry((charge.payer.clone(), charge.payee.clone(), charge.component.clone()))
                            .or_default()
                            .push((past, charge));
                    }
                }
            }
        }
        let forecast = self.required_valuation(convention, year, ValuationBasis::Forecast)?;
        let actual = self.required_valuation(convention, year, ValuationBasis::Actual)?;
        let mut keys: Vec<_> = billed.keys().chain(due.keys()).cloned().collect();
        keys.sort();
        keys.dedup();
        let mut charges = Vec::new();
        for key in keys {
            let billed_charges = billed.get(&key).map(Vec::as_slice).unwrap_or_default();
            let due_charges = due.get(&key).map(Vec::as_slice).unwrap_or_default();
            let billed_total = Amount::checked_sum(billed_charges.iter().map(|(_, c)| c.amount))?;
            let due_total = Amount::checked_sum(due_charges.iter().map(|(_, c)| c.amount))?;
            let amount = due_total.checked_sub(billed_total)?;
            if amount.is_zero() {
                continue;
            }
            let Some((_, template)) = due_charges.first().or(billed_charges.first()) else { continue };
            let mut trace = Trace::new(
                "regularisation",
                &template.trace.terms_reference,
                amount.to_decimal(),
                MEMBER_ROUNDING,
            );
            trace.step(
                format!("Coût unitaire {year}"),
                format!(
                    "prévisionnel {} ({}) ; réalisé {} ({})",
                    price_fr(forecast.unit_cost.value()),
                    forecast.document,
                    price_fr(actual.unit_cost.value()),
                    actual.document
                ),
            );
            trace.step(
                format!("Coût complet {year}"),
                format!(
                    "prévisionnel {} ; réalisé {}",
                    forecast.full_cost.format_fr(),
                    actual.full_cost.format_fr()
                ),
            );
            for (past, charge) in billed_charges {
                trace.step(
                    format!("Facturé sur le prévisionnel, {}", past.label_fr()),
                    format!("{} — {}", charge.amount.format_fr(), charge.basis.description),
                );
            }
            for (past, charge) in due_charges {
                trace.step(
                    format!("Dû sur le réalisé, {}", past.label_fr()),
                    format!("{} — {}", charge.amount.format_fr(), charge.basis.description),
                );
            }
            trace.step(
                "Régularisation",
                format!("{} − {} = {}", due_total.format_fr(), billed_total.format_fr(), amount.format_fr()),
            );
            let line = LineBasis {
                quantity: Some(Decimal::ONE),
                unit: "régularisation".into(),
                unit_price: Some(amount.to_decimal()),
                description: format!(
                    "Réalisé {} − facturé {} (exercice {year})",
                    due_total.format_fr(),
                    billed_total.format_fr()
                ),
            };
            let mut charge = template.clone();
            charge.kind = ChargeKind::Regularisation { year };
            charge.label = format!("Régularisation {year} sur coût réel — {}", template.label);
            charge.amount = amount;
            charge.basis = line;
            charge.trace = trace;
            charges.push(charge);
        }
        Ok(charges)
    }
}

/// Every target with a positive weight at its cap: the split when the caps cannot hold the pool. Each share keeps
/// its weight, its cap as quota and amount.
fn capped_in_full(
    targets: &[CappedTarget<PartyId>],
    pool: Amount,
) -> Result<Vec<crate::split::Share<PartyId>>, AllocError> {
    let sign = if pool.is_negative() { -Decimal::ONE } else { Decimal::ONE };
    targets
        .iter()
        .map(|target| {
            let cap = if target.weight.is_zero() { Amount::ZERO } else { target.cap.unwrap_or(Amount::ZERO) };
            let amount =
                Amount::from_decimal(mul(cap.to_decimal(), sign, "cap × sign")?, Rounding::TowardZero);
            Ok(crate::split::Share {
                key: target.key.clone(),
                weight: target.weight,
                quota_exact: amount.to_decimal(),
                floor: amount,
                amount,
                remainder_cents: 0,
            })
        })
        .collect()
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn describe_band(rule: &mutua_core::PopulationBands, inhabitants: u64) -> String {
    match rule.mode {
        mutua_core::BandMode::Flat => rule
            .bands
            .iter()
            .find(|band| band.from <= inhabitants && band.to.is_none_or(|to| inhabitants <= to))
            .map(|band| match band.to {
                Some(to) => format!(
                    "tranche de {} à {} hab.",
                    decimal_fr(Decimal::from(band.from), 0),
                    decimal_fr(Decimal::from(to), 0)
                ),
                None => format!("tranche de {} hab. et plus", decimal_fr(Decimal::from(band.from), 0)),
            })
            .unwrap_or_else(|| "hors tranches".to_owned()),
        mutua_core::BandMode::Marginal => {
            let parts: Vec<String> = rule
                .bands
                .iter()
                .filter(|band| band.from.max(1) <= inhabitants)
                .map(|band| {
                    let last = band.to.map_or(inhabitants, |to| to.min(inhabitants));
                    let count = last + 1 - band.from.max(1);
                    format!("{} hab. × {}", decimal_fr(Decimal::from(count), 0), price_fr(band.value.value()))
                })
                .collect();
            format!("barème marginal : {}", parts.join(" + "))
        }
    }
}

fn key_description(key: &Key, date: chrono::NaiveDate, dataset: &Dataset) -> (String, String) {
    match key {
        Key::Population { population } => {
            let millesime = match population.millesime {
                mutua_core::Millesime::InForce => dataset.populations.in_force(date),
                mutua_core::Millesime::Fixed(year) => year,
            };
            (format!("{}, millésime {millesime}", population.kind.label_fr()), "hab.".to_owned())
        }
        Key::Activity(activity) => (
            format!("activité « {} » pondérée ({})", activity.activity, activity.unit_label),
            activity.unit_label.clone(),
        ),
        Key::Equal => ("parts égales".to_owned(), "part".to_owned()),
        Key::FixedPercentages { .. } => ("pourcentages fixés par la convention".to_owned(), "%".to_owned()),
        _ => ("clé".to_owned(), "unité".to_owned()),
    }
}

/// What every charge of one slice of one convention shares.
struct SliceContext<'a> {
    convention: &'a Convention,
    terms: &'a Terms,
    semester: Semester,
    period: Period,
    period_measure: i64,
    slice: Period,
    slices: usize,
}

impl SliceContext<'_> {
    /// This slice's share of the semester's activity, when amendments split the semester (activity is assumed
    /// evenly spread over the semester's days).
    fn activity_share(&self, units: Decimal) -> Result<Decimal, AllocError> {
        if self.slice == self.period {
            return Ok(units);
        }
        div(
            mul(units, Decimal::from(self.slice.days()), "units × days")?,
            Decimal::from(self.period.days()),
            "activity share",
        )
    }

    /// This slice's part of a semester amount, split by days between the slices so that they add up exactly.
    fn slice_part(&self, semester_amount: Amount) -> Result<Amount, AllocError> {
        if self.slice == self.period {
            return Ok(semester_amount);
        }
        let slices = self.convention.terms_in(self.period);
        let targets: Vec<SplitTarget<chrono::NaiveDate>> = slices
            .iter()
            .map(|(slice, _)| SplitTarget::new(slice.first, Decimal::from(slice.days())))
            .collect();
        let shares = split(semester_amount, &targets).map_err(|source| AllocError::Split {
            convention: self.convention.id.to_string(),
            component: "slices".to_owned(),
            source,
        })?;
        Ok(shares.iter().find(|s| s.key == self.slice.first).map_or(Amount::ZERO, |s| s.amount))
    }

    fn fraction_text(&self, presence: &Presence) -> String {
        if presence.measure == self.period_measure {
            String::new()
        } else {
            format!(
                " × {}/{} {}",
                presence.measure,
                self.period_measure,
                pro_rata_unit(self.convention.pro_rata)
            )
        }
    }

    fn charge(
        &self,
        component: &Component,
        member: &PartyId,
        amount: Amount,
        kind: ChargeKind,
        basis: LineBasis,
        trace: Trace,
    ) -> Charge {
        let convention = self.convention;
        let provider_pays = convention.flow == Flow::ProviderPaysMembers;
        let (payer, payee) = if provider_pays {
            (convention.provider.clone(), member.clone())
        } else {
            (member.clone(), convention.provider.clone())
        };
        Charge {
            convention: convention.id.clone(),
            dispositif: convention.dispositif.clone(),
            component: component.id.clone(),
            label: component.label.clone(),
            kind,
            payer,
            payee,
            provider_pays,
            settlement: convention.settlement,
            vat: convention.vat.clone(),
            revenue_account: convention.revenue_account.clone(),
            expense_account: convention.expense_account.clone(),
            convention_reference: convention.reference.clone(),
            amount,
            basis,
            trace,
        }
    }
}

/// Amounts carried from the previous semester, owed again now.
fn carried(dataset: &Dataset, semester: Semester) -> Result<Vec<Charge>, AllocError> {
    let previous = semester.previous();
    let mut charges = Vec::new();
    for carried in dataset.carried.iter().filter(|c| c.semester == previous) {
        let convention = dataset
            .conventions
            .get(&carried.convention)
            .ok_or_else(|| AllocError::UnknownConvention(carried.convention.to_string()))?;
        let mut trace =
            Trace::new("carried", &convention.reference, carried.amount.to_decimal(), MEMBER_ROUNDING);
        trace.step("Semestre d'origine", previous.label_fr());
        trace.step(
            "Motif",
            format!(
                "total du document inférieur au seuil de {} (art. D1611-1 CGCT)",
                dataset.meta.titre_threshold.format_fr()
            ),
        );
        charges.push(Charge {
            convention: convention.id.clone(),
            dispositif: convention.dispositif.clone(),
            component: "report".to_owned(),
            label: format!("{} (report du {})", carried.label, previous.label_fr()),
            kind: ChargeKind::Carried { semester: previous },
            payer: carried.debtor.clone(),
            payee: carried.issuer.clone(),
            provider_pays: false,
            settlement: convention.settlement,
            vat: convention.vat.clone(),
            revenue_account: convention.revenue_account.clone(),
            expense_account: convention.expense_account.clone(),
            convention_reference: convention.reference.clone(),
            amount: carried.amount,
            basis: LineBasis {
                quantity: Some(Decimal::ONE),
                unit: "report".into(),
                unit_price: Some(carried.amount.to_decimal()),
                description: format!("Montant reporté du {}", previous.label_fr()),
            },
            trace,
        });
    }
    Ok(charges)
}
