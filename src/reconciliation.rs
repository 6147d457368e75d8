//! The reconciliation of a batch for a person: where every cent of each dispositif went, and what nobody was
//! billed for, with the reason.

use std::fmt::Write as _;

use mutua_core::{Amount, Semester};
use mutua_invoice::DispositifSummary;
use mutua_invoice::present::unbilled_reason_fr;
use mutua_invoice::reconcile::PoolReconciliation;

fn cell(amount: Amount) -> String {
    if amount.is_zero() { "—".to_owned() } else { amount.format_fr() }
}

/// The table of the dispositifs: computed, then each destination, then unbilled.
pub fn text(semester: Semester, dispositifs: &[DispositifSummary]) -> String {
    let netted = dispositifs.iter().any(|s| !s.destinations.netted.is_zero());
    let mut header =
        vec!["dispositif", "calculé", "facturé", "avoirs", "imputé (AC)", "reporté", "versé", "conservé"];
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
