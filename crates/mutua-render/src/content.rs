//! A minimal writer for page content streams (PDF 32000-1 §8–9), for the dozen operators the
//! invoices use.
//!
//! pdf-writer's `Content` would do, but it formats every number with ryu and writes glyph codes
//! below 128 as octal escapes (`\000A` for one glyph); on a typical invoice that is a third more
//! bytes, written more slowly and then deflated more slowly. Here coordinates are rounded once to
//! 1/100 pt (finer than any printer) and written with integer arithmetic, text positions are
//! relative moves (`Td`) in exact hundredths, and glyph codes are hex strings (four digits per
//! glyph). Coordinates arrive already in PDF space (y up): the flip happens in `pdf.rs`.
#![allow(clippy::float_arithmetic)] // rounding f32 geometry in points to integers; no money here.

use super::color::Rgb;

/// A content stream being written.
pub(crate) struct ContentWriter {
    buf: Vec<u8>,
    /// The origin of the current text line in hundredths of a point, inside `BT`…`ET`.
    line_origin: Option<(i64, i64)>,
}

/// The number of decimal digits of `value` (1 for 0).
fn digit_count(mut value: u64) -> u32 {
    let mut count = 1;
    while value >= 10 {
        value /= 10;
        count += 1;
    }
    count
}

/// `value` in hundredths, rounded half away from zero.
fn hundredths(value: f32) -> i64 {
    (value * 100.0).round() as i64
}

impl ContentWriter {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        ContentWriter { buf: Vec::with_capacity(capacity), line_origin: None }
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.buf
    }

    /// Writes `scaled / 10^decimals` in the shortest exact decimal form, then a space.
    fn fixed(&mut self, scaled: i64, decimals: u32) {
        if scaled < 0 {
            self.buf.push(b'-');
        }
        let magnitude = scaled.unsigned_abs();
        let divisor = 10u64.pow(decimals);
        self.integer(magnitude / divisor);
        let mut fraction = magnitude % divisor;
        if fraction != 0 {
            self.buf.push(b'.');
            let mut digits = decimals;
            while fraction.is_multiple_of(10) {
                fraction /= 10;
                digits -= 1;
            }
            // Leading zeros of the fraction, as in 0.05.
            for _ in digit_count(fraction)..digits {
                self.buf.push(b'0');
            }
            self.integer(fraction);
        }
        self.buf.push(b' ');
    }

    fn integer(&mut self, mut value: u64) {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (value % 10) as u8;
            value /= 10;
            if value == 0 {
                break;
            }
        }
        self.buf.extend_from_slice(&digits[start..]);
    }

    fn coordinate(&mut self, value: f32) {
        self.fixed(hundredths(value), 2);
    }

    fn operator(&mut self, operator: &[u8]) {
        self.buf.extend_from_slice(operator);
        self.buf.push(b'\n');
    }

    fn color(&mut self, color: Rgb, operator: &[u8]) {
        // Three decimals are finer than eight bits per channel.
        for channel in [color.r, color.g, color.b] {
            self.fixed((i64::from(channel) * 1000 + 127) / 255, 3);
        }
        self.operator(operator);
    }

    /// `rg`: the fill colour, for shapes and text.
    pub(crate) fn fill_color(&mut self, color: Rgb) {
        self.color(color, b"rg");
    }

    /// `RG`: the stroke colour.
    pub(crate) fn stroke_color(&mut self, color: Rgb) {
        self.color(color, b"RG");
    }

    /// `w`: the line width.
    pub(crate) fn line_width(&mut self, width: f32) {
        self.coordinate(width);
        self.operator(b"w");
    }

    /// `re f`: a filled rectangle from its lower-left corner.
    pub(crate) fn fill_rect(&mut self, x: f32, y: f32, width: f32, height: f32) {
        for value in [x, y, width, height] {
            self.coordinate(value);
        }
        self.operator(b"re f");
    }

    /// `m l S`: a stroked straight line.
    pub(crate) fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        self.coordinate(x1);
        self.coordinate(y1);
        self.operator(b"m");
        self.coordinate(x2);
        self.coordinate(y2);
        self.operator(b"l S");
    }

    /// `q`: saves the graphics state.
    pub(crate) fn save_state(&mut self) {
        self.operator(b"q");
    }

    /// `Q`: restores the graphics state.
    pub(crate) fn restore_state(&mut self) {
        self.operator(b"Q");
    }

    /// `BT`: starts a text object (the text matrix is the identity).
    pub(crate) fn begin_text(&mut self) {
        self.operator(b"BT");
        self.line_origin = Some((0, 0));
    }

    /// `ET`: ends the text object.
    pub(crate) fn end_text(&mut self) {
        self.operator(b"ET");
        self.line_origin = None;
    }

    /// `Tf`: selects a font resource and size.
    pub(crate) fn font(&mut self, resource: &[u8], size: f32) {
        self.buf.push(b'/');
        self.buf.extend_from_slice(resource);
        self.buf.push(b' ');
        self.coordinate(size);
        self.operator(b"Tf");
    }

    /// `Tm`: sets the text matrix (rotation/scale to 4 decimals, translation to 1/100 pt).
    pub(crate) fn text_matrix(&mut self, matrix: [f32; 6]) {
        let [a, b, c, d, e, f] = matrix;
        for value in [a, b, c, d] {
            self.fixed((value * 10_000.0).round() as i64, 4);
        }
        self.coordinate(e);
        self.coordinate(f);
        self.operator(b"Tm");
        // Later moves would be relative to a transformed line; `start_line` is only used
        // with an unrotated text object.
        self.line_origin = None;
    }

    /// `Td`: starts a text line at (`x`, `y`), written as an exact move from the previous line.
    /// Only valid after [`Self::begin_text`] without a rotated [`Self::text_matrix`].
    pub(crate) fn start_line(&mut self, x: f32, y: f32) {
        let (x, y) = (hundredths(x), hundredths(y));
        let (previous_x, previous_y) = self.line_origin.unwrap_or((0, 0));
        self.fixed(x - previous_x, 2);
        self.fixed(y - previous_y, 2);
        self.operator(b"Td");
        self.line_origin = Some((x, y));
    }

    /// `Tj`: shows glyph codes, written as a literal string of the raw bytes.
    pub(crate) fn show(&mut self, codes: &[u8]) {
        // A literal string of the raw two-byte codes: half the bytes of a hex string before compression, and
        // about a third fewer after. `(`, `)` and `\` are escaped, and so are CR and LF, which a reader would
        // otherwise normalise as an end of line.
        self.buf.reserve(codes.len() + codes.len() / 8 + 6);
        self.buf.push(b'(');
        for &byte in codes {
            match byte {
                b'(' | b')' | b'\\' => self.buf.extend_from_slice(&[b'\\', byte]),
                b'\r' => self.buf.extend_from_slice(b"\\r"),
                b'\n' => self.buf.extend_from_slice(b"\\n"),
                _ => self.buf.push(byte),
            }
        }
        self.buf.extend_from_slice(b") ");
        self.operator(b"Tj");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(write: impl FnOnce(&mut ContentWriter)) -> String {
        let mut content = ContentWriter::with_capacity(64);
        write(&mut content);
        String::from_utf8(content.finish()).expect("content streams here are ASCII")
    }

    #[test]
    fn numbers_are_short_and_exact() {
        let cases: &[(i64, u32, &str)] = &[
            (0, 2, "0 "),
            (5, 2, "0.05 "),
            (50, 2, "0.5 "),
            (49528, 2, "495.28 "),
            (49500, 2, "495 "),
            (-1150, 2, "-11.5 "),
            (-5, 2, "-0.05 "),
            (7071, 4, "0.7071 "),
            (-10_000, 4, "-1 "),
            (102, 3, "0.102 "),
        ];
        for &(scaled, decimals, expected) in cases {
            assert_eq!(
                written(|content| content.fixed(scaled, decimals)),
                expected,
                "{scaled}/10^{decimals}"
            );
        }
    }

    #[test]
    fn operators_are_written_as_pdf_syntax() {
        let text = written(|content| {
            content.fill_color(Rgb { r: 255, g: 0, b: 26 });
            content.fill_rect(50.0, 486.894, 495.28003, 18.0);
            content.line(50.0, 10.0, 545.28, 10.0);
            content.begin_text();
            content.font(b"F1", 8.5);
            content.start_line(54.0, 700.5);
            content.show(&[0x00, 0x2A, 0x01, 0x44]);
            content.start_line(54.0, 689.0);
            content.end_text();
        });
        assert_eq!(
            text,
            "1 0 0.102 rg\n50 486.89 495.28 18 re f\n50 10 m\n545.28 10 l S\nBT\n/F1 8.5 Tf\n\
             54 700.5 Td\n(\u{0}*\u{1}D) Tj\n0 -11.5 Td\nET\n"
        );
    }

    #[test]
    fn glyph_codes_escape_what_a_literal_string_would_misread() {
        let mut content = ContentWriter::with_capacity(64);
        content.show(&[0x00, b'(', 0x00, b')', 0x00, b'\\', 0x00, b'\r', 0x00, b'\n', 0x01, 0xFF]);
        assert_eq!(content.finish(), b"(\x00\\(\x00\\)\x00\\\\\x00\\r\x00\\n\x01\xFF) Tj\n".to_vec());
    }
}
