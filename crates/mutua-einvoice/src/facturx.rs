//! Output formats of the batch, and Factur-X: a PDF/A-3B whose invoice data is embedded as CII XML.
//!
//! A Factur-X invoice (profile EN 16931, Factur-X 1.0.07) is the document's usual PDF, rendered in the same single
//! pass with:
//!
//! - the CII XML of [`crate::cii`], checked by [`crate::en16931`] first, embedded as `factur-x.xml` (MIME
//!   `text/xml`) with `/AFRelationship /Alternative` — the relationship the Factur-X specification prescribes for
//!   the BASIC, EN 16931 and EXTENDED profiles, whose XML is a full invoice equivalent to the PDF (`Data` is for
//!   MINIMUM and BASIC WL) — and listed in the catalog's `/AF` and `/Names /EmbeddedFiles`;
//! - XMP metadata declaring PDF/A-3 B (`pdfaid:part` 3, `pdfaid:conformance` B) and the Factur-X extension schema
//!   (`fx:DocumentType` INVOICE, `fx:DocumentFileName` factur-x.xml, `fx:Version` 1.0, `fx:ConformanceLevel`
//!   EN 16931) with its PDF/A extension-schema description;
//! - as every PDF of the batch: embedded subset fonts, an sRGB output intent, Info consistent with XMP, a
//!   content-derived file ID.
//!
//! Only invoices and credit notes are e-invoices. Payment notices and attribution-de-compensation statements are
//! not invoices (the issuer pays, or nothing is billed): they stay plain PDF/A-3B in every format, and so do drafts
//! (`--dry-run`), which carry no number.

use std::fmt;
use std::str::FromStr;

use mutua_core::Dataset;

use mutua_documents::{Document, DocumentKind, InvoiceError, present};
use mutua_render::{
    self as render, AfRelationship, Attachment, FontSet, RenderOptions, XmpExtension, XmpProperty,
};

use crate::cii::{self, CiiInvoice, CiiOptions, EInvoiceError, PrecedingInvoice};
use crate::en16931;

/// The name of the embedded XML, fixed by the Factur-X specification.
pub const FACTURX_FILE_NAME: &str = "factur-x.xml";
/// The namespace of the Factur-X XMP properties (with its trailing `#`).
pub const FACTURX_NAMESPACE: &str = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#";
/// The Factur-X conformance level of our XML (`fx:ConformanceLevel`).
pub const FACTURX_CONFORMANCE_LEVEL: &str = "EN 16931";
/// The Factur-X XMP schema version (`fx:Version`).
pub const FACTURX_VERSION: &str = "1.0";

/// How `mutua run` writes invoices and credit notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OutputFormat {
    /// A Factur-X PDF/A-3B with the CII XML embedded (the default).
    #[default]
    FacturX,
    /// A plain PDF/A-3B.
    Pdf,
    /// A plain PDF/A-3B, and the CII XML written beside it (`<number>_<recipient>.xml`).
    Cii,
}

impl OutputFormat {
    /// The name used on the command line and in `manifest.json`: `facturx`, `pdf`, `cii`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::FacturX => "facturx",
            OutputFormat::Pdf => "pdf",
            OutputFormat::Cii => "cii",
        }
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown output format name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format `{0}` (expected facturx, pdf or cii)")]
pub struct UnknownFormat(pub String);

impl FromStr for OutputFormat {
    type Err = UnknownFormat;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "facturx" => Ok(OutputFormat::FacturX),
            "pdf" => Ok(OutputFormat::Pdf),
            "cii" => Ok(OutputFormat::Cii),
            other => Err(UnknownFormat(other.to_owned())),
        }
    }
}

/// A document rendered in an output format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedDocument {
    /// The PDF (a Factur-X one in [`OutputFormat::FacturX`]).
    pub pdf: Vec<u8>,
    /// The CII XML written beside the PDF ([`OutputFormat::Cii`] only).
    pub xml: Option<Vec<u8>>,
    /// The format recorded in the manifest: `facturx`, `pdf` (also payment notices, statements, refund notices,
    /// cancellations and drafts in every format) or `cii`.
    pub format: OutputFormat,
}

/// Whether a document is an e-invoice (an invoice or a credit note) in the CII sense.
#[must_use]
pub fn is_e_invoice(document: &Document) -> bool {
    matches!(document.kind, DocumentKind::Invoice | DocumentKind::CreditNote)
}

/// The CII options of a document of the batch: billing framework A1 and, for a credit note that cancels an
/// issued invoice ([`Document::corrects`]), that invoice (BT-25, BT-26). A regularisation credit note (a debtor
/// whose semester nets to a credit) corrects no single invoice and has none.
#[must_use]
pub fn cii_options(document: &Document) -> CiiOptions {
    let preceding_invoice = match (&document.kind, &document.corrects) {
        (DocumentKind::CreditNote, Some(corrected)) => {
            Some(PrecedingInvoice { number: corrected.number.clone(), issue_date: corrected.issue_date })
        }
        _ => None,
    };
    CiiOptions { preceding_invoice, ..CiiOptions::default() }
}

/// Builds and checks the CII model of a document.
///
/// # Errors
/// [`EInvoiceError::NotAnInvoice`], [`EInvoiceError::Rules`] naming every broken rule, or
/// [`EInvoiceError::Invoice`].
pub fn checked_cii(
    dataset: &Dataset,
    document: &Document,
    options: &CiiOptions,
) -> Result<CiiInvoice, EInvoiceError> {
    let invoice = cii::build(dataset, document, options)?;
    en16931::check(&invoice)?;
    Ok(invoice)
}

/// The CII XML of a document, after the EN 16931 check: the bytes embedded as `factur-x.xml` and written by
/// `--format cii` (identical in both).
///
/// # Errors
/// As [`checked_cii`], or [`EInvoiceError::Xml`].
pub fn cii_xml(
    dataset: &Dataset,
    document: &Document,
    options: &CiiOptions,
) -> Result<Vec<u8>, EInvoiceError> {
    let invoice = checked_cii(dataset, document, options)?;
    cii::to_xml(&invoice)
        .map_err(|error| EInvoiceError::Xml { number: document.number.clone(), message: error.to_string() })
}

/// The Factur-X XMP properties and their PDF/A extension schema.
#[must_use]
pub fn facturx_xmp_extension() -> XmpExtension {
    let property = |name: &str, value: &str, description: &str| XmpProperty {
        name: name.to_owned(),
        value: value.to_owned(),
        description: description.to_owned(),
    };
    XmpExtension {
        schema: "Factur-X PDFA Extension Schema".to_owned(),
        namespace_uri: FACTURX_NAMESPACE.to_owned(),
        prefix: "fx".to_owned(),
        properties: vec![
            property("DocumentFileName", FACTURX_FILE_NAME, "name of the embedded XML invoice file"),
            property("DocumentType", "INVOICE", "INVOICE"),
            property("Version", FACTURX_VERSION, "The actual version of the Factur-X XML schema"),
            property(
                "ConformanceLevel",
                FACTURX_CONFORMANCE_LEVEL,
                "The conformance level of the embedded Factur-X data",
            ),
        ],
    }
}

/// The render options of a Factur-X PDF embedding `xml`: PDF/A-3B, `factur-x.xml` as an `Alternative`
/// associated file dated `modification_date`, and the Factur-X XMP extension.
#[must_use]
pub fn facturx_render_options(xml: Vec<u8>, modification_date: chrono::NaiveDateTime) -> RenderOptions {
    RenderOptions {
        pdfa: true,
        attachments: vec![Attachment {
            file_name: FACTURX_FILE_NAME.to_owned(),
            description: "Factur-X invoice data (UN/CEFACT CII D16B, EN 16931 profile)".to_owned(),
            mime_type: "text/xml".to_owned(),
            relationship: AfRelationship::Alternative,
            modification_date,
            data: xml,
        }],
        xmp_extensions: vec![facturx_xmp_extension()],
    }
}

fn plain_options() -> RenderOptions {
    RenderOptions::pdfa()
}

fn render(
    view: &render::DocumentView,
    fonts: &FontSet,
    options: &RenderOptions,
    number: &str,
) -> Result<Vec<u8>, EInvoiceError> {
    render::render_pdf(view, fonts, options)
        .map_err(|source| EInvoiceError::Invoice(InvoiceError::Render { number: number.to_owned(), source }))
}

/// Renders one document of the batch in `format` (see [`RenderedDocument::format`] for what each kind becomes).
/// `fonts` is built once per run.
///
/// # Errors
/// [`EInvoiceError::Rules`] when an invoice or credit note would break an EN 16931 rule (nothing is rendered), or
/// the errors of [`mutua_documents::render_document`].
pub fn render_in_format(
    dataset: &Dataset,
    document: &Document,
    fonts: &FontSet,
    format: OutputFormat,
    draft: bool,
) -> Result<RenderedDocument, EInvoiceError> {
    in_format(dataset, document, format, draft, |view, options, xml, format| {
        let pdf = render(view, fonts, options, &document.number)?;
        Ok(RenderedDocument { pdf, xml, format })
    })
}

/// Everything [`render_in_format`] can refuse, without writing the PDF: the EN 16931 rules of the XML, the
/// presentation, and [`render::check_pdf`] of the view with the options the format gives (for Factur-X, the XML
/// attached). A document it accepts is rendered without an error but an internal one.
///
/// # Errors
/// As [`render_in_format`].
pub fn check_in_format(
    dataset: &Dataset,
    document: &Document,
    fonts: &FontSet,
    format: OutputFormat,
    draft: bool,
) -> Result<(), EInvoiceError> {
    in_format(dataset, document, format, draft, |view, options, _, _| {
        render::check_pdf(view, fonts, options).map_err(|source| {
            EInvoiceError::Invoice(InvoiceError::Render { number: document.number.clone(), source })
        })
    })
}

/// The XML (for an e-invoice), the view and the render options of a document in `format`, handed to `then`
/// with the XML to write beside the PDF (CII) and the format the document takes.
fn in_format<T>(
    dataset: &Dataset,
    document: &Document,
    format: OutputFormat,
    draft: bool,
    then: impl FnOnce(
        &render::DocumentView,
        &RenderOptions,
        Option<Vec<u8>>,
        OutputFormat,
    ) -> Result<T, EInvoiceError>,
) -> Result<T, EInvoiceError> {
    let e_invoice = is_e_invoice(document) && !draft && format != OutputFormat::Pdf;
    // The XML first: a document that breaks a rule is refused before anything is rendered.
    let xml = if e_invoice { Some(cii_xml(dataset, document, &cii_options(document))?) } else { None };
    let view = present::view(dataset, document, draft)?;
    match (xml, format) {
        (Some(xml), OutputFormat::FacturX) => {
            let options = facturx_render_options(xml, view.metadata.creation_date);
            then(&view, &options, None, OutputFormat::FacturX)
        }
        (Some(xml), _) => then(&view, &plain_options(), Some(xml), OutputFormat::Cii),
        (None, _) => then(&view, &plain_options(), None, OutputFormat::Pdf),
    }
}
