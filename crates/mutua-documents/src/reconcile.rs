//! Where every cent of a semester went: per pool and per dispositif, what was to distribute and how much of it
//! is invoiced, credited, imputed, carried, paid, retained, netted out, refunded or left unbilled — with the reason for
//! every unbilled cent. `docs/manifest.md` gives the invariants; [`crate::build_batch`] checks them before any
//! document exists.

use mutua_alloc::Unbilled;
use mutua_core::{Amount, ConventionId, DispositifId, MoneyError};
use serde::Serialize;

/// Where an amount of the allocation ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    /// On an issued invoice.
    Invoiced,
    /// On an issued credit note (the debtor's semester nets to a credit).
    Credited,
    /// On a statement of imputation on the attribution de compensation.
    Imputed,
    /// Carried to the next semester: its document would have been under the titre threshold.
    CarriedForward,
    /// On a payment notice (the provider pays the member).
    Paid,
    /// Kept by the provider for its own operations (payer and payee are the same party).
    Retained,
    /// On a document whose lines net to zero, which is not issued.
    Netted,
    /// On a refund notice: a negative regularisation of a past year, paid back to the member (never netted).
    Refunded,
}

/// Amounts by destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct Buckets {
    /// On issued invoices.
    pub invoiced: Amount,
    /// On issued credit notes.
    pub credited: Amount,
    /// Imputed on attributions de compensation.
    pub imputed: Amount,
    /// Carried to the next semester.
    pub carried_forward: Amount,
    /// Paid on payment notices.
    pub paid: Amount,
    /// Kept by the provider for its own operations.
    pub retained: Amount,
    /// On documents whose lines net to zero, not issued.
    pub netted: Amount,
    /// On refund notices (negative regularisations, negative as their lines are).
    pub refunded: Amount,
}

impl Buckets {
    /// Adds an amount to a destination.
    pub fn add(&mut self, destination: Destination, amount: Amount) -> Result<(), MoneyError> {
        let bucket = match destination {
            Destination::Invoiced => &mut self.invoiced,
            Destination::Credited => &mut self.credited,
            Destination::Imputed => &mut self.imputed,
            Destination::CarriedForward => &mut self.carried_forward,
            Destination::Paid => &mut self.paid,
            Destination::Retained => &mut self.retained,
            Destination::Netted => &mut self.netted,
            Destination::Refunded => &mut self.refunded,
        };
        *bucket = bucket.checked_add(amount)?;
        Ok(())
    }

    /// Σ of every destination.
    pub fn total(&self) -> Result<Amount, MoneyError> {
        Amount::checked_sum([
            self.invoiced,
            self.credited,
            self.imputed,
            self.carried_forward,
            self.paid,
            self.retained,
            self.netted,
            self.refunded,
        ])
    }
}

/// A pool of the semester (every slice of one convention's component, or one kind of a CEE deposit's proceeds):
/// `to_distribute = Σ destinations + Σ unbilled`, to the cent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PoolReconciliation {
    /// The dispositif.
    pub dispositif: DispositifId,
    /// The convention.
    pub convention: ConventionId,
    /// The component (or deposit and kind).
    pub component: String,
    /// What the pool is.
    pub label: String,
    /// The amount to distribute.
    pub to_distribute: Amount,
    /// Where the shares went.
    #[serde(flatten)]
    pub shares: Buckets,
    /// What nobody was allotted, and why.
    pub unbilled: Vec<Unbilled>,
}

impl PoolReconciliation {
    /// Σ unbilled.
    pub fn unbilled_total(&self) -> Result<Amount, MoneyError> {
        Amount::checked_sum(self.unbilled.iter().map(|u| u.amount))
    }

    /// Adds an unbilled part, merged with one of the same reason.
    pub(crate) fn add_unbilled(&mut self, unbilled: &Unbilled) -> Result<(), MoneyError> {
        match self.unbilled.iter_mut().find(|u| u.reason == unbilled.reason) {
            Some(existing) => existing.amount = existing.amount.checked_add(unbilled.amount)?,
            None => self.unbilled.push(unbilled.clone()),
        }
        Ok(())
    }
}
