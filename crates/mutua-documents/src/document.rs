//! The documents of a semester as data: their kinds, their lines and totals, their fingerprint, and the batch that
//! holds them with what makes no document and the reconciliation. [`crate::build_batch`] builds them.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use mutua_alloc::{Charge, ChargeKind};
use mutua_core::{Amount, CarriedAmount, PartyId, Semester};
use serde::{Deserialize, Serialize};

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
    /// A refund notice (avis de remboursement): the provider pays a member back what a negative regularisation of
    /// a past year found it was billed in excess. Its lines keep their negative sign (a reduction of what was
    /// billed); it is paid, never netted against an invoice nor imputed, and issued whatever its size (the titre
    /// threshold governs the recovery of receivables, not a payment owed).
    Refund,
}

impl DocumentKind {
    /// Every kind, in their order.
    pub const ALL: [DocumentKind; 6] = [
        DocumentKind::Invoice,
        DocumentKind::CreditNote,
        DocumentKind::PaymentNotice,
        DocumentKind::AcStatement,
        DocumentKind::Cancellation,
        DocumentKind::Refund,
    ];

    /// The code that starts the document's series and number.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "FAC",
            DocumentKind::CreditNote => "AVO",
            DocumentKind::PaymentNotice => "AVI",
            DocumentKind::AcStatement => "AC",
            DocumentKind::Cancellation => "ANN",
            DocumentKind::Refund => "REM",
        }
    }

    /// The machine name used in `manifest.json`, `lines.csv` and the ledger (`invoice`, `credit_note`,
    /// `payment_notice`, `ac_statement`, `cancellation`, `refund`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "invoice",
            DocumentKind::CreditNote => "credit_note",
            DocumentKind::PaymentNotice => "payment_notice",
            DocumentKind::AcStatement => "ac_statement",
            DocumentKind::Cancellation => "cancellation",
            DocumentKind::Refund => "refund",
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
            DocumentKind::Refund => "AVIS DE REMBOURSEMENT",
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
            DocumentKind::Refund => "avis de remboursement",
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

/// How a document names its parties. Fixed when the document is issued and kept in the ledger, so that a document
/// issued earlier is rendered again exactly as it was (a kept document whose file is missing is written again
/// from its computation, and must give the bytes recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Naming {
    /// As documents were worded before parties had a legal name: a commune recipient « Mairie de X », a commune
    /// issuer « Ville de X », any other party by its `name`, with no article in running text, and a party by its
    /// id in the annex.
    Mairie,
    /// The legal person, with its article, elided and contracted (`present::names`): every document issued now.
    #[default]
    LegalPerson,
}

impl Naming {
    /// What a ledger record without the field was issued with: [`Naming::Mairie`].
    #[must_use]
    pub fn before_legal_names() -> Naming {
        Naming::Mairie
    }

    /// Whether this is [`Naming::Mairie`] (a record does not write it).
    #[must_use]
    pub fn is_mairie(&self) -> bool {
        *self == Naming::Mairie
    }
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
    /// For a statement of imputation: the recipient's attribution de compensation before and after it, when the
    /// dataset states it (`attributions.csv`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<crate::attribution::AcPosition>,
    /// How it names its parties: [`Naming::LegalPerson`] for a document issued now; a kept document keeps the
    /// naming it was issued with.
    #[serde(default)]
    pub naming: Naming,
    /// What it states besides its lines (an invoice's due date, a cancellation's reason), fixed at issue. `None`
    /// for a document of a ledger written before they were recorded: it is printed as it was then
    /// (`docs/mentions.md`).
    #[serde(default)]
    pub particulars: Option<crate::particulars::Particulars>,
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
    /// (convention, component, kind, label, quantity, unit price, amount), and for a statement of imputation the
    /// attribution de compensation it reduces — but not its number, issue date or the wording of traces. Two runs on the same inputs give the same fingerprint; a changed activity figure does
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
            field(&self.fingerprint_label(line));
            field(&line.basis.quantity.map(|q| q.normalize().to_string()).unwrap_or_default());
            field(&line.basis.unit_price.map(|p| p.normalize().to_string()).unwrap_or_default());
            field(&line.amount.to_string());
        }
        field(&self.total.to_string());
        // A statement prints the AC it reduces: when it changes, the statement is issued again. A statement
        // without it keeps the fingerprint it always had.
        if let Some(position) = &self.attribution {
            field(&position.fingerprint_text());
        }
        hasher.finalize().into()
    }

    /// A line's label in the fingerprint: the label and its kind composed by a fixed text — the one the
    /// fingerprints of issued documents were computed with — so that a change of wording in the presentation does
    /// not make every document look changed. A line read back from the ledger in its printed wording keeps it.
    fn fingerprint_label(&self, line: &Charge) -> String {
        let label = if matches!(line.basis.kind, mutua_alloc::trace::BasisKind::Issued { .. }) {
            line.label.clone()
        } else {
            match &line.kind {
                ChargeKind::Current => line.label.clone(),
                ChargeKind::Regularisation { year } => {
                    format!("Régularisation {year} sur coût réel — {}", line.label)
                }
                ChargeKind::CeeShare { kind, .. } => {
                    let certificates = match kind {
                        mutua_core::CeeKind::Classique => "classiques",
                        mutua_core::CeeKind::Precarite => "« précarité énergétique »",
                    };
                    format!("{} — certificats {certificates}", line.label)
                }
                ChargeKind::Carried { semester, .. } => {
                    format!("{} (report du {})", line.label, fingerprint_semester(*semester))
                }
            }
        };
        if self.corrects.is_some() { format!("Annulation — {label}") } else { label }
    }

    /// The file name of the rendered PDF: the number and the recipient (`FAC-MEL-2026-00001_59005.pdf`).
    #[must_use]
    pub fn file_name(&self, extension: &str) -> String {
        format!("{}_{}.{extension}", self.number, self.recipient)
    }
}

/// A semester in a fingerprint's label: the wording the fingerprints of issued documents were computed with
/// ("1er semestre 2025", "2nd semestre 2025"), whatever the documents print today.
fn fingerprint_semester(semester: Semester) -> String {
    match semester.half {
        mutua_core::Half::S1 => format!("1er semestre {}", semester.year),
        mutua_core::Half::S2 => format!("2nd semestre {}", semester.year),
    }
}

/// A line's kind in a fingerprint. The text is fixed — it is what fingerprints of issued documents were computed
/// with, and a ledger compares them across versions — so it does not follow any `Debug` output.
fn fingerprint_kind(kind: &ChargeKind) -> String {
    match kind {
        ChargeKind::Current => "Current".to_owned(),
        ChargeKind::Regularisation { year } => format!("Regularisation {{ year: {year} }}"),
        ChargeKind::CeeShare { deposit, .. } => format!("CeeShare {{ deposit: {deposit:?} }}"),
        ChargeKind::Carried { semester, regularises } => {
            let half = match semester.half {
                mutua_core::Half::S1 => "S1",
                mutua_core::Half::S2 => "S2",
            };
            let carried =
                format!("Carried {{ semester: Semester {{ year: {}, half: {half} }} }}", semester.year);
            match regularises {
                None => carried,
                Some(year) => format!("{carried} regularises {year}"),
            }
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
