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
//!   A subset's program ends with its `name` table, the same in every subset of a face (mostly the font's
//!   licence): [`deflate_font_program`] appends that end compressed once ([`DeflatedTail`]) to the compressed
//!   rest, which cuts a subset's compression by more than half;
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
    /// Raw deflate (no zlib header) for the part of a font program before its precompressed tail.
    static RAW_FONT_COMPRESSOR: RefCell<Compress> =
        RefCell::new(Compress::new(Compression::new(u32::from(FONT_LEVEL)), false));
}

/// Compresses a stream of a font subset (zlib format, level [`FONT_LEVEL`], zlib-rs).
pub(crate) fn deflate_font_stream(data: &[u8]) -> Vec<u8> {
    deflate_with(&FONT_COMPRESSOR, FONT_LEVEL, data)
}

/// The constant end of many streams, deflated once: a raw deflate stream (its last block final), its bytes'
/// Adler-32 and length. [`deflate_font_program`] appends it to the compressed rest of each stream.
#[derive(Debug, Clone)]
pub(crate) struct DeflatedTail {
    /// The bytes, uncompressed (to check that a stream really ends with them).
    pub(crate) bytes: Vec<u8>,
    raw: Vec<u8>,
    adler: u32,
}

impl DeflatedTail {
    /// The compressed blocks (for tests that look for them in a stream).
    #[cfg(test)]
    pub(crate) fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// Deflates `bytes` once, as hard as miniz can.
    pub(crate) fn new(bytes: Vec<u8>) -> DeflatedTail {
        let raw = miniz_oxide::deflate::compress_to_vec(&bytes, ONCE_LEVEL);
        let adler = adler32(&bytes);
        DeflatedTail { bytes, raw, adler }
    }
}

/// Compresses a font program that ends with `tail` (zlib format): its beginning at [`FONT_LEVEL`] (zlib-rs),
/// ended by a sync flush (an empty stored block, byte-aligned, not final), then `tail`'s blocks, compressed once
/// and referring to nothing before them, then the Adler-32 of the whole. The result is one valid zlib stream,
/// the same bytes on every call. A program that does not end with `tail` is compressed whole.
pub(crate) fn deflate_font_program(program: &[u8], tail: &DeflatedTail) -> Vec<u8> {
    let Some(head) = program.strip_suffix(tail.bytes.as_slice()) else {
        return deflate_font_stream(program);
    };
    let reused = RAW_FONT_COMPRESSOR.try_with(|cell| {
        cell.try_borrow_mut().ok().and_then(|mut compressor| sync_flushed(&mut compressor, head))
    });
    let head_raw = reused.ok().flatten().or_else(|| {
        let mut fresh = Compress::new(Compression::new(u32::from(FONT_LEVEL)), false);
        sync_flushed(&mut fresh, head)
    });
    let Some(head_raw) = head_raw else {
        return deflate_font_stream(program);
    };
    let mut output = Vec::with_capacity(2 + head_raw.len() + tail.raw.len() + 4);
    // CMF: deflate with a 32 KiB window; FLG: the default level, no dictionary, check bits (0x789C % 31 == 0).
    output.extend_from_slice(&[0x78, 0x9C]);
    output.extend_from_slice(&head_raw);
    output.extend_from_slice(&tail.raw);
    output.extend_from_slice(&adler32_combine(adler32(head), tail.adler, tail.bytes.len()).to_be_bytes());
    output
}

/// `data` as raw deflate blocks ended by a sync flush, with `compressor` (raw, reset first).
fn sync_flushed(compressor: &mut Compress, data: &[u8]) -> Option<Vec<u8>> {
    compressor.reset();
    let mut output = Vec::with_capacity(data.len() + data.len() / 8 + 64);
    loop {
        let consumed = usize::try_from(compressor.total_in()).ok()?;
        compressor.compress_vec(data.get(consumed..)?, &mut output, FlushCompress::Sync).ok()?;
        let consumed = usize::try_from(compressor.total_in()).ok()?;
        // Done when everything is in and the flush had room to finish.
        if consumed == data.len() && output.len() < output.capacity() {
            return Some(output);
        }
        output.reserve(output.capacity().max(256));
    }
}

/// The Adler-32 checksum of `data` (RFC 1950).
fn adler32(data: &[u8]) -> u32 {
    // 5552 is the largest n for which 255 n (n + 1) / 2 + (n + 1) (65521 - 1) fits in 32 bits.
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= ADLER_BASE;
        b %= ADLER_BASE;
    }
    (b << 16) | a
}

const ADLER_BASE: u32 = 65521;

/// The Adler-32 of two byte strings one after the other, from theirs and the second's length (as zlib's
/// `adler32_combine`).
fn adler32_combine(first: u32, second: u32, second_len: usize) -> u32 {
    let base = u64::from(ADLER_BASE);
    let remainder = (second_len as u64) % base;
    let (a1, b1) = (u64::from(first & 0xFFFF), u64::from(first >> 16));
    let (a2, b2) = (u64::from(second & 0xFFFF), u64::from(second >> 16));
    let a = (a1 + a2 + base - 1) % base;
    let b = (remainder * a1 + b1 + b2 + base - remainder) % base;
    // Both are below 65521: they fit.
    ((b as u32) << 16) | (a as u32)
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

    #[test]
    fn adler32_and_its_combination_match_zlib() {
        let text: Vec<u8> = (0..20_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for split in [0, 1, 5551, 5552, 5553, 12_345, 20_000] {
            let (first, second) = text.split_at(split);
            assert_eq!(
                adler32_combine(adler32(first), adler32(second), second.len()),
                adler32(&text),
                "{split}"
            );
        }
        // The zlib stream of the text ends with its Adler-32, big-endian.
        let stream = deflate_once(&text);
        assert_eq!(stream[stream.len() - 4..], adler32(&text).to_be_bytes());
        assert_eq!(adler32(b""), 1);
    }

    #[test]
    fn a_program_with_a_precompressed_tail_is_one_valid_stream() {
        let tail =
            DeflatedTail::new(b"Copyright (c) 2003 by Bitstream, Inc. All Rights Reserved. ".repeat(80));
        let head: Vec<u8> = (0..9000u32).flat_map(|i| (i % 300).to_be_bytes()).collect();
        for head in [&head[..], b"", b"x"] {
            let program = [head, &tail.bytes].concat();
            let stream = deflate_font_program(&program, &tail);
            assert_eq!(decompress_to_vec_zlib(&stream).ok().as_deref(), Some(&program[..]));
            assert_eq!(stream, deflate_font_program(&program, &tail), "deterministic");
            assert!(stream.len() <= deflate_font_stream(&program).len() + 64, "{} bytes", stream.len());
        }
        // A program that does not end with the tail is compressed whole.
        let other = [&head[..], b"another end"].concat();
        assert_eq!(deflate_font_program(&other, &tail), deflate_font_stream(&other));
    }
}
