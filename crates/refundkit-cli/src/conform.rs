//! `refundkit conform [DIR]`: every golden vector under DIR through the codecs.

use std::path::{Path, PathBuf};

use refundkit_core::conformance::VectorResult;

use crate::Exit;
use crate::io::{self, CliError};

type Runner = fn(&Path) -> Result<Vec<VectorResult>, String>;

/// Each provider's directory under DIR and its runner.
const PROVIDERS: &[(&str, Runner)] = &[
    ("robokassa", refundkit_robokassa::conformance::run_dir),
    ("yandex-pay", refundkit_yandex_pay::conformance::run_dir),
    ("yookassa", refundkit_yookassa::conformance::run_dir),
    ("rbs", refundkit_rbs::conformance::run_dir),
];

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
    for (provider, runner) in PROVIDERS {
        let sub = dir.join(provider);
        if !sub.join("vectors.json").is_file() {
            continue;
        }
        seen = seen.saturating_add(1);
        match runner(&sub) {
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
