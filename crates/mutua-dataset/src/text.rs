//! Reading a file of the dataset as UTF-8 text.

use std::path::Path;

use crate::error::{ErrorKind, LoadError};

/// Whether a file must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    /// Absence is an error.
    Required,
    /// Absence means no records.
    Optional,
}

/// Reads `dir/name` as UTF-8, skipping a byte-order mark. Returns `None` after pushing an error when the file
/// is missing (and required), unreadable or not UTF-8; returns `None` without error when an optional file is
/// absent.
pub(crate) fn read(
    dir: &Path,
    name: &str,
    presence: Presence,
    errors: &mut Vec<LoadError>,
) -> Option<String> {
    let path = dir.join(name);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if presence == Presence::Required {
                errors.push(LoadError::new(name, 0, "file", ErrorKind::MissingFile));
            }
            return None;
        }
        Err(error) => {
            errors.push(LoadError::new(name, 0, "file", ErrorKind::Io(error.to_string())));
            return None;
        }
    };
    match decode(bytes) {
        Ok(text) => Some(text),
        Err((line, kind)) => {
            errors.push(LoadError::new(name, line, "encoding", kind));
            None
        }
    }
}

/// Decodes UTF-8, skipping a byte-order mark; on failure gives the 1-based line of the first invalid byte.
pub(crate) fn decode(mut bytes: Vec<u8>) -> Result<String, (u32, ErrorKind)> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
    }
    String::from_utf8(bytes).map_err(|error| {
        let valid_up_to = error.utf8_error().valid_up_to();
        let bytes = error.as_bytes();
        let before = &bytes[..valid_up_to];
        let line = line_number(before.iter().filter(|&&b| b == b'\n').count());
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |position| position + 1);
        let byte = bytes.get(valid_up_to).copied().unwrap_or(0);
        (line, ErrorKind::NotUtf8 { byte, column: valid_up_to - line_start + 1 })
    })
}

/// The 1-based line after `newlines` line breaks, saturating rather than wrapping on absurd sizes.
pub(crate) fn line_number(newlines: usize) -> u32 {
    u32::try_from(newlines).map_or(u32::MAX, |n| n.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_table() {
        let cases: [(&[u8], Result<&str, (u32, u8, usize)>); 6] = [
            (b"a,b\n1,2\n", Ok("a,b\n1,2\n")),
            (b"\xEF\xBB\xBFa,b\n", Ok("a,b\n")),
            ("Marcq-en-Barœul".as_bytes(), Ok("Marcq-en-Barœul")),
            // Latin-1 "Hôtel" on line 3: ô is 0xF4, the 2nd byte of the line.
            (b"a\nb\nH\xF4tel\n", Err((3, 0xF4, 2))),
            (b"\xE9", Err((1, 0xE9, 1))),
            // A truncated multi-byte sequence at the end of line 2.
            (b"x\nab\xC3", Err((2, 0xC3, 3))),
        ];
        for (bytes, expected) in cases {
            let got = decode(bytes.to_vec()).map_err(|(line, kind)| match kind {
                ErrorKind::NotUtf8 { byte, column } => (line, byte, column),
                other => panic!("unexpected {other:?}"),
            });
            assert_eq!(got.as_deref().map_err(|e| *e), expected, "{bytes:?}");
        }
    }

    #[test]
    fn missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut errors = Vec::new();
        assert_eq!(read(dir.path(), "indices.csv", Presence::Optional, &mut errors), None);
        assert!(errors.is_empty());
        assert_eq!(read(dir.path(), "parties.csv", Presence::Required, &mut errors), None);
        assert_eq!(errors[0].to_string(), "parties.csv: file: missing file");
        std::fs::write(dir.path().join("bad.csv"), b"a\n\xFF").unwrap();
        assert_eq!(read(dir.path(), "bad.csv", Presence::Required, &mut errors), None);
        assert_eq!(
            errors[1].to_string(),
            "bad.csv:2: encoding: not UTF-8: invalid byte 0xFF at column 1 (save the file as UTF-8)"
        );
    }
}
