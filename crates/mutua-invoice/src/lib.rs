//! Invoicing: the documents of a semester and their rendering.
//!
//! The pipeline: an [`Allocation`](mutua_alloc::Allocation) (every amount owed) becomes a [`Batch`] of
//! [`Document`]s — consolidated invoices, payment notices, statements on the attribution de compensation, credit
//! notes — numbered in continuous series ([`build_batch`]). Each document is presented as a
//! [`render::DocumentView`] of French strings ([`present::view`]) and rendered to PDF by [`render`]; the batch's
//! lines are exported as `lines.csv` and `carried.csv` ([`export`]). Issuing them — the ledger, the plan, the
//! commit protocol and the manifest — is the `mutua-issue` crate's.
//!
//! Nothing here reads the clock, the environment or the file system: the issue date comes from the caller and
//! every output is returned as bytes, identical for identical inputs.
#![forbid(unsafe_code)]

mod document;
mod error;
pub mod export;
pub mod present;
pub mod reconcile;
pub mod render;

pub use document::{
    Batch, BatchOptions, DispositifSummary, Document, DocumentKind, DocumentRef, build_batch,
};
pub use error::InvoiceError;

/// Renders one document to PDF bytes (its view, then the PDF). `fonts` is built once per run.
pub fn render_document(
    dataset: &mutua_core::Dataset,
    document: &Document,
    fonts: &render::FontSet,
    options: &render::RenderOptions,
    draft: bool,
) -> Result<Vec<u8>, InvoiceError> {
    let view = present::view(dataset, document, draft)?;
    render::render_pdf(&view, fonts, options)
        .map_err(|source| InvoiceError::Render { number: document.number.clone(), source })
}

// E-invoicing (Chorus Pro): the CII form of invoices and credit notes, the EN 16931 rule check, and the output
// formats of the batch (Factur-X, plain PDF, CII beside the PDF). See `docs/e-invoicing.md`.
pub mod cii;
pub mod en16931;
pub mod facturx;
