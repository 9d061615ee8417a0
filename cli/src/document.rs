//! Printing a whole document (`pml analyze`, `pml diff`) on standard output.

use std::io::Write;

use anyhow::Result;

/// What a document is written for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// A program (JSON): printed exactly.
    Program,
    /// A person (text): nothing from the capture reaches the terminal raw.
    Person,
}

/// Prints `out` on standard output as `reader` needs it. A reader that went away
/// (`pml analyze ... | head`) has all it wanted: that is not an error.
pub fn print(out: Vec<u8>, reader: Reader) -> Result<()> {
    let out = match reader {
        Reader::Program => out,
        Reader::Person => pml_parser::for_terminal_lines(&String::from_utf8_lossy(&out))
            .into_owned()
            .into_bytes(),
    };
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&out).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
