//! Writing to standard output without panicking when the reader goes away (`mutua explain … | head`).

use std::io::Write as _;

/// Writes `text` to stdout. A closed pipe is not an error (the reader has what it wanted); any other write
/// error is returned.
pub fn print_out(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
