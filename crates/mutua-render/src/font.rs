//! Fonts: loading, metrics, subsetting once per run, and the PDF font objects.
//!
//! A [`FontSet`] is built once per run. It subsets DejaVu Sans (regular and bold) to a fixed
//! character repertoire, compresses the subsets and writes every font object (Type0 font,
//! CIDFontType2 descendant, font descriptor, embedded TrueType program, ToUnicode CMap) into a
//! pre-serialised [`Chunk`] with fixed object numbers. Every document then copies those bytes
//! as they are: the fonts cost one memory copy per document, and because the repertoire is
//! fixed, two documents never embed different subsets of the same font.
//!
//! subsetter renumbers glyphs, so text is written as Identity-H codes holding the *new* glyph
//! ids (CID = new GID, `CIDToGIDMap /Identity`), and the ToUnicode CMap maps them back to
//! characters for text extraction.

use std::fmt;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Chunk, Filter, Finish, Name, Rect, Ref, Str};
use sha2::{Digest, Sha256};
use subsetter::GlyphRemapper;

use super::RenderError;
use super::compress::deflate_once;
use super::settings::pdf_settings;

/// The character repertoire of a [`FontSet`], as inclusive ranges, in ascending order.
///
/// It covers what a French administrative document needs: printable ASCII, Latin-1 Supplement
/// (é, à, ç, «, », °, ×, U+00A0 NO-BREAK SPACE...), Latin Extended-A (œ, Œ, Ÿ...), the
/// typographic spaces used by French number formatting (U+2007 FIGURE SPACE, U+2009 THIN SPACE,
/// U+202F NARROW NO-BREAK SPACE, the thousands separator), hyphens and dashes, curly quotes,
/// guillemets, the ellipsis, bullets, daggers, per mille, the minus sign, arrows, comparison
/// signs, `№`, `™` and the euro sign.
pub const REPERTOIRE: &[(char, char)] = &[
    (' ', '~'),
    ('\u{00A0}', '\u{017F}'),
    ('\u{2007}', '\u{2007}'), // FIGURE SPACE
    ('\u{2009}', '\u{2009}'), // THIN SPACE
    ('\u{2010}', '\u{2011}'), // HYPHEN, NON-BREAKING HYPHEN
    ('\u{2013}', '\u{2014}'), // – —
    ('\u{2018}', '\u{201A}'), // ‘ ’ ‚
    ('\u{201C}', '\u{201E}'), // “ ” „
    ('\u{2020}', '\u{2022}'), // † ‡ •
    ('\u{2026}', '\u{2026}'), // …
    ('\u{202F}', '\u{202F}'), // NARROW NO-BREAK SPACE
    ('\u{2030}', '\u{2030}'), // ‰
    ('\u{2039}', '\u{203A}'), // ‹ ›
    ('\u{20AC}', '\u{20AC}'), // €
    ('\u{2116}', '\u{2116}'), // №
    ('\u{2122}', '\u{2122}'), // ™
    ('\u{2190}', '\u{2193}'), // ← ↑ → ↓
    ('\u{2212}', '\u{2212}'), // − MINUS SIGN
    ('\u{2260}', '\u{2260}'), // ≠
    ('\u{2264}', '\u{2265}'), // ≤ ≥
];

/// Whether a character can be printed: it is in the [`REPERTOIRE`] (every [`FontSet`] has a glyph for each, in
/// both faces). Text checks (`mutua check`) use it to refuse, with its location, a name the documents could not
/// print.
#[must_use]
pub fn printable(character: char) -> bool {
    REPERTOIRE
        .binary_search_by(|&(first, last)| {
            if last < character {
                std::cmp::Ordering::Less
            } else if first > character {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Characters below this code point are looked up in a direct table; the rest by binary search.
const DIRECT_LIMIT: usize = 0x180;

/// Object numbers used by the font objects: five per font, two fonts.
const OBJECTS_PER_FONT: i32 = 5;

/// The weight of a font in a [`FontSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum FontStyle {
    /// DejaVu Sans.
    Regular,
    /// DejaVu Sans Bold.
    Bold,
}

/// A glyph of the subset: its CID (the glyph id in the subset) and its advance width in
/// thousandths of an em, exactly as written in the PDF `/W` array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Glyph {
    pub(crate) cid: u16,
    pub(crate) advance: u16,
}

/// One subset font: the character map and metrics the layout and the encoder need.
struct Font {
    /// Glyphs of the characters below [`DIRECT_LIMIT`], indexed by code point.
    direct: Vec<Option<Glyph>>,
    /// Glyphs of the other repertoire characters, sorted by character.
    extra: Vec<(char, Glyph)>,
    /// The name in the PDF, with its subset tag, e.g. `ABCDEF+DejaVuSans`.
    base_font: String,
    /// The number of glyphs in the subset, .notdef and composite components included.
    glyph_count: u16,
}

impl Font {
    fn glyph(&self, character: char) -> Option<Glyph> {
        let code = character as usize;
        if code < DIRECT_LIMIT {
            self.direct.get(code).copied().flatten()
        } else {
            self.extra
                .binary_search_by_key(&character, |&(c, _)| c)
                .ok()
                .and_then(|index| self.extra.get(index))
                .map(|&(_, glyph)| glyph)
        }
    }
}

/// The PDF objects of both fonts, serialised once with fixed object numbers.
struct PdfFontObjects {
    chunk: Chunk,
    /// SHA-256 of the chunk's bytes, so a document's ID can cover the fonts without hashing
    /// 60 KB per document.
    digest: [u8; 32],
    regular: Ref,
    bold: Ref,
    next_free: i32,
}

/// The fonts of a run: DejaVu Sans regular and bold, subset once to [`REPERTOIRE`].
///
/// Build it once (it parses, subsets and compresses two fonts, a few milliseconds) and pass it
/// to every [`render_pdf`](super::render_pdf) call; it is immutable and can be shared between
/// threads.
pub struct FontSet {
    regular: Font,
    bold: Font,
    objects: PdfFontObjects,
}

impl fmt::Debug for FontSet {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("FontSet")
            .field("regular", &self.regular.base_font)
            .field("regular_glyphs", &self.regular.glyph_count)
            .field("bold", &self.bold.base_font)
            .field("bold_glyphs", &self.bold.glyph_count)
            .field("pdf_objects_bytes", &self.objects.chunk.len())
            .finish()
    }
}

impl FontSet {
    /// Loads DejaVu Sans and DejaVu Sans Bold from the `dejavu` crate and subsets both to
    /// [`REPERTOIRE`].
    ///
    /// # Errors
    /// [`RenderError::Font`] if a font cannot be parsed or subset, or lacks a glyph for a
    /// character of the repertoire.
    pub fn dejavu() -> Result<FontSet, RenderError> {
        let mut chunk = Chunk::with_settings(pdf_settings());
        let regular_ref = Ref::new(1);
        let bold_ref = Ref::new(1 + OBJECTS_PER_FONT);
        let regular = load_font("DejaVuSans", dejavu::sans::regular(), regular_ref, &mut chunk)?;
        let bold = load_font("DejaVuSans-Bold", dejavu::sans::bold(), bold_ref, &mut chunk)?;
        let digest = Sha256::digest(chunk.as_bytes()).into();
        let objects = PdfFontObjects {
            chunk,
            digest,
            regular: regular_ref,
            bold: bold_ref,
            next_free: 1 + 2 * OBJECTS_PER_FONT,
        };
        Ok(FontSet { regular, bold, objects })
    }

    /// Every character of [`REPERTOIRE`], in ascending order.
    pub fn repertoire() -> impl Iterator<Item = char> {
        REPERTOIRE.iter().flat_map(|&(first, last)| first..=last)
    }

    /// Whether `character` can be printed (it is in the repertoire, so both fonts have it).
    pub fn supports(&self, character: char) -> bool {
        self.regular.glyph(character).is_some() && self.bold.glyph(character).is_some()
    }

    /// The advance width of `character` in thousandths of an em (the unit of the PDF `/W`
    /// array), or `None` if it is outside the repertoire.
    pub fn advance(&self, style: FontStyle, character: char) -> Option<u16> {
        self.font(style).glyph(character).map(|glyph| glyph.advance)
    }

    /// The width of `text` in thousandths of an em, or the first character outside the
    /// repertoire.
    pub(crate) fn text_advance(&self, style: FontStyle, text: &str) -> Result<u32, char> {
        let font = self.font(style);
        text.chars().try_fold(0u32, |width, character| {
            font.glyph(character).map(|glyph| width.saturating_add(u32::from(glyph.advance))).ok_or(character)
        })
    }

    /// Appends `text` as big-endian two-byte CIDs (Identity-H), or returns the first character
    /// outside the repertoire.
    pub(crate) fn encode(&self, style: FontStyle, text: &str, out: &mut Vec<u8>) -> Result<(), char> {
        let font = self.font(style);
        for character in text.chars() {
            let glyph = font.glyph(character).ok_or(character)?;
            out.extend_from_slice(&glyph.cid.to_be_bytes());
        }
        Ok(())
    }

    /// The pre-serialised font objects, with their fixed object numbers.
    pub(crate) fn pdf_chunk(&self) -> &Chunk {
        &self.objects.chunk
    }

    /// SHA-256 of [`Self::pdf_chunk`].
    pub(crate) fn pdf_digest(&self) -> &[u8; 32] {
        &self.objects.digest
    }

    /// The object number of the Type0 font of `style`.
    pub(crate) fn pdf_ref(&self, style: FontStyle) -> Ref {
        match style {
            FontStyle::Regular => self.objects.regular,
            FontStyle::Bold => self.objects.bold,
        }
    }

    /// The first object number not used by the font objects.
    pub(crate) fn first_free_ref(&self) -> i32 {
        self.objects.next_free
    }

    fn font(&self, style: FontStyle) -> &Font {
        match style {
            FontStyle::Regular => &self.regular,
            FontStyle::Bold => &self.bold,
        }
    }
}

/// Metrics of the original font, in thousandths of an em, for the font descriptor.
struct DescriptorMetrics {
    bbox: [i32; 4],
    ascent: i32,
    descent: i32,
    cap_height: i32,
    stem_v: i32,
}

/// Parses one font, subsets it to the repertoire and writes its PDF objects from `first_ref`.
fn load_font(name: &str, data: &[u8], first_ref: Ref, chunk: &mut Chunk) -> Result<Font, RenderError> {
    let font_error = |reason: String| RenderError::Font { font: name.to_owned(), reason };
    let face = ttf_parser::Face::parse(data, 0).map_err(|error| font_error(error.to_string()))?;
    let units_per_em = i32::from(face.units_per_em());
    if units_per_em <= 0 {
        return Err(font_error("units per em is zero".to_owned()));
    }
    let to_thousandths = |units: i32| (units * 1000 + units_per_em / 2).div_euclid(units_per_em);

    let mut remapper = GlyphRemapper::new();
    let mut direct = vec![None; DIRECT_LIMIT];
    let mut extra = Vec::new();
    // CIDs in ascending order, with the character each was first assigned to.
    let mut cids: Vec<(u16, char, u16)> = Vec::new();
    for character in FontSet::repertoire() {
        let old_id = face.glyph_index(character).ok_or_else(|| {
            font_error(format!("no glyph for U+{:04X} of the repertoire", u32::from(character)))
        })?;
        let advance_units = face.glyph_hor_advance(old_id).unwrap_or(0);
        let advance = u16::try_from(to_thousandths(i32::from(advance_units)))
            .map_err(|_| font_error(format!("advance of U+{:04X} out of range", u32::from(character))))?;
        let already_mapped = remapper.get(old_id.0).is_some();
        let cid = remapper.remap(old_id.0);
        if !already_mapped {
            cids.push((cid, character, advance));
        }
        let glyph = Glyph { cid, advance };
        match direct.get_mut(character as usize) {
            Some(slot) => *slot = Some(glyph),
            None => extra.push((character, glyph)),
        }
    }
    extra.sort_by_key(|&(character, _)| character);

    let subset = subsetter::subset(data, 0, &remapper).map_err(|error| font_error(error.to_string()))?;
    let glyph_count = ttf_parser::Face::parse(&subset, 0)
        .map_err(|error| font_error(format!("subset does not parse: {error}")))?
        .number_of_glyphs();
    let base_font = format!("{}+{name}", subset_tag(name, &subset));

    let bbox = face.global_bounding_box();
    let cap_height = face
        .glyph_index('H')
        .and_then(|id| face.glyph_bounding_box(id))
        .map_or(i32::from(face.ascender()), |rect| i32::from(rect.y_max));
    let weight = i32::from(face.weight().to_number());
    let metrics = DescriptorMetrics {
        bbox: [
            to_thousandths(i32::from(bbox.x_min)),
            to_thousandths(i32::from(bbox.y_min)),
            to_thousandths(i32::from(bbox.x_max)),
            to_thousandths(i32::from(bbox.y_max)),
        ],
        ascent: to_thousandths(i32::from(face.ascender())),
        descent: to_thousandths(i32::from(face.descender())),
        cap_height: to_thousandths(cap_height),
        // The usual estimate of the dominant stem width from the weight class.
        stem_v: 10 + 244 * (weight - 50) / 1000,
    };

    write_font_objects(chunk, first_ref, &base_font, &subset, &cids, &metrics);
    Ok(Font { direct, extra, base_font, glyph_count })
}

/// A deterministic six-letter subset tag (PDF 32000-1 §9.6.4) derived from the subset itself.
fn subset_tag(name: &str, subset: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(subset);
    let digest = hasher.finalize();
    digest.iter().take(6).map(|byte| char::from(b'A' + byte % 26)).collect()
}

/// Writes the five objects of one font: Type0, CIDFontType2, FontDescriptor, FontFile2 and
/// ToUnicode, numbered `first_ref`..`first_ref + 4`.
fn write_font_objects(
    chunk: &mut Chunk,
    first_ref: Ref,
    base_font: &str,
    subset: &[u8],
    cids: &[(u16, char, u16)],
    metrics: &DescriptorMetrics,
) {
    let type0_ref = first_ref;
    let cid_ref = Ref::new(first_ref.get() + 1);
    let descriptor_ref = Ref::new(first_ref.get() + 2);
    let file_ref = Ref::new(first_ref.get() + 3);
    let cmap_ref = Ref::new(first_ref.get() + 4);
    let name = Name(base_font.as_bytes());
    let system_info = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };

    chunk
        .type0_font(type0_ref)
        .base_font(name)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_ref)
        .to_unicode(cmap_ref);

    let mut cid_font = chunk.cid_font(cid_ref);
    cid_font
        .subtype(CidFontType::Type2)
        .base_font(name)
        .system_info(system_info)
        .font_descriptor(descriptor_ref)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    // The repertoire's CIDs are 1..=n in order (0 is .notdef), so one run covers them all.
    let first_cid = cids.first().map_or(1, |&(cid, _, _)| cid);
    cid_font.widths().consecutive(first_cid, cids.iter().map(|&(_, _, advance)| f32::from(advance)));
    cid_font.finish();

    let [left, bottom, right, top] = metrics.bbox;
    chunk
        .font_descriptor(descriptor_ref)
        .name(name)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(left as f32, bottom as f32, right as f32, top as f32))
        .italic_angle(0.0)
        .ascent(metrics.ascent as f32)
        .descent(metrics.descent as f32)
        .cap_height(metrics.cap_height as f32)
        .stem_v(metrics.stem_v as f32)
        .font_file2(file_ref);

    let compressed = deflate_once(subset);
    chunk
        .stream(file_ref, &compressed)
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), i32::try_from(subset.len()).unwrap_or(i32::MAX));

    let cmap_info = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"UCS"), supplement: 0 };
    let mut cmap = UnicodeCmap::new(Name(b"Adobe-Identity-UCS"), cmap_info);
    for &(cid, character, _) in cids {
        cmap.pair(cid, character);
    }
    let cmap = deflate_once(cmap.finish().as_slice());
    chunk.cmap(cmap_ref, &cmap).filter(Filter::FlateDecode);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> FontSet {
        FontSet::dejavu().expect("DejaVu Sans loads and covers the repertoire")
    }

    #[test]
    fn repertoire_is_sorted_and_disjoint() {
        for pair in REPERTOIRE.windows(2) {
            let [(_, previous_last), (next_first, _)] = pair else { continue };
            assert!(previous_last < next_first, "{pair:?}");
        }
        for &(first, last) in REPERTOIRE {
            assert!(first <= last);
        }
    }

    #[test]
    fn every_repertoire_character_has_a_distinct_glyph_in_both_fonts() {
        let fonts = fonts();
        for style in [FontStyle::Regular, FontStyle::Bold] {
            let mut seen = std::collections::BTreeSet::new();
            for character in FontSet::repertoire() {
                let glyph = fonts.font(style).glyph(character).expect("repertoire character");
                assert_ne!(glyph.cid, 0, "{character:?} must not be .notdef");
                assert!(seen.insert(glyph.cid), "{character:?} shares a glyph");
            }
        }
    }

    #[test]
    fn characters_outside_the_repertoire_are_refused() {
        let fonts = fonts();
        for character in ['漢', '😀', '\t', '\n', '\u{0301}', 'ƒ'] {
            assert!(!fonts.supports(character), "{character:?}");
            let mut out = Vec::new();
            assert_eq!(fonts.encode(FontStyle::Regular, &format!("a{character}"), &mut out), Err(character));
        }
    }

    #[test]
    fn french_characters_are_supported_with_sane_widths() {
        let fonts = fonts();
        for character in "éèêàçœŒÿŸ€’«»–—…•·\u{a0}\u{202f}№≤−".chars() {
            assert!(fonts.supports(character), "{character:?}");
        }
        // DejaVu Sans digits are tabular: 1303/2048 em = 636 thousandths.
        for digit in '0'..='9' {
            assert_eq!(fonts.advance(FontStyle::Regular, digit), Some(636));
        }
        let narrow = fonts.advance(FontStyle::Regular, '\u{202f}').expect("narrow no-break space");
        let space = fonts.advance(FontStyle::Regular, ' ').expect("space");
        assert!(0 < narrow && narrow <= space, "narrow {narrow} space {space}");
        assert!(fonts.advance(FontStyle::Bold, 'W') > fonts.advance(FontStyle::Regular, 'W'));
    }

    #[test]
    fn subset_tags_are_deterministic_and_well_formed() {
        let first = fonts();
        let second = fonts();
        assert_eq!(first.regular.base_font, second.regular.base_font);
        assert_eq!(first.pdf_digest(), second.pdf_digest());
        let (tag, rest) = first.regular.base_font.split_at(7);
        assert!(tag.ends_with('+') && tag[..6].bytes().all(|b| b.is_ascii_uppercase()), "{tag}");
        assert_eq!(rest, "DejaVuSans");
        assert!(first.bold.base_font.ends_with("+DejaVuSans-Bold"));
    }
}
