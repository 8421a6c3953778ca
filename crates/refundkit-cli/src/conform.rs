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
    // Lifecycle decisions and status answers: each command line of lifecycle/cases.json run
    // as the command line runs it, its output and exit code compared with the golden ones.
    if let Some(cases) = lifecycle(&dir.join("lifecycle"))? {
        seen = seen.saturating_add(1);
        let bad: Vec<&String> = cases.1.iter().collect();
        out.push_str(&format!(
            "{:<11} {:>4} passed {:>4} failed\n",
            "lifecycle",
            cases.0.saturating_sub(bad.len()),
            bad.len()
        ));
        for b in &bad {
            out.push_str(&format!("  FAIL {b}\n"));
        }
        failed = failed.saturating_add(bad.len());
    }
    // Transcripts (`refundkit serve --record DIR`, or production traffic in that format):
    // each recorded answer must still read as it was recorded.
    let exchanges = exchange_files(&dir);
    if !exchanges.is_empty() {
        seen = seen.saturating_add(1);
        let mut bad = Vec::new();
        for path in &exchanges {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let name = name.unwrap_or_default();
            let checked = std::fs::read(path)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
                .and_then(|v: serde_json::Value| {
                    refundkit::transcript::check(&v).map_err(|e| e.to_string())
                });
            if let Err(e) = checked {
                bad.push(format!("  FAIL {name}: {e}\n"));
            }
        }
        out.push_str(&format!(
            "{:<11} {:>4} passed {:>4} failed\n",
            "transcripts",
            exchanges.len().saturating_sub(bad.len()),
            bad.len()
        ));
        out.extend(bad.iter().map(String::as_str));
        failed = failed.saturating_add(bad.len());
    }
    if seen == 0 {
        return Err(CliError::Rejected(format!(
            "no <provider>/vectors.json and no *.exchange.json under {} (see testdata/README.md)",
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

/// The `*.exchange.json` files directly in `dir`, in name order.
pub fn exchange_files(dir: &std::path::Path) -> Vec<PathBuf> {
    io::files_ending(dir, ".exchange.json")
}

#[derive(serde::Deserialize)]
struct Cases {
    cases: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    args: Vec<String>,
    exit: u8,
    stdout: String,
}

/// Runs `dir/cases.json` (`None` when there is none): how many cases, and each failure.
fn lifecycle(dir: &std::path::Path) -> Result<Option<(usize, Vec<String>)>, CliError> {
    use clap::Parser as _;
    let Ok(bytes) = std::fs::read(dir.join("cases.json")) else {
        return Ok(None);
    };
    let cases: Cases = serde_json::from_slice(&bytes)
        .map_err(|e| CliError::Rejected(format!("lifecycle/cases.json: {e}")))?;
    // The cases name their files relative to their directory, as the command line is run
    // from there.
    let back = std::env::current_dir().map_err(|e| CliError::Usage(e.to_string()))?;
    std::env::set_current_dir(dir)
        .map_err(|e| CliError::Usage(format!("{}: {e}", dir.display())))?;
    let mut failures = Vec::new();
    // `next --state FILE` writes the state back: each case gets a copy, so the golden
    // states stay as they are and every case starts from its own.
    let scratch = std::env::temp_dir().join(format!("refundkit-conform-{}", std::process::id()));
    for (i, case) in cases.cases.iter().enumerate() {
        let mut args = case.args.clone();
        if let Some(at) = args.iter().position(|a| a == "--state")
            && let Some(state) = args.get_mut(at.saturating_add(1))
        {
            let copy = scratch.join(format!("{i:03}.json"));
            std::fs::create_dir_all(&scratch)
                .and_then(|()| std::fs::copy(&*state, &copy).map(drop))
                .map_err(|e| CliError::Usage(format!("{state}: {e}")))?;
            *state = copy.to_string_lossy().into_owned();
        }
        let argv = std::iter::once("refundkit").chain(args.iter().map(String::as_str));
        let (code, out) = match crate::Cli::try_parse_from(argv) {
            Ok(cli) => {
                let (result, out) = io::captured(|| crate::dispatch(cli.command));
                (result.unwrap_or_else(|e| e.exit()).code(), out)
            }
            Err(e) => (crate::Exit::Usage.code(), e.to_string().into_bytes()),
        };
        let expected = std::fs::read(&case.stdout).unwrap_or_default();
        if code != case.exit {
            failures.push(format!(
                "{}: exit {code}, expected {}",
                case.name, case.exit
            ));
        } else if out != expected {
            let difference =
                refundkit_core::conformance::first_difference(&expected, &out).unwrap_or_default();
            failures.push(format!("{}: output: {difference}", case.name));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    std::env::set_current_dir(back).map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(Some((cases.cases.len(), failures)))
}
