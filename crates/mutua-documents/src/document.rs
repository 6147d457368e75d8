//! Documents of a semester: consolidated invoices, payment notices and statements on the attribution de
//! compensation, numbered in continuous series, built from an [`Allocation`].
//!
//! - **Invoices** (`FAC`): one per debtor and issuer, every charge it owes that issuer for the semester.
//! - **Payment notices** (`AVI`, avis de versement): what an issuer owes a beneficiary (CEE shares, housing files).
//!   Never netted against an invoice (non-compensation): they are separate documents.
//! - **Statements** (`AC`): dispositifs settled by imputation on the attribution de compensation.
//! - **Credit notes** (`AVO`): a debtor whose charges net to a credit (a regularisation larger than the semester's
//!   charges) gets a credit note instead of an invoice.
//!
//! A debtor's invoice (or credit note) whose total is under the titre threshold (D1611-1: 15 €) is not issued:
//! its charges are carried to the next semester and listed in the batch.
//!
//! Numbers are `KIND-ISSUER-YEAR-NNNNN` (`FAC-MEL-2026-00001`), one continuous series per kind, issuer and year of
//! issue, starting from the dataset's `series_start` (or the caller's), assigned in ascending order of the
//! recipient's party id (the INSEE code for communes; letters sort after digits).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use mutua_alloc::{Allocation, Charge, ChargeKind};
use mutua_core::{
    Amount, CarriedAmount, ConventionId, Dataset, DispositifId, PartyId, Semester, Settlement, Source,
    VatRegime,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::InvoiceError;
use crate::reconcile::{Buckets, Destination, PoolReconciliation};

/// The kinds of documents a batch issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A consolidated invoice (facture).
    Invoice,
    /// A credit note (avoir).
    CreditNote,
    /// A payment notice (avis de versement): the issuer pays the recipient.
    PaymentNotice,
    /// A statement of amounts imputed on the attribution de compensation.
    AcStatement,
    /// A cancellation (avis d'annulation) of an issued payment notice, statement or credit note, whose amounts
    /// changed: the earlier document is cancelled as a whole and a new one is issued.
    Cancellation,
}

impl DocumentKind {
    /// The code that starts the document's series and number.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "FAC",
            DocumentKind::CreditNote => "AVO",
            DocumentKind::PaymentNotice => "AVI",
            DocumentKind::AcStatement => "AC",
            DocumentKind::Cancellation => "ANN",
        }
    }

    /// The machine name used in `manifest.json` and `lines.csv` (`invoice`, `credit_note`, `payment_notice`,
    /// `ac_statement`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "invoice",
            DocumentKind::CreditNote => "credit_note",
            DocumentKind::PaymentNotice => "payment_notice",
            DocumentKind::AcStatement => "ac_statement",
            DocumentKind::Cancellation => "cancellation",
        }
    }

    /// The French title printed on the document.
    #[must_use]
    pub fn title_fr(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "FACTURE",
            DocumentKind::CreditNote => "AVOIR",
            DocumentKind::PaymentNotice => "AVIS DE VERSEMENT",
            DocumentKind::AcStatement => "ÉTAT D'IMPUTATION SUR L'ATTRIBUTION DE COMPENSATION",
            DocumentKind::Cancellation => "AVIS D'ANNULATION",
        }
    }

    /// The French name, lower case ("facture").
    #[must_use]
    pub fn name_fr(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "facture",
            DocumentKind::CreditNote => "avoir",
            DocumentKind::PaymentNotice => "avis de versement",
            DocumentKind::AcStatement => "état d'imputation",
            DocumentKind::Cancellation => "avis d'annulation",
        }
    }
}

/// A reference to an issued document: its number and issue date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRef {
    /// Its kind.
    pub kind: DocumentKind,
    /// Its number.
    pub number: String,
    /// Its issue date.
    pub issue_date: NaiveDate,
}

/// One document of the batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// What it is.
    pub kind: DocumentKind,
    /// Its series (`FAC-MEL-2026`).
    pub series: String,
    /// Its position in the series (1, 2, …).
    pub sequence: u64,
    /// Its number (`FAC-MEL-2026-00001`).
    pub number: String,
    /// Who issues it: the party owed for an invoice, the party paying for a notice.
    pub issuer: PartyId,
    /// Who receives it.
    pub recipient: PartyId,
    /// The semester billed.
    pub semester: Semester,
    /// The issue date.
    pub issue_date: NaiveDate,
    /// The charges it lists, grouped by dispositif in the batch order.
    pub lines: Vec<Charge>,
    /// Σ lines, excluding VAT.
    pub total_net: Amount,
    /// VAT, per taxable rate (0 when every line is outside VAT's scope).
    pub total_vat: Amount,
    /// Net + VAT: the amount due (or paid, or imputed).
    pub total: Amount,
    /// For a credit note or a cancellation: the document it cancels.
    pub corrects: Option<DocumentRef>,
}

impl Document {
    /// A reference to this document.
    #[must_use]
    pub fn reference(&self) -> DocumentRef {
        DocumentRef { kind: self.kind, number: self.number.clone(), issue_date: self.issue_date }
    }

    /// Which document "slot" this is in a semester: one per issuer, recipient and family (an invoice and a credit
    /// note of the same debtor are the same slot, as its total may move from one to the other).
    #[must_use]
    pub fn slot(&self) -> (DocumentKind, PartyId, PartyId) {
        let family = match self.kind {
            DocumentKind::Invoice | DocumentKind::CreditNote => DocumentKind::Invoice,
            other => other,
        };
        (family, self.issuer.clone(), self.recipient.clone())
    }

    /// A fingerprint of what the document bills — its kind, parties, semester and every line's substance
    /// (convention, component, kind, label, quantity, unit price, amount) — but not its number, issue date or the
    /// wording of traces. Two runs on the same inputs give the same fingerprint; a changed activity figure does
    /// not.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        self.fingerprint_bytes().iter().map(|byte| format!("{byte:02x}")).collect()
    }

    /// [`Document::fingerprint`] as its 32 bytes.
    #[must_use]
    pub fn fingerprint_bytes(&self) -> [u8; 32] {
        use sha2::{Digest as _, Sha256};
        let mut hasher = Sha256::new();
        let mut field = |text: &str| {
            hasher.update((text.len() as u64).to_le_bytes());
            hasher.update(text.as_bytes());
        };
        field(self.kind.as_str());
        field(self.issuer.as_str());
        field(self.recipient.as_str());
        field(&self.semester.to_string());
        for line in &self.lines {
            field(line.convention.as_str());
            field(&line.component);
            field(&fingerprint_kind(&line.kind));
            field(&crate::present::document_line_label_fr(self, line));
            field(&line.basis.quantity.map(|q| q.normalize().to_string()).unwrap_or_default());
            field(&line.basis.unit_price.map(|p| p.normalize().to_string()).unwrap_or_default());
            field(&line.amount.to_string());
        }
        field(&self.total.to_string());
        hasher.finalize().into()
    }

    /// The file name of the rendered PDF: the number and the recipient (`FAC-MEL-2026-00001_59005.pdf`).
    #[must_use]
    pub fn file_name(&self, extension: &str) -> String {
        format!("{}_{}.{extension}", self.number, self.recipient)
    }
}

/// A line's kind in a fingerprint. The text is fixed — it is what fingerprints of issued documents were computed
/// with, and a ledger compares them across versions — so it does not follow any `Debug` output.
fn fingerprint_kind(kind: &ChargeKind) -> String {
    match kind {
        ChargeKind::Current => "Current".to_owned(),
        ChargeKind::Regularisation { year } => format!("Regularisation {{ year: {year} }}"),
        ChargeKind::CeeShare { deposit, .. } => format!("CeeShare {{ deposit: {deposit:?} }}"),
        ChargeKind::Carried { semester } => {
            let half = match semester.half {
                mutua_core::Half::S1 => "S1",
                mutua_core::Half::S2 => "S2",
            };
            format!("Carried {{ semester: Semester {{ year: {}, half: {half} }} }}", semester.year)
        }
    }
}

/// What a batch did with each dispositif's amounts: `computed = Σ destinations`, to the cent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct DispositifSummary {
    /// The dispositif.
    pub dispositif: String,
    /// Σ of the allocation's charges for the semester (current, regularisations, CEE shares, amounts carried in).
    pub computed: Amount,
    /// Where they went.
    #[serde(flatten)]
    pub destinations: Buckets,
    /// Σ of what the dispositif's pools left unbilled (each part and its reason is in [`Batch::pools`]).
    pub unbilled: Amount,
}

/// The documents of a semester, and what was carried forward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Batch {
    /// The semester.
    pub semester: Semester,
    /// The issue date of every document.
    pub issue_date: NaiveDate,
    /// The documents, ordered by kind, issuer, then number.
    pub documents: Vec<Document>,
    /// Charges not issued because their document would have been under the titre threshold: they are owed
    /// next semester (write them to the next dataset's `carried.csv`).
    pub carried_forward: Vec<CarriedAmount>,
    /// Per dispositif, what was computed and where it went.
    pub dispositifs: Vec<DispositifSummary>,
    /// Per pool, what was to distribute and where every cent went.
    pub pools: Vec<PoolReconciliation>,
    /// The groups of lines that make no document: netted to zero, or carried forward under the titre threshold
    /// (their amounts are in [`Batch::carried_forward`]), in the order of the documents they would have been.
    pub not_issued: Vec<NotIssued>,
}

/// A group of lines that makes no document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotIssued {
    /// The document it would have been.
    pub kind: DocumentKind,
    /// Its issuer.
    pub issuer: PartyId,
    /// Its recipient.
    pub recipient: PartyId,
    /// Netted or carried forward.
    pub destination: Destination,
    /// Its lines.
    pub lines: Vec<Charge>,
    /// Σ lines, VAT included.
    pub total: Amount,
}

/// Options of a batch: the issue date and where series start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOptions {
    /// The issue date printed on every document (never read from the clock by the library).
    pub issue_date: NaiveDate,
    /// First numbers by series, overriding the dataset's `series_start`.
    pub series_start: BTreeMap<String, u64>,
}

/// The threshold check of D1611-1 applies to titres de recettes: invoices and credit notes.
fn under_threshold(kind: DocumentKind, total: Amount, threshold: Amount) -> bool {
    matches!(kind, DocumentKind::Invoice | DocumentKind::CreditNote) && total.abs() < threshold
}

/// VAT of a set of charges: each taxable rate's base × rate, rounded half up to the cent per rate.
fn vat_of(lines: &[Charge]) -> Result<Amount, InvoiceError> {
    let mut bases: BTreeMap<Decimal, Amount> = BTreeMap::new();
    for line in lines {
        if let VatRegime::Taxable { rate_percent } = &line.vat {
            let base = bases.entry(rate_percent.value()).or_insert(Amount::ZERO);
            *base = base.checked_add(line.amount)?;
        }
    }
    let mut vat = Amount::ZERO;
    for (rate, base) in bases {
        let tax_exact = base
            .to_decimal()
            .checked_mul(rate)
            .ok_or(mutua_core::MoneyError::Overflow("base × taux de TVA"))?;
        let tax = Amount::from_decimal(tax_exact / Decimal::ONE_HUNDRED, mutua_core::Rounding::HalfUp);
        vat = vat.checked_add(tax)?;
    }
    Ok(vat)
}

/// The order of lines on a document: by dispositif, then current charges before regularisations and amounts
/// carried in, then component and label (the allocation's order already is).
fn line_order(a: &Charge, b: &Charge) -> std::cmp::Ordering {
    (&a.dispositif, &a.convention, &a.kind, &a.component, &a.label).cmp(&(
        &b.dispositif,
        &b.convention,
        &b.kind,
        &b.component,
        &b.label,
    ))
}

/// The pool a charge was split from, if any: current charges of a pool's component, and CEE shares.
fn pool_key(charge: &Charge) -> Option<(ConventionId, String)> {
    match charge.kind {
        ChargeKind::Current | ChargeKind::CeeShare { .. } => {
            Some((charge.convention.clone(), charge.component.clone()))
        }
        _ => None,
    }
}

/// Builds the documents of a semester from its allocation, and the reconciliation of every amount.
pub fn build_batch(
    dataset: &Dataset,
    allocation: &Allocation,
    options: &BatchOptions,
) -> Result<Batch, InvoiceError> {
    let threshold = dataset.meta.titre_threshold;
    // The pools of the semester, every slice of a component together.
    let mut pools: BTreeMap<(ConventionId, String), PoolReconciliation> = BTreeMap::new();
    for pool in &allocation.pools {
        let entry = pools.entry((pool.convention.clone(), pool.component.clone())).or_insert_with(|| {
            PoolReconciliation {
                dispositif: pool.dispositif.clone(),
                convention: pool.convention.clone(),
                component: pool.component.clone(),
                label: crate::present::pool_label_fr(&pool.origin),
                to_distribute: Amount::ZERO,
                shares: Buckets::default(),
                unbilled: Vec::new(),
            }
        });
        entry.to_distribute = entry.to_distribute.checked_add(pool.pool)?;
        for unbilled in &pool.unbilled {
            entry.add_unbilled(unbilled)?;
        }
    }
    let mut summaries: BTreeMap<DispositifId, DispositifSummary> = BTreeMap::new();
    let mut place = |charge: &Charge, destination: Destination| -> Result<(), InvoiceError> {
        let summary = summaries.entry(charge.dispositif.clone()).or_insert_with(|| DispositifSummary {
            dispositif: charge.dispositif.to_string(),
            ..DispositifSummary::default()
        });
        summary.computed = summary.computed.checked_add(charge.amount)?;
        summary.destinations.add(destination, charge.amount)?;
        if let Some(pool) = pool_key(charge).and_then(|key| pools.get_mut(&key)) {
            pool.shares.add(destination, charge.amount)?;
        }
        Ok(())
    };
    // 1. Group the charges by document: (kind family, issuer, recipient).
    let mut groups: BTreeMap<(DocumentKind, PartyId, PartyId), Vec<Charge>> = BTreeMap::new();
    for charge in &allocation.charges {
        if charge.payer == charge.payee {
            place(charge, Destination::Retained)?;
            continue;
        }
        let key = if charge.provider_pays {
            (DocumentKind::PaymentNotice, charge.payer.clone(), charge.payee.clone())
        } else {
            match charge.settlement {
                Settlement::Invoice => (DocumentKind::Invoice, charge.payee.clone(), charge.payer.clone()),
                Settlement::AttributionCompensation => {
                    (DocumentKind::AcStatement, charge.payee.clone(), charge.payer.clone())
                }
            }
        };
        groups.entry(key).or_default().push(charge.clone());
    }
    // 2. Totals, the threshold, credit notes.
    let mut drafts: Vec<(DocumentKind, PartyId, PartyId, Vec<Charge>, Amount, Amount)> = Vec::new();
    let mut carried_forward = Vec::new();
    let mut not_issued = Vec::new();
    for ((family, issuer, recipient), mut lines) in groups {
        lines.sort_by(line_order);
        let net = Amount::checked_sum(lines.iter().map(|c| c.amount))?;
        let vat = vat_of(&lines)?;
        let total = net.checked_add(vat)?;
        let kind = if family == DocumentKind::Invoice && total.is_negative() {
            DocumentKind::CreditNote
        } else {
            family
        };
        let destination = if total.is_zero() {
            Destination::Netted
        } else if under_threshold(kind, total, threshold) {
            Destination::CarriedForward
        } else {
            match kind {
                DocumentKind::Invoice => Destination::Invoiced,
                DocumentKind::CreditNote => Destination::Credited,
                DocumentKind::AcStatement => Destination::Imputed,
                DocumentKind::PaymentNotice | DocumentKind::Cancellation => Destination::Paid,
            }
        };
        for line in &lines {
            place(line, destination)?;
        }
        if matches!(destination, Destination::Netted | Destination::CarriedForward) {
            not_issued.push(NotIssued {
                kind,
                issuer: issuer.clone(),
                recipient: recipient.clone(),
                destination,
                lines: lines.clone(),
                total,
            });
        }
        match destination {
            Destination::Netted => continue,
            Destination::CarriedForward => {
                for line in &lines {
                    carried_forward.push(CarriedAmount {
                        semester: allocation.semester,
                        issuer: issuer.clone(),
                        debtor: recipient.clone(),
                        convention: line.convention.clone(),
                        label: crate::present::line_label_fr(line),
                        amount: line.amount,
                        source: Source::code(),
                    });
                }
                continue;
            }
            _ => drafts.push((kind, issuer, recipient, lines, net, vat)),
        }
    }
    // 3. Provisional numbers, by the rule an issue applies against its ledger (here, an empty one).
    let mut documents = Vec::with_capacity(drafts.len());
    for (kind, issuer, recipient, lines, net, vat) in drafts {
        let total = net.checked_add(vat)?;
        documents.push(Document {
            kind,
            series: String::new(),
            sequence: 0,
            number: String::new(),
            issuer,
            recipient,
            semester: allocation.semester,
            issue_date: options.issue_date,
            lines,
            total_net: net,
            total_vat: vat,
            total,
            corrects: None,
        });
    }
    crate::numbering::number_documents(&mut documents, |series| {
        let name = series.to_string();
        options.series_start.get(&name).or_else(|| dataset.meta.series_start.get(&name)).copied().unwrap_or(1)
    });
    // 4. Every cent accounted for, before any document exists.
    for pool in pools.values() {
        let placed = pool.shares.total()?;
        let accounted = placed.checked_add(pool.unbilled_total()?)?;
        if accounted != pool.to_distribute {
            return Err(InvoiceError::Unbalanced {
                dispositif: format!("{} / {} / {}", pool.dispositif, pool.convention, pool.component),
                computed: pool.to_distribute,
                accounted,
            });
        }
        if let Some(summary) = summaries.get_mut(&pool.dispositif) {
            summary.unbilled = summary.unbilled.checked_add(pool.unbilled_total()?)?;
        }
    }
    for summary in summaries.values() {
        let accounted = summary.destinations.total()?;
        if accounted != summary.computed {
            return Err(InvoiceError::Unbalanced {
                dispositif: summary.dispositif.clone(),
                computed: summary.computed,
                accounted,
            });
        }
    }
    Ok(Batch {
        semester: allocation.semester,
        issue_date: options.issue_date,
        documents,
        carried_forward,
        dispositifs: summaries.into_values().collect(),
        pools: pools.into_values().collect(),
        not_issued,
    })
}
