//! How each amount was obtained, as typed facts: the rule, the bases, the figures of every step, the rounding
//! and the cents the remainder rule moved. No wording here: `mutua_documents::present` says each in French (on the
//! documents, in `mutua explain`, in the CII notes), and an embedder can read the numbers without any prose.

use chrono::NaiveDate;
use mutua_core::{Amount, CeeKind, PopulationKind, ProRata, Rounding, Semester, ValuationBasis};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::history::BilledSource;

/// The rule an amount comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// A rate per inhabitant.
    PerInhabitant,
    /// A fee by population band.
    PopulationBands,
    /// A price per weighted unit of activity.
    UnitPrice,
    /// A flat fee per year.
    FlatFee,
    /// A share of a pool split by a key.
    PoolShare,
    /// D5211-16: unit operating cost × units.
    UnitCost,
    /// CEE proceeds returned pro rata of kWh cumac.
    CeeRedistribution,
    /// The regularisation of a year against its actual valuation.
    Regularisation,
    /// An amount carried from an earlier semester (under the titre threshold).
    Carried,
    /// A line of an issued document, read back from the ledger (its computation is on that document).
    Issued,
}

/// The population a figure is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PopulationTrace {
    /// Municipale or totale.
    pub kind: PopulationKind,
    /// The millésime read.
    pub millesime: i32,
    /// Inhabitants.
    pub inhabitants: u64,
}

/// Where a population falls in a band tariff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum BandTrace {
    /// A flat band: its bounds (`to` is `None` for the last, open band).
    Flat {
        /// First inhabitant of the band.
        from: u64,
        /// Last inhabitant of the band.
        to: Option<u64>,
    },
    /// No band holds the population (refused by validation; kept for completeness).
    OutOfBands,
    /// Marginal rates: each band's inhabitants and rate.
    Marginal {
        /// (inhabitants in the band, rate per inhabitant).
        parts: Vec<(u64, Decimal)>,
    },
}

/// How a pool is keyed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "key", rename_all = "snake_case")]
pub enum KeyTrace {
    /// By population of a kind and millésime.
    Population {
        /// Municipale or totale.
        kind: PopulationKind,
        /// The millésime in force or fixed.
        millesime: i32,
    },
    /// By weighted activity.
    Activity {
        /// The activity counted.
        activity: String,
        /// Its unit, as the convention names it.
        unit_label: String,
    },
    /// Equal parts.
    Equal,
    /// Fixed percentages.
    FixedPercentages,
    /// kWh cumac of one kind of a CEE deposit.
    KwhCumac {
        /// Classique or précarité.
        kind: CeeKind,
    },
}

/// What a member weighs in a pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum MemberBasis {
    /// Its inhabitants.
    Inhabitants {
        /// How many.
        inhabitants: u64,
    },
    /// Its weighted units.
    Units {
        /// How many.
        units: Decimal,
        /// Their unit.
        unit_label: String,
    },
    /// One equal part.
    EqualPart,
    /// Its percentage.
    Percent {
        /// The percentage.
        percent: Decimal,
    },
}

/// A member present for part of the period: its measure over the period's (days or months), counted by the
/// component's day count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceTrace {
    /// Days or months present.
    pub measure: i64,
    /// What the measure is counted over: the days or months of the semester (the semester being half a year), or
    /// under [`ProRata::DaysOfYear`] the days of the calendar year (365 or 366).
    pub period_measure: i64,
    /// Whether the measures are months (else days).
    pub months: bool,
    /// First day present.
    pub first: NaiveDate,
    /// Last day present.
    pub last: NaiveDate,
    /// The day count, when it is not days over the days of the semester. `None` is days over the days of the
    /// semester — what every record meant before day counts were named — or, in such a record with `months`, months
    /// over the semester's (started or full, which it did not say): see [`PresenceTrace::day_count`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day_count: Option<ProRata>,
}

impl PresenceTrace {
    /// The day count the presence was counted by, when known (`None` only for a count of months recorded before
    /// day counts were named).
    #[must_use]
    pub fn day_count(&self) -> Option<ProRata> {
        self.day_count.or((!self.months).then_some(ProRata::DaysOfSemester))
    }
}

/// A fraction of a year, exact: `numerator / denominator` (a semester's part under a day count, a presence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fraction {
    /// The numerator.
    pub numerator: i64,
    /// The denominator, above zero.
    pub denominator: i64,
}

impl Fraction {
    /// Nothing of the year.
    pub const ZERO: Fraction = Fraction { numerator: 0, denominator: 1 };

    /// `numerator / denominator`, reduced (`None` for a denominator that is not above zero).
    #[must_use]
    pub fn new(numerator: i64, denominator: i64) -> Option<Fraction> {
        if denominator <= 0 {
            return None;
        }
        let divisor = gcd(numerator.unsigned_abs(), denominator.unsigned_abs()).max(1);
        let divisor = i64::try_from(divisor).ok()?;
        Some(Fraction { numerator: numerator / divisor, denominator: denominator / divisor })
    }

    /// The sum of two fractions, exact (`None` on overflow).
    #[must_use]
    pub fn checked_add(self, other: Fraction) -> Option<Fraction> {
        let numerator = self
            .numerator
            .checked_mul(other.denominator)?
            .checked_add(other.numerator.checked_mul(self.denominator)?)?;
        Fraction::new(numerator, self.denominator.checked_mul(other.denominator)?)
    }

    /// `value × numerator / denominator`, dividing once, last (`None` on overflow).
    #[must_use]
    pub fn of(self, value: Decimal) -> Option<Decimal> {
        value.checked_mul(Decimal::from(self.numerator))?.checked_div(Decimal::from(self.denominator))
    }

    /// Whether it is nothing.
    #[must_use]
    pub fn is_zero(self) -> bool {
        self.numerator == 0
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Where a pool's annual amount comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum PoolTrace {
    /// A fixed amount per year, revised or not.
    Fixed {
        /// The amount per year, as the convention states it.
        stated: Amount,
        /// The revision applied, and the revised amount.
        revised: Option<(Box<RevisionTrace>, Amount)>,
    },
    /// A share of the full cost of a valuation.
    Valuation {
        /// Forecast or actual.
        basis: ValuationBasis,
        /// The year valued.
        year: i32,
        /// The source document.
        document: String,
        /// The full cost.
        full_cost: Amount,
        /// The share put in the pool.
        share: Decimal,
        /// The annual pool.
        annual: Amount,
    },
}

/// An index revision: current / base, rounded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionTrace {
    /// The index name.
    pub index: String,
    /// The month of the current value.
    pub current_month: String,
    /// The current value.
    pub current: Decimal,
    /// The base month.
    pub base_month: String,
    /// The base value.
    pub base: Decimal,
    /// The coefficient, rounded to `decimals`.
    pub coefficient: Decimal,
    /// Its decimals.
    pub decimals: u32,
}

/// The valuation a unit cost is read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitCostTrace {
    /// Forecast or actual.
    pub basis: ValuationBasis,
    /// The year valued.
    pub year: i32,
    /// The unit cost.
    pub unit_cost: Decimal,
    /// The full cost.
    pub full_cost: Amount,
    /// The units of operation.
    pub units: Decimal,
    /// The source document.
    pub document: String,
}

/// One activity record counted: quantity, unit type and its weight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityTrace {
    /// The quantity.
    pub quantity: Decimal,
    /// The unit type (the code of `activity.csv`).
    pub unit: String,
    /// What the unit type is, in French, when the convention's grid names it (`labels`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Its weight.
    pub weight: Decimal,
}

/// Where the amounts carried into a semester are recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CarriedRecord {
    /// mutua's ledger: the last run of the semester before recorded what it carried.
    Ledger,
    /// The dataset's `carried.csv`: amounts carried before mutua kept the ledger.
    Import,
}

/// One step of a computation, with its figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// The population read.
    Population(PopulationTrace),
    /// The rate per inhabitant per year.
    AnnualRate {
        /// Euros per inhabitant per year.
        rate: Decimal,
    },
    /// The amount per year before the semester's part.
    AnnualAmount {
        /// Euros per year.
        amount: Decimal,
    },
    /// The band of a band tariff.
    Band(BandTrace),
    /// A flat fee per year.
    FlatFee {
        /// Euros per year.
        amount: Amount,
    },
    /// The activity records counted.
    Activity {
        /// Each record.
        records: Vec<ActivityTrace>,
    },
    /// The weighted units of a unit price.
    WeightedUnits {
        /// The units.
        units: Decimal,
        /// Their unit.
        unit_label: String,
    },
    /// The price, and its degressive tiers.
    Price {
        /// The price of the first units.
        price: Decimal,
        /// Their unit.
        unit_label: String,
        /// (from, price) beyond each tier.
        tiers: Vec<(Decimal, Decimal)>,
    },
    /// The part of the semester's units that falls in one tier of a degressive price, counted from the first
    /// unit of the semester across every slice of it.
    Tier {
        /// The tier's bounds, in units of the semester.
        span: TierSpan,
        /// The semester's units this slice counts, from its first (exclusive) to its last (inclusive).
        counted: (Decimal, Decimal),
        /// The units of this slice in the tier.
        units: Decimal,
        /// The tier's price.
        price: Decimal,
    },
    /// The units of operation of a unit cost.
    OperatingUnits {
        /// The units.
        units: Decimal,
        /// Their unit.
        unit_label: String,
    },
    /// The D5211-16 unit cost.
    UnitCost(UnitCostTrace),
    /// An index revision.
    Revision(RevisionTrace),
    /// The pro rata of a partial presence.
    ProRata(PresenceTrace),
    /// The cumulative rounding of an annual amount within its year, when it moves a cent from the rounding of this
    /// part alone: the year's amount up to the end of this presence, rounded, less the year's amount up to its
    /// start, rounded (what the year's earlier part billed), so that a year adds up to its amount.
    YearToDate {
        /// The exact amount of the year up to the start of this part.
        before: Decimal,
        /// It, rounded: what the earlier part of the year billed.
        billed_before: Amount,
        /// The exact amount of the year up to the end of this part.
        through: Decimal,
        /// It, rounded.
        billed_through: Amount,
    },
    /// A cap applied.
    Cap {
        /// The cap per year.
        per_year: Amount,
        /// The cap for the period.
        for_period: Decimal,
    },
    /// A floor applied.
    Floor {
        /// The floor per year.
        per_year: Amount,
        /// The floor for the period.
        for_period: Decimal,
    },
    /// The pool's annual amount.
    Pool(PoolTrace),
    /// The pool of the semester (or of this slice of it).
    SemesterPart {
        /// The amount split.
        pool: Amount,
        /// Whether an amendment split the semester into slices.
        sliced: bool,
        /// The semester's fraction of the year under the day count (1/2, or 181/365 by days of the year).
        fraction: Fraction,
    },
    /// The key of the split.
    Key(KeyTrace),
    /// What the member weighs.
    MemberBasis(MemberBasis),
    /// The member's presence in the slice (for keys weighted by presence).
    Presence {
        /// Days or months present.
        measure: i64,
        /// Days or months of the period.
        period_measure: i64,
        /// The day count they are counted by.
        day_count: ProRata,
    },
    /// The member's weight over the total, per full period.
    Ratio {
        /// The member's weight.
        member: Decimal,
        /// The total weight.
        total: Decimal,
        /// The ratio.
        ratio: Decimal,
    },
    /// The unit costs of a regularised year.
    RegularisationCosts {
        /// The year.
        year: i32,
        /// The forecast unit cost and its document.
        forecast: (Decimal, String),
        /// The actual unit cost and its document.
        actual: (Decimal, String),
    },
    /// The full costs of a regularised year.
    RegularisationFullCosts {
        /// The year.
        year: i32,
        /// The forecast full cost.
        forecast: Amount,
        /// The actual full cost.
        actual: Amount,
    },
    /// An amount billed for a semester of the year, as the ledger or the finance system's titres record it.
    Billed {
        /// The semester it was computed for.
        semester: Semester,
        /// The amount.
        amount: Amount,
        /// The document or titre that billed it.
        source: BilledSource,
    },
    /// What is due on the actual for a semester of the year.
    DueOnActual {
        /// The semester.
        semester: Semester,
        /// The amount, rounded as the charge would have been.
        amount: Amount,
        /// The exact amount, unrounded: what the regularisation adds up.
        exact: Decimal,
        /// Its basis.
        basis: Box<LineBasis>,
    },
    /// The member's regularisation: Σ exact due − Σ billed, rounded with the component's total.
    Regularisation {
        /// Σ due on the actual, exact.
        due: Decimal,
        /// Σ billed.
        billed: Amount,
        /// The exact difference.
        exact: Decimal,
        /// The line: the exact difference rounded toward negative infinity, plus the cent the largest remainder
        /// rule gives it (0 or 1).
        amount: Amount,
    },
    /// The component's total regularisation: Σ of the members' exact differences, rounded once, and split back.
    RegularisationTotal {
        /// Σ exact differences.
        exact: Decimal,
        /// Rounded to the cent.
        total: Amount,
        /// By this rule.
        rounding: Rounding,
    },
    /// The semester an amount was carried from.
    CarriedFrom {
        /// The semester.
        semester: Semester,
    },
    /// Which run carried it last, and where that is recorded.
    CarriedBy {
        /// The semester whose run carried it (the one before the semester run).
        semester: Semester,
        /// The ledger, or the dataset's `carried.csv`.
        recorded: CarriedRecord,
    },
    /// Why it was carried: under the titre threshold.
    CarriedReason {
        /// The threshold.
        threshold: Amount,
    },
    /// The CEE deposit and its sale.
    Deposit {
        /// Its label.
        label: String,
        /// The sale date.
        sold_on: NaiveDate,
    },
    /// The gross proceeds of one kind.
    GrossProceeds {
        /// kWh cumac of that kind.
        kwh: Decimal,
        /// Euros per MWh cumac.
        price: Decimal,
        /// The proceeds.
        gross: Amount,
    },
    /// The management fee.
    ManagementFee {
        /// Percent.
        percent: Decimal,
        /// The fee.
        fee: Amount,
    },
    /// The net proceeds.
    NetProceeds {
        /// Net of the fee.
        net: Amount,
    },
    /// The beneficiary's kWh cumac over the deposit's.
    BeneficiaryKwh {
        /// Its kWh cumac.
        kwh: Decimal,
        /// Its operations.
        operations: usize,
        /// The deposit's kWh cumac of that kind.
        total: Decimal,
        /// The ratio.
        ratio: Decimal,
    },
}

/// One tier of a degressive price: the semester's units from `from` (exclusive) up to `to` (inclusive; `None`
/// for the last, open tier), all at one deliberated price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierSpan {
    /// The units of the semester after which the tier starts (0 for the first).
    pub from: Decimal,
    /// The units of the semester at which it ends, if it is not the last.
    pub to: Option<Decimal>,
}

/// What an invoice line's "base de liquidation" is, typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "of", rename_all = "snake_case")]
pub enum BasisKind {
    /// Inhabitants × rate per year × 1/2.
    PerInhabitant {
        /// The population read.
        population: PopulationTrace,
        /// The rate per year.
        rate_per_year: Decimal,
    },
    /// A band's fee (or marginal rates) per year × 1/2.
    Band {
        /// The population read.
        population: PopulationTrace,
        /// The band.
        band: BandTrace,
        /// The amount per year.
        annual: Decimal,
    },
    /// A flat fee per year × 1/2.
    FlatFee {
        /// The amount per year.
        annual: Decimal,
    },
    /// Weighted units × price.
    Units {
        /// The units.
        units: Decimal,
        /// The price of the first units.
        price: Decimal,
        /// Their unit.
        unit_label: String,
        /// Whether the price is degressive.
        degressive: bool,
        /// The tier these units fall in, when the price is degressive: each tier is a line of its own.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tier: Option<TierSpan>,
    },
    /// Units of operation × the D5211-16 unit cost.
    UnitCost {
        /// The units.
        units: Decimal,
        /// Their unit.
        unit_label: String,
        /// The valuation's unit cost.
        unit_cost: Decimal,
        /// Forecast or actual.
        basis: ValuationBasis,
        /// The year valued.
        year: i32,
    },
    /// The member's weight over the total × the pool.
    PoolShare {
        /// The member's weight, per full period.
        member: Decimal,
        /// The total weight, per full period.
        total: Decimal,
        /// The key.
        key: KeyTrace,
        /// The pool split.
        pool: Amount,
    },
    /// The beneficiary's kWh cumac over the deposit's × its net proceeds.
    Cee {
        /// Its kWh cumac.
        kwh: Decimal,
        /// The deposit's of that kind.
        total: Decimal,
        /// The net proceeds.
        net: Amount,
    },
    /// Due on the actual (exact) − billed.
    Regularisation {
        /// Σ due on the actual, exact.
        due: Decimal,
        /// Σ billed.
        billed: Amount,
        /// The year regularised.
        year: i32,
    },
    /// Carried from an earlier semester.
    Carried {
        /// The semester it was computed for.
        semester: Semester,
    },
    /// A line of an issued document read back from the ledger: the basis it was printed with.
    Issued {
        /// The basis as printed.
        description: String,
    },
}

/// A bound that replaced the computed amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bounded {
    /// The cap.
    Capped,
    /// The floor.
    Floored,
}

/// The basis of liquidation printed on an invoice line: quantity × unit price, and how it was obtained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineBasis {
    /// The quantity billed (inhabitants, weighted files, hours, percentage…), when the line has one.
    pub quantity: Option<Decimal>,
    /// The unit of the quantity, as the data names it (`hab.`, the convention's `unit_label`…).
    pub unit: Unit,
    /// The unit price, when the line is quantity × price (euros, unrounded).
    pub unit_price: Option<Decimal>,
    /// What the basis is.
    pub kind: BasisKind,
    /// The pro rata of a partial presence, if any.
    pub presence: Option<PresenceTrace>,
    /// The revision coefficient applied, if any.
    pub revision: Option<Decimal>,
    /// The cap, then the floor, that replaced the amount, if any.
    pub bounds: Vec<Bounded>,
}

/// The unit of a line's quantity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "unit", content = "label", rename_all = "snake_case")]
pub enum Unit {
    /// Inhabitants.
    Inhabitants,
    /// One flat fee.
    Flat,
    /// The unit a convention names (`équivalent PC`, `heure`, `page A4`).
    Named(String),
    /// One equal part of a pool.
    Part,
    /// A percentage.
    Percent,
    /// MWh cumac.
    MwhCumac,
    /// One regularisation.
    Regularisation,
    /// One carried amount.
    Carried,
}

/// How an amount was obtained, so that any line can be explained to a commune's finance officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// The rule.
    pub rule: RuleKind,
    /// The terms (convention or amendment) applied, as the data references them.
    pub terms_reference: String,
    /// The key, for a pool split.
    pub key: Option<KeyTrace>,
    /// The member's basis (its population, weighted units, percentage, kWh cumac…), pro rata applied.
    pub member_basis: Option<Decimal>,
    /// The total basis of the split.
    pub total_basis: Option<Decimal>,
    /// The member's ratio of the total basis.
    pub ratio: Option<Decimal>,
    /// The exact amount before rounding.
    pub exact: Decimal,
    /// The rounding applied to the exact amount (for splits: truncation, then the remainder rule).
    pub rounding: Rounding,
    /// The cents moved onto this amount by the largest-remainder rule (0 outside splits).
    pub remainder_cents: i64,
    /// The computation, step by step.
    pub steps: Vec<Step>,
}

impl Trace {
    /// A trace with no steps yet.
    #[must_use]
    pub fn new(rule: RuleKind, terms_reference: &str, exact: Decimal, rounding: Rounding) -> Trace {
        Trace {
            rule,
            terms_reference: terms_reference.to_owned(),
            key: None,
            member_basis: None,
            total_basis: None,
            ratio: None,
            exact,
            rounding,
            remainder_cents: 0,
            steps: Vec::new(),
        }
    }

    /// Adds a step.
    pub fn step(&mut self, step: Step) {
        self.steps.push(step);
    }
}
