//! The reconciliation of a batch in French, for a person: where every cent of each dispositif went, and what
//! nobody was billed for, with the reason (the run summary, `mutua check`, `mutua explain --dispositif`).

use std::fmt::Write as _;

use mutua_core::{Amount, Semester};

use crate::DispositifSummary;
use crate::present::unbilled_reason_fr;
use crate::reconcile::{Buckets, PoolReconciliation};

fn cell(amount: Amount) -> String {
    if amount.is_zero() { "—".to_owned() } else { amount.format_fr() }
}

/// The table of the dispositifs: computed, then each destination, then unbilled.
#[must_use]
pub fn text(semester: Semester, dispositifs: &[DispositifSummary]) -> String {
    let netted = dispositifs.iter().any(|s| !s.destinations.netted.is_zero());
    let refunded = dispositifs.iter().any(|s| !s.destinations.refunded.is_zero());
    let mut header =
        vec!["dispositif", "calculé", "facturé", "avoirs", "imputé (AC)", "reporté", "versé", "conservé"];
    if refunded {
        header.push("remboursé");
    }
    if netted {
        header.push("compensé (document nul)");
    }
    header.push("non facturé");
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| (*h).to_owned()).collect()];
    for summary in dispositifs {
        let d = &summary.destinations;
        let mut row = vec![
            summary.dispositif.clone(),
            cell(summary.computed),
            cell(d.invoiced),
            cell(d.credited),
            cell(d.imputed),
            cell(d.carried_forward),
            cell(d.paid),
            cell(d.retained),
        ];
        if refunded {
            row.push(cell(d.refunded));
        }
        if netted {
            row.push(cell(d.netted));
        }
        row.push(cell(summary.unbilled));
        rows.push(row);
    }
    let widths: Vec<usize> =
        (0..header.len()).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = format!("Rapprochement du {semester} (chaque montant calculé, et où il va) :\n");
    for row in rows {
        let mut line = String::from(" ");
        for (index, value) in row.iter().enumerate() {
            let pad = widths[index] - value.chars().count();
            if index == 0 {
                let _ = write!(line, " {value}{}", " ".repeat(pad));
            } else {
                let _ = write!(line, "  {}{value}", " ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// One line per unbilled part of a pool: dispositif, pool, amount, reason.
#[must_use]
pub fn unbilled_warnings(pools: &[PoolReconciliation]) -> Vec<String> {
    let mut lines = Vec::new();
    for pool in pools {
        for unbilled in pool.unbilled.iter().filter(|u| !u.amount.is_zero()) {
            lines.push(format!(
                "{} — {} ({}) : {} non facturé : {}",
                pool.dispositif,
                pool.label,
                pool.convention,
                unbilled.amount.format_fr(),
                unbilled_reason_fr(&unbilled.reason)
            ));
        }
    }
    lines
}

/// The reconciliation of one dispositif: its totals, then each of its pools with what was to distribute, where it
/// went and what nobody was billed for.
#[must_use]
pub fn dispositif_text(
    semester: Semester,
    dispositifs: &[DispositifSummary],
    pools: &[PoolReconciliation],
    dispositif: &str,
) -> String {
    let mut out = format!("Rapprochement du dispositif {dispositif} au {semester} :\n");
    let Some(summary) = dispositifs.iter().find(|s| s.dispositif == dispositif) else {
        out.push_str("  aucun montant calculé pour ce semestre\n");
        return out;
    };
    let destinations = |d: &Buckets| {
        [
            ("facturé", d.invoiced),
            ("en avoirs", d.credited),
            ("imputé sur l'AC", d.imputed),
            ("reporté (sous le seuil)", d.carried_forward),
            ("versé", d.paid),
            ("conservé par le prestataire", d.retained),
            ("compensé dans un document nul", d.netted),
            ("remboursé (avis de remboursement)", d.refunded),
        ]
        .into_iter()
        .filter(|(_, amount)| !amount.is_zero())
        .map(|(label, amount)| format!("{label} {}", amount.format_fr()))
        .collect::<Vec<_>>()
        .join(", ")
    };
    let _ =
        writeln!(out, "  calculé {} : {}", summary.computed.format_fr(), destinations(&summary.destinations));
    for pool in pools.iter().filter(|p| p.dispositif.as_str() == dispositif) {
        let _ = writeln!(
            out,
            "  • {} ({}) : à répartir {} ; {}",
            pool.label,
            pool.convention,
            pool.to_distribute.format_fr(),
            destinations(&pool.shares)
        );
        for unbilled in pool.unbilled.iter().filter(|u| !u.amount.is_zero()) {
            let _ = writeln!(
                out,
                "      non facturé {} : {}",
                unbilled.amount.format_fr(),
                unbilled_reason_fr(&unbilled.reason)
            );
        }
    }
    out
}
