//! Documents of a semester: consolidated invoices, payment notices and statements on the attribution de
//! compensation, numbered in continuous series, built from an [`Allocation`].
//!
//! - **Invoices** (`FAC`): one per debtor and issuer, every charge it owes that issuer for the semester.
//! - **Payment notices** (`AVI`, avis de versement): what an issuer owes a beneficiary (CEE shares, housing files).
//!   Never netted against an invoice (non-compensation): they are separate documents.
//! - **Statements** (`AC`): dispositifs settled by imputation on the attribution de compensation.
//! - **Refund notices** (`REM`, avis de remboursement): every negative regularisation of a past year — what a
//!   member was billed in excess of its share of the actual cost — line by line, whatever the convention's
//!   settlement: the provider pays it back. It is never netted against the semester's invoice nor imputed on the
//!   attribution de compensation (non-compensation), and never netted with a positive regularisation. (A negative
//!   regularisation of what the provider pays a member, CEE shares or housing files, stays on its payment notice.)
//! - **Credit notes** (`AVO`): a debtor whose charges net to a credit gets a credit note instead of an invoice.
//!
//! A debtor's invoice (or credit note) whose total is under the titre threshold (D1611-1: 15 €) is not issued:
//! its charges are carried to the next semester and listed in the batch. The threshold governs the recovery of
//! receivables: a refund notice is issued whatever its size.
//!
//! Numbers are `KIND-ISSUER-YEAR-NNNNN` (`FAC-MEL-2026-00001`), one continuous series per kind, issuer and year of
//! issue, starting from the dataset's `series_start` (or the caller's), assigned in ascending order of the
//! recipient's party id (the INSEE code for communes; letters sort after digits).

use std::collections::BTreeMap;

use mutua_alloc::{Allocation, Charge, ChargeKind};
use mutua_core::{
    Amount, CarriedAmount, ConventionId, Dataset, DispositifId, PartyId, Settlement, Source, VatRegime,
};
use rust_decimal::Decimal;

use crate::document::{Batch, BatchOptions, DispositifSummary, Document, DocumentKind, NotIssued};
use crate::error::InvoiceError;
use crate::reconcile::{Buckets, Destination, PoolReconciliation};

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

/// Whether a charge is paid back on a refund notice of its own: a negative regularisation of what a member pays
/// its provider.
pub(crate) fn is_refund(charge: &Charge) -> bool {
    matches!(charge.kind, ChargeKind::Regularisation { .. })
        && charge.amount.is_negative()
        && !charge.provider_pays
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
        } else if is_refund(charge) {
            // Paid back by the provider (the payee) to the member: neither netted nor imputed.
            (DocumentKind::Refund, charge.payee.clone(), charge.payer.clone())
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
                DocumentKind::Refund => Destination::Refunded,
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
                    // An amount carried again keeps its origin and its label; any other line is carried from now.
                    let (origin, regularises, label) = match &line.kind {
                        ChargeKind::Carried { semester, regularises } => {
                            (*semester, *regularises, line.label.clone())
                        }
                        ChargeKind::Regularisation { year } => {
                            (allocation.semester, Some(*year), crate::present::line_label_fr(line))
                        }
                        _ => (allocation.semester, None, crate::present::line_label_fr(line)),
                    };
                    carried_forward.push(CarriedAmount {
                        semester: allocation.semester,
                        origin,
                        regularises,
                        issuer: issuer.clone(),
                        debtor: recipient.clone(),
                        convention: line.convention.clone(),
                        component: line.component.clone(),
                        label,
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
    // The attributions de compensation, and what earlier semesters imputed on them, looked up once by provider and
    // member (not scanned for each statement).
    let mut attributions: BTreeMap<(&PartyId, &PartyId, i32), &mutua_core::AttributionCompensation> =
        BTreeMap::new();
    for attribution in &dataset.attributions {
        attributions
            .entry((&attribution.payer, &attribution.commune, attribution.year))
            .or_insert(attribution);
    }
    let mut priors_of: BTreeMap<&PartyId, Vec<usize>> = BTreeMap::new();
    let mut prior_lines: BTreeMap<(usize, &PartyId), Vec<mutua_alloc::Billed>> = BTreeMap::new();
    for (position, prior) in allocation.prior_imputations.iter().enumerate() {
        priors_of.entry(&prior.provider).or_default().push(position);
        for billed in &prior.imputed {
            prior_lines.entry((position, &billed.payer)).or_default().push(billed.clone());
        }
    }
    let mut documents = Vec::with_capacity(drafts.len());
    for (kind, issuer, recipient, lines, net, vat) in drafts {
        let total = net.checked_add(vat)?;
        let found = attributions.get(&(&issuer, &recipient, allocation.semester.year));
        let attribution = match found {
            Some(attribution) if kind == DocumentKind::AcStatement => {
                let prior: Vec<mutua_alloc::PriorImputations> = priors_of
                    .get(&issuer)
                    .into_iter()
                    .flatten()
                    .filter_map(|&position| {
                        let prior = allocation.prior_imputations.get(position)?;
                        Some(mutua_alloc::PriorImputations {
                            provider: prior.provider.clone(),
                            semester: prior.semester,
                            recorded: prior.recorded,
                            imputed: prior_lines.get(&(position, &recipient)).cloned().unwrap_or_default(),
                        })
                    })
                    .collect();
                Some(crate::attribution::AcPosition::from_attribution(
                    attribution,
                    &prior,
                    (&issuer, &recipient),
                    allocation.semester,
                    total,
                )?)
            }
            _ => None,
        };
        let particulars = crate::particulars::Particulars {
            payment: (kind == DocumentKind::Invoice)
                .then(|| crate::particulars::payment_due(dataset, &lines, options.issue_date)),
            reason: None,
        };
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
            attribution,
            naming: crate::document::Naming::LegalPerson,
            particulars: Some(particulars),
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
