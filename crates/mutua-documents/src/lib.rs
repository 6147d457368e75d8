//! Documents: what a semester issues, and where every cent goes.
//!
//! An [`Allocation`](mutua_alloc::Allocation) (every amount owed) becomes a [`Batch`] ([`build_batch`]) of
//! [`Document`]s — consolidated invoices, payment notices, statements on the attribution de compensation, credit
//! notes, refund notices — with the reconciliation of every pool and dispositif ([`reconcile`]). Each document is presented in
//! French as a [`mutua_render::DocumentView`] ([`present::view`]), which `mutua-render` lays out and encodes to
//! PDF ([`render_document`]); the batch's lines are exported as `lines.csv` and `carried.csv` ([`export`]). The
//! e-invoice form is `mutua-einvoice`'s; numbering and issuing them is `mutua-issue`'s.
//!
//! The annual notice of a D5211-16 unit cost is [`unit_cost_notices`] (typed), [`present::unit_cost_notice`]
//! (French), [`render_unit_cost_notice`] (PDF) and [`export::unit_cost_csv`] (its figures).
//!
//! [`numbering`] holds the one numbering rule (the batch's provisional numbers, the ledger's final ones);
//! [`present`] is the only place that words anything in French: line labels, bases and steps of a computation
//! ([`present::trace`]), the documents ([`present::view`]), the reconciliation ([`present::reconciliation`]) and a
//! party's statement ([`present::statement`], `mutua explain`).
//!
//! Nothing here reads the clock, the environment or the file system: the issue date comes from the caller and
//! every output is returned as bytes, identical for identical inputs.
//!
//! ```
//! use chrono::NaiveDate;
//! use mutua_core::{ConventionBuilder, DatasetBuilder, Rule};
//! use mutua_documents::{BatchOptions, build_batch, render_document};
//!
//! let since = NaiveDate::from_ymd_opt(2021, 1, 1).ok_or("date")?;
//! let dataset = DatasetBuilder::new("test", "2026-S1")
//!     .metropole("MEL", "Métropole Européenne de Lille", "200093201")
//!     .commune("59005", "Allennes-les-Marais", "215900051", 1523)
//!     .dispositif("cep", "Conseil en énergie partagé")
//!     .convention(ConventionBuilder::new("cep", "cep", "MEL", since).component(
//!         "habitants",
//!         "Conseil en énergie partagé",
//!         Rule::per_inhabitant("1.20".parse()?),
//!     ))
//!     .member("cep", "59005", since, None)
//!     .build()?;
//! let allocation = mutua_alloc::allocate(&dataset, "2026-S1".parse()?)?;
//! let options = BatchOptions { issue_date: NaiveDate::from_ymd_opt(2026, 7, 15).ok_or("date")?, series_start: Default::default() };
//! let batch = build_batch(&dataset, &allocation, &options)?;
//! let invoice = &batch.documents[0];
//! assert_eq!((invoice.number.as_str(), invoice.total.to_string().as_str()), ("FAC-MEL-2026-00001", "913.80"));
//! let line = &invoice.lines[0];
//! assert_eq!(
//!     mutua_documents::present::basis_fr(&line.basis),
//!     "1\u{202f}523 hab. (population municipale 2023) × 1,20\u{a0}€/an × 1/2"
//! );
//! // A plain PDF/A of the invoice (the Factur-X form, with its CII XML, is `mutua_einvoice`'s).
//! let fonts = mutua_render::FontSet::dejavu()?;
//! let pdf = render_document(&dataset, invoice, &fonts, &mutua_render::RenderOptions::pdfa(), false)?;
//! assert!(pdf.starts_with(b"%PDF-"));
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod accounts;
pub mod attribution;
mod batch;
mod document;
mod error;
pub mod export;
pub mod numbering;
pub mod particulars;
pub mod present;
pub mod reconcile;
mod unit_cost_notice;

pub use batch::build_batch;
pub use document::{
    Batch, BatchOptions, DispositifSummary, Document, DocumentKind, DocumentRef, Naming, NotIssued,
};
pub use error::InvoiceError;
pub use particulars::{
    Change, CorrectionReason, Particulars, PaymentDue, correction_reason, signed_quantity,
};
pub use unit_cost_notice::{
    NotDerived, NoticeConvention, NoticeError, NoticeMember, NoticeTariff, UnitCostNotice,
    budget_vote_deadline, unit_cost_notices,
};

/// Renders one document to PDF bytes (its view, then the PDF). `fonts` is built once per run.
pub fn render_document(
    dataset: &mutua_core::Dataset,
    document: &Document,
    fonts: &mutua_render::FontSet,
    options: &mutua_render::RenderOptions,
    draft: bool,
) -> Result<Vec<u8>, InvoiceError> {
    let view = present::view(dataset, document, draft)?;
    mutua_render::render_pdf(&view, fonts, options)
        .map_err(|source| InvoiceError::Render { number: document.number.clone(), source })
}

/// Renders a unit-cost notice to PDF bytes (its French view, then the PDF). `fonts` is built once per run.
pub fn render_unit_cost_notice(
    dataset: &mutua_core::Dataset,
    notice: &UnitCostNotice,
    fonts: &mutua_render::FontSet,
    options: &mutua_render::RenderOptions,
) -> Result<Vec<u8>, InvoiceError> {
    let view = present::unit_cost_notice::view(dataset, notice)?;
    mutua_render::render_notice_pdf(&view, fonts, options).map_err(|source| InvoiceError::Render {
        number: format!("coût unitaire {} {}", notice.year, notice.dispositif),
        source,
    })
}
