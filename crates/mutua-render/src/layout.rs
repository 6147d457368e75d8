//! Pure layout: positions every string, rule and shaded area of a [`DocumentView`] on A4 pages.
//!
//! Coordinates are points (1/72 inch) measured from the **top-left** corner of the page, y
//! growing downwards; the PDF encoder flips them once. Text is measured with the advance widths
//! of the [`FontSet`] (exactly the widths written in the PDF `/W` arrays), wrapped greedily at
//! regular spaces; a word wider than its column is broken between characters. There is no
//! kerning and no ligature: one character, one glyph.
//!
//! Pagination rules:
//! - the table header is repeated at the top of every page the table continues on, and every
//!   page after the first starts with a small running head (`FACTURE N° … (suite)`);
//! - a table row is never split across pages; a row taller than a page is refused with
//!   [`RenderError::RowTooTall`] (a line description that long is a data error, and cutting a
//!   row would separate a designation from its amount);
//! - a group heading row is kept with the row that follows it;
//! - the totals box is kept together; mentions and annex lines may break between lines; an
//!   annex heading is kept with its first line;
//! - the annex starts on a new page;
//! - every page gets a footer with the document number and `page N/M`.
#![allow(clippy::float_arithmetic)] // geometry in f32 points is not money; amounts are strings here.

use serde::Serialize;

use super::RenderError;
pub use super::color::Rgb;
use super::font::{FontSet, FontStyle};
use super::view::{DocumentView, LineView};

mod notice;
pub use notice::layout_notice;

/// A4 width in points.
pub const PAGE_WIDTH: f32 = 595.28;
/// A4 height in points.
pub const PAGE_HEIGHT: f32 = 841.89;
/// The most pages a document may have; a longer one is refused.
pub const MAX_PAGES: usize = 500;

const MARGIN_LEFT: f32 = 50.0;
const CONTENT_RIGHT: f32 = PAGE_WIDTH - 50.0;
const CONTENT_WIDTH: f32 = CONTENT_RIGHT - MARGIN_LEFT;
const MARGIN_TOP: f32 = 45.0;
/// Nothing but the footer goes below this line.
const BODY_BOTTOM: f32 = PAGE_HEIGHT - 60.0;
const FOOTER_RULE_Y: f32 = PAGE_HEIGHT - 45.0;
const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 33.0;
/// Height of the running head on continuation pages.
const RUNNING_HEAD_HEIGHT: f32 = 22.0;

/// The recipient block sits in the window of a French window envelope (DL, window on the right).
const RECIPIENT_X: f32 = 320.0;
const RECIPIENT_TOP: f32 = 150.0;
/// The letterhead must not run into the recipient column.
const LETTERHEAD_WIDTH: f32 = RECIPIENT_X - MARGIN_LEFT - 20.0;

/// The cap height of DejaVu Sans (1493/2048 em), used to centre text lines vertically.
pub(crate) const CAP_HEIGHT_EM: f32 = 0.729;

const TABLE_SIZE: f32 = 8.5;
const TABLE_LEADING: f32 = 10.5;
const CELL_PADDING_X: f32 = 4.0;
const CELL_PADDING_Y: f32 = 3.0;

/// Column headers, widths (summing to the content width) and alignments of the lines table.
/// Every header fits on one line; the amount column holds "9 999 999,99 €" at the table size.
/// The quantity column holds a quantity with its unit (« 2 288,51 MWh cumac », « 375 dossiers pondérés »), on
/// two lines when it must.
const COLUMNS: [(&str, f32, Align); 5] = [
    ("Désignation", 160.0, Align::Left),
    ("Base de liquidation", 130.0, Align::Left),
    ("Quantité", 65.0, Align::Right),
    ("Prix unitaire", 65.0, Align::Right),
    ("Montant", CONTENT_WIDTH - 160.0 - 130.0 - 65.0 - 65.0, Align::Right),
];

const TOTALS_WIDTH: f32 = 250.0;
/// Annex entries are indented under their heading, with a hanging indent for wrapped lines.
const ANNEX_INDENT: f32 = 10.0;
const ANNEX_HANG: f32 = 10.0;
const HEADING_GAP: f32 = 1.5;

const INK: Rgb = Rgb { r: 26, g: 26, b: 26 };
const MUTED: Rgb = Rgb { r: 96, g: 96, b: 96 };
const HEADER_FILL: Rgb = Rgb { r: 224, g: 228, b: 234 };
const GROUP_FILL: Rgb = Rgb { r: 243, g: 244, b: 246 };
const RULE: Rgb = Rgb { r: 190, g: 190, b: 190 };
const STRONG_RULE: Rgb = Rgb { r: 110, g: 110, b: 110 };
const WATERMARK: Rgb = Rgb { r: 232, g: 232, b: 232 };

/// One laid-out page. Painting order: watermark, shaded areas, rules, text.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct PageLayout {
    /// The draft watermark, if any.
    pub watermark: Option<Watermark>,
    /// Shaded rectangles (table header, group rows, the amount due).
    pub rects: Vec<FilledRect>,
    /// Straight lines.
    pub rules: Vec<Rule>,
    /// Single-line text runs.
    pub texts: Vec<TextRun>,
}

impl PageLayout {
    /// The text runs whose text is exactly `text`.
    pub fn find_texts(&self, text: &str) -> Vec<&TextRun> {
        self.texts.iter().filter(|run| run.text == text).collect()
    }
}

/// A single line of text, already measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextRun {
    /// Left edge of the text, in points from the left of the page.
    pub x: f32,
    /// Baseline, in points from the top of the page.
    pub baseline: f32,
    /// Advance width of the whole run, in points.
    pub width: f32,
    /// Font size in points.
    pub size: f32,
    /// Which font.
    pub style: FontStyle,
    /// Fill colour.
    pub color: Rgb,
    /// The text, every character in the font repertoire.
    pub text: String,
}

/// A filled rectangle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilledRect {
    /// Left edge, in points from the left of the page.
    pub x: f32,
    /// Top edge, in points from the top of the page.
    pub top: f32,
    /// Width in points.
    pub width: f32,
    /// Height in points, downwards from `top`.
    pub height: f32,
    /// Fill colour.
    pub color: Rgb,
}

/// A straight line between two points (points from the top-left corner).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    /// Start, x.
    pub x1: f32,
    /// Start, y from the top.
    pub y1: f32,
    /// End, x.
    pub x2: f32,
    /// End, y from the top.
    pub y2: f32,
    /// Line width in points.
    pub thickness: f32,
    /// Stroke colour.
    pub color: Rgb,
}

/// A large, light, rotated text under the content of a page ("PROJET").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Watermark {
    /// The text.
    pub text: String,
    /// Font size in points (bold).
    pub size: f32,
    /// Advance width of the text at that size, in points.
    pub width: f32,
    /// Centre of the text, x.
    pub center_x: f32,
    /// Centre of the text, y from the top.
    pub center_y: f32,
    /// Counter-clockwise rotation, in degrees.
    pub angle_degrees: f32,
    /// Fill colour.
    pub color: Rgb,
}

/// Horizontal alignment of text in a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// A wrapped line and its width in points.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    text: String,
    width: f32,
}

/// The width of `text` in points, or the first character outside the repertoire.
fn text_width(fonts: &FontSet, style: FontStyle, size: f32, text: &str) -> Result<f32, char> {
    Ok(thousandths_to_points(fonts.text_advance(style, text)?, size))
}

fn thousandths_to_points(thousandths: u32, size: f32) -> f32 {
    thousandths as f32 * size / 1000.0
}

/// Breaks `text` into lines no wider than `max_width` points.
///
/// Regular spaces are break opportunities (runs of them collapse into one); `\n` forces a
/// break; U+00A0 and U+202F never break. A word wider than `max_width` is broken between
/// characters (at least one character per line). An empty paragraph gives an empty line.
fn wrap(fonts: &FontSet, style: FontStyle, size: f32, text: &str, max_width: f32) -> Result<Vec<Line>, char> {
    // Compare in thousandths of an em, the unit of the advances, so sums are exact integers.
    let limit = (max_width * 1000.0 / size).max(0.0);
    let fits = |thousandths: u32| thousandths as f32 <= limit + 0.01;
    let space = fonts.text_advance(style, " ")?;
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut current = String::new();
        let mut current_width = 0u32;
        for word in paragraph.split(' ').filter(|word| !word.is_empty()) {
            let word_width = fonts.text_advance(style, word)?;
            let joined = current_width.saturating_add(space).saturating_add(word_width);
            if !current.is_empty() && fits(joined) {
                current.push(' ');
                current.push_str(word);
                current_width = joined;
                continue;
            }
            if !current.is_empty() {
                lines.push(Line { width: thousandths_to_points(current_width, size), text: current });
            }
            current = String::new();
            current_width = 0;
            if fits(word_width) {
                current.push_str(word);
                current_width = word_width;
                continue;
            }
            // Hard break: fill each line with as many characters as fit.
            for character in word.chars() {
                let advance = fonts.text_advance(style, character.encode_utf8(&mut [0; 4]))?;
                if !current.is_empty() && !fits(current_width.saturating_add(advance)) {
                    let full = std::mem::take(&mut current);
                    lines.push(Line { width: thousandths_to_points(current_width, size), text: full });
                    current_width = 0;
                }
                current.push(character);
                current_width = current_width.saturating_add(advance);
            }
        }
        lines.push(Line { width: thousandths_to_points(current_width, size), text: current });
    }
    Ok(lines)
}

/// The baseline of a line of text of `size` whose line box (of height `leading`) starts at
/// `line_top`: capitals are centred in the box.
fn baseline_in(line_top: f32, leading: f32, size: f32) -> f32 {
    line_top + (leading + CAP_HEIGHT_EM * size) / 2.0
}

/// A piece of layout with its own vertical origin (0 = its top), placed on a page later.
#[derive(Debug, Clone, Default)]
struct Block {
    height: f32,
    texts: Vec<TextRun>,
    rects: Vec<FilledRect>,
    rules: Vec<Rule>,
}

/// How to set one piece of text: font, size, leading, colour, column and alignment.
#[derive(Debug, Clone, Copy)]
struct TextStyle {
    style: FontStyle,
    size: f32,
    leading: f32,
    color: Rgb,
}

impl TextStyle {
    const fn new(style: FontStyle, size: f32, leading: f32, color: Rgb) -> Self {
        TextStyle { style, size, leading, color }
    }
}

/// Wraps and measures text, turning a missing glyph into an error that says where it was.
struct Typesetter<'a> {
    fonts: &'a FontSet,
}

impl Typesetter<'_> {
    /// Sets a document's "label: value" rows (date, number, convention…), labels muted in a column of their
    /// own, and returns their height.
    fn meta_rows(&self, block: &mut Block, meta: &[(String, String)], top: f32) -> Result<f32, RenderError> {
        let label_style = TextStyle::new(FontStyle::Regular, 8.5, 11.5, MUTED);
        let value_style = TextStyle::new(FontStyle::Regular, 9.0, 11.5, INK);
        let value_x = MARGIN_LEFT + 135.0;
        let mut y = top;
        for (label, value) in meta {
            let label_height = self.text_box(
                block,
                label,
                label_style,
                MARGIN_LEFT,
                value_x - 8.0,
                y,
                Align::Left,
                "meta label",
            )?;
            let value_height = self.text_box(
                block,
                value,
                value_style,
                value_x,
                CONTENT_RIGHT,
                y,
                Align::Left,
                "meta value",
            )?;
            y += label_height.max(value_height);
        }
        Ok(y - top)
    }

    fn wrap(
        &self,
        text: &str,
        style: TextStyle,
        width: f32,
        context: &str,
    ) -> Result<Vec<Line>, RenderError> {
        wrap(self.fonts, style.style, style.size, text, width)
            .map_err(|character| missing(character, context, text))
    }

    fn width(&self, text: &str, style: FontStyle, size: f32, context: &str) -> Result<f32, RenderError> {
        text_width(self.fonts, style, size, text).map_err(|character| missing(character, context, text))
    }

    /// Sets `text` wrapped between `left` and `right` into `block`, from `top` (relative to the
    /// block), and returns the height used.
    #[allow(clippy::too_many_arguments)] // a text box is text + style + four edges + context.
    fn text_box(
        &self,
        block: &mut Block,
        text: &str,
        style: TextStyle,
        left: f32,
        right: f32,
        top: f32,
        align: Align,
        context: &str,
    ) -> Result<f32, RenderError> {
        let lines = self.wrap(text, style, right - left, context)?;
        let mut line_top = top;
        for line in lines {
            let x = match align {
                Align::Left => left,
                Align::Right => right - line.width,
            };
            block.texts.push(TextRun {
                x,
                baseline: baseline_in(line_top, style.leading, style.size),
                width: line.width,
                size: style.size,
                style: style.style,
                color: style.color,
                text: line.text,
            });
            line_top += style.leading;
        }
        Ok(line_top - top)
    }
}

fn missing(character: char, context: &str, text: &str) -> RenderError {
    const MAX_QUOTED: usize = 80;
    let quoted: String = text.chars().take(MAX_QUOTED).collect();
    let ellipsis = if text.chars().count() > MAX_QUOTED { "…" } else { "" };
    RenderError::MissingGlyph { character, context: format!("{context} {quoted:?}{ellipsis}") }
}

/// Lays out `view` on A4 pages.
///
/// # Errors
/// [`RenderError::MissingGlyph`] for a character outside the font repertoire,
/// [`RenderError::RowTooTall`] for a table row taller than a page,
/// [`RenderError::TooManyPages`] past [`MAX_PAGES`].
pub fn layout(view: &DocumentView, fonts: &FontSet) -> Result<Vec<PageLayout>, RenderError> {
    let head = format!("{} N° {} (suite)", view.kind_title, view.number);
    let footer = format!("{} N° {}", view.kind_title, view.number);
    let mut composer = Composer::new(fonts, &head, footer, view.draft_watermark.clone())?;
    composer.first_page_header(view)?;
    composer.table(view)?;
    composer.totals(view)?;
    composer.mentions(&view.mentions)?;
    composer.annex(view)?;
    composer.finish()
}

/// Builds the pages top to bottom, with a cursor `y` on the last page.
pub(crate) struct Composer<'a> {
    typesetter: Typesetter<'a>,
    pages: Vec<PageLayout>,
    y: f32,
    /// The table header, repeated on every page while the table is being laid out.
    repeated_header: Option<Block>,
    running_head: Block,
    /// The text at the left of every page's footer.
    footer: String,
    /// The draft watermark, if any.
    draft_watermark: Option<String>,
}

impl<'a> Composer<'a> {
    /// A composer whose continuation pages start with `head` and whose pages end with `footer` and `page N/M`.
    pub(crate) fn new(
        fonts: &'a FontSet,
        head: &str,
        footer: String,
        draft_watermark: Option<String>,
    ) -> Result<Self, RenderError> {
        let typesetter = Typesetter { fonts };
        let mut running_head = Block { height: RUNNING_HEAD_HEIGHT, ..Block::default() };
        let style = TextStyle::new(FontStyle::Regular, 7.5, 9.0, MUTED);
        typesetter.text_box(
            &mut running_head,
            head,
            style,
            MARGIN_LEFT,
            CONTENT_RIGHT,
            0.0,
            Align::Left,
            "running head",
        )?;
        running_head.rules.push(Rule {
            x1: MARGIN_LEFT,
            y1: RUNNING_HEAD_HEIGHT - 8.0,
            x2: CONTENT_RIGHT,
            y2: RUNNING_HEAD_HEIGHT - 8.0,
            thickness: 0.4,
            color: RULE,
        });
        Ok(Composer {
            typesetter,
            pages: vec![PageLayout::default()],
            y: MARGIN_TOP,
            repeated_header: None,
            running_head,
            footer,
            draft_watermark,
        })
    }

    fn page(&mut self) -> &mut PageLayout {
        if self.pages.is_empty() {
            self.pages.push(PageLayout::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Moves `block` onto the current page at the cursor and moves the cursor below it.
    fn place(&mut self, block: Block) {
        let dy = self.y;
        let page = self.page();
        page.texts.extend(block.texts.into_iter().map(|run| TextRun { baseline: run.baseline + dy, ..run }));
        page.rects.extend(block.rects.into_iter().map(|rect| FilledRect { top: rect.top + dy, ..rect }));
        page.rules.extend(block.rules.into_iter().map(|rule| Rule {
            y1: rule.y1 + dy,
            y2: rule.y2 + dy,
            ..rule
        }));
        self.y += block.height;
    }

    fn new_page(&mut self) -> Result<(), RenderError> {
        if self.pages.len() >= MAX_PAGES {
            return Err(RenderError::TooManyPages { limit: MAX_PAGES });
        }
        self.pages.push(PageLayout::default());
        self.y = MARGIN_TOP;
        self.place(self.running_head.clone());
        if let Some(header) = &self.repeated_header {
            self.place(header.clone());
        }
        Ok(())
    }

    /// The height available for content on a fresh continuation page.
    fn fresh_page_height(&self) -> f32 {
        let header = self.repeated_header.as_ref().map_or(0.0, |block| block.height);
        BODY_BOTTOM - MARGIN_TOP - RUNNING_HEAD_HEIGHT - header
    }

    /// Starts a new page unless `height` fits under the cursor; refuses a block that cannot
    /// fit even on a fresh page.
    fn ensure(&mut self, height: f32, context: &str) -> Result<(), RenderError> {
        if self.y + height <= BODY_BOTTOM {
            return Ok(());
        }
        let available = self.fresh_page_height();
        if height > available {
            return Err(RenderError::RowTooTall {
                context: context.to_owned(),
                height_pt: height.ceil() as u32,
                available_pt: available.floor() as u32,
            });
        }
        self.new_page()
    }

    /// Letterhead, recipient, title, number and the label/value list.
    fn first_page_header(&mut self, view: &DocumentView) -> Result<(), RenderError> {
        let mut block = Block::default();
        let issuer_bottom =
            self.party(&mut block, &view.issuer, MARGIN_LEFT, LETTERHEAD_WIDTH, 0.0, "issuer")?;
        let recipient_top = RECIPIENT_TOP - MARGIN_TOP;
        let recipient_width = CONTENT_RIGHT - RECIPIENT_X;
        let recipient_bottom = self.party(
            &mut block,
            &view.recipient,
            RECIPIENT_X,
            recipient_width,
            recipient_top,
            "recipient",
        )?;

        let mut y = issuer_bottom.max(recipient_bottom) + 24.0;
        let title = TextStyle::new(FontStyle::Bold, 16.0, 18.0, INK);
        let set = &self.typesetter;
        y += set.text_box(
            &mut block,
            &view.kind_title,
            title,
            MARGIN_LEFT,
            CONTENT_RIGHT,
            y,
            Align::Left,
            "title",
        )?;
        let number = TextStyle::new(FontStyle::Bold, 10.5, 14.0, INK);
        let number_text = format!("N° {}", view.number);
        y += 2.0;
        y += set.text_box(
            &mut block,
            &number_text,
            number,
            MARGIN_LEFT,
            CONTENT_RIGHT,
            y,
            Align::Left,
            "number",
        )?;
        y += 10.0;

        y += set.meta_rows(&mut block, &view.meta, y)?;
        block.height = y + 14.0;
        self.place(block);
        Ok(())
    }

    /// Sets a party block (bold name, lines under it) and returns its bottom.
    #[allow(clippy::too_many_arguments)] // the party and where it goes.
    fn party(
        &self,
        block: &mut Block,
        party: &super::view::PartyBlock,
        left: f32,
        width: f32,
        top: f32,
        context: &str,
    ) -> Result<f32, RenderError> {
        let name = TextStyle::new(FontStyle::Bold, 10.0, 13.0, INK);
        let line = TextStyle::new(FontStyle::Regular, 9.0, 11.5, INK);
        let right = left + width;
        let set = &self.typesetter;
        let mut y = top + set.text_box(block, &party.name, name, left, right, top, Align::Left, context)?;
        for text in &party.lines {
            y += set.text_box(block, text, line, left, right, y, Align::Left, context)?;
        }
        Ok(y)
    }

    /// The lines table: header, then rows, repeating the header after each page break.
    fn table(&mut self, view: &DocumentView) -> Result<(), RenderError> {
        if view.lines.is_empty() {
            return Ok(());
        }
        let header = self.table_header()?;
        let rows = view
            .lines
            .iter()
            .enumerate()
            .map(|(index, line)| self.table_row(index, line))
            .collect::<Result<Vec<_>, _>>()?;
        self.ensure(header.height + rows.first().map_or(0.0, |row| row.height), "the table header")?;
        self.repeated_header = Some(header.clone());
        self.place(header);
        let heights: Vec<f32> = rows.iter().map(|row| row.height).collect();
        for (index, row) in rows.into_iter().enumerate() {
            let mut needed = row.height;
            // Keep a group heading with the row after it.
            if matches!(view.lines.get(index), Some(LineView::Group { .. }))
                && let Some(next) = heights.get(index + 1)
                && row.height + next <= self.fresh_page_height()
            {
                needed += next;
            }
            self.ensure(needed, &format!("table row {}", index + 1))?;
            self.place(row);
        }
        self.repeated_header = None;
        Ok(())
    }

    fn table_header(&self) -> Result<Block, RenderError> {
        let style = TextStyle::new(FontStyle::Bold, 8.0, 10.0, INK);
        let mut block = Block::default();
        let mut left = MARGIN_LEFT;
        let mut height: f32 = 0.0;
        for (title, width, align) in COLUMNS {
            let used = self.typesetter.text_box(
                &mut block,
                title,
                style,
                left + CELL_PADDING_X,
                left + width - CELL_PADDING_X,
                CELL_PADDING_Y + 1.0,
                align,
                "table header",
            )?;
            height = height.max(used);
            left += width;
        }
        block.height = height + 2.0 * (CELL_PADDING_Y + 1.0);
        block.rects.push(FilledRect {
            x: MARGIN_LEFT,
            top: 0.0,
            width: CONTENT_WIDTH,
            height: block.height,
            color: HEADER_FILL,
        });
        block.rules.push(horizontal_rule(block.height, MARGIN_LEFT, CONTENT_RIGHT, 0.8, STRONG_RULE));
        Ok(block)
    }

    fn table_row(&self, index: usize, line: &LineView) -> Result<Block, RenderError> {
        let regular = TextStyle::new(FontStyle::Regular, TABLE_SIZE, TABLE_LEADING, INK);
        let bold = TextStyle::new(FontStyle::Bold, TABLE_SIZE, TABLE_LEADING, INK);
        let set = &self.typesetter;
        let mut block = Block::default();
        let top = CELL_PADDING_Y;
        let context = format!("table row {}", index + 1);
        let content_height = match line {
            LineView::Group { title } => {
                let style = TextStyle::new(FontStyle::Bold, 9.0, 11.0, INK);
                let left = MARGIN_LEFT + CELL_PADDING_X;
                set.text_box(
                    &mut block,
                    title,
                    style,
                    left,
                    CONTENT_RIGHT - CELL_PADDING_X,
                    top + 2.0,
                    Align::Left,
                    &context,
                )? + 4.0
            }
            LineView::Item { description, basis, quantity, unit_price, amount } => {
                let cells = [description, basis, quantity, unit_price, amount];
                let mut left = MARGIN_LEFT;
                let mut height: f32 = 0.0;
                for ((_, width, align), text) in COLUMNS.iter().zip(cells) {
                    let (cell_left, cell_right) = (left + CELL_PADDING_X, left + width - CELL_PADDING_X);
                    height =
                        height.max(set.text_box(
                            &mut block, text, regular, cell_left, cell_right, top, *align, &context,
                        )?);
                    left += width;
                }
                height
            }
            LineView::Subtotal { label, amount } => {
                let amount_left = CONTENT_RIGHT - COLUMNS[4].1;
                let label_right = amount_left - CELL_PADDING_X;
                let label_height = set.text_box(
                    &mut block,
                    label,
                    bold,
                    MARGIN_LEFT + CELL_PADDING_X,
                    label_right,
                    top,
                    Align::Right,
                    &context,
                )?;
                let amount_height = set.text_box(
                    &mut block,
                    amount,
                    bold,
                    amount_left + CELL_PADDING_X,
                    CONTENT_RIGHT - CELL_PADDING_X,
                    top,
                    Align::Right,
                    &context,
                )?;
                label_height.max(amount_height)
            }
        };
        block.height = content_height + 2.0 * CELL_PADDING_Y;
        match line {
            LineView::Group { .. } => {
                block.rects.push(FilledRect {
                    x: MARGIN_LEFT,
                    top: 0.0,
                    width: CONTENT_WIDTH,
                    height: block.height,
                    color: GROUP_FILL,
                });
                block.rules.push(horizontal_rule(block.height, MARGIN_LEFT, CONTENT_RIGHT, 0.4, RULE));
            }
            LineView::Item { .. } => {
                block.rules.push(horizontal_rule(block.height, MARGIN_LEFT, CONTENT_RIGHT, 0.4, RULE));
            }
            LineView::Subtotal { .. } => {
                block.rules.push(horizontal_rule(block.height, MARGIN_LEFT, CONTENT_RIGHT, 0.8, STRONG_RULE));
            }
        }
        Ok(block)
    }

    /// The totals box, right-aligned, kept together.
    fn totals(&mut self, view: &DocumentView) -> Result<(), RenderError> {
        if view.totals.is_empty() {
            return Ok(());
        }
        let left = CONTENT_RIGHT - TOTALS_WIDTH;
        let label_right = left + TOTALS_WIDTH * 0.55;
        let mut block = Block::default();
        let mut y = 14.0;
        let box_top = y;
        for (index, total) in view.totals.iter().enumerate() {
            let style = if total.emphasis {
                TextStyle::new(FontStyle::Bold, 10.0, 12.5, INK)
            } else {
                TextStyle::new(FontStyle::Regular, 9.0, 11.5, INK)
            };
            let padding = if total.emphasis { 5.0 } else { 3.5 };
            let context = format!("total {}", index + 1);
            let set = &self.typesetter;
            let row_top = y;
            let label_height = set.text_box(
                &mut block,
                &total.label,
                style,
                left + 6.0,
                label_right,
                y + padding,
                Align::Left,
                &context,
            )?;
            let amount_height = set.text_box(
                &mut block,
                &total.amount,
                style,
                label_right + 4.0,
                CONTENT_RIGHT - 6.0,
                y + padding,
                Align::Right,
                &context,
            )?;
            y += label_height.max(amount_height) + 2.0 * padding;
            if total.emphasis {
                block.rects.push(FilledRect {
                    x: left,
                    top: row_top,
                    width: TOTALS_WIDTH,
                    height: y - row_top,
                    color: HEADER_FILL,
                });
            }
            if index + 1 < view.totals.len() {
                block.rules.push(horizontal_rule(y, left, CONTENT_RIGHT, 0.4, RULE));
            }
        }
        block.rules.extend(frame(left, box_top, CONTENT_RIGHT, y, 0.8, STRONG_RULE));
        block.height = y;
        self.ensure(block.height, "the totals box")?;
        self.place(block);
        Ok(())
    }

    /// The legal mentions, in small type, breaking pages between lines if needed.
    pub(crate) fn mentions(&mut self, mentions: &[String]) -> Result<(), RenderError> {
        if mentions.is_empty() {
            return Ok(());
        }
        self.y += 16.0;
        let style = TextStyle::new(FontStyle::Regular, 7.5, 9.5, INK);
        for (index, mention) in mentions.iter().enumerate() {
            let lines =
                self.typesetter.wrap(mention, style, CONTENT_WIDTH, &format!("mention {}", index + 1))?;
            self.paragraph(lines, style, MARGIN_LEFT, 0.0, 0.0)?;
            self.y += 3.5;
        }
        Ok(())
    }

    /// Places a wrapped paragraph, first line at `x`, the others indented by `hang`. The
    /// paragraph moves to a new page whole when it does not fit (with `keep_before` points of
    /// preceding material, e.g. its heading) but would fit on a fresh page; a paragraph longer
    /// than a page breaks between lines.
    fn paragraph(
        &mut self,
        lines: Vec<Line>,
        style: TextStyle,
        x: f32,
        hang: f32,
        keep_before: f32,
    ) -> Result<(), RenderError> {
        let height = lines.len() as f32 * style.leading;
        if keep_before + height <= self.fresh_page_height() {
            self.ensure(keep_before + height, "a paragraph")?;
        }
        for (number, line) in lines.into_iter().enumerate() {
            self.line(line, style, if number == 0 { x } else { x + hang })?;
        }
        Ok(())
    }

    /// Places one already-wrapped line at the cursor, breaking the page if needed.
    fn line(&mut self, line: Line, style: TextStyle, x: f32) -> Result<(), RenderError> {
        self.ensure(style.leading, "a line of text")?;
        let baseline = baseline_in(self.y, style.leading, style.size);
        self.page().texts.push(TextRun {
            x,
            baseline,
            width: line.width,
            size: style.size,
            style: style.style,
            color: style.color,
            text: line.text,
        });
        self.y += style.leading;
        Ok(())
    }

    /// The calculation detail, from a new page.
    fn annex(&mut self, view: &DocumentView) -> Result<(), RenderError> {
        let Some(annex) = &view.annex else {
            return Ok(());
        };
        self.new_page()?;
        let title = TextStyle::new(FontStyle::Bold, 13.0, 16.0, INK);
        for line in self.typesetter.wrap(&annex.title, title, CONTENT_WIDTH, "annex title")? {
            self.line(line, title, MARGIN_LEFT)?;
        }
        let rule_y = self.y + 3.0;
        self.page().rules.push(horizontal_rule(rule_y, MARGIN_LEFT, CONTENT_RIGHT, 0.8, STRONG_RULE));
        self.y += 12.0;

        let heading = TextStyle::new(FontStyle::Bold, 9.5, 12.5, INK);
        let body = TextStyle::new(FontStyle::Regular, 8.5, 11.0, INK);
        for (index, section) in annex.sections.iter().enumerate() {
            let context = format!("annex section {}", index + 1);
            let heading_lines = self.typesetter.wrap(&section.heading, heading, CONTENT_WIDTH, &context)?;
            let heading_height = heading_lines.len() as f32 * heading.leading + HEADING_GAP;
            // Each entry is a paragraph with a hanging indent, so a wrapped entry reads as one.
            let entry_width = CONTENT_WIDTH - ANNEX_INDENT - ANNEX_HANG;
            let entries = section
                .lines
                .iter()
                .map(|text| self.typesetter.wrap(text, body, entry_width, &context))
                .collect::<Result<Vec<_>, _>>()?;
            // Keep the heading with its first entry (or at least that entry's first line).
            let first_entry = entries.first().map_or(0.0, |lines| lines.len() as f32 * body.leading);
            let keep = if heading_height + first_entry <= self.fresh_page_height() {
                heading_height + first_entry
            } else {
                heading_height + body.leading
            };
            self.ensure(keep, &context)?;
            for line in heading_lines {
                self.line(line, heading, MARGIN_LEFT)?;
            }
            self.y += HEADING_GAP;
            for lines in entries {
                self.paragraph(lines, body, MARGIN_LEFT + ANNEX_INDENT, ANNEX_HANG, 0.0)?;
                self.y += 2.0;
            }
            self.y += 7.0;
        }
        Ok(())
    }

    /// Adds footers (they need the page count) and watermarks, and returns the pages.
    pub(crate) fn finish(mut self) -> Result<Vec<PageLayout>, RenderError> {
        let watermark = match &self.draft_watermark {
            Some(text) => Some(self.watermark(text)?),
            None => None,
        };
        let count = self.pages.len();
        let style = TextStyle::new(FontStyle::Regular, 7.5, 9.0, MUTED);
        let left_text = self.footer.clone();
        let left_width = self.typesetter.width(&left_text, style.style, style.size, "footer")?;
        for (index, page) in self.pages.iter_mut().enumerate() {
            let right_text = format!("page {}/{count}", index + 1);
            let right_width = self.typesetter.width(&right_text, style.style, style.size, "footer")?;
            page.rules.push(horizontal_rule(FOOTER_RULE_Y, MARGIN_LEFT, CONTENT_RIGHT, 0.4, RULE));
            for (text, x, width) in [
                (left_text.clone(), MARGIN_LEFT, left_width),
                (right_text, CONTENT_RIGHT - right_width, right_width),
            ] {
                page.texts.push(TextRun {
                    x,
                    baseline: FOOTER_BASELINE,
                    width,
                    size: style.size,
                    style: style.style,
                    color: style.color,
                    text,
                });
            }
            page.watermark.clone_from(&watermark);
        }
        Ok(self.pages)
    }

    /// A diagonal watermark, as large as fits along the page diagonal (at most 110 pt).
    fn watermark(&self, text: &str) -> Result<Watermark, RenderError> {
        let em_width = self.typesetter.width(text, FontStyle::Bold, 1.0, "watermark")?;
        let diagonal = (PAGE_WIDTH * PAGE_WIDTH + PAGE_HEIGHT * PAGE_HEIGHT).sqrt();
        let size = if em_width > 0.0 { (diagonal * 0.6 / em_width).min(110.0) } else { 110.0 };
        Ok(Watermark {
            text: text.to_owned(),
            size,
            width: em_width * size,
            center_x: PAGE_WIDTH / 2.0,
            center_y: PAGE_HEIGHT / 2.0,
            angle_degrees: (PAGE_HEIGHT / PAGE_WIDTH).atan().to_degrees(),
            color: WATERMARK,
        })
    }
}

fn horizontal_rule(y: f32, x1: f32, x2: f32, thickness: f32, color: Rgb) -> Rule {
    Rule { x1, y1: y, x2, y2: y, thickness, color }
}

/// The four sides of a rectangle.
fn frame(left: f32, top: f32, right: f32, bottom: f32, thickness: f32, color: Rgb) -> [Rule; 4] {
    [
        horizontal_rule(top, left, right, thickness, color),
        horizontal_rule(bottom, left, right, thickness, color),
        Rule { x1: left, y1: top, x2: left, y2: bottom, thickness, color },
        Rule { x1: right, y1: top, x2: right, y2: bottom, thickness, color },
    ]
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use chrono::NaiveDate;

    use super::*;
    use crate::view::{AnnexSection, AnnexView, DocumentMetadata, PartyBlock, TotalView};

    static FONTS: LazyLock<FontSet> = LazyLock::new(|| FontSet::dejavu().expect("DejaVu Sans loads"));

    fn width(text: &str, size: f32) -> f32 {
        text_width(&FONTS, FontStyle::Regular, size, text).expect("measurable")
    }

    fn lines(text: &str, max_width: f32) -> Vec<String> {
        wrap(&FONTS, FontStyle::Regular, 10.0, text, max_width)
            .expect("wraps")
            .into_iter()
            .map(|line| line.text)
            .collect()
    }

    #[test]
    fn wrapping() {
        // (text, the width is that of this text at 10 pt, plus this many points, expected lines)
        let cases: &[(&str, &str, f32, &[&str])] = &[
            ("", "x", 0.0, &[""]),
            ("Montant total", "Montant total", 0.0, &["Montant total"]),
            ("un deux trois", "un deux", 0.0, &["un deux", "trois"]),
            ("un deux trois", "un deux", -0.1, &["un", "deux", "trois"]),
            ("un    deux", "un deux", 0.0, &["un deux"]),
            ("  un deux  ", "un deux", 0.0, &["un deux"]),
            ("un\ndeux", "un deux trois", 0.0, &["un", "deux"]),
            ("un\n\ndeux", "un deux trois", 0.0, &["un", "", "deux"]),
            ("1\u{202f}234,56\u{a0}€ dû", "1\u{202f}234,56\u{a0}€", 0.5, &["1\u{202f}234,56\u{a0}€", "dû"]),
            ("0000000000", "0000", 0.0, &["0000", "0000", "00"]),
            ("0000000000 1", "0000", 0.0, &["0000", "0000", "00 1"]),
            ("a 0000000000", "0000", 0.0, &["a", "0000", "0000", "00"]),
            ("000", "", 0.0, &["0", "0", "0"]),
        ];
        for &(text, width_of, extra, expected) in cases {
            let max_width = width(width_of, 10.0) + extra;
            assert_eq!(lines(text, max_width), expected, "wrapping {text:?} in {max_width} pt");
        }
    }

    #[test]
    fn wrapped_lines_fit_and_keep_every_word() {
        let text = "Instruction des demandes d'autorisation d'urbanisme (permis de construire, permis \
                    d'aménager, déclarations préalables) pour le compte de la commune, 2e semestre 2025";
        let widest_word = text.split(' ').map(|word| width(word, 8.5)).fold(0.0, f32::max);
        for max_width in [30.0, 45.0, widest_word, 120.0, 165.0, 300.0] {
            let wrapped = wrap(&FONTS, FontStyle::Regular, 8.5, text, max_width).expect("wraps");
            for line in &wrapped {
                assert!(line.width <= max_width + 0.01, "{line:?} wider than {max_width}");
                assert!(
                    (line.width - text_width(&FONTS, FontStyle::Regular, 8.5, &line.text).expect("w")).abs()
                        < 0.01
                );
            }
            let rejoined: Vec<String> = wrapped.iter().map(|line| line.text.clone()).collect();
            let without_spaces = |text: &str| text.replace(' ', "");
            assert_eq!(without_spaces(&rejoined.concat()), without_spaces(text), "at {max_width} pt");
            if max_width >= widest_word {
                // No word is broken: the lines rejoined with spaces give back the text.
                assert_eq!(rejoined.join(" "), text, "at {max_width} pt");
            }
        }
    }

    #[test]
    fn table_headers_fit_on_one_line() {
        let style = TextStyle::new(FontStyle::Bold, 8.0, 10.0, INK);
        for (title, column_width, _) in COLUMNS {
            let header_width = text_width(&FONTS, style.style, style.size, title).expect("w");
            assert!(header_width <= column_width - 2.0 * CELL_PADDING_X, "{title} is {header_width} pt");
        }
        let widest_amount = width("9\u{202f}999\u{202f}999,99\u{a0}€", TABLE_SIZE);
        assert!(widest_amount <= COLUMNS[4].1 - 2.0 * CELL_PADDING_X, "{widest_amount}");
    }

    #[test]
    fn wrapping_reports_the_missing_character() {
        assert_eq!(wrap(&FONTS, FontStyle::Bold, 9.0, "prix 漢字", 100.0), Err('漢'));
    }

    fn view(items: usize, annex: bool) -> DocumentView {
        let mut lines = Vec::new();
        for index in 0..items {
            if index % 10 == 0 {
                lines.push(LineView::Group { title: format!("Dispositif {}", index / 10 + 1) });
            }
            lines.push(LineView::Item {
                description: format!("Prestation {} : impressions et façonnage du catalogue", index + 1),
                basis: "Nombre de pages × prix du catalogue".into(),
                quantity: format!("Q{}", index + 1),
                unit_price: "0,05\u{a0}€".into(),
                amount: format!("{},00\u{a0}€", index + 1),
            });
        }
        DocumentView {
            kind_title: "FACTURE".into(),
            number: "FAC-MEL-2026-00042".into(),
            draft_watermark: None,
            issuer: PartyBlock {
                name: "Métropole Européenne de Lille".into(),
                lines: vec!["59040 Lille Cedex".into()],
            },
            recipient: PartyBlock { name: "Commune de Lomme".into(), lines: vec!["59160 Lomme".into()] },
            meta: vec![("Date d'émission".into(), "15 janvier 2026".into())],
            lines,
            totals: vec![TotalView {
                label: "Net à payer".into(),
                amount: "1\u{202f}234,56\u{a0}€".into(),
                emphasis: true,
            }],
            mentions: vec!["TVA non applicable – article 256 B du CGI.".into()],
            annex: annex.then(|| AnnexView {
                title: "Détail du calcul".into(),
                sections: vec![AnnexSection {
                    heading: "Impressions".into(),
                    lines: vec!["12 000 pages × 0,05 €".into()],
                }],
            }),
            metadata: DocumentMetadata {
                title: "Facture".into(),
                author: "MEL".into(),
                subject: String::new(),
                keywords: vec![],
                creation_date: NaiveDate::from_ymd_opt(2026, 1, 15)
                    .and_then(|date| date.and_hms_opt(0, 0, 0))
                    .expect("valid date"),
                language: "fr-FR".into(),
            },
        }
    }

    fn page_of(pages: &[PageLayout], text: &str) -> usize {
        let found: Vec<usize> = pages
            .iter()
            .enumerate()
            .filter(|(_, page)| !page.find_texts(text).is_empty())
            .map(|(i, _)| i)
            .collect();
        assert_eq!(found.len(), 1, "{text:?} should be on exactly one page, found on {found:?}");
        found[0]
    }

    #[test]
    fn numeric_columns_are_right_aligned() {
        let pages = layout(&view(3, false), &FONTS).expect("lays out");
        let amount_right = CONTENT_RIGHT - CELL_PADDING_X;
        let quantity_right = MARGIN_LEFT + COLUMNS[0].1 + COLUMNS[1].1 + COLUMNS[2].1 - CELL_PADDING_X;
        for index in 1..=3 {
            let amount = pages[0].find_texts(&format!("{index},00\u{a0}€")).first().copied().expect("amount");
            assert!((amount.x + amount.width - amount_right).abs() < 0.01, "{amount:?}");
            let quantity = pages[0].find_texts(&format!("Q{index}")).first().copied().expect("quantity");
            assert!((quantity.x + quantity.width - quantity_right).abs() < 0.01, "{quantity:?}");
            let description = pages[0]
                .texts
                .iter()
                .find(|run| run.text.starts_with(&format!("Prestation {index} ")))
                .expect("d");
            assert!((description.x - (MARGIN_LEFT + CELL_PADDING_X)).abs() < 0.01);
        }
        let header = pages[0].find_texts("Montant").first().copied().expect("header");
        assert!((header.x + header.width - amount_right).abs() < 0.01);
        let footer = pages[0].find_texts("page 1/1").first().copied().expect("footer");
        assert!((footer.x + footer.width - CONTENT_RIGHT).abs() < 0.01);
    }

    #[test]
    fn recipient_sits_in_the_envelope_window() {
        let pages = layout(&view(1, false), &FONTS).expect("lays out");
        let name = pages[0].find_texts("Commune de Lomme").first().copied().expect("recipient");
        assert!((name.x - RECIPIENT_X).abs() < 0.01);
        assert!((RECIPIENT_TOP..RECIPIENT_TOP + 15.0).contains(&name.baseline), "{name:?}");
        let issuer = pages[0].find_texts("Métropole Européenne de Lille").first().copied().expect("issuer");
        assert_eq!(issuer.style, FontStyle::Bold);
        assert!(issuer.baseline < 70.0 && (issuer.x - MARGIN_LEFT).abs() < 0.01);
    }

    #[test]
    fn sixty_lines_paginate_with_repeated_header_and_unsplit_rows() {
        let pages = layout(&view(60, false), &FONTS).expect("lays out");
        let count = pages.len();
        assert!(count >= 2, "60 lines need at least two pages, got {count}");
        for (index, page) in pages.iter().enumerate() {
            assert_eq!(
                page.find_texts(&format!("page {}/{count}", index + 1)).len(),
                1,
                "footer on page {index}"
            );
            assert_eq!(page.find_texts("FACTURE N° FAC-MEL-2026-00042").len(), 1, "number in footer");
            for run in &page.texts {
                let in_footer = run.baseline == FOOTER_BASELINE;
                assert!(in_footer || run.baseline < BODY_BOTTOM, "{run:?} runs into the footer");
            }
            let has_rows = page.texts.iter().any(|run| run.text.starts_with("Prestation "));
            if has_rows {
                let headers = page.find_texts("Désignation");
                assert_eq!(headers.len(), 1, "one table header on page {}", index + 1);
                let header_baseline = headers[0].baseline;
                for column in ["Base de liquidation", "Quantité", "Prix unitaire", "Montant"] {
                    assert_eq!(page.find_texts(column).len(), 1);
                }
                assert!(
                    page.texts
                        .iter()
                        .filter(|run| run.text.starts_with("Prestation "))
                        .all(|run| run.baseline > header_baseline)
                );
            }
        }
        // Every cell of a row is on the row's page: description, quantity, amount.
        for index in 1..=60 {
            let quantity_page = page_of(&pages, &format!("Q{index}"));
            assert_eq!(page_of(&pages, &format!("{index},00\u{a0}€")), quantity_page);
            let description_pages: Vec<usize> = pages
                .iter()
                .enumerate()
                .filter(|(_, page)| {
                    page.texts.iter().any(|run| run.text.starts_with(&format!("Prestation {index} ")))
                })
                .map(|(page, _)| page)
                .collect();
            assert_eq!(description_pages, [quantity_page], "row {index}");
        }
        // A group heading is never the last row of a page: its first item follows on the same page.
        for group in 0..6 {
            let heading_page = page_of(&pages, &format!("Dispositif {}", group + 1));
            assert_eq!(page_of(&pages, &format!("Q{}", group * 10 + 1)), heading_page);
        }
        // Continuation pages carry the running head.
        for page in &pages[1..] {
            assert_eq!(page.find_texts("FACTURE N° FAC-MEL-2026-00042 (suite)").len(), 1);
        }
    }

    #[test]
    fn annex_starts_on_a_new_page_and_watermark_is_on_every_page() {
        let mut draft = view(12, true);
        draft.draft_watermark = Some("PROJET".into());
        let pages = layout(&draft, &FONTS).expect("lays out");
        let annex_page = page_of(&pages, "Détail du calcul");
        let totals_page = page_of(&pages, "Net à payer");
        assert!(annex_page > totals_page);
        assert_eq!(annex_page, pages.len() - 1);
        assert_eq!(pages[annex_page].find_texts("Désignation").len(), 0);
        assert_eq!(
            pages[annex_page].find_texts("Impressions").first().copied().map(|run| run.style),
            Some(FontStyle::Bold)
        );
        for page in &pages {
            let watermark = page.watermark.as_ref().expect("watermark on every page");
            assert_eq!(watermark.text, "PROJET");
            assert!(watermark.width < PAGE_HEIGHT && watermark.size <= 110.0);
        }
        assert!(
            layout(&view(12, true), &FONTS).expect("lays out").iter().all(|page| page.watermark.is_none())
        );
    }

    #[test]
    fn group_headings_stay_with_their_first_row() {
        // Shifting the table down a line at a time puts some heading at the foot of page 1.
        for extra_meta in 0..24 {
            let mut document = view(40, false);
            document.meta.extend((0..extra_meta).map(|index| (format!("Référence {index}"), "x".to_owned())));
            let pages = layout(&document, &FONTS).expect("lays out");
            for group in 0..4 {
                let heading_page = page_of(&pages, &format!("Dispositif {}", group + 1));
                let first_row_page = page_of(&pages, &format!("Q{}", group * 10 + 1));
                assert_eq!(
                    heading_page,
                    first_row_page,
                    "group {} with {extra_meta} extra meta lines",
                    group + 1
                );
            }
        }
    }

    #[test]
    fn mention_paragraphs_move_to_the_next_page_whole() {
        let paragraph =
            |word: &str| (1..=70).map(|index| format!("{word}{index}")).collect::<Vec<_>>().join(" ");
        let mut straddled = false;
        for items in 10..=30 {
            let mut document = view(items, false);
            document.mentions = vec![paragraph("Alpha"), paragraph("Beta"), paragraph("Gamma")];
            let pages = layout(&document, &FONTS).expect("lays out");
            for word in ["Alpha", "Beta", "Gamma"] {
                let mut on_pages: Vec<usize> = pages
                    .iter()
                    .enumerate()
                    .filter(|(_, page)| page.texts.iter().any(|run| run.text.contains(word)))
                    .map(|(index, _)| index)
                    .collect();
                on_pages.dedup();
                assert_eq!(on_pages.len(), 1, "{word} split across pages {on_pages:?} with {items} items");
            }
            let first_page = |word: &str| {
                pages.iter().position(|page| page.texts.iter().any(|run| run.text.contains(word)))
            };
            straddled |= first_page("Alpha") != first_page("Gamma");
        }
        assert!(straddled, "some item count must push a paragraph to the next page");
    }

    #[test]
    fn an_empty_document_is_one_page_with_its_header_and_footer() {
        let mut empty = view(0, false);
        empty.lines.clear();
        empty.totals.clear();
        empty.mentions.clear();
        empty.meta.clear();
        empty.issuer.lines.clear();
        let pages = layout(&empty, &FONTS).expect("lays out");
        assert_eq!(pages.len(), 1);
        assert_eq!(pages[0].find_texts("FACTURE").len(), 1);
        assert_eq!(pages[0].find_texts("page 1/1").len(), 1);
        assert!(pages[0].find_texts("Désignation").is_empty(), "no table without lines");
    }

    #[test]
    fn a_row_taller_than_a_page_is_an_error() {
        let mut tall = view(2, false);
        tall.lines.push(LineView::Item {
            description: vec!["ligne"; 90].join("\n"),
            basis: String::new(),
            quantity: "1".into(),
            unit_price: String::new(),
            amount: String::new(),
        });
        match layout(&tall, &FONTS) {
            Err(RenderError::RowTooTall { context, height_pt, available_pt }) => {
                assert!(context.contains("row"), "{context}");
                assert!(height_pt > available_pt);
            }
            other => panic!("expected RowTooTall, got {other:?}"),
        }
    }

    #[test]
    fn page_count_is_bounded() {
        let huge = view(15_000, false);
        assert_eq!(layout(&huge, &FONTS), Err(RenderError::TooManyPages { limit: MAX_PAGES }));
    }
}
