//! The ledger's own record types (format `mutua-ledger/2`): what is written for every issued document, independent
//! of the shape of the structs that compute and present it. `docs/issuing.md` documents every field.
//!
//! A ledger is a sequence of [`Entry`]s: one [`Header`], then [`DocumentRecord`]s, each group closed by a
//! [`CommitRecord`] that makes the group issued as a whole. Values that are codes in the domain (a kind of document,
//! a line kind, a VAT regime, an output format) are written as short strings, decimals as exact decimal strings.

use chrono::NaiveDate;
use mutua_alloc::trace::RuleKind;
use mutua_alloc::{Charge, ChargeKind, LineBasis, Trace};
use mutua_core::{
    Amount, CarriedAmount, ConventionId, DispositifId, PartyId, Ratio, Rounding, Semester, Settlement,
    Source, VatRegime,
};
use mutua_documents::export::{line_kind, vat_code};
use mutua_documents::{Document, DocumentKind, DocumentRef, Naming, Particulars};
use mutua_einvoice::facturx::OutputFormat;
use serde::{Deserialize, Serialize};

use crate::hash::Sha256;
use crate::names::{FileName, Series};

/// The schema of the ledger format written by this version.
pub const LEDGER_SCHEMA: &str = "mutua-ledger/3";
/// The schema name of the first format (converted by [`crate::migrate`]).
pub const V1_SCHEMA: &str = "mutua-ledger/1";
/// The schema name of the second format, lines stored as printed (converted by [`crate::migrate`]).
pub const V2_SCHEMA: &str = "mutua-ledger/2";

/// One line of a ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Entry {
    /// The first line: the format.
    Header(Header),
    /// An issued document (issued once the [`CommitRecord`] after it is written).
    Document(Box<DocumentRecord>),
    /// Closes a group of documents: they are issued together, or not at all.
    Commit(CommitRecord),
}

/// The first line of a ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Always [`LEDGER_SCHEMA`].
    pub schema: String,
    /// For a ledger converted from the first format: how many records it had, and the check of its last line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migrated_from: Option<MigratedFrom>,
}

/// Where a migrated ledger came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigratedFrom {
    /// The earlier format (`mutua-ledger/1`).
    pub schema: String,
    /// Its number of records.
    pub records: u64,
    /// The hash-chain check of its last line (empty for an empty ledger).
    pub last_check: String,
}

/// Closes a group of documents issued together by one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitRecord {
    /// How many document entries the group has (the entries just before this one).
    pub documents: u64,
    /// The semester the run issued.
    pub semester: Semester,
    /// The issue date of the run.
    pub issue_date: NaiveDate,
    /// What the run carried to the next semester (under the titre threshold): the next semester's run takes it
    /// from the semester's last commit. Absent from commits written before it was recorded (the dataset's
    /// `carried.csv` then says).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried: Option<Vec<CarriedRecord>>,
}

/// An amount a run carried to the next semester, as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarriedRecord {
    /// The semester the amount was computed for (earlier than the commit's for an amount carried again).
    pub origin: Semester,
    /// For a regularisation line carried: the year it regularises.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regularises: Option<i32>,
    /// Who would have issued the document.
    pub issuer: PartyId,
    /// Who owes the amount.
    pub debtor: PartyId,
    /// The convention.
    pub convention: ConventionId,
    /// The component of the line.
    pub component: String,
    /// The label of the line, as it will be billed.
    pub label: String,
    /// The amount.
    pub amount: Amount,
}

impl CarriedRecord {
    /// The record of an amount carried.
    #[must_use]
    pub fn of(carried: &CarriedAmount) -> CarriedRecord {
        CarriedRecord {
            origin: carried.origin,
            regularises: carried.regularises,
            issuer: carried.issuer.clone(),
            debtor: carried.debtor.clone(),
            convention: carried.convention.clone(),
            component: carried.component.clone(),
            label: carried.label.clone(),
            amount: carried.amount,
        }
    }

    /// The amount carried by the run of `semester`, as the allocation takes it in.
    #[must_use]
    pub fn to_carried(&self, semester: Semester) -> CarriedAmount {
        CarriedAmount {
            semester,
            origin: self.origin,
            regularises: self.regularises,
            issuer: self.issuer.clone(),
            debtor: self.debtor.clone(),
            convention: self.convention.clone(),
            component: self.component.clone(),
            label: self.label.clone(),
            amount: self.amount,
            source: Source { file: LEDGER_SOURCE.into(), line: 0 },
        }
    }
}

/// The file named as the source of an amount carried that the ledger records.
pub const LEDGER_SOURCE: &str = "registre";

/// An issued document as the ledger keeps it: its identity, its totals, its lines as printed, and its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentRecord {
    /// Its number (`FAC-MEL-2026-00001`), [`Series::number`] of `series` and `sequence`.
    pub number: String,
    /// Its series.
    pub series: Series,
    /// Its position in the series.
    pub sequence: u64,
    /// What it is: `invoice`, `credit_note`, `payment_notice`, `ac_statement` or `cancellation`.
    #[serde(with = "kind_text")]
    pub kind: DocumentKind,
    /// Its issuer.
    pub issuer: PartyId,
    /// Its recipient.
    pub recipient: PartyId,
    /// The semester it bills.
    pub semester: Semester,
    /// Its issue date.
    pub issue_date: NaiveDate,
    /// For a credit note or a cancellation: the number of the document it cancels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrects: Option<String>,
    /// Σ lines, excluding VAT.
    pub total_net: Amount,
    /// VAT.
    pub total_vat: Amount,
    /// Net + VAT.
    pub total: Amount,
    /// What it bills ([`Document::fingerprint`]): a re-run that computes the same fingerprint keeps it.
    pub fingerprint: Sha256,
    /// The file it was issued as.
    pub file: FileRecord,
    /// Its lines.
    pub lines: Vec<LineRecord>,
    /// How it names its parties: `legal_person` since parties have legal names; a record without the field was
    /// issued with the earlier wording ([`Naming::Mairie`]), with which it is rendered again.
    #[serde(default = "Naming::before_legal_names", skip_serializing_if = "Naming::is_mairie")]
    pub naming: Naming,
    /// What it states besides its lines (an invoice's payment term and due date, a cancellation's reason), as
    /// issued. Absent from documents issued before they were recorded, which are printed as they were then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub particulars: Option<Particulars>,
}

/// The file of an issued document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRecord {
    /// Where the output is, as the sink names it (for a directory: its path relative to the ledger's directory,
    /// or absolute when it is elsewhere).
    pub output: String,
    /// The file name in that output.
    pub name: FileName,
    /// SHA-256 of its bytes.
    pub sha256: Sha256,
    /// The format it was written in: `facturx`, `pdf` or `cii`; a kept document is written in it again.
    #[serde(with = "format_text")]
    pub format: OutputFormat,
    /// With the `cii` format, the XML written beside the PDF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xml: Option<XmlRecord>,
}

/// The CII XML written beside a PDF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XmlRecord {
    /// Its file name, in the same output.
    pub name: FileName,
    /// SHA-256 of its bytes.
    pub sha256: Sha256,
}

/// One line of an issued document: what it bills and the figures of its basis — not their wording, which is the
/// presentation's (`mutua_documents::present`). A credit note or a cancellation repeats it, negated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineRecord {
    /// The dispositif.
    pub dispositif: DispositifId,
    /// The convention.
    pub convention: ConventionId,
    /// The component of the tariff.
    pub component: String,
    /// `current`, `regularisation:YEAR`, `cee:DEPOSIT` or `carried:SEMESTER` (as in `lines.csv`).
    pub line_kind: String,
    /// Who owes the amount.
    pub payer: PartyId,
    /// Who is owed it.
    pub payee: PartyId,
    /// Whether the provider pays the member (a payment notice).
    pub provider_pays: bool,
    /// `invoice` or `attribution_compensation`.
    pub settlement: String,
    /// `out_of_scope` or `taxable:RATE`.
    pub vat: String,
    /// The M57 account in the payee's books ([`mutua_core::LineAccounts::payee`]: its revenue, or for an
    /// imputation on the attribution de compensation the GFP's AC expense it reduces). The name is the format's.
    pub revenue_account: String,
    /// The M57 account in the payer's books ([`mutua_core::LineAccounts::payer`]: its expense, or for an
    /// imputation on the AC the commune's AC revenue it reduces).
    pub expense_account: String,
    /// The convention's reference, as the data states it.
    pub convention_reference: String,
    /// The reference of the terms whose tariff the line applies (the convention or the amendment in force), when
    /// it is not the convention's: the act the line cites. Absent from lines recorded before it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_reference: Option<String>,
    /// The label as the data states it (the component's, the deposit's, the carried amount's). For a line
    /// converted from an earlier format, the label as printed.
    pub label: String,
    /// The basis of liquidation: quantity, unit, unit price and the figures it comes from. For a line converted
    /// from an earlier format, its wording as printed ([`mutua_alloc::trace::BasisKind::Issued`]).
    pub basis: LineBasis,
    /// The amount.
    pub amount: Amount,
}

/// A record that cannot be turned back into a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{number} : {field} illisible : {message}")]
pub struct RecordError {
    /// The document.
    pub number: String,
    /// The field.
    pub field: &'static str,
    /// Why.
    pub message: String,
}

/// A line kind read back; a CEE share's kind of certificates is in its component.
fn parse_line_kind(text: &str, component: &str) -> Option<ChargeKind> {
    if text == "current" {
        return Some(ChargeKind::Current);
    }
    let (kind, value) = text.split_once(':')?;
    match kind {
        "regularisation" => value.parse().ok().map(|year| ChargeKind::Regularisation { year }),
        "cee" => mutua_alloc::cee_kind_of_component(value, component)
            .map(|kind| ChargeKind::CeeShare { deposit: value.to_owned(), kind }),
        "carried" => match value.split_once(":regularisation:") {
            None => value.parse().ok().map(|semester| ChargeKind::Carried { semester, regularises: None }),
            Some((semester, year)) => match (semester.parse(), year.parse()) {
                (Ok(semester), Ok(year)) => Some(ChargeKind::Carried { semester, regularises: Some(year) }),
                _ => None,
            },
        },
        _ => None,
    }
}

fn parse_vat(text: &str) -> Option<VatRegime> {
    if text == "out_of_scope" {
        return Some(VatRegime::OutOfScope);
    }
    let rate = text.strip_prefix("taxable:")?;
    Ratio::parse(rate).ok().map(|rate_percent| VatRegime::Taxable { rate_percent })
}

fn settlement_text(settlement: Settlement) -> &'static str {
    match settlement {
        Settlement::Invoice => "invoice",
        Settlement::AttributionCompensation => "attribution_compensation",
    }
}

fn parse_settlement(text: &str) -> Option<Settlement> {
    match text {
        "invoice" => Some(Settlement::Invoice),
        "attribution_compensation" => Some(Settlement::AttributionCompensation),
        _ => None,
    }
}

/// The kind of document named `invoice`, `credit_note`… ([`DocumentKind::as_str`]).
#[must_use]
pub fn parse_kind(text: &str) -> Option<DocumentKind> {
    DocumentKind::ALL.into_iter().find(|kind| kind.as_str() == text)
}

mod kind_text {
    use mutua_documents::DocumentKind;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(kind: &DocumentKind, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(kind.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DocumentKind, D::Error> {
        let text = String::deserialize(deserializer)?;
        super::parse_kind(&text).ok_or_else(|| serde::de::Error::custom(format!("unknown kind `{text}`")))
    }
}

mod format_text {
    use mutua_einvoice::facturx::OutputFormat;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(format: &OutputFormat, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(format.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<OutputFormat, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl LineRecord {
    /// The record of a document line.
    #[must_use]
    pub fn of(charge: &Charge) -> LineRecord {
        LineRecord {
            dispositif: charge.dispositif.clone(),
            convention: charge.convention.clone(),
            component: charge.component.clone(),
            line_kind: line_kind(&charge.kind),
            payer: charge.payer.clone(),
            payee: charge.payee.clone(),
            provider_pays: charge.provider_pays,
            settlement: settlement_text(charge.settlement).to_owned(),
            vat: vat_code(&charge.vat),
            revenue_account: charge.accounts.payee.clone(),
            expense_account: charge.accounts.payer.clone(),
            convention_reference: charge.convention_reference.clone(),
            terms_reference: (charge.trace.terms_reference != charge.convention_reference)
                .then(|| charge.trace.terms_reference.clone()),
            label: charge.label.clone(),
            basis: charge.basis.clone(),
            amount: charge.amount,
        }
    }

    /// The line as a charge again, for a credit note or a cancellation. Its trace has no steps: the computation is
    /// explained on the document it cancels.
    fn to_charge(&self, number: &str) -> Result<Charge, RecordError> {
        let bad =
            |field: &'static str, message: String| RecordError { number: number.to_owned(), field, message };
        let kind = parse_line_kind(&self.line_kind, &self.component)
            .ok_or_else(|| bad("line_kind", format!("« {} » inconnu", self.line_kind)))?;
        let settlement = parse_settlement(&self.settlement)
            .ok_or_else(|| bad("settlement", format!("« {} » inconnu", self.settlement)))?;
        let vat = parse_vat(&self.vat).ok_or_else(|| bad("vat", format!("« {} » inconnu", self.vat)))?;
        Ok(Charge {
            convention: self.convention.clone(),
            dispositif: self.dispositif.clone(),
            component: self.component.clone(),
            label: self.label.clone(),
            kind,
            payer: self.payer.clone(),
            payee: self.payee.clone(),
            provider_pays: self.provider_pays,
            settlement,
            vat,
            accounts: mutua_core::LineAccounts::new(&self.revenue_account, &self.expense_account),
            convention_reference: self.convention_reference.clone(),
            amount: self.amount,
            basis: self.basis.clone(),
            trace: Trace::new(
                RuleKind::Issued,
                self.terms_reference.as_deref().unwrap_or(&self.convention_reference),
                self.amount.to_decimal(),
                Rounding::HalfUp,
            ),
        })
    }
}

impl DocumentRecord {
    /// The record of a numbered document written as `file`.
    #[must_use]
    pub fn of(document: &Document, file: FileRecord) -> DocumentRecord {
        DocumentRecord {
            number: document.number.clone(),
            series: Series::of(document.kind, &document.issuer, document.issue_date),
            sequence: document.sequence,
            kind: document.kind,
            issuer: document.issuer.clone(),
            recipient: document.recipient.clone(),
            semester: document.semester,
            issue_date: document.issue_date,
            corrects: document.corrects.as_ref().map(|r| r.number.clone()),
            total_net: document.total_net,
            total_vat: document.total_vat,
            total: document.total,
            fingerprint: Sha256::from_bytes(document.fingerprint_bytes()),
            file,
            lines: document.lines.iter().map(LineRecord::of).collect(),
            naming: document.naming,
            particulars: document.particulars.clone(),
        }
    }

    /// A reference to this document (number, kind, issue date).
    #[must_use]
    pub fn reference(&self) -> DocumentRef {
        DocumentRef { kind: self.kind, number: self.number.clone(), issue_date: self.issue_date }
    }

    /// The document "slot" of [`Document::slot`]: at most one document in force per slot and semester.
    #[must_use]
    pub fn slot(&self) -> (DocumentKind, PartyId, PartyId) {
        let family = match self.kind {
            DocumentKind::Invoice | DocumentKind::CreditNote => DocumentKind::Invoice,
            other => other,
        };
        (family, self.issuer.clone(), self.recipient.clone())
    }

    /// The document as issued, its lines rebuilt from the record (with traces that have no steps). `corrects`
    /// is the reference of the document it cancels, if any (the ledger knows its date).
    pub fn to_document(&self, corrects: Option<DocumentRef>) -> Result<Document, RecordError> {
        let lines =
            self.lines.iter().map(|line| line.to_charge(&self.number)).collect::<Result<Vec<_>, _>>()?;
        Ok(Document {
            kind: self.kind,
            series: self.series.to_string(),
            sequence: self.sequence,
            number: self.number.clone(),
            issuer: self.issuer.clone(),
            recipient: self.recipient.clone(),
            semester: self.semester,
            issue_date: self.issue_date,
            lines,
            total_net: self.total_net,
            total_vat: self.total_vat,
            total: self.total,
            corrects,
            attribution: None,
            naming: self.naming,
            particulars: self.particulars.clone(),
        })
    }
}
