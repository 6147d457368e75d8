//! Machine-readable exports of a batch: `manifest.json`, `lines.csv` and `carried.csv`.
//!
//! Amounts are decimal strings (`"1234.56"`), never JSON numbers. The schema of the manifest is documented in
//! `docs/manifest.md`.

use mutua_alloc::ChargeKind;
use mutua_core::{Dataset, VatRegime};
use serde::Serialize;

use crate::document::{Batch, DispositifSummary, Document, DocumentKind};
use crate::error::InvoiceError;
use crate::present::line_account;

/// The schema identifier written in every manifest.
pub const MANIFEST_SCHEMA: &str = "mutua-manifest/1";

/// A rendered file of a document: its name in the output directory and the SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct RenderedFile {
    /// File name, relative to the output directory.
    pub file: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// The format: `facturx` (a Factur-X PDF), `pdf` or `cii` (a PDF with the CII XML beside it).
    pub format: String,
    /// With the `cii` format, the CII XML written beside the PDF.
    pub cii: Option<CiiFile>,
}

/// The CII XML of a document, written beside its PDF (`FAC-MEL-2026-00001_59005.xml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct CiiFile {
    /// File name, relative to the output directory.
    pub file: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
}

#[derive(Serialize)]
struct PartyRef<'a> {
    id: &'a str,
    name: &'a str,
    siren: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    insee: Option<&'a str>,
}

#[derive(Serialize)]
struct DocumentEntry<'a> {
    kind: DocumentKind,
    number: &'a str,
    series: &'a str,
    issuer: PartyRef<'a>,
    recipient: PartyRef<'a>,
    file: &'a str,
    format: &'a str,
    sha256: &'a str,
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    corrects: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cii: Option<&'a CiiFile>,
    lines: usize,
    total_net: String,
    total_vat: String,
    total: String,
}

#[derive(Serialize)]
struct Manifest<'a> {
    schema: &'static str,
    dataset: &'a str,
    semester: String,
    issue_date: String,
    draft: bool,
    documents: Vec<DocumentEntry<'a>>,
    cancelled: &'a [String],
    dispositifs: &'a [DispositifSummary],
    carried_forward: &'a [mutua_core::CarriedAmount],
}

fn party_ref<'a>(dataset: &'a Dataset, id: &'a mutua_core::PartyId) -> Result<PartyRef<'a>, InvoiceError> {
    let party = dataset.party(id).ok_or_else(|| InvoiceError::UnknownParty(id.to_string()))?;
    Ok(PartyRef {
        id: party.id.as_str(),
        name: &party.name,
        siren: party.siren.as_str(),
        insee: party.insee.as_ref().map(|i| i.as_str()),
    })
}

/// What a run did, for the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunRecord {
    /// Per document (same order as the batch): `issued`, `kept` or `draft`.
    pub statuses: Vec<String>,
    /// The numbers of the documents the run cancelled.
    pub cancelled: Vec<String>,
    /// Whether the run was a dry run (drafts, ledger untouched).
    pub draft: bool,
}

/// The manifest of a batch, as pretty-printed JSON ending with a newline. `files[i]` is the file of
/// `batch.documents[i]` and `run.statuses[i]` its status.
pub fn manifest_json(
    dataset: &Dataset,
    batch: &Batch,
    files: &[RenderedFile],
    run: &RunRecord,
) -> Result<Vec<u8>, InvoiceError> {
    let mut documents = Vec::with_capacity(batch.documents.len());
    for (index, (document, file)) in batch.documents.iter().zip(files).enumerate() {
        documents.push(DocumentEntry {
            kind: document.kind,
            number: &document.number,
            series: &document.series,
            issuer: party_ref(dataset, &document.issuer)?,
            recipient: party_ref(dataset, &document.recipient)?,
            file: &file.file,
            format: &file.format,
            sha256: &file.sha256,
            status: run.statuses.get(index).map_or("issued", String::as_str),
            corrects: document.corrects.as_ref().map(|r| r.number.as_str()),
            cii: file.cii.as_ref(),
            lines: document.lines.len(),
            total_net: document.total_net.to_string(),
            total_vat: document.total_vat.to_string(),
            total: document.total.to_string(),
        });
    }
    let manifest = Manifest {
        schema: MANIFEST_SCHEMA,
        dataset: &dataset.meta.name,
        semester: batch.semester.to_string(),
        issue_date: batch.issue_date.to_string(),
        draft: run.draft,
        documents,
        cancelled: &run.cancelled,
        dispositifs: &batch.dispositifs,
        carried_forward: &batch.carried_forward,
    };
    let mut bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|error| InvoiceError::Export { what: "manifest.json", message: error.to_string() })?;
    bytes.push(b'\n');
    Ok(bytes)
}

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

fn line_kind(kind: &ChargeKind) -> String {
    match kind {
        ChargeKind::Current => "current".to_owned(),
        ChargeKind::Regularisation { year } => format!("regularisation:{year}"),
        ChargeKind::CeeShare { deposit } => format!("cee:{deposit}"),
        ChargeKind::Carried { semester } => format!("carried:{semester}"),
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
            let vat = match &line.vat {
                VatRegime::OutOfScope => "out_of_scope".to_owned(),
                VatRegime::Taxable { rate_percent } => format!("taxable:{rate_percent}"),
            };
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
