//! A party's statement for a semester, in French (`mutua explain`): every document of the batch it issues or
//! receives, each line with its computation (a refund notice is counted as paid back to the member, apart from
//! what it is invoiced), then what makes no document (carried forward under the titre threshold, or netted to
//! zero), and the totals — read from the same batch the documents come from, so that the explanation and the
//! documents cannot disagree.

use std::fmt::Write as _;

use mutua_core::{Amount, Dataset, DispositifId, PartyId};

use super::format::capitalise;
use super::names::{self, Preposition};
use super::trace::{day_count_fr, day_count_of, explain_charge};
use crate::document::{Batch, DocumentKind};
use crate::reconcile::Destination;

/// How the statement's party heads it: its legal name and INSEE code (« Commune de Lille (INSEE 59350) »).
fn name_of(dataset: &Dataset, party: &PartyId) -> String {
    match dataset.party(party) {
        Some(party) => match &party.insee {
            Some(insee) => format!("{} (INSEE {insee})", names::legal_name(party)),
            None => names::legal_name(party),
        },
        None => party.to_string(),
    }
}

/// A party in the statement's sentences, after `preposition` (« à la commune de Wasquehal »).
fn named(dataset: &Dataset, party: &PartyId, preposition: Preposition) -> String {
    match (dataset.party(party), preposition) {
        (Some(party), _) => names::party_fr(party, preposition),
        (None, Preposition::None) => party.to_string(),
        (None, Preposition::De) => format!("de {party}"),
        (None, Preposition::A) => format!("à {party}"),
        (None, Preposition::Par) => format!("par {party}"),
    }
}

/// Writes a group of lines under their dispositifs; returns Σ of the lines written.
fn write_lines<'a>(
    out: &mut String,
    dataset: &Dataset,
    lines: impl Iterator<Item = &'a mutua_alloc::Charge>,
) -> Result<Amount, mutua_core::MoneyError> {
    let mut current: Option<&DispositifId> = None;
    let mut sum = Amount::ZERO;
    for charge in lines {
        if current != Some(&charge.dispositif) {
            let title = dataset
                .dispositifs
                .get(&charge.dispositif)
                .map_or(charge.dispositif.as_str(), |d| d.name.as_str());
            let _ = writeln!(out, "  ■ {title}");
            current = Some(&charge.dispositif);
        }
        for (index, line) in explain_charge(dataset, charge).into_iter().enumerate() {
            let _ = writeln!(out, "    {line}");
            // After the rule: the day count of its pro rata, which the documents' wording leaves implicit.
            if index == 1
                && let Some(count) = day_count_of(charge)
            {
                let _ = writeln!(out, "      Décompte du prorata : {}", day_count_fr(count));
            }
        }
        sum = sum.checked_add(charge.amount)?;
    }
    Ok(sum)
}

/// The statement of `party` for the batch's semester, optionally for one dispositif.
///
/// # Errors
///
/// Only an arithmetic overflow summing amounts the batch already summed.
pub fn party_statement(
    dataset: &Dataset,
    batch: &Batch,
    party: &PartyId,
    dispositif: Option<&DispositifId>,
) -> Result<String, mutua_core::MoneyError> {
    let semester = batch.semester;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} ({})",
        name_of(dataset, party),
        semester.label_fr(),
        semester.period().label_fr()
    );
    let _ = writeln!(out, "Jeu de données : {}", dataset.meta.name);
    let selected = |charge: &&mutua_alloc::Charge| dispositif.is_none_or(|d| &charge.dispositif == d);
    // Totals by what the documents are for the party.
    let mut invoiced_to = Amount::ZERO;
    let mut credited_to = Amount::ZERO;
    let mut imputed_on = Amount::ZERO;
    let mut paid_to = Amount::ZERO;
    let mut refunded_to = Amount::ZERO;
    let mut billed_by = Amount::ZERO;
    let mut paid_by = Amount::ZERO;
    let mut refunded_by = Amount::ZERO;
    let mut count = 0;
    for document in batch.documents.iter().filter(|d| &d.recipient == party || &d.issuer == party) {
        if !document.lines.iter().any(|line| selected(&line)) {
            continue;
        }
        let _ = writeln!(out);
        // A refund's lines are reductions of what was billed (negative): its total is what is paid back.
        let total = if document.kind == DocumentKind::Refund {
            format!("{} remboursés", document.total.abs().format_fr())
        } else {
            document.total.format_fr()
        };
        let _ = writeln!(
            out,
            "{} {} {} — {total}",
            capitalise(document.kind.name_fr()),
            named(dataset, &document.issuer, Preposition::De),
            named(dataset, &document.recipient, Preposition::A),
        );
        let sum = write_lines(&mut out, dataset, document.lines.iter().filter(selected))?;
        count += 1;
        let total: &mut Amount = match (document.kind, &document.recipient == party) {
            (DocumentKind::Invoice, true) => &mut invoiced_to,
            (DocumentKind::CreditNote, true) => &mut credited_to,
            (DocumentKind::AcStatement, true) => &mut imputed_on,
            (DocumentKind::PaymentNotice | DocumentKind::Cancellation, true) => &mut paid_to,
            (DocumentKind::Invoice | DocumentKind::CreditNote | DocumentKind::AcStatement, false) => {
                &mut billed_by
            }
            (DocumentKind::PaymentNotice | DocumentKind::Cancellation, false) => &mut paid_by,
            (DocumentKind::Refund, true) => &mut refunded_to,
            (DocumentKind::Refund, false) => &mut refunded_by,
        };
        *total = total.checked_add(sum)?;
    }
    for group in batch.not_issued.iter().filter(|g| &g.recipient == party || &g.issuer == party) {
        if !group.lines.iter().any(|line| selected(&line)) {
            continue;
        }
        let _ = writeln!(out);
        let why = match group.destination {
            Destination::CarriedForward => format!(
                "total de {} inférieur au seuil de {} (art. D1611-1 CGCT) : aucun titre n'est émis, les montants \
                 sont reportés au semestre suivant",
                group.total.abs().format_fr(),
                dataset.meta.titre_threshold.format_fr()
            ),
            _ => "total nul : les montants se compensent, aucun document n'est émis".to_owned(),
        };
        let _ = writeln!(
            out,
            "Sans document — {} {} {} : {why}",
            group.kind.name_fr(),
            named(dataset, &group.issuer, Preposition::De),
            named(dataset, &group.recipient, Preposition::A)
        );
        write_lines(&mut out, dataset, group.lines.iter().filter(selected))?;
        count += 1;
    }
    let _ = writeln!(out);
    if count == 0 {
        let _ = writeln!(out, "Aucun montant pour cette période.");
        return Ok(out);
    }
    let _ = writeln!(
        out,
        "Total à facturer {} : {}",
        named(dataset, party, Preposition::A),
        invoiced_to.format_fr()
    );
    let totals = [
        ("Total des avoirs en faveur", Preposition::De, credited_to, ""),
        ("Total imputé sur l'attribution de compensation", Preposition::De, imputed_on, ""),
        ("Total versé", Preposition::A, paid_to, " (avis de versement, sans compensation)"),
        ("Total remboursé", Preposition::A, refunded_to, " (avis de remboursement, sans compensation)"),
        ("Total facturé", Preposition::Par, billed_by, " aux membres de ses services"),
        ("Total versé", Preposition::Par, paid_by, " (avis de versement)"),
        ("Total remboursé", Preposition::Par, refunded_by, " (avis de remboursement)"),
    ];
    for (label, preposition, amount, after) in totals {
        if !amount.is_zero() {
            let _ = writeln!(
                out,
                "{label} {}{after} : {}",
                named(dataset, party, preposition),
                amount.abs().format_fr()
            );
        }
    }
    Ok(out)
}
