//! `manifest.json`: what a run issued, kept and cancelled, with every file's hash and the ledger head it
//! committed (schema `mutua-manifest/2`, documented in `docs/manifest.md`).
//!
//! Amounts are decimal strings (`"1234.56"`), never JSON numbers.

use mutua_core::{CarriedAmount, Dataset, PartyId};
use mutua_documents::reconcile::PoolReconciliation;
use mutua_documents::{Batch, DispositifSummary, Document, InvoiceError};
use serde::Serialize;

use crate::hash::Sha256;
use crate::ledger::LedgerHead;
use crate::names::FileName;
use crate::record::DocumentRecord;

/// The schema identifier written in every manifest.
pub const MANIFEST_SCHEMA: &str = "mutua-manifest/2";

/// What a run did with a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Issued by this run, with a new number.
    Issued,
    /// Issued earlier with the same content: kept, same number, same date, same bytes.
    Kept,
    /// Issued earlier for the semester and cancelled since (by this run or an earlier one).
    Cancelled,
    /// A draft of a dry run: no number, not in the ledger.
    Draft,
}

impl Status {
    /// `issued`, `kept`, `cancelled`, `draft`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Issued => "issued",
            Status::Kept => "kept",
            Status::Cancelled => "cancelled",
            Status::Draft => "draft",
        }
    }
}

#[derive(Serialize)]
struct PartyRef<'a> {
    id: &'a str,
    name: &'a str,
    /// The legal person's name documents print (« Commune de Lille »).
    legal_name: String,
    siren: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    insee: Option<&'a str>,
}

#[derive(Serialize)]
struct XmlEntry<'a> {
    file: &'a FileName,
    sha256: &'a Sha256,
}

#[derive(Serialize)]
struct DocumentEntry<'a> {
    kind: &'static str,
    number: Option<&'a str>,
    series: Option<String>,
    issuer: PartyRef<'a>,
    recipient: PartyRef<'a>,
    issue_date: Option<String>,
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    output: Option<&'a str>,
    format: &'a str,
    sha256: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    corrects: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cii: Option<XmlEntry<'a>>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    ledger: Option<LedgerHead>,
    documents: Vec<DocumentEntry<'a>>,
    cancelled: &'a [String],
    dispositifs: &'a [DispositifSummary],
    pools: &'a [PoolReconciliation],
    carried_forward: &'a [CarriedAmount],
}

fn party_ref<'a>(dataset: &'a Dataset, id: &'a PartyId) -> Result<PartyRef<'a>, InvoiceError> {
    let party = dataset.party(id).ok_or_else(|| InvoiceError::UnknownParty(id.to_string()))?;
    Ok(PartyRef {
        id: party.id.as_str(),
        name: &party.name,
        legal_name: mutua_documents::present::names::legal_name(party),
        siren: party.siren.as_str(),
        insee: party.insee.as_ref().map(|i| i.as_str()),
    })
}

fn finish(manifest: &Manifest<'_>) -> Result<Vec<u8>, InvoiceError> {
    let mut bytes = serde_json::to_vec_pretty(manifest)
        .map_err(|error| InvoiceError::Export { what: "manifest.json", message: error.to_string() })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The manifest of an issuing run: every document of the semester (`documents`, as recorded, with its status),
/// in order of kind, issuer and number; `location` is the run's output (documents elsewhere name theirs).
pub fn issued_manifest(
    dataset: &Dataset,
    batch: &Batch,
    documents: &[(&DocumentRecord, Status)],
    cancelled: &[String],
    location: &str,
    head: LedgerHead,
) -> Result<Vec<u8>, InvoiceError> {
    let mut entries = Vec::with_capacity(documents.len());
    for (record, status) in documents {
        entries.push(DocumentEntry {
            kind: record.kind.as_str(),
            number: Some(&record.number),
            series: Some(record.series.to_string()),
            issuer: party_ref(dataset, &record.issuer)?,
            recipient: party_ref(dataset, &record.recipient)?,
            issue_date: Some(record.issue_date.to_string()),
            file: record.file.name.as_str(),
            output: (record.file.output != location).then_some(record.file.output.as_str()),
            format: record.file.format.as_str(),
            sha256: record.file.sha256.to_string(),
            status: status.as_str(),
            corrects: record.corrects.as_deref(),
            cii: record.file.xml.as_ref().map(|xml| XmlEntry { file: &xml.name, sha256: &xml.sha256 }),
            lines: record.lines.len(),
            total_net: record.total_net.to_string(),
            total_vat: record.total_vat.to_string(),
            total: record.total.to_string(),
        });
    }
    finish(&Manifest {
        schema: MANIFEST_SCHEMA,
        dataset: &dataset.meta.name,
        semester: batch.semester.to_string(),
        issue_date: batch.issue_date.to_string(),
        draft: false,
        ledger: Some(head),
        documents: entries,
        cancelled,
        dispositifs: &batch.dispositifs,
        pools: &batch.pools,
        carried_forward: &batch.carried_forward,
    })
}

/// A drafted document: its file and the SHA-256 of its bytes.
pub struct DraftFile<'a> {
    /// The document (unnumbered).
    pub document: &'a Document,
    /// Its file.
    pub file: &'a FileName,
    /// SHA-256 of the file.
    pub sha256: Sha256,
}

/// The manifest of a dry run: the drafts, unnumbered.
pub fn draft_manifest(
    dataset: &Dataset,
    batch: &Batch,
    drafts: &[DraftFile<'_>],
) -> Result<Vec<u8>, InvoiceError> {
    let mut entries = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let document = draft.document;
        entries.push(DocumentEntry {
            kind: document.kind.as_str(),
            number: None,
            series: None,
            issuer: party_ref(dataset, &document.issuer)?,
            recipient: party_ref(dataset, &document.recipient)?,
            issue_date: None,
            file: draft.file.as_str(),
            output: None,
            format: "pdf",
            sha256: draft.sha256.to_string(),
            status: Status::Draft.as_str(),
            corrects: None,
            cii: None,
            lines: document.lines.len(),
            total_net: document.total_net.to_string(),
            total_vat: document.total_vat.to_string(),
            total: document.total.to_string(),
        });
    }
    finish(&Manifest {
        schema: MANIFEST_SCHEMA,
        dataset: &dataset.meta.name,
        semester: batch.semester.to_string(),
        issue_date: batch.issue_date.to_string(),
        draft: true,
        ledger: None,
        documents: entries,
        cancelled: &[],
        dispositifs: &batch.dispositifs,
        pools: &batch.pools,
        carried_forward: &batch.carried_forward,
    })
}

/// The draft file name of a document: `PROJET_FAC-MEL_59005.pdf` (kind, issuer, recipient: unique per batch).
#[must_use]
pub fn draft_file_name(document: &Document) -> String {
    format!("PROJET_{}-{}_{}.pdf", document.kind.code(), document.issuer, document.recipient)
}
