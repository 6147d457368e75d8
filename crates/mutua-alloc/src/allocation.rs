//! The result of an allocation: every amount owed for a semester, with how it was obtained.

use mutua_core::{
    Amount, CeeKind, ConventionId, DispositifId, LineAccounts, PartyId, Semester, Settlement,
    ValuationResult, VatRegime,
};
use serde::{Deserialize, Serialize};

use crate::trace::{LineBasis, Trace};

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
        /// Classique or précarité.
        #[serde(rename = "cee_kind")]
        kind: CeeKind,
    },
    /// An amount of an earlier semester carried because its document would have been under the titre threshold.
    Carried {
        /// The semester it was computed for (the first semester that carried it).
        semester: Semester,
        /// For a regularisation line carried: the year it regularises.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        regularises: Option<i32>,
    },
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
    /// The line's label as the data states it: the component's, the deposit's for a CEE share, the carried
    /// amount's; `mutua_documents::present::line_label_fr` adds what the kind says (regularisation, report,
    /// certificates).
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
    /// Its M57 accounts, in the payee's books and in the payer's, chosen by the relation between them
    /// ([`mutua_core::Dataset::line_accounts`]).
    pub accounts: LineAccounts,
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
    /// What the earlier semesters of the year imputed on the attributions de compensation, per provider (for a
    /// 2d semester: the 1st), as the history records it: the semester's statements of imputation start from it.
    pub prior_imputations: Vec<PriorImputations>,
}

/// What an earlier semester of the year imputed on the attributions de compensation a provider pays its
/// members, under every convention of the provider settled on the AC, as the history records it (the ledger's
/// statements in force, or the finance system's titres).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriorImputations {
    /// The provider, who pays the attributions de compensation.
    pub provider: PartyId,
    /// The earlier semester.
    pub semester: Semester,
    /// Whether the history records that semester for every such convention; when it does not, what was
    /// imputed is not known.
    pub recorded: bool,
    /// The lines imputed that semester, as recorded.
    pub imputed: Vec<crate::history::Billed>,
}

impl PriorImputations {
    /// What the semester imputed on a member's AC, or `None` when the history does not record it.
    ///
    /// # Errors
    ///
    /// An overflow adding the lines.
    pub fn of_member(&self, member: &PartyId) -> Result<Option<Amount>, mutua_core::MoneyError> {
        if !self.recorded {
            return Ok(None);
        }
        Amount::checked_sum(self.imputed.iter().filter(|b| &b.payer == member).map(|b| b.amount)).map(Some)
    }

    /// The documents (or titres) that imputed a member's lines, in order, each once.
    #[must_use]
    pub fn sources_of(&self, member: &PartyId) -> Vec<String> {
        let mut numbers: Vec<String> = Vec::new();
        for billed in self.imputed.iter().filter(|b| &b.payer == member) {
            if let Some(number) = billed.source.number()
                && !numbers.iter().any(|n| n == number)
            {
                numbers.push(number.to_owned());
            }
        }
        numbers
    }
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
    /// What the pool is.
    pub origin: PoolOrigin,
    /// The amount to distribute.
    pub pool: Amount,
    /// Σ of the shares allotted to members.
    pub allocated: Amount,
    /// What was not allotted, and why.
    pub unbilled: Vec<Unbilled>,
}

/// What a pool is, for its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "origin", rename_all = "snake_case")]
pub enum PoolOrigin {
    /// A component's pool for a semester.
    Component {
        /// The component's label.
        label: String,
        /// The semester.
        semester: Semester,
    },
    /// The net proceeds of one kind of a CEE deposit.
    CeeProceeds {
        /// The deposit's label.
        deposit: String,
        /// Classique or précarité.
        kind: CeeKind,
    },
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
