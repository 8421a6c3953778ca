//! `refundkit conform [DIR]`: every golden vector under DIR through the codecs.

use std::path::PathBuf;

use refundkit::providers;
use refundkit_core::conformance::VectorResult;

use crate::Exit;
use crate::io::{self, CliError};

pub fn run(dir: Option<PathBuf>) -> Result<Exit, CliError> {
    let dir = dir.unwrap_or_else(|| PathBuf::from("testdata"));
    if !dir.is_dir() {
        return Err(CliError::Usage(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    let mut out = String::new();
    let mut failed = 0usize;
    let mut seen = 0usize;
    for p in providers::all() {
        let provider = p.name();
        let sub = dir.join(provider);
        if !sub.join("vectors.json").is_file() {
            continue;
        }
        seen = seen.saturating_add(1);
        match p.conformance(&sub) {
            Ok(outcomes) => {
                let bad: Vec<&VectorResult> =
                    outcomes.iter().filter(|o| o.result.is_err()).collect();
                out.push_str(&format!(
                    "{provider:<11} {:>4} passed {:>4} failed\n",
                    outcomes.len().saturating_sub(bad.len()),
                    bad.len()
                ));
                for o in &bad {
                    if let Err(e) = &o.result {
                        out.push_str(&format!("  FAIL {}: {e}\n", o.name));
                    }
                }
                failed = failed.saturating_add(bad.len());
            }
            Err(e) => {
                out.push_str(&format!("{provider:<11} cannot run: {e}\n"));
                failed = failed.saturating_add(1);
            }
        }
    }
    if seen == 0 {
        return Err(CliError::Rejected(format!(
            "no <provider>/vectors.json under {} (see testdata/README.md)",
            dir.display()
        )));
    }
    io::emit(out.as_bytes())?;
    Ok(if failed == 0 {
        Exit::Ok
    } else {
        Exit::Rejected
    })
}
