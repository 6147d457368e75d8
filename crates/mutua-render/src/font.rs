//! Fonts: loading, metrics, the run-wide repertoire, per-document subsets and the PDF font objects.
//!
//! A [`FontSet`] is built once per run. It subsets DejaVu Sans (regular and bold) to a fixed character
//! repertoire ([`REPERTOIRE`]); that *repertoire subset* is the source of truth for layout (advance widths) and
//! for glyph lookup. It is never embedded as it is: each document embeds, per face it uses, a *document subset*
//! holding only the glyphs that document prints (with the components of its composite glyphs), cut from the
//! repertoire subset by subsetter. A face a document does not use is not embedded at all. The repertoire subset is
//! stripped of its TrueType hinting once, when the [`FontSet`] is built (see `hinting`), so no document subset
//! carries it.
//!
//! Encoding is in two steps. The encoder first collects the repertoire glyphs each face prints
//! ([`GlyphUsage`]), then asks the [`FontSet`] for the document subsets of those glyph sets
//! ([`FontSet::document_fonts`]). A document subset numbers its glyphs 1..=n in the order of their repertoire
//! glyph ids (0 is `.notdef`), so its glyph ids depend only on the glyph set; text is written as Identity-H codes
//! holding those ids (CID = GID of the document subset, `CIDToGIDMap /Identity`), the `/W` array gives the widths
//! of CIDs 1..=n (the repertoire advances, which are the advances of the embedded program), and the ToUnicode
//! CMap maps them back to characters for text extraction. The subset tag (`ABCDEF+`) is derived from a hash of
//! the face's name and the glyph set.
//!
//! Subsetting and compressing a font program costs far more than writing the rest of a document, and documents
//! of a batch often print the same glyphs, so a [`FontSet`] keeps the document subsets it has built, keyed by face
//! and glyph set, in a cache shared by the threads that render with it (a mutex around a map of immutable,
//! reference-counted subsets; the lock is not held while subsetting). A document subset is a pure function of its
//! glyph set: the bytes of a document are the same whether its subsets came from the cache or were built for it,
//! whatever thread renders it and in whatever order.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Chunk, Filter, Finish, Name, Rect, Ref, Str};
use sha2::{Digest, Sha256};
use subsetter::GlyphRemapper;

use super::RenderError;
use super::compress::{DeflatedTail, deflate_font_program, deflate_font_stream};
use super::hinting::{strip_hinting, with_table_last};

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
    // The first two ranges (ASCII and Latin-1 to Latin Extended-A) hold nearly every character printed.
    if (' '..='~').contains(&character) || ('\u{00A0}'..='\u{017F}').contains(&character) {
        return true;
    }
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

/// Object numbers used by the font objects of one face in a document: Type0, CIDFontType2, font descriptor,
/// font program and ToUnicode CMap.
pub(crate) const OBJECTS_PER_FONT: i32 = 5;

/// The number of document subsets a [`FontSet`] keeps, both faces together: at most some 8 MB, each subset taking
/// 5 to 10 KB. Past it, new subsets are built for their document and not kept, and the ones kept stay (the glyph
/// sets seen first are the common ones). The bundled batch of 176 documents builds about 210.
const CACHE_CAPACITY: usize = 1024;

/// The weight of a font in a [`FontSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum FontStyle {
    /// DejaVu Sans.
    Regular,
    /// DejaVu Sans Bold.
    Bold,
}

impl FontStyle {
    /// Both styles, in the order their fonts are written.
    pub(crate) const ALL: [FontStyle; 2] = [FontStyle::Regular, FontStyle::Bold];
}

/// A glyph of the repertoire subset: its glyph id there and its advance width in thousandths of an em, exactly
/// as written in the PDF `/W` array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Glyph {
    pub(crate) cid: u16,
    pub(crate) advance: u16,
}

/// A set of glyph ids of the repertoire subset of one face, as a bit set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct GlyphSet {
    words: Vec<u64>,
}

impl GlyphSet {
    /// An empty set for a font of `glyph_count` glyphs.
    fn empty(glyph_count: u16) -> GlyphSet {
        GlyphSet { words: vec![0; usize::from(glyph_count).div_ceil(64)] }
    }

    fn insert(&mut self, glyph: u16) {
        let index = usize::from(glyph);
        if let Some(word) = self.words.get_mut(index / 64) {
            *word |= 1 << (index % 64);
        }
    }

    fn is_empty(&self) -> bool {
        self.words.iter().all(|&word| word == 0)
    }

    /// The number of glyphs in the set.
    pub(crate) fn len(&self) -> usize {
        self.words.iter().map(|word| word.count_ones() as usize).sum()
    }

    /// The glyphs in ascending order.
    fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        self.words.iter().enumerate().flat_map(|(index, &word)| {
            (0..64u16)
                .filter(move |bit| word & (1 << bit) != 0)
                .filter_map(move |bit| u16::try_from(index * 64).ok().and_then(|base| base.checked_add(bit)))
        })
    }
}

/// The glyphs a document prints, per face: what its document subsets must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GlyphUsage {
    regular: GlyphSet,
    bold: GlyphSet,
}

impl GlyphUsage {
    /// Records the glyphs of `text` in `style`, or returns the first character outside the repertoire.
    pub(crate) fn add(&mut self, fonts: &FontSet, style: FontStyle, text: &str) -> Result<(), char> {
        let font = fonts.font(style);
        let set = match style {
            FontStyle::Regular => &mut self.regular,
            FontStyle::Bold => &mut self.bold,
        };
        for character in text.chars() {
            set.insert(font.glyph(character).ok_or(character)?.cid);
        }
        Ok(())
    }

    fn set(&self, style: FontStyle) -> &GlyphSet {
        match style {
            FontStyle::Regular => &self.regular,
            FontStyle::Bold => &self.bold,
        }
    }
}

/// One face of a document: the repertoire subset's glyphs it prints, cut into a font program of their own, with
/// what the PDF font objects need. Immutable, shared between documents that print the same glyphs.
pub(crate) struct FontSubset {
    /// The name in the PDF, with its subset tag, e.g. `ABCDEF+DejaVuSans`.
    base_font: String,
    /// The CID (glyph id in this subset) of each repertoire glyph, indexed by repertoire glyph id; 0 for a glyph
    /// not in the subset.
    cids: Vec<u16>,
    /// The advance widths of CIDs 1..=n, in thousandths of an em.
    widths: Vec<u16>,
    /// The TrueType program, deflated.
    program: Vec<u8>,
    /// The size of the TrueType program before compression (`/Length1`).
    program_length: i32,
    /// The ToUnicode CMap, deflated.
    to_unicode: Vec<u8>,
}

/// One face of the repertoire: the character map and metrics the layout and the encoder need, and the
/// repertoire subset that document subsets are cut from.
struct Font {
    /// The face's PostScript name, e.g. `DejaVuSans`.
    name: &'static str,
    /// Glyphs of the characters below [`DIRECT_LIMIT`], indexed by code point.
    direct: Vec<Option<Glyph>>,
    /// Glyphs of the other repertoire characters, sorted by character.
    extra: Vec<(char, Glyph)>,
    /// The character and advance of each repertoire glyph, indexed by glyph id (`None` for .notdef and for
    /// glyphs that are only components of composite glyphs).
    characters: Vec<Option<(char, u16)>>,
    /// The repertoire subset: a TrueType program, uncompressed.
    program: Vec<u8>,
    /// The `name` table, which every document subset copies as it is and puts last, compressed once.
    name_tail: DeflatedTail,
    /// The number of glyphs in the repertoire subset, .notdef and composite components included.
    glyph_count: u16,
    /// The metrics written in every font descriptor of this face.
    metrics: DescriptorMetrics,
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

    /// Cuts the document subset of `glyphs` from the repertoire subset.
    fn subset(&self, glyphs: &GlyphSet) -> Result<FontSubset, RenderError> {
        let font_error = |reason: String| RenderError::Font { font: self.name.to_owned(), reason };
        // .notdef is 0; the glyphs get 1..=n in ascending order, composite components come after them.
        let mut remapper = GlyphRemapper::new();
        let mut cids = vec![0; self.characters.len()];
        let mut widths = Vec::with_capacity(glyphs.len());
        let cmap_info = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"UCS"), supplement: 0 };
        let mut cmap = UnicodeCmap::new(Name(b"Adobe-Identity-UCS"), cmap_info);
        for glyph in glyphs.iter() {
            let Some(&Some((character, advance))) = self.characters.get(usize::from(glyph)) else {
                return Err(font_error(format!("glyph {glyph} prints no character of the repertoire")));
            };
            let cid = remapper.remap(glyph);
            if let Some(slot) = cids.get_mut(usize::from(glyph)) {
                *slot = cid;
            }
            widths.push(advance);
            cmap.pair(cid, character);
        }
        let program =
            subsetter::subset(&self.program, 0, &remapper).map_err(|error| font_error(error.to_string()))?;
        let (program, _) = with_table_last(&program, b"name")
            .map_err(|reason| font_error(format!("cannot lay out the document subset: {reason}")))?;
        let program_length = i32::try_from(program.len())
            .map_err(|_| font_error("document subset larger than 2 GiB".to_owned()))?;
        Ok(FontSubset {
            base_font: format!("{}+{}", subset_tag(self.name, glyphs), self.name),
            cids,
            widths,
            program: deflate_font_program(&program, &self.name_tail),
            program_length,
            to_unicode: deflate_font_stream(cmap.finish().as_slice()),
        })
    }
}

/// The fonts of a run: DejaVu Sans regular and bold, subset once to [`REPERTOIRE`] for layout, and per
/// document to the glyphs each document prints.
///
/// Build it once (it parses and subsets two fonts, a few milliseconds) and pass it to every
/// [`render_pdf`](super::render_pdf) and [`render_notice_pdf`](super::render_notice_pdf) call. It can be shared
/// between threads: its only mutable part is the cache of document subsets, behind a mutex, and what a document
/// gets from it does not depend on what other documents were rendered before.
pub struct FontSet {
    regular: Font,
    bold: Font,
    /// Document subsets already built, by face and glyph set.
    cache: Mutex<HashMap<(FontStyle, GlyphSet), Arc<FontSubset>>>,
}

impl fmt::Debug for FontSet {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("FontSet")
            .field("regular", &self.regular.name)
            .field("regular_glyphs", &self.regular.glyph_count)
            .field("bold", &self.bold.name)
            .field("bold_glyphs", &self.bold.glyph_count)
            .field("cached_subsets", &self.cached_subsets())
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
        let regular = load_font("DejaVuSans", dejavu::sans::regular())?;
        let bold = load_font("DejaVuSans-Bold", dejavu::sans::bold())?;
        Ok(FontSet { regular, bold, cache: Mutex::new(HashMap::new()) })
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

    /// The number of document subsets (one face, one glyph set each) this font set has built and kept so far.
    ///
    /// Only informative: a document's bytes never depend on it.
    pub fn cached_subsets(&self) -> usize {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// The width of `text` in thousandths of an em, or the first character outside the
    /// repertoire.
    pub(crate) fn text_advance(&self, style: FontStyle, text: &str) -> Result<u32, char> {
        let font = self.font(style);
        text.chars().try_fold(0u32, |width, character| {
            font.glyph(character).map(|glyph| width.saturating_add(u32::from(glyph.advance))).ok_or(character)
        })
    }

    /// An empty [`GlyphUsage`] for these fonts.
    pub(crate) fn glyph_usage(&self) -> GlyphUsage {
        GlyphUsage {
            regular: GlyphSet::empty(self.regular.glyph_count),
            bold: GlyphSet::empty(self.bold.glyph_count),
        }
    }

    /// The document subsets of `usage`: one per face that prints at least one glyph, from the cache or built
    /// (and kept) now.
    ///
    /// # Errors
    /// [`RenderError::Font`] if subsetter cannot cut a subset.
    pub(crate) fn document_fonts(&self, usage: &GlyphUsage) -> Result<DocumentFonts<'_>, RenderError> {
        let subset = |style| {
            let glyphs = usage.set(style);
            if glyphs.is_empty() { Ok(None) } else { self.subset(style, glyphs).map(Some) }
        };
        Ok(DocumentFonts {
            fonts: self,
            regular: subset(FontStyle::Regular)?,
            bold: subset(FontStyle::Bold)?,
        })
    }

    /// The document subset of `glyphs` in `style`, from the cache or built now.
    pub(crate) fn subset(&self, style: FontStyle, glyphs: &GlyphSet) -> Result<Arc<FontSubset>, RenderError> {
        let key = (style, glyphs.clone());
        // The lock is held only to look up and to insert, never while subsetting.
        if let Some(cached) = self.cache.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return Ok(Arc::clone(cached));
        }
        let built = Arc::new(self.font(style).subset(glyphs)?);
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() < CACHE_CAPACITY {
            // Another thread may have built the same subset meanwhile: it is the same, keep either.
            cache.entry(key).or_insert_with(|| Arc::clone(&built));
        }
        Ok(built)
    }

    fn font(&self, style: FontStyle) -> &Font {
        match style {
            FontStyle::Regular => &self.regular,
            FontStyle::Bold => &self.bold,
        }
    }
}

/// The fonts of one document: the document subset of each face it prints.
pub(crate) struct DocumentFonts<'a> {
    fonts: &'a FontSet,
    regular: Option<Arc<FontSubset>>,
    bold: Option<Arc<FontSubset>>,
}

impl DocumentFonts<'_> {
    /// The document subset of `style`, if the document prints anything in it.
    pub(crate) fn subset(&self, style: FontStyle) -> Option<&FontSubset> {
        match style {
            FontStyle::Regular => self.regular.as_deref(),
            FontStyle::Bold => self.bold.as_deref(),
        }
    }

    /// The styles the document prints in, regular first.
    pub(crate) fn styles(&self) -> impl Iterator<Item = FontStyle> + '_ {
        FontStyle::ALL.into_iter().filter(|&style| self.subset(style).is_some())
    }

    /// Appends `text` as big-endian two-byte CIDs of the document subset of `style` (Identity-H), or returns the
    /// first character that subset does not hold (outside the repertoire, or not recorded in the
    /// [`GlyphUsage`] the subsets were made from).
    pub(crate) fn encode(&self, style: FontStyle, text: &str, out: &mut Vec<u8>) -> Result<(), char> {
        let font = self.fonts.font(style);
        let subset = self.subset(style);
        for character in text.chars() {
            let cid = font
                .glyph(character)
                .and_then(|glyph| subset?.cids.get(usize::from(glyph.cid)).copied())
                .filter(|&cid| cid != 0)
                .ok_or(character)?;
            out.extend_from_slice(&cid.to_be_bytes());
        }
        Ok(())
    }

    /// Writes the five objects of the font of `style`, numbered `first_ref`..`first_ref + 4`: Type0,
    /// CIDFontType2, FontDescriptor, FontFile2 and ToUnicode. Nothing if the document does not print in it.
    pub(crate) fn write(&self, style: FontStyle, chunk: &mut Chunk, first_ref: Ref) {
        let Some(subset) = self.subset(style) else { return };
        let metrics = &self.fonts.font(style).metrics;
        let type0_ref = first_ref;
        let cid_ref = Ref::new(first_ref.get() + 1);
        let descriptor_ref = Ref::new(first_ref.get() + 2);
        let file_ref = Ref::new(first_ref.get() + 3);
        let cmap_ref = Ref::new(first_ref.get() + 4);
        let name = Name(subset.base_font.as_bytes());
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
        // The printed glyphs are CIDs 1..=n in order (0 is .notdef), so one run covers them all.
        cid_font.widths().consecutive(1, subset.widths.iter().map(|&advance| f32::from(advance)));
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

        chunk
            .stream(file_ref, &subset.program)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), subset.program_length);
        chunk.cmap(cmap_ref, &subset.to_unicode).filter(Filter::FlateDecode);
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

/// Parses one font and subsets it to the repertoire.
fn load_font(name: &'static str, data: &[u8]) -> Result<Font, RenderError> {
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
    // Repertoire glyph ids in ascending order, with the character each was first assigned to.
    let mut characters: Vec<Option<(char, u16)>> = vec![None];
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
            characters.push(Some((character, advance)));
        }
        let glyph = Glyph { cid, advance };
        match direct.get_mut(character as usize) {
            Some(slot) => *slot = Some(glyph),
            None => extra.push((character, glyph)),
        }
    }
    extra.sort_by_key(|&(character, _)| character);

    let program = subsetter::subset(data, 0, &remapper).map_err(|error| font_error(error.to_string()))?;
    let program = strip_hinting(&program)
        .map_err(|reason| font_error(format!("cannot remove the hinting of the subset: {reason}")))?;
    let glyph_count = ttf_parser::Face::parse(&program, 0)
        .map_err(|error| font_error(format!("subset does not parse: {error}")))?
        .number_of_glyphs();
    // The glyphs after the repertoire's characters are components of composite glyphs.
    characters.resize(usize::from(glyph_count).max(characters.len()), None);

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

    let (laid_out, name_at) = with_table_last(&program, b"name")
        .map_err(|reason| font_error(format!("cannot lay out the repertoire subset: {reason}")))?;
    let name_tail = DeflatedTail::new(laid_out.get(name_at..).unwrap_or_default().to_vec());

    Ok(Font { name, direct, extra, characters, program, name_tail, glyph_count, metrics })
}

/// A deterministic six-letter subset tag (PDF 32000-1 §9.6.4) derived from the face's name and the glyph set.
fn subset_tag(name: &str, glyphs: &GlyphSet) -> String {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    for glyph in glyphs.iter() {
        hasher.update(glyph.to_be_bytes());
    }
    let digest = hasher.finalize();
    digest.iter().take(6).map(|byte| char::from(b'A' + byte % 26)).collect()
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
        // `printable`'s fast path is the first two ranges of the table.
        assert_eq!(REPERTOIRE[..2], [(' ', '~'), ('\u{00A0}', '\u{017F}')]);
        for code in 0..0x3000u32 {
            let Some(character) = char::from_u32(code) else { continue };
            let listed = REPERTOIRE.iter().any(|&(first, last)| (first..=last).contains(&character));
            assert_eq!(printable(character), listed, "U+{code:04X}");
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
            let mut usage = fonts.glyph_usage();
            assert_eq!(usage.add(&fonts, FontStyle::Regular, &format!("a{character}")), Err(character));
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

    fn document_fonts<'a>(fonts: &'a FontSet, regular: &str, bold: &str) -> DocumentFonts<'a> {
        let mut usage = fonts.glyph_usage();
        usage.add(fonts, FontStyle::Regular, regular).expect("repertoire text");
        usage.add(fonts, FontStyle::Bold, bold).expect("repertoire text");
        fonts.document_fonts(&usage).expect("subsets")
    }

    fn program(subset: &FontSubset) -> Vec<u8> {
        miniz_oxide::inflate::decompress_to_vec_zlib(&subset.program).expect("a zlib stream")
    }

    #[test]
    fn a_document_subset_holds_only_the_glyphs_it_prints() {
        let fonts = fonts();
        let text = "Net à payer : 1\u{202f}234,56\u{a0}€";
        let documents = document_fonts(&fonts, text, "");
        assert!(documents.subset(FontStyle::Bold).is_none(), "an unused face has no subset");
        assert_eq!(documents.styles().collect::<Vec<_>>(), [FontStyle::Regular]);
        let subset = documents.subset(FontStyle::Regular).expect("regular is used");
        let distinct: std::collections::BTreeSet<char> = text.chars().collect();
        assert_eq!(subset.widths.len(), distinct.len());
        let program = program(subset);
        let face = ttf_parser::Face::parse(&program, 0).expect("the document subset parses");
        // .notdef, the printed glyphs, and the components of composite glyphs (à is a plus a grave accent).
        let glyph_count = face.number_of_glyphs();
        let printed = u16::try_from(distinct.len()).unwrap();
        assert!(
            printed < glyph_count && glyph_count <= 2 * printed + 1,
            "{glyph_count} glyphs for {printed}"
        );
        assert!(glyph_count < fonts.regular.glyph_count / 10, "{glyph_count}");
        // Text is encoded with CIDs 1..=n, whose widths are the repertoire advances and the program's.
        let mut codes = Vec::new();
        documents.encode(FontStyle::Regular, text, &mut codes).expect("encodes");
        let units_per_em = u32::from(face.units_per_em());
        for (character, pair) in text.chars().zip(codes.chunks(2)) {
            let cid = u16::from_be_bytes([pair[0], pair[1]]);
            assert!((1..=u16::try_from(distinct.len()).unwrap()).contains(&cid), "{character:?} → {cid}");
            let width = subset.widths[usize::from(cid - 1)];
            assert_eq!(Some(width), fonts.advance(FontStyle::Regular, character));
            let units = u32::from(face.glyph_hor_advance(ttf_parser::GlyphId(cid)).expect("advance"));
            assert_eq!(u32::from(width), (units * 1000 + units_per_em / 2) / units_per_em, "{character:?}");
        }
    }

    #[test]
    fn every_document_subset_ends_with_the_name_table_compressed_once() {
        let fonts = fonts();
        let documents = document_fonts(&fonts, "Titre de recettes n° 2026-000123", "Net à payer");
        for style in FontStyle::ALL {
            let font = fonts.font(style);
            let subset = documents.subset(style).expect("used");
            let program = program(subset);
            assert_eq!(usize::try_from(subset.program_length).ok(), Some(program.len()));
            // The licence goes with every copy: the name table is the repertoire's, last in the file.
            let face = ttf_parser::Face::parse(&program, 0).expect("the laid-out subset parses");
            let name = face.raw_face().table(ttf_parser::Tag::from_bytes(b"name")).expect("a name table");
            assert!(name.len() > 1000, "{} bytes", name.len());
            assert!(program.ends_with(&font.name_tail.bytes), "{style:?}: the name table is last");
            assert!(font.name_tail.bytes.starts_with(name));
            // … and its compressed form is the one made once, not compressed again.
            assert!(
                subset.program.windows(font.name_tail.raw().len()).any(|w| w == font.name_tail.raw()),
                "{style:?}: the precompressed name table is in the stream"
            );
            // The checksum adjustment is right: the whole file sums to 0xB1B0AFBA.
            let sum = program.chunks(4).fold(0u32, |sum, chunk| {
                let mut word = [0; 4];
                word[..chunk.len()].copy_from_slice(chunk);
                sum.wrapping_add(u32::from_be_bytes(word))
            });
            assert_eq!(sum, 0xB1B0_AFBA, "{style:?}");
        }
    }

    #[test]
    fn text_outside_the_recorded_glyphs_is_refused() {
        let fonts = fonts();
        let documents = document_fonts(&fonts, "abc", "");
        let mut codes = Vec::new();
        assert_eq!(documents.encode(FontStyle::Regular, "abd", &mut codes), Err('d'));
        assert_eq!(documents.encode(FontStyle::Bold, "a", &mut codes), Err('a'));
    }

    #[test]
    fn subsets_depend_only_on_their_glyph_set_and_are_cached() {
        let fonts = fonts();
        let first = document_fonts(&fonts, "Facture n° 42", "Total");
        assert_eq!(fonts.cached_subsets(), 2);
        // The same glyphs in another order and with repeats: the same subset, from the cache.
        let again = document_fonts(&fonts, "n° 24 Facture Facture", "latoT");
        assert_eq!(fonts.cached_subsets(), 2);
        let cold = FontSet::dejavu().expect("fonts");
        let fresh = document_fonts(&cold, "Facture n° 42", "Total");
        for style in FontStyle::ALL {
            let [first, again, fresh] =
                [&first, &again, &fresh].map(|fonts| fonts.subset(style).expect("used"));
            assert_eq!(first.base_font, again.base_font);
            assert_eq!(first.base_font, fresh.base_font);
            assert_eq!(first.program, fresh.program);
            assert_eq!(first.to_unicode, fresh.to_unicode);
            assert_eq!(first.widths, fresh.widths);
        }
        // Another glyph set: another subset and another tag.
        let other = document_fonts(&fonts, "Facture n° 43", "Total");
        assert_eq!(fonts.cached_subsets(), 3);
        let [first, other] = [&first, &other].map(|fonts| fonts.subset(FontStyle::Regular).expect("used"));
        assert_ne!(first.base_font, other.base_font);
        assert_ne!(first.program, other.program);
    }

    #[test]
    fn subset_tags_are_well_formed() {
        let fonts = fonts();
        let documents = document_fonts(&fonts, "Facture", "Facture");
        let regular = documents.subset(FontStyle::Regular).expect("used").base_font.as_str();
        let (tag, rest) = regular.split_at(7);
        assert!(tag.ends_with('+') && tag[..6].bytes().all(|b| b.is_ascii_uppercase()), "{tag}");
        assert_eq!(rest, "DejaVuSans");
        let bold = documents.subset(FontStyle::Bold).expect("used").base_font.as_str();
        assert!(bold.ends_with("+DejaVuSans-Bold"), "{bold}");
        assert_ne!(regular[..6], bold[..6], "the face's name is part of the tag");
    }
}
