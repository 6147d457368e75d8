//! Removing the hinting of a TrueType font program.
//!
//! Hinting (the `fpgm`, `prep` and `cvt ` tables and the instructions of every glyph) adjusts outlines to the
//! pixel grid, which matters only to rasterisers that run TrueType bytecode at screen resolutions: poppler does
//! not by default (`pdftoppm` renders the invoices of the bundled batch pixel for pixel the same with and without
//! it), and at print resolutions it makes no visible difference. In DejaVu Sans it is about half of the `glyf`
//! table, so the renderer strips it once from the repertoire subset, and no document embeds it.
//!
//! The outlines, metrics and glyph order are untouched: every other table is copied as it is, except `glyf` and
//! `loca` (rewritten without instructions), `maxp` (its instruction limits set to zero) and `head` (its checksum
//! adjustment recomputed).

use ttf_parser::{RawFace, Tag};

/// The tables that hold nothing but hinting.
const HINTING_TABLES: [&[u8; 4]; 3] = [b"cvt ", b"fpgm", b"prep"];

/// Composite glyph flags (OpenType `glyf` table).
const ARG_1_AND_2_ARE_WORDS: u16 = 0x0001;
const WE_HAVE_A_SCALE: u16 = 0x0008;
const MORE_COMPONENTS: u16 = 0x0020;
const WE_HAVE_AN_X_AND_Y_SCALE: u16 = 0x0040;
const WE_HAVE_A_TWO_BY_TWO: u16 = 0x0080;
const WE_HAVE_INSTRUCTIONS: u16 = 0x0100;

/// Why a font program could not be rewritten.
pub(crate) type Malformed = &'static str;

fn read_u16(data: &[u8], offset: usize) -> Result<u16, Malformed> {
    data.get(offset..offset + 2)
        .map(|bytes| u16::from_be_bytes([bytes[0], bytes[1]]))
        .ok_or("truncated table")
}

fn read_u32(data: &[u8], offset: usize) -> Result<u32, Malformed> {
    data.get(offset..offset + 4)
        .map(|bytes| u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
        .ok_or("truncated table")
}

fn write_u16(data: &mut [u8], offset: usize, value: u16) -> Result<(), Malformed> {
    data.get_mut(offset..offset + 2).ok_or("truncated table")?.copy_from_slice(&value.to_be_bytes());
    Ok(())
}

/// The OpenType checksum of a table: the sum of its big-endian u32 words, zero-padded.
fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// `program` without hinting: no `fpgm`, `prep` or `cvt ` table and no glyph instructions.
///
/// # Errors
/// A description of the first structural problem found, if `program` is not a well-formed TrueType font.
pub(crate) fn strip_hinting(program: &[u8]) -> Result<Vec<u8>, Malformed> {
    let face = RawFace::parse(program, 0).map_err(|_| "not an OpenType font")?;
    let table = |tag: &[u8; 4]| face.table(Tag::from_bytes(tag)).ok_or("missing table");
    let head = table(b"head")?;
    let long_loca = read_u16(head, 50)? != 0;
    let glyph_count = usize::from(read_u16(table(b"maxp")?, 4)?);
    let (glyf, loca) = strip_glyph_instructions(table(b"glyf")?, table(b"loca")?, glyph_count, long_loca)?;

    let mut tables: Vec<([u8; 4], Vec<u8>)> = Vec::new();
    for record in face.table_records {
        let tag = record.tag.to_bytes();
        if HINTING_TABLES.contains(&&tag) {
            continue;
        }
        let data = match &tag {
            b"glyf" => glyf.clone(),
            b"loca" => loca.clone(),
            b"maxp" => {
                let mut maxp = table(b"maxp")?.to_vec();
                if read_u32(&maxp, 0)? == 0x0001_0000 {
                    // maxZones 1 (no twilight zone); twilight points, storage, function and instruction
                    // definitions, stack elements and instruction size 0.
                    write_u16(&mut maxp, 14, 1)?;
                    for offset in (16..=26).step_by(2) {
                        write_u16(&mut maxp, offset, 0)?;
                    }
                }
                maxp
            }
            b"head" => without_adjustment(head)?,
            _ => face.table(record.tag).ok_or("missing table")?.to_vec(),
        };
        tables.push((tag, data));
    }
    tables.sort_by_key(|&(tag, _)| tag);
    Ok(assemble(&tables, read_u32(program, 0)?))
}

/// The `glyf` and `loca` tables without instructions, in the same loca format.
fn strip_glyph_instructions(
    glyf: &[u8],
    loca: &[u8],
    glyph_count: usize,
    long_loca: bool,
) -> Result<(Vec<u8>, Vec<u8>), Malformed> {
    let offset = |index: usize| -> Result<usize, Malformed> {
        if long_loca {
            read_u32(loca, index * 4).map(|offset| offset as usize)
        } else {
            read_u16(loca, index * 2).map(|half| usize::from(half) * 2)
        }
    };
    let mut new_glyf = Vec::with_capacity(glyf.len());
    let mut offsets = Vec::with_capacity(glyph_count + 1);
    for index in 0..glyph_count {
        offsets.push(new_glyf.len());
        let glyph = glyf.get(offset(index)?..offset(index + 1)?).ok_or("glyph outside the glyf table")?;
        if glyph.is_empty() {
            continue;
        }
        let contours = read_u16(glyph, 0)?;
        if contours & 0x8000 == 0 {
            // Simple glyph: header, end points of the contours, instruction length, instructions, then the
            // flags and coordinates.
            let length_at = 10 + 2 * usize::from(contours);
            let instructions = usize::from(read_u16(glyph, length_at)?);
            let outline = glyph.get(length_at + 2 + instructions..).ok_or("truncated glyph")?;
            new_glyf.extend_from_slice(glyph.get(..length_at).ok_or("truncated glyph")?);
            new_glyf.extend_from_slice(&[0, 0]);
            new_glyf.extend_from_slice(outline);
        } else {
            // Composite glyph: components, then instructions if a component says so.
            let start = new_glyf.len();
            let mut at = 10;
            loop {
                let flags = read_u16(glyph, at)?;
                let arguments = if flags & ARG_1_AND_2_ARE_WORDS != 0 { 4 } else { 2 };
                let transform = if flags & WE_HAVE_A_TWO_BY_TWO != 0 {
                    8
                } else if flags & WE_HAVE_AN_X_AND_Y_SCALE != 0 {
                    4
                } else if flags & WE_HAVE_A_SCALE != 0 {
                    2
                } else {
                    0
                };
                let flags_at = start + at;
                at += 4 + arguments + transform;
                new_glyf.extend_from_slice(glyph.get(new_glyf.len() - start..at).ok_or("truncated glyph")?);
                write_u16(&mut new_glyf, flags_at, flags & !WE_HAVE_INSTRUCTIONS)?;
                if flags & MORE_COMPONENTS == 0 {
                    break;
                }
            }
        }
        if new_glyf.len() % 2 != 0 {
            new_glyf.push(0);
        }
    }
    offsets.push(new_glyf.len());
    let mut new_loca = Vec::with_capacity(loca.len());
    for offset in offsets {
        if long_loca {
            let offset = u32::try_from(offset).map_err(|_| "glyf table too large")?;
            new_loca.extend_from_slice(&offset.to_be_bytes());
        } else {
            let half = u16::try_from(offset / 2).map_err(|_| "glyf table too large for short offsets")?;
            new_loca.extend_from_slice(&half.to_be_bytes());
        }
    }
    Ok((new_glyf, new_loca))
}

/// `program` laid out again with the table `last` at its end (the directory, in tag order, is unchanged but for
/// the offsets; the checksum adjustment is recomputed), and where that table starts: its bytes, zero-padded to a
/// multiple of four, are the end of the file. A font that does not have the table is laid out as it was.
///
/// The renderer puts `name` last in every document subset: it is the same in all of them (mostly DejaVu's
/// licence, which must go with every copy), so its compressed form is computed once and only the rest of each
/// subset is compressed ([`crate::compress::deflate_font_program`]).
///
/// # Errors
/// A description of the first structural problem found, if `program` is not a well-formed TrueType font.
pub(crate) fn with_table_last(program: &[u8], last: &[u8; 4]) -> Result<(Vec<u8>, usize), Malformed> {
    let face = RawFace::parse(program, 0).map_err(|_| "not an OpenType font")?;
    let mut tables: Vec<([u8; 4], Vec<u8>)> = Vec::new();
    for record in face.table_records {
        let tag = record.tag.to_bytes();
        let data = face.table(record.tag).ok_or("missing table")?;
        tables.push((tag, if &tag == b"head" { without_adjustment(data)? } else { data.to_vec() }));
    }
    tables.sort_by_key(|&(tag, _)| tag);
    let font = assemble_with_last(&tables, read_u32(program, 0)?, Some(last));
    let tail =
        tables.iter().find(|(tag, _)| tag == last).map_or(0, |(_, data)| data.len().next_multiple_of(4));
    let start = font.len() - tail;
    Ok((font, start))
}

/// The `head` table with its checksumAdjustment zero, as it is when the adjustment is computed over the whole font.
fn without_adjustment(head: &[u8]) -> Result<Vec<u8>, Malformed> {
    let mut head = head.to_vec();
    head.get_mut(8..12).ok_or("truncated head table")?.fill(0);
    Ok(head)
}

/// A font file of `tables` (sorted by tag), with its table directory, checksums and checksum adjustment.
fn assemble(tables: &[([u8; 4], Vec<u8>)], sfnt_version: u32) -> Vec<u8> {
    assemble_with_last(tables, sfnt_version, None)
}

/// [`assemble`], with the data of the table `last` (if any) placed after all the others.
fn assemble_with_last(tables: &[([u8; 4], Vec<u8>)], sfnt_version: u32, last: Option<&[u8; 4]>) -> Vec<u8> {
    // At most a handful of tables: the counts fit in u16.
    let count = tables.len() as u16;
    let entry_selector = if count == 0 { 0 } else { 15 - count.leading_zeros() as u16 };
    let search_range = (1u16 << entry_selector) * 16;
    let mut font = Vec::new();
    font.extend_from_slice(&sfnt_version.to_be_bytes());
    for value in [count, search_range, entry_selector, count * 16 - search_range] {
        font.extend_from_slice(&value.to_be_bytes());
    }
    // The physical order: the directory's, with `last` moved to the end.
    let is_last = |tag: &[u8; 4]| last == Some(tag);
    let physical: Vec<&([u8; 4], Vec<u8>)> = tables
        .iter()
        .filter(|(tag, _)| !is_last(tag))
        .chain(tables.iter().filter(|(tag, _)| is_last(tag)))
        .collect();
    let mut offsets = Vec::with_capacity(tables.len());
    let mut offset = 12 + 16 * tables.len();
    for (tag, data) in &physical {
        offsets.push((*tag, offset));
        offset += data.len().next_multiple_of(4);
    }
    let offset_of = |tag: &[u8; 4]| offsets.iter().find(|(t, _)| t == tag).map_or(0, |&(_, at)| at);
    let mut head_at = None;
    for (tag, data) in tables {
        let offset = offset_of(tag);
        if tag == b"head" {
            head_at = Some(offset);
        }
        font.extend_from_slice(tag);
        font.extend_from_slice(&checksum(data).to_be_bytes());
        font.extend_from_slice(&(offset as u32).to_be_bytes());
        font.extend_from_slice(&(data.len() as u32).to_be_bytes());
    }
    for (_, data) in physical {
        font.extend_from_slice(data);
        font.resize(font.len().next_multiple_of(4), 0);
    }
    if let Some(at) = head_at {
        let adjustment = 0xB1B0_AFBA_u32.wrapping_sub(checksum(&font));
        if let Some(field) = font.get_mut(at + 8..at + 12) {
            field.copy_from_slice(&adjustment.to_be_bytes());
        }
    }
    font
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dejavu_loses_its_hinting_and_keeps_its_outlines() {
        let original = dejavu::sans::regular();
        let stripped = strip_hinting(original).expect("DejaVu Sans is well formed");
        assert!(stripped.len() < original.len());
        let before = ttf_parser::Face::parse(original, 0).expect("parses");
        let after = ttf_parser::Face::parse(&stripped, 0).expect("the stripped font parses");
        assert_eq!(after.number_of_glyphs(), before.number_of_glyphs());
        for tag in HINTING_TABLES {
            assert!(after.raw_face().table(Tag::from_bytes(tag)).is_none());
        }
        // The same outlines and metrics for every glyph of the repertoire, composites included.
        struct Path(Vec<String>);
        impl ttf_parser::OutlineBuilder for Path {
            fn move_to(&mut self, x: f32, y: f32) {
                self.0.push(format!("M{x} {y}"));
            }
            fn line_to(&mut self, x: f32, y: f32) {
                self.0.push(format!("L{x} {y}"));
            }
            fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
                self.0.push(format!("Q{x1} {y1} {x} {y}"));
            }
            fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
                self.0.push(format!("C{x1} {y1} {x2} {y2} {x} {y}"));
            }
            fn close(&mut self) {
                self.0.push("Z".into());
            }
        }
        for character in crate::FontSet::repertoire() {
            let glyph = before.glyph_index(character).expect("repertoire glyph");
            let outline = |face: &ttf_parser::Face<'_>| {
                let mut path = Path(Vec::new());
                let bbox = face.outline_glyph(glyph, &mut path);
                (bbox, path.0, face.glyph_hor_advance(glyph))
            };
            assert_eq!(outline(&before), outline(&after), "{character:?}");
        }
        // Checksums: every table's, and the whole font's (with the adjustment) is the magic number.
        assert_eq!(checksum(&stripped), 0xB1B0_AFBA);
        // Stripping twice changes nothing.
        assert_eq!(strip_hinting(&stripped).expect("still well formed"), stripped);
    }

    #[test]
    fn malformed_programs_are_refused() {
        assert!(strip_hinting(b"").is_err());
        assert!(strip_hinting(&dejavu::sans::regular()[..2000]).is_err());
    }
}
