//! The input of the renderer: a document whose every printed value is already a formatted string.
//!
//! The view is the contract between the invoicing logic (which knows about money, periods and
//! conventions) and the renderer (which knows about points, glyphs and pages). Amounts arrive as
//! text such as `"1 234,56 €"` (with U+202F NARROW NO-BREAK SPACE as the thousands separator):
//! layout never parses, rounds or adds them, so no amount ever passes through a float.
//!
//! Every string printed on the page must use only characters of the font repertoire (see
//! [`FontSet`](super::FontSet)); anything else is reported as
//! [`RenderError::MissingGlyph`](super::RenderError::MissingGlyph). Strings are expected in
//! Unicode normalisation form C (a precomposed `é`, not `e` followed by a combining accent).
//! In the wrapped fields (descriptions, bases, mentions, annex lines, party lines) a regular
//! space is a break opportunity, `\n` forces a line break, and U+00A0 / U+202F never break.

use chrono::NaiveDateTime;
use serde::Serialize;

/// One document to render: an invoice (facture), a credit note (avoir), a payment notice or a
/// statement against the attribution de compensation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentView {
    /// The big title, e.g. `"FACTURE"`, `"AVOIR"`, `"AVIS DE VERSEMENT"`.
    pub kind_title: String,
    /// The document number, e.g. `"FAC-MEL-2026-00001"`, or `"PROJET"` for a draft. Printed
    /// under the title and in the footer of every page.
    pub number: String,
    /// `Some("PROJET")` prints a light diagonal watermark with that text on every page.
    pub draft_watermark: Option<String>,
    /// The issuer's letterhead, printed top left (no logo).
    pub issuer: PartyBlock,
    /// The recipient's address block, printed on the right at the window-envelope position.
    pub recipient: PartyBlock,
    /// Label/value pairs printed under the title: issue date, period of execution, service
    /// code, commitment number, references.
    pub meta: Vec<(String, String)>,
    /// The rows of the main table, in printing order.
    pub lines: Vec<LineView>,
    /// The totals box, right-aligned under the table, in printing order.
    pub totals: Vec<TotalView>,
    /// Legal mention paragraphs printed after the totals, in smaller type, wrapped.
    pub mentions: Vec<String>,
    /// The calculation detail, printed from a new page when present.
    pub annex: Option<AnnexView>,
    /// Document properties written to the PDF Info dictionary and XMP metadata (not printed).
    pub metadata: DocumentMetadata,
}

/// A party as printed: its name (in bold) and the lines under it (address, SIRET...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartyBlock {
    /// The party's name, printed in bold.
    pub name: String,
    /// The lines printed under the name, each wrapped if too long.
    pub lines: Vec<String>,
}

/// One row of the main table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum LineView {
    /// A heading row spanning the table, typically one per dispositif (shared service).
    Group {
        /// The heading text, printed in bold.
        title: String,
    },
    /// A billed line. `description` and `basis` wrap inside their columns; the three numeric
    /// cells are right-aligned (and wrap only at regular spaces, if ever).
    Item {
        /// "Désignation": what is billed.
        description: String,
        /// "Base de liquidation": how the amount is computed, e.g. `"1 250 habitants × 2,00 €"`.
        basis: String,
        /// "Quantité".
        quantity: String,
        /// "Prix unitaire".
        unit_price: String,
        /// "Montant".
        amount: String,
    },
    /// A subtotal row: the label right-aligned across the first columns, the amount in bold.
    Subtotal {
        /// The label, e.g. `"Sous-total Conseil en Énergie Partagé"`.
        label: String,
        /// The formatted amount.
        amount: String,
    },
}

/// One row of the totals box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TotalView {
    /// The label, e.g. `"Total hors taxes"`, `"TVA"`, `"Net à payer"`.
    pub label: String,
    /// The formatted amount or text, e.g. `"1 234,56 €"` or `"non applicable"`.
    pub amount: String,
    /// Printed larger, in bold, on a shaded background (the amount due).
    pub emphasis: bool,
}

/// The calculation detail ("Détail du calcul"), printed from a new page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnnexView {
    /// The annex title, e.g. `"Détail du calcul"`.
    pub title: String,
    /// The sections, in printing order.
    pub sections: Vec<AnnexSection>,
}

/// One section of the annex: a bold heading and lines of text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnnexSection {
    /// The section heading, printed in bold.
    pub heading: String,
    /// The lines of the section, each wrapped to the text width.
    pub lines: Vec<String>,
}

/// Document properties written to the PDF Info dictionary and to the XMP metadata stream.
///
/// The creation date is given by the caller (the renderer never reads the clock), so the same
/// view renders to the same bytes. It is written without a time zone, in the PDF Info dictionary
/// and in XMP alike; it is also used as the modification date, since an issued document is
/// never modified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentMetadata {
    /// The document title, e.g. `"Facture FAC-MEL-2026-00001"`.
    pub title: String,
    /// The author: the issuing body, e.g. `"Métropole Européenne de Lille"`.
    pub author: String,
    /// The subject, e.g. `"Facturation des services mutualisés, 1er semestre 2026"`.
    pub subject: String,
    /// Keywords, written comma-separated.
    pub keywords: Vec<String>,
    /// The creation date, in the issuer's local time.
    pub creation_date: NaiveDateTime,
    /// The document language as a BCP 47 tag, normally `"fr-FR"`.
    pub language: String,
}

/// A notice: a letter from an issuer to its recipients (the annual notification of a unit cost), with sections of
/// text and tables whose columns the caller chooses. It has no number and no totals box: its footer and the head of
/// its continuation pages are given as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeView {
    /// The issuer's letterhead, printed top left.
    pub issuer: PartyBlock,
    /// The recipients' block, printed on the right at the window-envelope position.
    pub recipient: PartyBlock,
    /// The title, in bold, wrapped.
    pub title: String,
    /// Label/value pairs printed under the title (date, reference, object).
    pub meta: Vec<(String, String)>,
    /// The paragraphs of the letter, printed after the title and the label/value pairs.
    pub body: Vec<String>,
    /// The sections, in printing order.
    pub sections: Vec<NoticeSection>,
    /// The lines of the signature block, printed right after the sections, on the right.
    pub signature: Vec<String>,
    /// Legal mention paragraphs printed at the end, in smaller type.
    pub mentions: Vec<String>,
    /// The head of every page after the first.
    pub running_head: String,
    /// The text at the left of every page's footer (the page number is at the right).
    pub footer: String,
    /// Document properties written to the PDF Info dictionary and XMP metadata (not printed).
    pub metadata: DocumentMetadata,
}

/// One section of a notice: a bold heading, paragraphs, then a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeSection {
    /// The heading.
    pub heading: String,
    /// The paragraphs printed under the heading.
    pub paragraphs: Vec<String>,
    /// The table printed after the paragraphs, if any.
    pub table: Option<TableView>,
}

/// A table with the columns its caller chooses. The header is repeated on every page the table continues on;
/// a row is never split across pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableView {
    /// The columns, left to right.
    pub columns: Vec<ColumnView>,
    /// The rows; every row has one cell per column (a [`RowStyle::Heading`] row prints its first cell across the
    /// table and its other cells must be empty).
    pub rows: Vec<RowView>,
}

/// One column of a [`TableView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnView {
    /// The header text.
    pub header: String,
    /// Its share of the table's width: the widths are in proportion to the weights.
    pub weight: u16,
    /// How its cells are aligned.
    pub align: CellAlign,
}

/// The horizontal alignment of a column's cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CellAlign {
    /// Left (texts).
    Left,
    /// Right (figures).
    Right,
}

/// One row of a [`TableView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowView {
    /// The cells, one per column.
    pub cells: Vec<String>,
    /// How the row is set.
    pub style: RowStyle,
}

/// How a table row is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RowStyle {
    /// Regular type, a thin rule under it.
    Normal,
    /// A heading across the table (its first cell), in bold on a light background, kept with the next row.
    Heading,
    /// A total: bold, a strong rule under it.
    Total,
    /// The result the document is about: bold, larger, on a shaded background.
    Emphasis,
}
