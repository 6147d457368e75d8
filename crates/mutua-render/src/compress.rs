//! Deflate (zlib) compression for `/FlateDecode` streams.
//!
//! Three settings, for three kinds of streams:
//! - [`deflate_once`], for the streams built once per run (the ICC profile): the best compression miniz
//!   offers, since its cost is paid once and its savings in every document;
//! - [`deflate_font_stream`], for the streams of a document's font subsets (font program, ToUnicode CMap),
//!   built once per glyph set and cached by the [`FontSet`](crate::FontSet): zlib-rs at level 6, with a
//!   compressor reused across calls on the same thread. Measured on the regular face of a typical invoice
//!   (a 16.8 KB program): ~115 µs for 6,990 bytes, where miniz's best level takes ~330 µs for 6,870 bytes and
//!   zlib-rs's level 1 ~40 µs for 8,890 bytes;
//! - [`deflate_per_document`], for the other streams of each document (page contents, attachments):
//!   zlib-rs at its fastest level, with a compressor reused across calls on the same thread
//!   (about twice as fast as miniz's level 1 on page content). Measured on a
//!   typical invoice (15 KB of page content): level 6 costs ~330 µs and saves ~1.5 KB over
//!   level 1 (~50 µs).

use std::cell::RefCell;
use std::thread::LocalKey;

use flate2::{Compress, Compression, FlushCompress, Status};
use miniz_oxide::deflate::compress_to_vec_zlib;

/// miniz level for once-per-run streams (10 = best, "uber" compression).
const ONCE_LEVEL: u8 = 10;
/// zlib level for the streams of font subsets.
pub(crate) const FONT_LEVEL: u8 = 6;
/// zlib level for per-document streams (1 = fastest).
pub(crate) const PER_DOCUMENT_LEVEL: u8 = 1;

/// Compresses data that is built once per run, as hard as miniz can.
pub(crate) fn deflate_once(data: &[u8]) -> Vec<u8> {
    compress_to_vec_zlib(data, ONCE_LEVEL)
}

thread_local! {
    /// Compressors kept per thread, one per level: creating one allocates its tables, which would otherwise
    /// cost more than compressing a page.
    static PER_DOCUMENT_COMPRESSOR: RefCell<Compress> =
        RefCell::new(Compress::new(Compression::new(u32::from(PER_DOCUMENT_LEVEL)), true));
    static FONT_COMPRESSOR: RefCell<Compress> =
        RefCell::new(Compress::new(Compression::new(u32::from(FONT_LEVEL)), true));
}

/// Compresses a stream of a font subset (zlib format, level [`FONT_LEVEL`], zlib-rs).
pub(crate) fn deflate_font_stream(data: &[u8]) -> Vec<u8> {
    deflate_with(&FONT_COMPRESSOR, FONT_LEVEL, data)
}

/// Compresses a per-document stream quickly (zlib format, level [`PER_DOCUMENT_LEVEL`], zlib-rs).
pub(crate) fn deflate_per_document(data: &[u8]) -> Vec<u8> {
    deflate_with(&PER_DOCUMENT_COMPRESSOR, PER_DOCUMENT_LEVEL, data)
}

/// Compresses `data` with the thread's compressor of `level`, or a new one at the same level if the thread's is
/// not available (thread teardown, re-entrance): the bytes are the same either way.
fn deflate_with(compressor: &'static LocalKey<RefCell<Compress>>, level: u8, data: &[u8]) -> Vec<u8> {
    let reused = compressor.try_with(|cell| {
        cell.try_borrow_mut().ok().and_then(|mut compressor| deflate(&mut compressor, data))
    });
    reused.ok().flatten().unwrap_or_else(|| {
        let mut fresh = Compress::new(Compression::new(u32::from(level)), true);
        deflate(&mut fresh, data).unwrap_or_else(|| compress_to_vec_zlib(data, level))
    })
}

/// Compresses `data` in one zlib stream with `compressor`, reset first.
fn deflate(compressor: &mut Compress, data: &[u8]) -> Option<Vec<u8>> {
    compressor.reset();
    let mut output = Vec::with_capacity(data.len() / 2 + 128);
    loop {
        let consumed = usize::try_from(compressor.total_in()).ok()?;
        let status =
            compressor.compress_vec(data.get(consumed..)?, &mut output, FlushCompress::Finish).ok()?;
        if status == Status::StreamEnd {
            return Some(output);
        }
        // Out of room: grow and go on.
        output.reserve(output.capacity().max(256));
    }
}

#[cfg(test)]
mod tests {
    use miniz_oxide::inflate::decompress_to_vec_zlib;

    use super::*;

    #[test]
    fn every_setting_round_trips_and_reuse_gives_identical_output() {
        let text: Vec<u8> =
            (0..5000).flat_map(|index: u32| format!("1 0 0 1 {index} 700 Tm\n").into_bytes()).collect();
        for data in [&b""[..], b"x", &text] {
            assert_eq!(decompress_to_vec_zlib(&deflate_once(data)).ok().as_deref(), Some(data));
            let first = deflate_per_document(data);
            assert_eq!(decompress_to_vec_zlib(&first).ok().as_deref(), Some(data));
            assert_eq!(first, deflate_per_document(data), "a reused compressor must be deterministic");
            let font = deflate_font_stream(data);
            assert_eq!(decompress_to_vec_zlib(&font).ok().as_deref(), Some(data));
            assert_eq!(font, deflate_font_stream(data), "a reused compressor must be deterministic");
            let mut fresh = Compress::new(Compression::new(u32::from(FONT_LEVEL)), true);
            assert_eq!(
                deflate(&mut fresh, data).as_ref(),
                Some(&font),
                "a fresh compressor gives the same bytes"
            );
        }
    }
}
