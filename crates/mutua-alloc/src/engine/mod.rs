//! The allocation of one semester: every convention's rules applied to its members.
//!
//! Conventions state annual tariffs; a semester bills half of them, pro rata of membership (days or months, as
//! the convention says). Amendments split the semester into slices, each billed under its own terms. Tariffs
//! that apply to one member (per inhabitant, bands, unit prices, unit cost) are rounded per member with
//! [`MEMBER_ROUNDING`]; pools are split with the exact largest-remainder splitter so that the shares add up to
//! the pool to the cent.
//!
//! One module per kind of rule: [`member`] dispatches the per-member rules ([`per_inhabitant`], [`bands`],
//! [`flat_fee`], [`unit_price`], [`unit_cost`]) and applies what they share (pro rata, revision, caps and floors,
//! rounding); [`pool_share`] splits pools; [`cee`] returns CEE proceeds; [`regularisation`] regularises a year
//! against its actual valuation; [`carried`] bills again what an earlier semester carried. Every match on a rule
//! or a key is exhaustive, so that a new kind of rule does not compile until each of them handles it.

use std::collections::BTreeMap;

use mutua_core::{
    ActivityBasis, ActivityRecord, Amount, Component, Convention, ConventionId, Dataset, DateRange, Flow,
    Half, IndexRevision, MoneyError, PartyId, Period, PopulationBasis, ProRata, Rounding, Rule, Semester,
    Terms, ValidatedDataset, ValuationBasis, ValuationResult,
};
use rust_decimal::Decimal;

use crate::allocation::{Allocation, Charge, ChargeKind, PoolSummary};
use crate::error::AllocError;
use crate::trace::{ActivityTrace, LineBasis, PopulationTrace, PresenceTrace, RevisionTrace, Trace};

mod amount;
mod bands;
mod carried;
pub(crate) mod cee;
mod flat_fee;
mod member;
mod per_inhabitant;
mod pool_share;
mod regularisation;
mod unit_cost;
mod unit_price;

/// The rounding of an amount computed for one member (a tariff, not a split): half up to the cent.
pub const MEMBER_ROUNDING: Rounding = Rounding::HalfUp;

/// Computes every amount owed for a semester under every convention of a validated dataset.
///
/// The result is deterministic: charges are ordered by payee, payer, dispositif, convention, kind and
/// component, whatever the order of the input files. Only a [`ValidatedDataset`] is accepted: the engine relies
/// on every rule of `mutua_core::validate` (eligibility, terms for every billed day, no double billing…) and checks
/// none of them again.
pub fn allocate(dataset: &ValidatedDataset, semester: Semester) -> Result<Allocation, AllocError> {
    let dataset: &Dataset = dataset;
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
        charges.extend(regularisation::charges(&mut engine, convention, semester)?);
        charges.extend(cee::deposits(dataset, convention, semester, &mut pools)?);
    }
    charges.extend(carried::charges(dataset, semester)?);
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
pub(crate) struct Presence {
    member: PartyId,
    /// The days of the slice the member was in (its first and last day).
    days: Period,
    /// The pro rata measure of that presence (days or months).
    measure: i64,
}

/// The activity records of a convention, member and semester, in file order.
type ActivityIndex<'a> = BTreeMap<(&'a ConventionId, &'a PartyId, Semester), Vec<&'a ActivityRecord>>;

pub(crate) struct Engine<'a> {
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

/// Whether a convention's pro rata counts months (else days).
fn counts_months(pro_rata: ProRata) -> bool {
    match pro_rata {
        ProRata::Days | ProRata::None => false,
        ProRata::MonthsStarted | ProRata::MonthsFull => true,
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

/// Whether a component's amount rests on the dispositif's valuation (and is regularised against the actual).
fn is_valuation_based(component: &Component) -> bool {
    match &component.rule {
        Rule::UnitCost(_) => true,
        Rule::PoolShare(pool) => match pool.pool {
            mutua_core::PoolSource::Valuation { .. } => true,
            mutua_core::PoolSource::Fixed { .. } => false,
        },
        Rule::PerInhabitant(_)
        | Rule::PopulationBands(_)
        | Rule::UnitPrice(_)
        | Rule::FlatFee(_)
        | Rule::CeeRedistribution(_) => false,
    }
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
            let parts: Vec<Period> = ranges.iter().filter_map(|range| slice.intersect(*range)).collect();
            let Some(days) = parts.iter().copied().reduce(Period::hull) else { continue };
            let measure = if convention.pro_rata == ProRata::None {
                measure(ProRata::Days, slice)
            } else {
                parts.iter().map(|part| measure(convention.pro_rata, *part)).sum()
            };
            presences.push(Presence { member: member.clone(), days, measure });
        }
        presences
    }

    fn population(
        &self,
        convention: &Convention,
        member: &PartyId,
        basis: PopulationBasis,
        date: chrono::NaiveDate,
    ) -> Result<PopulationTrace, AllocError> {
        let figure = self.dataset.populations.figure(member, basis, date).ok_or_else(|| {
            AllocError::MissingPopulation {
                member: member.to_string(),
                millesime: match basis.millesime {
                    mutua_core::Millesime::InForce => self.dataset.populations.in_force(date),
                    mutua_core::Millesime::Fixed(year) => year,
                },
                convention: convention.id.to_string(),
            }
        })?;
        Ok(PopulationTrace {
            kind: figure.kind,
            millesime: figure.millesime,
            inhabitants: figure.inhabitants,
        })
    }

    /// The weighted units of an activity a member used in a semester, and the records counted.
    fn weighted_units(
        &self,
        convention: &Convention,
        member: &PartyId,
        semester: Semester,
        basis: &ActivityBasis,
    ) -> Result<(Decimal, Vec<ActivityTrace>), AllocError> {
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
            detail.push(ActivityTrace {
                quantity: record.quantity.value(),
                unit: record.unit.clone(),
                weight: weight.value(),
            });
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
        // The forecast is the D5211-16 derived unit cost when the dataset derives it, else the forecast row.
        let Some(result) = self.dataset.valuation_result(&convention.dispositif, year, basis) else {
            return Ok(None);
        };
        let result = result.map_err(|source| AllocError::Valuation {
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
            basis,
        })
    }

    fn revision(
        &self,
        revision: Option<&IndexRevision>,
        slice: Period,
    ) -> Result<Option<RevisionTrace>, AllocError> {
        let Some(revision) = revision else { return Ok(None) };
        if slice.first() < revision.from {
            return Ok(None);
        }
        let month = slice.first().format("%Y-%m").to_string();
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
        Ok(Some(RevisionTrace {
            index: revision.index.clone(),
            current_month,
            current,
            base_month,
            base,
            coefficient,
            decimals: revision.coefficient_decimals,
        }))
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
                match &component.rule {
                    Rule::PoolShare(pool) => {
                        let (charges_of_pool, summary) = pool_share::split_pool(
                            self, &context, component, pool, &presences, revision, basis,
                        )
                        .map_err(within)?;
                        charges.extend(charges_of_pool);
                        if basis == ValuationBasis::Forecast {
                            pools.push(summary);
                        }
                    }
                    // Deposits are returned when sold, in [`cee`], not per slice of membership.
                    Rule::CeeRedistribution(_) => {}
                    Rule::PerInhabitant(_)
                    | Rule::PopulationBands(_)
                    | Rule::FlatFee(_)
                    | Rule::UnitPrice(_)
                    | Rule::UnitCost(_) => {
                        for presence in &presences {
                            if let Some(charge) =
                                member::charge(self, &context, component, presence, revision.as_ref(), basis)
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
}

/// What every charge of one slice of one convention shares.
pub(crate) struct SliceContext<'a> {
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
        let targets: Vec<crate::split::SplitTarget<chrono::NaiveDate>> = slices
            .iter()
            .map(|(slice, _)| crate::split::SplitTarget::new(slice.first(), Decimal::from(slice.days())))
            .collect();
        let shares = crate::split::split(semester_amount, &targets).map_err(|source| AllocError::Split {
            convention: self.convention.id.to_string(),
            component: "slices".to_owned(),
            source,
        })?;
        Ok(shares.iter().find(|s| s.key == self.slice.first()).map_or(Amount::ZERO, |s| s.amount))
    }

    /// The pro rata of a presence shorter than the period, for the trace and the basis.
    fn presence_trace(&self, presence: &Presence) -> Option<PresenceTrace> {
        (presence.measure != self.period_measure).then_some(PresenceTrace {
            measure: presence.measure,
            period_measure: self.period_measure,
            months: counts_months(self.convention.pro_rata),
            first: presence.days.first(),
            last: presence.days.last(),
        })
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
