//! Documents: what a semester issues, and where every cent goes.
//!
//! An [`Allocation`](mutua_alloc::Allocation) (every amount owed) becomes a [`Batch`] ([`build_batch`]) of
//! [`Document`]s — consolidated invoices, payment notices, statements on the attribution de compensation, credit
//! notes — with the reconciliation of every pool and dispositif ([`reconcile`]). Each document is presented in
//! French as a [`mutua_render::DocumentView`] ([`present::view`]), which `mutua-render` lays out and encodes to
//! PDF ([`render_document`]); the batch's lines are exported as `lines.csv` and `carried.csv` ([`export`]). The
//! e-invoice form is `mutua-einvoice`'s; numbering and issuing them is `mutua-issue`'s.
//!
//! Nothing here reads the clock, the environment or the file system: the issue date comes from the caller and
//! every output is returned as bytes, identical for identical inputs.
#![forbid(unsafe_code)]

mod document;
mod error;
pub mod export;
pub mod numbering;
pub mod present;
pub mod reconcile;

pub use document::{
    Batch, BatchOptions, DispositifSummary, Document, DocumentKind, DocumentRef, NotIssued, build_batch,
};
pub use error::InvoiceError;

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
