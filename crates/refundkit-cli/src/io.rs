//! Input, output and errors of the command line.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use refundkit_core::{Report, SecretString};

use crate::Exit;

/// Largest input read: far above any refund message, low enough not to exhaust memory.
const MAX_INPUT: u64 = 16 * 1024 * 1024;

/// A failure that ends the command, with its exit code.
#[derive(Debug)]
pub enum CliError {
    /// Bad flags or unreadable files named on the command line (exit 2).
    Usage(String),
    /// The input was rejected (exit 1).
    Rejected(String),
}

impl CliError {
    pub fn exit(&self) -> Exit {
        match self {
            CliError::Usage(_) => Exit::Usage,
            CliError::Rejected(_) => Exit::Rejected,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) | CliError::Rejected(m) => f.write_str(m),
        }
    }
}

/// Reads INPUT: a path, or stdin for `-` or nothing.
pub fn read_input(input: Option<&Path>) -> Result<Vec<u8>, CliError> {
    let mut buf = Vec::new();
    let result = match input {
        None => std::io::stdin()
            .lock()
            .take(MAX_INPUT + 1)
            .read_to_end(&mut buf),
        Some(p) if p == Path::new("-") => std::io::stdin()
            .lock()
            .take(MAX_INPUT + 1)
            .read_to_end(&mut buf),
        Some(p) => std::fs::File::open(p)
            .and_then(|f| f.take(MAX_INPUT + 1).read_to_end(&mut buf))
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", p.display()))),
    };
    result.map_err(|e| CliError::Usage(format!("cannot read input: {e}")))?;
    if buf.len() as u64 > MAX_INPUT {
        return Err(CliError::Rejected(format!(
            "input is larger than {MAX_INPUT} bytes"
        )));
    }
    Ok(buf)
}

/// Reads a secret from a file: its content, without one trailing newline.
pub fn read_secret(path: &PathBuf, what: &str) -> Result<SecretString, CliError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::Usage(format!("cannot read {what} file {}: {e}", path.display())))?;
    SecretString::from_file_bytes(bytes)
        .map_err(|_| CliError::Usage(format!("{what} file {} is not UTF-8", path.display())))
}

thread_local! {
    /// Where `emit` writes while a command runs inside `conform` (its output compared with a
    /// golden file) rather than on stdout.
    static CAPTURED: std::cell::RefCell<Option<Vec<u8>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with everything it emits kept, not written: its result and its output.
pub fn captured<T>(f: impl FnOnce() -> T) -> (T, Vec<u8>) {
    CAPTURED.with(|c| *c.borrow_mut() = Some(Vec::new()));
    let result = f();
    let out = CAPTURED.with(|c| c.borrow_mut().take()).unwrap_or_default();
    (result, out)
}

/// Writes to stdout; a closed pipe is not a panic.
pub fn emit(bytes: &[u8]) -> Result<(), CliError> {
    let kept = CAPTURED.with(|c| match c.borrow_mut().as_mut() {
        Some(buffer) => {
            buffer.extend_from_slice(bytes);
            true
        }
        None => false,
    });
    if kept {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| CliError::Rejected(format!("cannot write output: {e}")))
}

/// One diagnostic line on stderr (none while a command's output is captured: `conform`
/// reports its cases itself).
pub fn diagnose(line: &str) {
    if CAPTURED.with(|c| c.borrow().is_some()) {
        return;
    }
    let _ = writeln!(std::io::stderr().lock(), "refundkit: {line}");
}

/// Lines as [`diagnose`] writes them, all in one write: a busy server's log costs one system
/// call per batch, not per line.
pub fn diagnose_all<'a>(lines: impl IntoIterator<Item = &'a str>) {
    if CAPTURED.with(|c| c.borrow().is_some()) {
        return;
    }
    let mut text = String::new();
    for line in lines {
        text.push_str("refundkit: ");
        text.push_str(line);
        text.push('\n');
    }
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Every violation of a report on stderr, one per line.
pub fn report(report: &Report) {
    let mut err = std::io::stderr().lock();
    for v in report.violations() {
        let _ = writeln!(err, "{v}");
    }
}

/// Prints what a provider's answer states: its one-line summary on stdout, why it is malformed
/// or the refusal's text on stderr; the exit code follows the statement.
pub fn answer<T, C>(
    outcome: &refundkit_core::Outcome<T, C>,
    summary: String,
) -> Result<Exit, CliError> {
    use refundkit_core::Outcome;
    match outcome {
        Outcome::Malformed(m) => diagnose(&format!("not a documented answer: {m}")),
        Outcome::Refused(r) => {
            if let Some(text) = &r.text {
                diagnose(&format!("HTTP {}: {text}", r.http_status));
            }
        }
        _ => {}
    }
    emit(format!("{summary}\n").as_bytes())?;
    Ok(Exit::of(outcome.verdict()))
}

/// `text` as one printable line ([`refundkit::core::text::one_line`]).
pub fn one_line(text: &str) -> String {
    refundkit::core::text::one_line(text).into_owned()
}

/// The files directly in `dir` whose names end with `suffix`, in name order (none when `dir`
/// does not read).
pub fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(suffix))
        })
        .collect();
    files.sort();
    files
}

/// Writes `refund`'s state to `path`: a new file beside it, renamed over it, so that a crash
/// leaves the old state or the new one, never half of one.
pub fn write_state(path: &Path, refund: &refundkit::Refund) -> Result<(), CliError> {
    let tmp = path.with_extension("json.tmp");
    let mut json = refund.to_json();
    json.push('\n');
    std::fs::write(&tmp, json)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| CliError::Usage(format!("--state {}: {e}", path.display())))
}
