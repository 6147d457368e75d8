//! The allocation of one semester: every convention's rules applied to its members.
//!
//! Conventions state annual tariffs; a semester bills its fraction of the year under the day count of the
//! component (or of its convention): days over the days of the year, days over the days of the semester (half a
//! year each), months started or full over twelve, or the whole semester ([`ProRata`]). An annual amount is rounded
//! cumulatively within its year, so that the semesters of a full year add up to it exactly. Amendments split the
//! semester into slices, each billed under its own terms. Tariffs that apply to one member (per inhabitant, bands,
//! unit prices, unit cost) are rounded per member with [`MEMBER_ROUNDING`]; pools are split with the exact
//! largest-remainder splitter so that the shares add up to the pool to the cent.
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
use crate::history::History;
use crate::trace::{
    ActivityTrace, Fraction, LineBasis, PopulationTrace, PresenceTrace, RevisionTrace, Trace,
};

mod amount;
mod bands;
mod carried;
pub(crate) mod cee;
mod flat_fee;
mod member;
mod per_inhabitant;
mod pool_share;
pub(crate) mod regularisation;
mod unit_cost;
mod unit_price;

/// The rounding of an amount computed for one member (a tariff, not a split): half up to the cent.
pub const MEMBER_ROUNDING: Rounding = Rounding::HalfUp;

/// Computes every amount owed for a semester under every convention of a validated dataset, regularising past
/// years against the titres the dataset holds ([`History::of_titres`]); [`allocate_with`] takes what the
/// ledger records too.
///
/// # Errors
///
/// [`AllocError`], naming the convention, member or dispositif concerned.
pub fn allocate(dataset: &ValidatedDataset, semester: Semester) -> Result<Allocation, AllocError> {
    allocate_with(dataset, semester, &History::of_titres(dataset))
}

/// Computes every amount owed for a semester under every convention of a validated dataset, regularising past
/// years against what `history` says they billed.
///
/// The result is deterministic: charges are ordered by payee, payer, dispositif, convention, kind and
/// component, whatever the order of the input files. Only a [`ValidatedDataset`] is accepted: the engine relies
/// on every rule of `mutua_core::validate` (eligibility, terms for every billed day, no double billing…) and checks
/// none of them again. A regularisation needs every semester of the year it regularises in `history`
/// ([`AllocError::BilledUnknown`] otherwise).
///
/// # Errors
///
/// [`AllocError`], naming the convention, member or dispositif concerned.
pub fn allocate_with(
    dataset: &ValidatedDataset,
    semester: Semester,
    history: &History,
) -> Result<Allocation, AllocError> {
    let validated = dataset;
    let dataset: &Dataset = dataset;
    let mut activity: ActivityIndex<'_> = BTreeMap::new();
    for record in &dataset.activity {
        activity.entry((&record.convention, &record.member, record.semester)).or_default().push(record);
    }
    let mut engine = Engine { dataset: validated, activity, valuations: BTreeMap::new() };
    let mut charges = Vec::new();
    let mut pools = Vec::new();
    // What is carried into the semester is billed by this run (or carried again): a regularisation counts it.
    let carried_in = carried::carried_into(dataset, semester, history);
    let pending = carried::pending_billed(&carried_in.0);
    for convention in dataset.conventions.values() {
        if convention.flow == Flow::None {
            continue;
        }
        let current =
            engine.convention_semester(convention, semester, ValuationBasis::Forecast, &mut pools)?;
        charges.extend(current);
        charges.extend(regularisation::charges(&mut engine, convention, semester, history, &pending)?);
        charges.extend(cee::deposits(validated, convention, semester, &mut pools)?);
    }
    charges.extend(carried::charges(dataset, semester, carried_in)?);
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
    let prior_imputations = crate::history::prior_imputations(dataset, semester, history);
    Ok(Allocation { semester, charges, valuations, pools, prior_imputations })
}

/// The membership of one member inside one slice of the period.
pub(crate) struct Presence {
    member: PartyId,
    /// The days of the slice the member was in (its first and last day).
    days: Period,
    /// The pro rata measure of that presence (days or months), under the day count it was counted by.
    measure: i64,
}

/// The activity records of a convention, member and semester, in file order.
type ActivityIndex<'a> = BTreeMap<(&'a ConventionId, &'a PartyId, Semester), Vec<&'a ActivityRecord>>;

pub(crate) struct Engine<'a> {
    /// The dataset, with its index: every lookup of the engine goes through it.
    dataset: &'a ValidatedDataset,
    /// Activity indexed once, rather than scanned for every member of every rule.
    activity: ActivityIndex<'a>,
    valuations: BTreeMap<(String, i32, ValuationBasis), ValuationResult>,
}

/// The measure of a period under a day count: its days, or its calendar months started or full.
fn measure(pro_rata: ProRata, period: Period) -> i64 {
    match pro_rata {
        ProRata::DaysOfYear | ProRata::DaysOfSemester | ProRata::None => period.days(),
        ProRata::MonthsStarted => period.months_started(),
        ProRata::MonthsFull => period.months_full(),
    }
}

/// The fraction of the year a measure of presence in a semester stands for, under a day count: days over the days
/// of the year (`days_of_year`), days over twice the days of the semester (`days_of_semester`, and `none`, whose
/// measure is the whole slice), months over twelve.
fn year_fraction(pro_rata: ProRata, measure: i64, semester: Semester) -> Result<Fraction, AllocError> {
    let denominator = match pro_rata {
        ProRata::DaysOfYear => Period::year(semester.year).map_or(365, Period::days),
        ProRata::DaysOfSemester | ProRata::None => 2 * semester.period().days(),
        ProRata::MonthsStarted | ProRata::MonthsFull => 12,
    };
    Fraction::new(measure, denominator).ok_or_else(|| overflow("fraction of the year"))
}

/// The fraction of the year a whole semester stands for under a day count: 1/2, or its days over the year's.
fn semester_fraction(pro_rata: ProRata, semester: Semester) -> Result<Fraction, AllocError> {
    year_fraction(pro_rata, measure(pro_rata, semester.period()), semester)
}

/// A semester's part of an annual amount under a day count: the first semester its fraction of the year (1/2, or
/// 181/365 by days of the year) rounded half up, the second the rest, so that the two semesters of a year add up
/// to the annual amount exactly.
fn semester_part(annual: Amount, semester: Semester, pro_rata: ProRata) -> Result<Amount, AllocError> {
    let first_half = Semester { year: semester.year, half: Half::S1 };
    let fraction = semester_fraction(pro_rata, first_half)?;
    let exact = fraction.of(annual.to_decimal()).ok_or_else(|| overflow("pool × fraction of the year"))?;
    let first = Amount::from_decimal(exact, MEMBER_ROUNDING);
    match semester.half {
        Half::S1 => Ok(first),
        Half::S2 => Ok(annual.checked_sub(first)?),
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
    /// Members present in a slice, ordered by party id, with their pro rata measure under a day count (for the
    /// days each membership is billed).
    fn presences(&self, convention: &Convention, slice: Period, pro_rata: ProRata) -> Vec<Presence> {
        let mut by_member: BTreeMap<&PartyId, Vec<DateRange>> = BTreeMap::new();
        for (membership, range) in self.dataset.billed_members_of(&convention.id) {
            by_member.entry(&membership.member).or_default().push(range);
        }
        let mut presences = Vec::with_capacity(by_member.len());
        for (member, ranges) in by_member {
            let parts: Vec<Period> = ranges.iter().filter_map(|range| slice.intersect(*range)).collect();
            let Some(days) = parts.iter().copied().reduce(Period::hull) else { continue };
            let measure = if pro_rata == ProRata::None {
                measure(ProRata::None, slice)
            } else {
                parts.iter().map(|part| measure(pro_rata, *part)).sum()
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
                label: basis.labels.get(&record.unit).cloned(),
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
        let slices = convention.terms_in(period);
        let mut charges = Vec::new();
        for (slice, terms) in &slices {
            // Presences under each day count the slice's components use.
            let mut presences_by_count: BTreeMap<ProRata, Vec<Presence>> = BTreeMap::new();
            for component in &terms.components {
                let pro_rata = component.day_count(convention);
                presences_by_count
                    .entry(pro_rata)
                    .or_insert_with(|| self.presences(convention, *slice, pro_rata));
            }
            for component in &terms.components {
                let pro_rata = component.day_count(convention);
                let presences = presences_by_count.get(&pro_rata).map(Vec::as_slice).unwrap_or_default();
                let year_to_date = if is_annual(component) {
                    self.year_to_date(convention, component, semester, *slice)?
                } else {
                    BTreeMap::new()
                };
                let context = SliceContext {
                    dataset: self.dataset,
                    convention,
                    terms,
                    semester,
                    period,
                    period_measure: measure(pro_rata, period),
                    pro_rata,
                    year_to_date,
                    slice: *slice,
                    slices: slices.len(),
                };
                let within = |error: AllocError| error.within(convention.id.as_str(), &component.id);
                let revision = self.revision(component.revision.as_ref(), *slice).map_err(within)?;
                match &component.rule {
                    Rule::PoolShare(pool) => {
                        let (charges_of_pool, summary) = pool_share::split_pool(
                            self, &context, component, pool, presences, revision, basis,
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
                        for presence in presences {
                            charges.extend(
                                member::charges(
                                    self,
                                    &context,
                                    component,
                                    presence,
                                    revision.as_ref(),
                                    basis,
                                )
                                .map_err(within)?,
                            );
                        }
                    }
                }
            }
        }
        Ok(charges)
    }

    /// The fraction of the year each member was present before a slice, under a component's day count: the
    /// earlier slices of the year (the first semester's, and this semester's before it) whose terms have a
    /// component of the same id. The cumulative rounding of an annual amount starts there.
    fn year_to_date(
        &self,
        convention: &Convention,
        component: &Component,
        semester: Semester,
        slice: Period,
    ) -> Result<BTreeMap<PartyId, Fraction>, AllocError> {
        let pro_rata = component.day_count(convention);
        let mut before: BTreeMap<PartyId, Fraction> = BTreeMap::new();
        for earlier in Semester::of_year(semester.year).into_iter().filter(|s| *s <= semester) {
            for (part, terms) in convention.terms_in(earlier.period()) {
                if part.first() >= slice.first() || !terms.components.iter().any(|c| c.id == component.id) {
                    continue;
                }
                for presence in self.presences(convention, part, pro_rata) {
                    let fraction = year_fraction(pro_rata, presence.measure, earlier)?;
                    let sum = before.entry(presence.member).or_insert(Fraction::ZERO);
                    *sum = sum.checked_add(fraction).ok_or_else(|| overflow("fraction of the year"))?;
                }
            }
        }
        Ok(before)
    }
}

/// Whether a component's rule is an amount per year that a semester bills its fraction of, pro rata (per
/// inhabitant, bands, flat fee): these are rounded cumulatively within the year.
fn is_annual(component: &Component) -> bool {
    match &component.rule {
        Rule::PerInhabitant(_) | Rule::PopulationBands(_) | Rule::FlatFee(_) => true,
        Rule::UnitPrice(_) | Rule::UnitCost(_) | Rule::PoolShare(_) | Rule::CeeRedistribution(_) => false,
    }
}

/// What every charge of one component in one slice of one convention shares.
pub(crate) struct SliceContext<'a> {
    /// The dataset, for the parties' relation that chooses the accounts.
    dataset: &'a Dataset,
    convention: &'a Convention,
    terms: &'a Terms,
    semester: Semester,
    period: Period,
    /// The measure of the whole semester under the component's day count.
    period_measure: i64,
    /// The component's day count.
    pro_rata: ProRata,
    /// The fraction of the year each member was present before this slice (annual rules only).
    year_to_date: BTreeMap<PartyId, Fraction>,
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

    /// The price a semester's line shows for a price per year: half of it, or under `days_of_year` (whose
    /// fraction is of the year) the price per year itself.
    fn semester_price(&self, per_year: Decimal) -> Decimal {
        match self.pro_rata {
            ProRata::DaysOfYear => per_year,
            ProRata::DaysOfSemester | ProRata::MonthsStarted | ProRata::MonthsFull | ProRata::None => {
                per_year / Decimal::TWO
            }
        }
    }

    /// The fraction of the year a presence in this slice stands for.
    fn fraction(&self, presence: &Presence) -> Result<Fraction, AllocError> {
        year_fraction(self.pro_rata, presence.measure, self.semester)
    }

    /// The fraction of the year a member was present before this slice.
    fn fraction_before(&self, presence: &Presence) -> Fraction {
        self.year_to_date.get(&presence.member).copied().unwrap_or(Fraction::ZERO)
    }

    /// The pro rata of a presence, for the trace and the basis: a presence shorter than the semester, or under
    /// `days_of_year` any presence (its days over the year's are never exactly a half).
    fn presence_trace(&self, presence: &Presence) -> Option<PresenceTrace> {
        let (period_measure, shown) = match self.pro_rata {
            ProRata::DaysOfYear => (Period::year(self.semester.year).map_or(365, Period::days), true),
            ProRata::DaysOfSemester | ProRata::MonthsStarted | ProRata::MonthsFull | ProRata::None => {
                (self.period_measure, presence.measure != self.period_measure)
            }
        };
        shown.then_some(PresenceTrace {
            measure: presence.measure,
            period_measure,
            months: self.pro_rata.counts_months(),
            first: presence.days.first(),
            last: presence.days.last(),
            // Days of the semester are what a trace without a day count has always meant: records stay as written.
            day_count: (self.pro_rata != ProRata::DaysOfSemester).then_some(self.pro_rata),
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
        let accounts = self.dataset.line_accounts(convention, &payee, &payer);
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
            accounts,
            convention_reference: convention.reference.clone(),
            amount,
            basis,
            trace,
        }
    }
}
