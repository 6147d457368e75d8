//! Layout of a [`NoticeView`]: a letter (letterhead, recipients, title, label/value pairs, paragraphs), sections
//! with tables of the caller's columns, a signature block and mentions, on the same pages, fonts and pagination
//! rules as a document: the header of a table is repeated on every page it continues on, a row is never split,
//! a heading row or a section heading is kept with what follows it, and every page gets the footer and
//! `page N/M`.
#![allow(clippy::float_arithmetic)] // geometry in f32 points is not money; amounts are strings here.

use super::{
    Align, Block, CELL_PADDING_X, CELL_PADDING_Y, CONTENT_RIGHT, CONTENT_WIDTH, Composer, FilledRect,
    GROUP_FILL, HEADER_FILL, HEADING_GAP, INK, LETTERHEAD_WIDTH, MARGIN_LEFT, MARGIN_TOP, PageLayout,
    RECIPIENT_TOP, RECIPIENT_X, RULE, STRONG_RULE, TABLE_LEADING, TABLE_SIZE, TextStyle, horizontal_rule,
};
use crate::RenderError;
use crate::font::{FontSet, FontStyle};
use crate::view::{CellAlign, NoticeSection, NoticeView, RowStyle, RowView, TableView};

const BODY: TextStyle = TextStyle::new(FontStyle::Regular, 9.0, 12.5, INK);
const SECTION_HEADING: TextStyle = TextStyle::new(FontStyle::Bold, 10.5, 14.0, INK);

/// Lays out a notice on A4 pages.
///
/// # Errors
/// [`RenderError::InvalidTable`] for a table without columns, with columns of no width, or with a row that does
/// not have one cell per column; [`RenderError::MissingGlyph`] for a character outside the font repertoire;
/// [`RenderError::RowTooTall`] for a row taller than a page; [`RenderError::TooManyPages`] past
/// [`super::MAX_PAGES`].
pub fn layout_notice(view: &NoticeView, fonts: &FontSet) -> Result<Vec<PageLayout>, RenderError> {
    for (index, section) in view.sections.iter().enumerate() {
        if let Some(table) = &section.table {
            check_table(table, &format!("section {}", index + 1))?;
        }
    }
    let mut composer = Composer::new(fonts, &view.running_head, view.footer.clone(), None)?;
    composer.notice_header(view)?;
    for (index, paragraph) in view.body.iter().enumerate() {
        composer.body_paragraph(paragraph, &format!("paragraph {}", index + 1))?;
    }
    for (index, section) in view.sections.iter().enumerate() {
        composer.notice_section(section, &format!("section {}", index + 1))?;
    }
    composer.signature(&view.signature)?;
    composer.mentions(&view.mentions)?;
    composer.finish()
}

fn check_table(table: &TableView, context: &str) -> Result<(), RenderError> {
    let invalid = |reason: String| Err(RenderError::InvalidTable { context: context.to_owned(), reason });
    if table.columns.is_empty() || table.columns.iter().all(|column| column.weight == 0) {
        return invalid("a table needs at least one column of some width".to_owned());
    }
    for (index, row) in table.rows.iter().enumerate() {
        if row.cells.len() != table.columns.len() {
            return invalid(format!(
                "row {} has {} cells for {} columns",
                index + 1,
                row.cells.len(),
                table.columns.len()
            ));
        }
    }
    Ok(())
}

/// The left and right edges of each column, in proportion to the weights.
fn column_edges(table: &TableView) -> Vec<(f32, f32, Align)> {
    let total: u32 = table.columns.iter().map(|column| u32::from(column.weight)).sum();
    let mut edges = Vec::with_capacity(table.columns.len());
    let mut left = MARGIN_LEFT;
    let mut used = 0u32;
    for (index, column) in table.columns.iter().enumerate() {
        used += u32::from(column.weight);
        // The last column ends exactly at the right margin, whatever the rounding of the others.
        let right = if index + 1 == table.columns.len() {
            CONTENT_RIGHT
        } else {
            MARGIN_LEFT + CONTENT_WIDTH * used as f32 / total.max(1) as f32
        };
        let align = match column.align {
            CellAlign::Left => Align::Left,
            CellAlign::Right => Align::Right,
        };
        edges.push((left, right, align));
        left = right;
    }
    edges
}

impl Composer<'_> {
    /// Letterhead, recipients, title and the label/value pairs.
    fn notice_header(&mut self, view: &NoticeView) -> Result<(), RenderError> {
        let mut block = Block::default();
        let issuer_bottom =
            self.party(&mut block, &view.issuer, MARGIN_LEFT, LETTERHEAD_WIDTH, 0.0, "issuer")?;
        let recipient_bottom = self.party(
            &mut block,
            &view.recipient,
            RECIPIENT_X,
            CONTENT_RIGHT - RECIPIENT_X,
            RECIPIENT_TOP - MARGIN_TOP,
            "recipient",
        )?;
        let set = &self.typesetter;
        let mut y = issuer_bottom.max(recipient_bottom) + 24.0;
        let title = TextStyle::new(FontStyle::Bold, 13.5, 17.0, INK);
        y += set.text_box(
            &mut block,
            &view.title,
            title,
            MARGIN_LEFT,
            CONTENT_RIGHT,
            y,
            Align::Left,
            "title",
        )?;
        y += 10.0;
        y += set.meta_rows(&mut block, &view.meta, y)?;
        block.height = y + 14.0;
        self.place(block);
        Ok(())
    }

    /// A paragraph of the letter, moved whole to the next page when it fits there but not here.
    fn body_paragraph(&mut self, text: &str, context: &str) -> Result<(), RenderError> {
        let lines = self.typesetter.wrap(text, BODY, CONTENT_WIDTH, context)?;
        self.paragraph(lines, BODY, MARGIN_LEFT, 0.0, 0.0)?;
        self.y += 5.0;
        Ok(())
    }

    /// A section: its heading kept with what follows it, its paragraphs, its table.
    fn notice_section(&mut self, section: &NoticeSection, context: &str) -> Result<(), RenderError> {
        self.y += 8.0;
        let heading_lines =
            self.typesetter.wrap(&section.heading, SECTION_HEADING, CONTENT_WIDTH, context)?;
        let heading_height = heading_lines.len() as f32 * SECTION_HEADING.leading + HEADING_GAP + 3.0;
        // What follows the heading, to keep with it: its first paragraph, or the header and first row of its table.
        let first = match (section.paragraphs.first(), &section.table) {
            (Some(paragraph), _) => {
                self.typesetter.wrap(paragraph, BODY, CONTENT_WIDTH, context)?.len() as f32 * BODY.leading
            }
            (None, Some(table)) => {
                let header = self.notice_table_header(table, context)?;
                let edges = column_edges(table);
                let row = match table.rows.first() {
                    Some(row) => self.notice_table_row(row, &edges, context)?.height,
                    None => 0.0,
                };
                header.height + row
            }
            (None, None) => 0.0,
        };
        let keep = if heading_height + first <= self.fresh_page_height() {
            heading_height + first
        } else {
            heading_height + BODY.leading
        };
        self.ensure(keep, context)?;
        for line in heading_lines {
            self.line(line, SECTION_HEADING, MARGIN_LEFT)?;
        }
        self.y += HEADING_GAP + 3.0;
        for paragraph in &section.paragraphs {
            self.body_paragraph(paragraph, context)?;
        }
        if let Some(table) = &section.table {
            self.notice_table(table, context)?;
        }
        Ok(())
    }

    /// A table: its header, then its rows, the header repeated after each page break.
    fn notice_table(&mut self, table: &TableView, context: &str) -> Result<(), RenderError> {
        let header = self.notice_table_header(table, context)?;
        let edges = column_edges(table);
        let rows = table
            .rows
            .iter()
            .map(|row| self.notice_table_row(row, &edges, context))
            .collect::<Result<Vec<_>, _>>()?;
        self.ensure(header.height + rows.first().map_or(0.0, |row| row.height), context)?;
        self.repeated_header = Some(header.clone());
        self.place(header);
        let heights: Vec<f32> = rows.iter().map(|row| row.height).collect();
        for (index, row) in rows.into_iter().enumerate() {
            let mut needed = row.height;
            if table.rows.get(index).is_some_and(|row| row.style == RowStyle::Heading)
                && let Some(next) = heights.get(index + 1)
                && row.height + next <= self.fresh_page_height()
            {
                needed += next;
            }
            self.ensure(needed, &format!("{context}, row {}", index + 1))?;
            self.place(row);
        }
        self.repeated_header = None;
        self.y += 6.0;
        Ok(())
    }

    fn notice_table_header(&self, table: &TableView, context: &str) -> Result<Block, RenderError> {
        let style = TextStyle::new(FontStyle::Bold, 8.0, 10.0, INK);
        let mut block = Block::default();
        let mut height: f32 = 0.0;
        for ((left, right, align), column) in column_edges(table).into_iter().zip(&table.columns) {
            let used = self.typesetter.text_box(
                &mut block,
                &column.header,
                style,
                left + CELL_PADDING_X,
                right - CELL_PADDING_X,
                CELL_PADDING_Y + 1.0,
                align,
                context,
            )?;
            height = height.max(used);
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

    fn notice_table_row(
        &self,
        row: &RowView,
        edges: &[(f32, f32, Align)],
        context: &str,
    ) -> Result<Block, RenderError> {
        let set = &self.typesetter;
        let mut block = Block::default();
        let (style, padding) = match row.style {
            RowStyle::Normal => {
                (TextStyle::new(FontStyle::Regular, TABLE_SIZE, TABLE_LEADING, INK), CELL_PADDING_Y)
            }
            RowStyle::Heading => (TextStyle::new(FontStyle::Bold, 9.0, 11.0, INK), CELL_PADDING_Y + 1.0),
            RowStyle::Total => {
                (TextStyle::new(FontStyle::Bold, TABLE_SIZE, TABLE_LEADING, INK), CELL_PADDING_Y)
            }
            RowStyle::Emphasis => (TextStyle::new(FontStyle::Bold, 10.0, 12.5, INK), CELL_PADDING_Y + 2.5),
        };
        let height = if row.style == RowStyle::Heading {
            let text = row.cells.first().map_or("", String::as_str);
            set.text_box(
                &mut block,
                text,
                style,
                MARGIN_LEFT + CELL_PADDING_X,
                CONTENT_RIGHT - CELL_PADDING_X,
                padding,
                Align::Left,
                context,
            )?
        } else {
            let mut height: f32 = 0.0;
            for ((left, right, align), text) in edges.iter().zip(&row.cells) {
                height = height.max(set.text_box(
                    &mut block,
                    text,
                    style,
                    left + CELL_PADDING_X,
                    right - CELL_PADDING_X,
                    padding,
                    *align,
                    context,
                )?);
            }
            height
        };
        block.height = height + 2.0 * padding;
        let fill = match row.style {
            RowStyle::Heading => Some(GROUP_FILL),
            RowStyle::Emphasis => Some(HEADER_FILL),
            RowStyle::Normal | RowStyle::Total => None,
        };
        if let Some(color) = fill {
            block.rects.push(FilledRect {
                x: MARGIN_LEFT,
                top: 0.0,
                width: CONTENT_WIDTH,
                height: block.height,
                color,
            });
        }
        let (thickness, color) = match row.style {
            RowStyle::Normal | RowStyle::Heading => (0.4, RULE),
            RowStyle::Total | RowStyle::Emphasis => (0.8, STRONG_RULE),
        };
        block.rules.push(horizontal_rule(block.height, MARGIN_LEFT, CONTENT_RIGHT, thickness, color));
        Ok(block)
    }

    /// The signature block, on the right, kept together.
    fn signature(&mut self, lines: &[String]) -> Result<(), RenderError> {
        if lines.is_empty() {
            return Ok(());
        }
        let mut block = Block::default();
        let mut y = 16.0;
        for (index, line) in lines.iter().enumerate() {
            let style = if index == 0 { BODY } else { TextStyle::new(FontStyle::Bold, 9.0, 12.5, INK) };
            y += self.typesetter.text_box(
                &mut block,
                line,
                style,
                RECIPIENT_X,
                CONTENT_RIGHT,
                y,
                Align::Left,
                "signature",
            )?;
        }
        block.height = y;
        self.ensure(block.height, "the signature")?;
        self.place(block);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use chrono::NaiveDate;

    use super::*;
    use crate::view::{ColumnView, DocumentMetadata, PartyBlock};

    static FONTS: LazyLock<FontSet> = LazyLock::new(|| FontSet::dejavu().expect("DejaVu Sans loads"));

    fn notice(rows: usize) -> NoticeView {
        let column = |header: &str, weight, align| ColumnView { header: header.into(), weight, align };
        let mut table_rows =
            vec![RowView { cells: vec!["Charges".into(), String::new()], style: RowStyle::Heading }];
        table_rows.extend((0..rows).map(|index| RowView {
            cells: vec![format!("Poste {index}"), format!("{index},00 €")],
            style: RowStyle::Normal,
        }));
        table_rows
            .push(RowView { cells: vec!["Coût".into(), "1,00 €".into()], style: RowStyle::Emphasis });
        NoticeView {
            issuer: PartyBlock { name: "Métropole Européenne de Lille".into(), lines: vec![] },
            recipient: PartyBlock { name: "Communes membres".into(), lines: vec!["du service".into()] },
            title: "Notification du coût unitaire".into(),
            meta: vec![("Date".into(), "16 novembre 2026".into())],
            body: vec!["Madame, Monsieur le Maire,".into()],
            sections: vec![NoticeSection {
                heading: "Calcul".into(),
                paragraphs: vec![],
                table: Some(TableView {
                    columns: vec![
                        column("Poste", 3, CellAlign::Left),
                        column("Montant", 1, CellAlign::Right),
                    ],
                    rows: table_rows,
                }),
            }],
            signature: vec!["Pour le Président,".into(), "Le directeur".into()],
            mentions: vec!["Article D5211-16 du CGCT.".into()],
            running_head: "Notification (suite)".into(),
            footer: "Notification 2027".into(),
            metadata: DocumentMetadata {
                title: "Notification".into(),
                author: "MEL".into(),
                subject: "Coût unitaire".into(),
                keywords: vec![],
                creation_date: NaiveDate::from_ymd_opt(2026, 11, 16).unwrap().and_hms_opt(0, 0, 0).unwrap(),
                language: "fr-FR".into(),
            },
        }
    }

    #[test]
    fn a_long_table_repeats_its_header_and_every_page_has_its_footer() {
        let pages = layout_notice(&notice(120), &FONTS).expect("lays out");
        assert!(pages.len() >= 3, "{} pages", pages.len());
        let count = pages.len();
        for (index, page) in pages.iter().enumerate() {
            assert_eq!(page.find_texts("Notification 2027").len(), 1, "footer on page {}", index + 1);
            assert_eq!(page.find_texts(&format!("page {}/{count}", index + 1)).len(), 1);
            let has_rows = page.texts.iter().any(|run| run.text.starts_with("Poste "));
            if has_rows {
                assert_eq!(page.find_texts("Poste").len(), 1, "header on page {}", index + 1);
            }
            if index > 0 {
                assert_eq!(page.find_texts("Notification (suite)").len(), 1, "running head");
            }
        }
        // Every row once, in order; right-aligned amounts end at the same edge.
        let rows: Vec<&str> = pages
            .iter()
            .flat_map(|page| &page.texts)
            .filter(|run| run.text.starts_with("Poste "))
            .map(|run| run.text.as_str())
            .collect();
        assert_eq!(rows.len(), 120);
        assert_eq!(rows[119], "Poste 119");
        let amounts: Vec<f32> = pages[0]
            .texts
            .iter()
            .filter(|run| run.text.ends_with(",00 €"))
            .map(|run| run.x + run.width)
            .collect();
        assert!(amounts.windows(2).all(|pair| (pair[0] - pair[1]).abs() < 0.01), "{amounts:?}");
    }

    #[test]
    fn a_table_without_one_cell_per_column_is_refused() {
        let mut bad = notice(2);
        if let Some(table) = &mut bad.sections[0].table {
            table.rows[1].cells.pop();
        }
        assert_eq!(
            layout_notice(&bad, &FONTS),
            Err(RenderError::InvalidTable {
                context: "section 1".into(),
                reason: "row 2 has 1 cells for 2 columns".into()
            })
        );
        let mut none = notice(0);
        if let Some(table) = &mut none.sections[0].table {
            table.columns.iter_mut().for_each(|column| column.weight = 0);
        }
        assert!(matches!(layout_notice(&none, &FONTS), Err(RenderError::InvalidTable { .. })));
    }
}
