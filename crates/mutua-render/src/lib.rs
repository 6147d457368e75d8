//! Rendering documents to PDF: a pure layout layer, then a PDF encoder.
//!
//! The pipeline has three stages, each in its own module:
//!
//! 1. [`DocumentView`] (`view`): the document as already-formatted strings. Layout never sees
//!    money, only text. A [`NoticeView`] is the same for a notice (a letter with tables of chosen
//!    columns, [`render_notice_pdf`]).
//! 2. [`layout()`] (`layout`): places every string, rule and shaded area on A4 pages, measuring
//!    text with the real glyph advances of the [`FontSet`], wrapping on spaces and paginating
//!    (table header repeated on every page, rows never split, annex from a new page, footer
//!    `page N/M` on every page). Its output, [`PageLayout`], is plain data that tests can assert
//!    on without parsing a PDF. Coordinates are in points from the top-left corner.
//! 3. [`render_pdf`] (`pdf` and its helpers `xmp`, `icc`): encodes the pages with pdf-writer,
//!    flipping the y axis in one place, with embedded subset fonts (Type0 / CIDFontType2,
//!    Identity-H, ToUnicode), an sRGB output intent, XMP metadata (PDF/A-3B identification on
//!    request) and optional associated files (the Factur-X extension point). Each document embeds
//!    only the glyphs it prints (`font`, `hinting`): the [`FontSet`] cuts a subset per face and
//!    glyph set from its run-wide repertoire, and caches it for the next document that prints the
//!    same glyphs.
//!
//! Output is byte-for-byte deterministic: no clock, no randomness, and nothing that depends on
//! what the [`FontSet`]'s cache held or on the thread that renders; the trailer `/ID` is a
//! SHA-256 of the document's content.
//!
//! ```
//! use chrono::NaiveDate;
//! use mutua_render::{
//!     DocumentMetadata, DocumentView, FontSet, LineView, PartyBlock, RenderOptions, TotalView,
//!     render_pdf,
//! };
//!
//! let fonts = FontSet::dejavu()?; // once per run
//! let view = DocumentView {
//!     kind_title: "FACTURE".into(),
//!     number: "FAC-MEL-2026-00001".into(),
//!     draft_watermark: None,
//!     issuer: PartyBlock { name: "Métropole Européenne de Lille".into(), lines: vec![] },
//!     recipient: PartyBlock { name: "Commune de Wambrechies".into(), lines: vec![] },
//!     meta: vec![("Date d'émission".into(), "15 janvier 2026".into())],
//!     lines: vec![LineView::Item {
//!         description: "Conseil en Énergie Partagé".into(),
//!         basis: "5 000 habitants × 0,25 €".into(),
//!         quantity: "5\u{202f}000".into(),
//!         unit_price: "0,25 €".into(),
//!         amount: "1\u{202f}250,00 €".into(),
//!     }],
//!     totals: vec![TotalView { label: "Net à payer".into(), amount: "1\u{202f}250,00 €".into(), emphasis: true }],
//!     mentions: vec!["TVA non applicable – article 256 B du CGI.".into()],
//!     annex: None,
//!     metadata: DocumentMetadata {
//!         title: "Facture FAC-MEL-2026-00001".into(),
//!         author: "Métropole Européenne de Lille".into(),
//!         subject: "Services mutualisés".into(),
//!         keywords: vec!["facture".into()],
//!         creation_date: NaiveDate::from_ymd_opt(2026, 1, 15)
//!             .and_then(|date| date.and_hms_opt(9, 0, 0))
//!             .ok_or("invalid date")?,
//!         language: "fr-FR".into(),
//!     },
//! };
//! let options = RenderOptions { pdfa: true, attachments: vec![], xmp_extensions: vec![] };
//! let pdf = render_pdf(&view, &fonts, &options)?;
//! assert!(pdf.starts_with(b"%PDF-1.7"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

mod color;
mod compress;
mod content;
mod font;
mod hinting;
mod icc;
mod layout;
mod pdf;
mod settings;
mod view;
mod xmp;

use chrono::NaiveDateTime;

pub use font::{FontSet, FontStyle, REPERTOIRE, printable};
pub use layout::layout_notice;
pub use layout::{
    FilledRect, MAX_PAGES, PAGE_HEIGHT, PAGE_WIDTH, PageLayout, Rgb, Rule, TextRun, Watermark, layout,
};
pub use view::{
    AnnexSection, AnnexView, CellAlign, ColumnView, DocumentMetadata, DocumentView, LineView, NoticeSection,
    NoticeView, PartyBlock, RowStyle, RowView, TableView, TotalView,
};

/// Why a document could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// A printed string contains a character outside the font repertoire ([`REPERTOIRE`]).
    /// The renderer never substitutes `.notdef` or a blank.
    #[error("character {character:?} (U+{code:04X}) cannot be printed: it is outside the font repertoire, in {context}", code = u32::from(*character))]
    MissingGlyph {
        /// The offending character.
        character: char,
        /// Where it was found: the field and the text.
        context: String,
    },
    /// A font could not be loaded or subset.
    #[error("font {font}: {reason}")]
    Font {
        /// The font's name.
        font: String,
        /// What went wrong.
        reason: String,
    },
    /// A table row (or an unbreakable block) is taller than the usable height of a page.
    /// Rows are never split across pages, so such a row is refused rather than cut.
    #[error("{context} is {height_pt} pt tall, more than the {available_pt} pt a page can hold")]
    RowTooTall {
        /// Which row.
        context: String,
        /// Its height, in whole points.
        height_pt: u32,
        /// The usable height of a page, in whole points.
        available_pt: u32,
    },
    /// The document would exceed the page limit.
    #[error("the document would have more than {limit} pages")]
    TooManyPages {
        /// The limit ([`MAX_PAGES`]).
        limit: usize,
    },
    /// The document metadata cannot be written (e.g. a creation date outside years 0–9999).
    #[error("invalid document metadata: {reason}")]
    InvalidMetadata {
        /// What is wrong.
        reason: String,
    },
    /// A table of a notice cannot be laid out: no column, columns of no width, or a row without one cell per
    /// column.
    #[error("invalid table in {context}: {reason}")]
    InvalidTable {
        /// Which table.
        context: String,
        /// What is wrong.
        reason: String,
    },
    /// An option is invalid (an attachment or an XMP extension).
    #[error("invalid render option: {reason}")]
    InvalidOption {
        /// What is wrong.
        reason: String,
    },
}

/// How to encode a document.
///
/// There is no seed for the document ID: the trailer `/ID` is always derived from a SHA-256 of
/// the document's content, so the same input gives the same bytes, and two different documents
/// (different numbers, at least) get different IDs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// Declare PDF/A-3B conformance in the XMP metadata (`pdfaid:part` 3, `pdfaid:conformance`
    /// B). The file is written to the PDF/A-3B constraints either way (embedded fonts, sRGB
    /// output intent, XMP consistent with the Info dictionary, no transparency); this flag only
    /// controls the claim.
    pub pdfa: bool,
    /// Files embedded in the PDF as associated files (PDF/A-3 `/AF`), e.g. a Factur-X
    /// `factur-x.xml`. Written in the same pass as the rest of the document.
    pub attachments: Vec<Attachment>,
    /// Extra XMP properties with their PDF/A extension-schema description, e.g. the Factur-X
    /// `fx:` properties (`DocumentType`, `DocumentFileName`, `Version`, `ConformanceLevel`).
    pub xmp_extensions: Vec<XmpExtension>,
}

impl RenderOptions {
    /// A plain PDF/A-3B: the conformance claimed, nothing attached.
    #[must_use]
    pub fn pdfa() -> RenderOptions {
        RenderOptions { pdfa: true, attachments: Vec::new(), xmp_extensions: Vec::new() }
    }
}

/// A file embedded in the PDF and associated with the document (PDF/A-3 associated file).
///
/// It is written as an `/EmbeddedFile` stream (deflated, MIME `/Subtype`, `/Params` with size
/// and modification date), a file specification with `/F`, `/UF`, `/Desc` and
/// `/AFRelationship`, listed in the catalog's `/Names /EmbeddedFiles` tree and `/AF` array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file name, e.g. `"factur-x.xml"`. Must be unique within a document.
    pub file_name: String,
    /// A human-readable description, e.g. `"Factur-X invoice data"`.
    pub description: String,
    /// The MIME type, e.g. `"text/xml"`.
    pub mime_type: String,
    /// How the file relates to the document.
    pub relationship: AfRelationship,
    /// The file's modification date (required by PDF/A-3), given by the caller.
    pub modification_date: NaiveDateTime,
    /// The file's content.
    pub data: Vec<u8>,
}

/// How an associated file relates to the document (`/AFRelationship`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AfRelationship {
    /// The document was created from this file.
    Source,
    /// The file holds the data the document presents (Factur-X MINIMUM, BASIC WL).
    Data,
    /// The file is an alternative representation of the document (Factur-X EN 16931, EXTENDED).
    Alternative,
    /// The file supplements the document.
    Supplement,
    /// The relationship is not known.
    Unspecified,
}

/// A set of custom XMP properties in one namespace, with the PDF/A extension schema that
/// declares them (PDF/A requires every non-standard XMP property to be described).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmpExtension {
    /// The schema's human-readable name, e.g. `"Factur-X PDFA Extension Schema"`.
    pub schema: String,
    /// The namespace URI, e.g. `"urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"`.
    pub namespace_uri: String,
    /// The namespace prefix, e.g. `"fx"` (ASCII letters and digits, starting with a letter).
    pub prefix: String,
    /// The properties, all of XMP value type `Text` and category `external`.
    pub properties: Vec<XmpProperty>,
}

/// One custom XMP text property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmpProperty {
    /// The property name, e.g. `"DocumentFileName"` (ASCII letters and digits).
    pub name: String,
    /// The property value, e.g. `"factur-x.xml"`.
    pub value: String,
    /// The description written in the extension schema.
    pub description: String,
}

/// Lays out `view` and encodes it as a PDF.
///
/// # Errors
/// [`RenderError::MissingGlyph`] if a printed string has a character outside the repertoire,
/// [`RenderError::RowTooTall`] if a table row cannot fit on a page,
/// [`RenderError::TooManyPages`] past [`MAX_PAGES`] pages,
/// [`RenderError::InvalidOption`] for a bad attachment or XMP extension.
pub fn render_pdf(
    view: &DocumentView,
    fonts: &FontSet,
    options: &RenderOptions,
) -> Result<Vec<u8>, RenderError> {
    let pages = layout(view, fonts)?;
    pdf::encode(&view.metadata, &pages, fonts, options)
}

/// Everything [`render_pdf`] can refuse, without writing the PDF: lays out `view` (the same layout) and checks what
/// the encoding would (attachments, XMP extensions, dates, the glyph of every laid-out text). A view it accepts is
/// rendered by [`render_pdf`] with the same fonts and options without an error, but an internal one of font
/// subsetting ([`RenderError::Font`]); it costs a fraction of a render (no font subset, no compression).
///
/// # Errors
/// As [`render_pdf`].
pub fn check_pdf(view: &DocumentView, fonts: &FontSet, options: &RenderOptions) -> Result<(), RenderError> {
    let pages = layout(view, fonts)?;
    pdf::prepare(&view.metadata, &pages, fonts, options).map(drop)
}

/// Lays out a notice ([`NoticeView`]: a letter with tables) and encodes it as a PDF, with the same fonts, colour
/// profile, metadata and PDF/A-3B settings as a document.
///
/// # Errors
/// As [`render_pdf`], and [`RenderError::InvalidTable`] for a table without columns or a row without one cell per
/// column.
pub fn render_notice_pdf(
    view: &NoticeView,
    fonts: &FontSet,
    options: &RenderOptions,
) -> Result<Vec<u8>, RenderError> {
    let pages = layout_notice(view, fonts)?;
    pdf::encode(&view.metadata, &pages, fonts, options)
}
