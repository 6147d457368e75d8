//! Colours of the layout, as the PDF encoder paints them.

use serde::Serialize;

/// An sRGB colour (the encoder writes it as DeviceRGB under an sRGB output intent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rgb {
    /// Red, 0–255.
    pub r: u8,
    /// Green, 0–255.
    pub g: u8,
    /// Blue, 0–255.
    pub b: u8,
}
