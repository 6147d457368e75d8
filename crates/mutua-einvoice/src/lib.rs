//! E-invoicing (Chorus Pro): the UN/CEFACT CII of invoices and credit notes, the EN 16931 rules, and Factur-X.
//!
//! - [`cii`]: a [`mutua_documents::Document`] mapped to a [`cii::CiiInvoice`] (one field per business term), and
//!   that model written as deterministic CII D16B XML ([`cii::to_xml`]).
//! - [`en16931`]: the EN 16931 business rules (and Chorus Pro's) checked on the model before anything is written;
//!   a document that breaks one is refused, naming every rule.
//! - [`facturx`]: the output formats of a batch — Factur-X (PDF/A-3B with the XML embedded), plain PDF/A, or the
//!   PDF with the XML beside it — rendered through `mutua-render` in one pass.
//!
//! `docs/e-invoicing.md` gives the mapping and the checks. Nothing here reads the clock or the environment.
#![forbid(unsafe_code)]

pub mod cii;
pub mod en16931;
mod error;
pub mod facturx;

pub use error::{EInvoiceError, RuleViolation, RuleViolations};
