//! Machine-readable exports of a batch: `lines.csv` and `carried.csv` (`docs/manifest.md`). The manifest of a run
//! is written by the issuing crate, which knows what was issued, kept and cancelled.

use mutua_alloc::ChargeKind;
use mutua_core::{Dataset, VatRegime};

use crate::document::{Batch, Document};
use crate::error::InvoiceError;
use crate::present::line_account;

/// Quotes a CSV cell when it needs it (RFC 4180).
fn cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The header of `lines.csv`.
pub const LINES_HEADER: &str = "document_number,document_kind,issuer,recipient,recipient_siren,recipient_insee,\
dispositif,convention,component,line_kind,label,quantity,unit,unit_price,amount,account,vat";

/// The code of a line kind in `lines.csv` and the ledger: `current`, `regularisation:YEAR`, `cee:DEPOSIT`,
/// `carried:SEMESTER`.
#[must_use]
pub fn line_kind(kind: &ChargeKind) -> String {
    match kind {
        ChargeKind::Current => "current".to_owned(),
        ChargeKind::Regularisation { year } => format!("regularisation:{year}"),
        ChargeKind::CeeShare { deposit } => format!("cee:{deposit}"),
        ChargeKind::Carried { semester } => format!("carried:{semester}"),
    }
}

/// The code of a VAT regime in `lines.csv` and the ledger: `out_of_scope` or `taxable:RATE`.
#[must_use]
pub fn vat_code(vat: &VatRegime) -> String {
    match vat {
        VatRegime::OutOfScope => "out_of_scope".to_owned(),
        VatRegime::Taxable { rate_percent } => format!("taxable:{rate_percent}"),
    }
}

/// `lines.csv`: one row per document line, for import into a finance system. Credit-note lines keep their sign.
pub fn lines_csv(dataset: &Dataset, documents: &[Document]) -> Result<Vec<u8>, InvoiceError> {
    let mut out = String::with_capacity(documents.len() * 400);
    out.push_str(LINES_HEADER);
    out.push('\n');
    for document in documents {
        let recipient = dataset
            .party(&document.recipient)
            .ok_or_else(|| InvoiceError::UnknownParty(document.recipient.to_string()))?;
        for line in &document.lines {
            let vat = vat_code(&line.vat);
            let cells = [
                document.number.clone(),
                document.kind.as_str().to_owned(),
                document.issuer.to_string(),
                document.recipient.to_string(),
                recipient.siren.to_string(),
                recipient.insee.as_ref().map(ToString::to_string).unwrap_or_default(),
                line.dispositif.to_string(),
                line.convention.to_string(),
                line.component.clone(),
                line_kind(&line.kind),
                line.label.clone(),
                line.basis.quantity.map(|q| q.normalize().to_string()).unwrap_or_default(),
                line.basis.unit.clone(),
                line.basis
                    .unit_price
                    .map(|p| mutua_core::Rounding::HalfUp.apply(p, 6).normalize().to_string())
                    .unwrap_or_default(),
                line.amount.to_string(),
                line_account(document.kind, line).to_owned(),
                vat,
            ];
            let row: Vec<String> = cells.iter().map(|c| cell(c)).collect();
            out.push_str(&row.join(","));
            out.push('\n');
        }
    }
    Ok(out.into_bytes())
}

/// `carried.csv`: the amounts carried to the next semester, in the dataset's `carried.csv` format, so the next
/// semester's dataset can take them in.
#[must_use]
pub fn carried_csv(batch: &Batch) -> Vec<u8> {
    let mut out = String::from("semester,issuer,debtor,convention,label,amount\n");
    for carried in &batch.carried_forward {
        let cells = [
            carried.semester.to_string(),
            carried.issuer.to_string(),
            carried.debtor.to_string(),
            carried.convention.to_string(),
            carried.label.clone(),
            carried.amount.to_string(),
        ];
        let row: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_when_needed() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a, b"), "\"a, b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
    }
}
