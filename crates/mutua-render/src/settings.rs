//! The pdf-writer settings every object of a document is written with (fonts, pages, metadata alike).

use pdf_writer::Settings;

/// The pdf-writer settings used for every object: compact output.
pub(crate) fn pdf_settings() -> Settings {
    Settings { pretty: false }
}
