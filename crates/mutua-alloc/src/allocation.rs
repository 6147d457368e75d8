//! The result of an allocation: every amount owed for a semester, with how it was obtained.

use std::fmt::Write as _;

use mutua_core::{
    Amount, ConventionId, DispositifId, PartyId, Rounding, Semester, Settlement, ValuationResult, VatRegime,
    format_decimal_fr,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What an amount is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChargeKind {
    /// The charge of the semester under a tariff or key.
    Current,
    /// The regularisation of an earlier year once its actual valuation is known (positive or negative).
    Regularisation {
        /// The year regularised.
        year: i32,
    },
    /// A share of a CEE deposit's net proceeds, owed by the operator to the beneficiary.
    CeeShare {
        /// The deposit.
        deposit: String,
    },
    /// An amount of an earlier semester carried because its document would have been under the titre threshold.
    Carried {
        /// The semester it was computed for.
        semester: Semester,
    },
}

/// One step of a computation, for the trace: a French label and its value, already formatted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceStep {
    /// What the step is ("Population municipale 2023").
    pub label: String,
    /// Its value ("12 450 hab.").
    pub value: String,
}

/// How an amount was obtained, so that any line can be explained to a commune's finance officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// The rule kind (`per_inhabitant`, `pool_share`…).
    pub rule: String,
    /// The terms (convention or amendment) applied.
    pub terms_reference: String,
    /// The key and its vintage, for a pool split ("population totale, millésime 2023").
    pub key: Option<String>,
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
    pub steps: Vec<TraceStep>,
}

impl Trace {
    /// A trace with no steps yet.
    #[must_use]
    pub fn new(rule: &str, terms_reference: &str, exact: Decimal, rounding: Rounding) -> Trace {
        Trace {
            rule: rule.to_owned(),
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
    pub fn step(&mut self, label: impl Into<String>, value: impl Into<String>) {
        self.steps.push(TraceStep { label: label.into(), value: value.into() });
    }
}

/// The basis of liquidation printed on an invoice line: quantity × unit price, with its description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineBasis {
    /// The quantity billed (inhabitants, weighted files, hours, percentage…), when the line has one.
    pub quantity: Option<Decimal>,
    /// The unit of the quantity ("hab.", "équivalent PC", "%").
    pub unit: String,
    /// The unit price, when the line is quantity × price (euros, unrounded).
    pub unit_price: Option<Decimal>,
    /// The basis in words ("12 450 hab. × 1,20 €/an × 1/2").
    pub description: String,
}

/// One amount owed by a payer to a payee for a semester.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charge {
    /// The convention.
    pub convention: ConventionId,
    /// Its dispositif.
    pub dispositif: DispositifId,
    /// The component of the tariff (`fixed`, `variable`), or the deposit for CEE.
    pub component: String,
    /// Label for the document line.
    pub label: String,
    /// What the amount is.
    pub kind: ChargeKind,
    /// Who owes the amount.
    pub payer: PartyId,
    /// Who is owed it (the issuer of the invoice, or the beneficiary of a payment notice).
    pub payee: PartyId,
    /// Whether the payer's and payee's roles are reversed compared to the convention's provider: the provider
    /// owes the member (CEE shares, housing files).
    pub provider_pays: bool,
    /// Invoice or attribution de compensation.
    pub settlement: Settlement,
    /// VAT regime of the dispositif.
    pub vat: VatRegime,
    /// M57 revenue account in the payee's books.
    pub revenue_account: String,
    /// M57 expense account in the payer's books.
    pub expense_account: String,
    /// The convention's reference.
    pub convention_reference: String,
    /// The amount (negative for a regularisation credit).
    pub amount: Amount,
    /// The basis printed on the line.
    pub basis: LineBasis,
    /// How it was obtained.
    pub trace: Trace,
}

/// Every amount of a semester.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocation {
    /// The semester.
    pub semester: Semester,
    /// Every charge, ordered by payee, payer, dispositif, convention, kind and component.
    pub charges: Vec<Charge>,
    /// The valuations computed on the way (forecasts used for billing, actuals used for regularisation).
    pub valuations: Vec<ValuationResult>,
    /// The pools split this semester, with their totals: (convention, component, pool amount, Σ shares).
    pub pools: Vec<PoolSummary>,
}

/// A pool split during the allocation (one per convention, component and slice of the semester), for the
/// reconciliation: `pool = allocated + Σ unbilled`, exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PoolSummary {
    /// The convention.
    pub convention: ConventionId,
    /// Its dispositif.
    pub dispositif: DispositifId,
    /// The component, as on the charges split from it (for CEE, the deposit and kind: `depot-2026-1-classique`).
    pub component: String,
    /// What the pool is ("Part fixe — 2026-S1", "Produit net du dépôt 1 (classique)").
    pub label: String,
    /// The amount to distribute.
    pub pool: Amount,
    /// Σ of the shares allotted to members.
    pub allocated: Amount,
    /// What was not allotted, and why.
    pub unbilled: Vec<Unbilled>,
}

/// A part of a pool allotted to nobody.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unbilled {
    /// The amount.
    pub amount: Amount,
    /// Why (in JSON, its `reason` key and any detail sit beside `amount`).
    #[serde(flatten)]
    pub reason: UnbilledReason,
}

/// Why a part of a pool is allotted to nobody. Each is a rule the data format states (`docs/data-format.md`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum UnbilledReason {
    /// No member was in the convention during that part of the semester.
    NoMemberPresent,
    /// The key gave every member present a weight of zero (no activity recorded, for an activity key).
    ZeroKey,
    /// Every member present reached its cap: the provider bears the rest.
    CapsReached,
    /// The fixed percentages of members absent for part of the period, which the convention does not
    /// redistribute (`absent = "unbilled"`).
    AbsentMembers {
        /// The members absent for part or all of the period.
        members: Vec<PartyId>,
    },
}

impl PoolSummary {
    /// Σ unbilled.
    pub fn unbilled_total(&self) -> Result<Amount, mutua_core::MoneyError> {
        Amount::checked_sum(self.unbilled.iter().map(|u| u.amount))
    }
}

impl Allocation {
    /// The charges a party pays or is paid, optionally for one dispositif.
    pub fn charges_of<'a>(
        &'a self,
        party: &'a PartyId,
        dispositif: Option<&'a DispositifId>,
    ) -> impl Iterator<Item = &'a Charge> + 'a {
        self.charges.iter().filter(move |c| {
            (&c.payer == party || &c.payee == party) && dispositif.is_none_or(|d| &c.dispositif == d)
        })
    }
}

/// Formats a decimal for a French reader with up to `max_decimals` decimals, trailing zeros removed.
#[must_use]
pub fn decimal_fr(value: Decimal, max_decimals: u32) -> String {
    let rounded = Rounding::HalfUp.apply(value, max_decimals).normalize();
    format_decimal_fr(rounded, rounded.scale())
}

/// Formats a price in euros: at least two decimals, more when the price has them (up to 6).
#[must_use]
pub fn price_fr(value: Decimal) -> String {
    let normalized = Rounding::HalfUp.apply(value, 6).normalize();
    let decimals = normalized.scale().max(2);
    format!("{}\u{a0}€", format_decimal_fr(normalized, decimals))
}

impl Charge {
    /// The computation of this charge in French, one line per step, for `mutua explain` and the annex.
    #[must_use]
    pub fn explain_fr(&self) -> Vec<String> {
        let mut lines = Vec::with_capacity(self.trace.steps.len() + 3);
        let (direction, party) =
            if self.provider_pays { ("versé à", &self.payee) } else { ("dû par", &self.payer) };
        let head = format!("{} — {} ({direction} {party})", self.label, self.amount.format_fr());
        lines.push(head);
        lines.push(format!("  Règle : {} ; {}", rule_label_fr(&self.trace.rule), self.trace.terms_reference));
        for step in &self.trace.steps {
            lines.push(format!("  {} : {}", step.label, step.value));
        }
        let mut rounding = format!(
            "  Montant exact : {} ; arrondi ({}) : {}",
            price_fr(self.trace.exact),
            rounding_label_fr(self.trace.rounding),
            self.amount.format_fr()
        );
        if self.trace.remainder_cents != 0 {
            let _ = write!(
                rounding,
                " dont {} centime(s) attribué(s) par la règle du plus fort reste",
                self.trace.remainder_cents
            );
        }
        lines.push(rounding);
        lines
    }
}

/// The French name of a rule kind.
#[must_use]
pub fn rule_label_fr(rule: &str) -> &'static str {
    match rule {
        "per_inhabitant" => "tarif par habitant",
        "population_bands" => "forfait par tranche de population",
        "unit_price" => "prix unitaire × unités d'œuvre",
        "flat_fee" => "forfait annuel",
        "pool_share" => "quote-part d'une enveloppe selon une clé de répartition",
        "unit_cost" => "coût unitaire de fonctionnement × unités (art. D5211-16 CGCT)",
        "cee_redistribution" => "reversement du produit des CEE au prorata des kWh cumac",
        "regularisation" => "régularisation sur le coût réel",
        "carried" => "report d'un semestre antérieur (seuil de mise en recouvrement)",
        _ => "règle",
    }
}

fn rounding_label_fr(rounding: Rounding) -> &'static str {
    match rounding {
        Rounding::HalfUp => "au centime le plus proche, demi vers le haut",
        Rounding::HalfEven => "au centime pair le plus proche",
        Rounding::TowardZero => "troncature au centime",
        Rounding::Floor => "au centime inférieur",
        Rounding::Ceiling => "au centime supérieur",
        _ => "au centime",
    }
}
