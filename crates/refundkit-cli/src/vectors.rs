//! `refundkit vectors export|check`: the golden vectors as a suite any implementation can
//! run, and the runner of an external implementation over it.
//!
//! The harness contract (`check`): for each `*_test.json` file, the command is run with the
//! whole file on its standard input and writes one JSON object to its standard output:
//! `{"results": [{"tcId": N, "result": "valid"|"invalid", "output": {…}}, …]}`, or
//! `{"tcId": N, "skipped": "why"}` for a test it does not implement. `output` holds the keys
//! of the test's `expected` it computes: each is compared with `expected`, an unknown key is a
//! disagreement, and so is an empty answer. `result`, when given, is compared with the test's
//! (`acceptable` agrees with either). A test with no entry is missing: a disagreement.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use clap::Subcommand;
use refundkit_core::conformance::export::{self, Expectation, Exported};
use serde_json::{Value, json};

use crate::Exit;
use crate::io::{self, CliError};

/// The file format this refundkit writes.
pub const SCHEMA: &str = "refundkit_vectors_v1.json";

/// The largest answer read from a harness.
const MAX_ANSWER: u64 = 64 * 1024 * 1024;

#[derive(Subcommand)]
pub enum Verb {
    /// Write the portable suite to DIR: one `<provider>_<operation>_test.json` per provider and
    /// operation (requests, tokens, answers, lifecycle decisions), from the golden vectors.
    Export {
        /// Where the files go (created when missing).
        dir: PathBuf,
        /// The golden vectors' root.
        #[arg(long, default_value = "testdata")]
        from: PathBuf,
        /// Transcripts to add (`refundkit serve --record DIR`): each recorded answer becomes
        /// a test of `<provider>_transcript_test.json`.
        #[arg(long, value_name = "DIR")]
        transcripts: Option<PathBuf>,
    },
    /// Run an external implementation over the suite in DIR: CMD (run by `sh -c`) reads a test
    /// file on stdin and writes `{"results": [{"tcId", "result", "output"} or {"tcId",
    /// "skipped"}]}` (docs/vectors-and-transcripts.md). Prints agreements and disagreements per
    /// file; exit 1 on any disagreement or missing result.
    Check {
        /// The harness command.
        #[arg(long, value_name = "CMD")]
        harness: String,
        /// The suite (what `export` wrote).
        dir: PathBuf,
        /// Print every disagreement (the first five per file otherwise).
        #[arg(long)]
        verbose: bool,
    },
}

pub fn run(verb: Verb) -> Result<Exit, CliError> {
    match verb {
        Verb::Export {
            dir,
            from,
            transcripts,
        } => {
            let files = suite(&from, transcripts.as_deref())?;
            std::fs::create_dir_all(&dir)
                .map_err(|e| CliError::Usage(format!("{}: {e}", dir.display())))?;
            let mut tests: u64 = 0;
            for (name, file) in &files {
                tests = tests.saturating_add(field(file, "numberOfTests").as_u64().unwrap_or(0));
                let mut text = serde_json::to_string_pretty(file).unwrap_or_default();
                text.push('\n');
                std::fs::write(dir.join(name), text)
                    .map_err(|e| CliError::Usage(format!("{name}: {e}")))?;
            }
            io::emit(
                format!(
                    "{} files, {tests} tests, in {}\n",
                    files.len(),
                    dir.display()
                )
                .as_bytes(),
            )?;
            Ok(Exit::Ok)
        }
        Verb::Check {
            harness,
            dir,
            verbose,
        } => check(&harness, &dir, verbose),
    }
}

/// What each operation's tests give and what an implementation returns for them.
fn header(operation: &str) -> Vec<&'static str> {
    match operation {
        "response" | "create_response" | "state_response" => vec![
            "input: httpStatus and body (an answer as it came).",
            "output: verdict (success, refused, in-progress, malformed, server-error), code and text as the provider wrote them (null when absent), and the method's own fields where the test has them.",
            "A success is stated, never inferred: an answer that states nothing is malformed, and a server failure is never a refusal.",
        ],
        "request" => vec![
            "input: a refund request body.",
            "output: decodeError (true when the body must be refused as read), violations (\"<severity> <path> <code>\", refundkit's codes), and the canonical or encoded bytes where the test has them.",
        ],
        "token" => vec![
            "input: a payload (JSON), an HMAC algorithm and the shop's Password3.",
            "output: the compact JWT (header exactly {\"alg\":\"HS256\",\"typ\":\"JWT\"} or HS384/HS512, the payload's bytes, base64url without padding), or headerAndPayload when the key is not public.",
        ],
        "encode" => vec![
            "input: a refund request's fields (JSON, the form's names) and the gateway API (rest, or Sber's ecom).",
            "output: the form body byte for byte (rest: application/x-www-form-urlencoded, every byte but A-Z a-z 0-9 - . _ ~ percent-encoded; ecom: the JSON body), and violations.",
        ],
        "decode" => vec![
            "input: a form body and the gateway API.",
            "output: decodeError (true when the body must be refused as read).",
        ],
        "pkcs7" => vec![
            "input: a PKCS#7 SignedData (PEM, DER or BER) and the signer's certificate (null: read without checking the signature).",
            "output: error (true when it must be refused) and content (the signed bytes exactly).",
        ],
        "refund_helper" => vec![
            "input: the order as it stands and the products returned.",
            "output: body, the refund body byte for byte.",
        ],
        "notification" => vec![
            "input: a notification as posted (a compact JWS), the JWKS, the instant (now, Unix seconds), the leeway in seconds and the shop's merchantId (null: not checked).",
            "output: verified (true only for ES256 under a key of the JWKS named by kid, with iat and exp within the leeway, about the shop's merchantId when one is given).",
        ],
        "transcript" => vec![
            "input: a recorded exchange's method, httpStatus and body.",
            "output: the answer's reading, as for the operation's responses (verdict, code, text, the method's own fields).",
        ],
        "lifecycle" => vec![
            "input: the refund's state as refundkit stores it (state: its body, what it sent, the request in flight as phase.request, counts and instants in Unix milliseconds), the answer to that request (or lost; or send: acknowledge the request due instead) and the instant (now: Unix seconds).",
            "output: step (done, wait, resend, refused, reconcile, review, mismatch) and exit (the command line's code: 0, 1, 2, 3, 4, 5).",
        ],
        _ => Vec::new(),
    }
}

/// Which file a test goes to: its provider and operation.
type FileKey = (String, &'static str);

/// The suite: file name -> file.
fn suite(from: &Path, transcripts: Option<&Path>) -> Result<BTreeMap<String, Value>, CliError> {
    let mut by_file: BTreeMap<FileKey, Vec<Exported>> = BTreeMap::new();
    for provider in refundkit::providers::all() {
        let exported = provider
            .export(&from.join(provider.name()))
            .map_err(|e| CliError::Rejected(format!("{}: {e}", provider.name())))?;
        for test in exported {
            by_file
                .entry((provider.name().to_owned(), test.operation))
                .or_default()
                .push(test);
        }
    }
    for (key, test) in lifecycle(&from.join("lifecycle"))? {
        by_file.entry(key).or_default().push(test);
    }
    if let Some(dir) = transcripts {
        for (provider, test) in recorded(dir)? {
            by_file
                .entry((provider, "transcript"))
                .or_default()
                .push(test);
        }
    }
    let mut files = BTreeMap::new();
    for ((provider, operation), tests) in by_file {
        let mut notes = serde_json::Map::new();
        for flag in tests.iter().flat_map(|t| t.flags.iter()) {
            let text = export::FLAGS
                .iter()
                .find(|(f, _)| f == flag)
                .map_or("", |(_, t)| *t);
            notes.insert((*flag).to_owned(), Value::String(text.to_owned()));
        }
        let numbered: Vec<Value> = tests
            .iter()
            .zip(1..)
            .map(|(t, id)| {
                let mut v = serde_json::to_value(t).unwrap_or_default();
                if let Some(map) = v.as_object_mut() {
                    // tcId first, for a reader.
                    let mut ordered = serde_json::Map::new();
                    ordered.insert("tcId".into(), json!(id));
                    ordered.extend(std::mem::take(map));
                    *map = ordered;
                }
                v
            })
            .collect();
        let name = format!("{}_{operation}_test.json", provider.replace('-', "_"));
        files.insert(
            name,
            json!({
                "schema": SCHEMA,
                "generatorVersion": format!("refundkit {}", env!("CARGO_PKG_VERSION")),
                "provider": provider,
                "operation": operation,
                "numberOfTests": numbered.len(),
                "header": header(operation),
                "notes": notes,
                "tests": numbered,
            }),
        );
    }
    Ok(files)
}

#[derive(serde::Deserialize)]
struct Cases {
    cases: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    args: Vec<String>,
    exit: i32,
    stdout: String,
}

/// The lifecycle decisions of `testdata/lifecycle/cases.json` (each `next` command line), and
/// its notifications (each `webhook` one), as tests: `((provider, operation), test)`.
fn lifecycle(dir: &Path) -> Result<Vec<(FileKey, Exported)>, CliError> {
    let read = |name: &str| {
        std::fs::read(dir.join(name))
            .map_err(|e| CliError::Rejected(format!("lifecycle/{name}: {e}")))
    };
    let cases: Cases = serde_json::from_slice(&read("cases.json")?)
        .map_err(|e| CliError::Rejected(format!("lifecycle/cases.json: {e}")))?;
    let mut out = Vec::new();
    for case in &cases.cases {
        let (Some(provider), Some(verb)) =
            (case.args.first(), case.args.get(1).map(String::as_str))
        else {
            continue;
        };
        if !["next", "webhook"].contains(&verb) {
            continue;
        }
        let mut flags: BTreeMap<&str, &str> = BTreeMap::new();
        let mut positional = None;
        let mut lost = false;
        let mut send = false;
        let mut rest = case.args.iter().skip(2);
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "--lost" => lost = true,
                "--send" => send = true,
                flag if flag.starts_with("--") => {
                    let value = rest.next().map_or("", String::as_str);
                    flags.insert(flag, value);
                }
                input => positional = Some(input),
            }
        }
        let text = |name: &str| -> Result<Value, CliError> { Ok(export::wire(&read(name)?)) };
        let number = |flag: &str| flags.get(flag).and_then(|v| v.parse::<u64>().ok());
        if verb == "webhook" {
            let token = positional.unwrap_or("");
            out.push((
                (provider.clone(), "notification"),
                Exported {
                    operation: "notification",
                    comment: case.name.clone(),
                    flags: vec!["Notification", "Authored"],
                    input: json!({
                        "token": text(token)?,
                        "jwks": text(flags.get("--jwks").copied().unwrap_or(""))?,
                        "now": number("--now"),
                        // `refundkit yandex-pay webhook`'s default.
                        "leewaySeconds": number("--leeway").unwrap_or(60),
                        "merchantId": flags.get("--merchant-id"),
                    }),
                    expected: json!({ "verified": case.exit == 0 }),
                    result: if case.exit == 0 {
                        Expectation::Valid
                    } else {
                        Expectation::Invalid
                    },
                    source: format!(
                        "signed ES256 by the openssl CLI under the test key (testdata/yandex-pay/webhook/make.py; {token})"
                    ),
                },
            ));
            continue;
        }
        let answer = match positional {
            Some(body) if !lost => json!({
                "httpStatus": number("--status").unwrap_or(200),
                "body": text(body)?,
            }),
            _ => Value::Null,
        };
        let state: Value = match flags.get("--state") {
            Some(name) => serde_json::from_slice(&read(name)?)
                .map_err(|e| CliError::Rejected(format!("lifecycle/{name}: {e}")))?,
            None => Value::Null,
        };
        let expected_text = String::from_utf8_lossy(&read(&case.stdout)?).into_owned();
        let step = expected_text.lines().next().unwrap_or("").to_owned();
        out.push((
            (provider.clone(), "lifecycle"),
            Exported {
            operation: "lifecycle",
            comment: case.name.clone(),
            flags: vec!["Decision", "Authored"],
            input: json!({
                "state": state,
                "answer": answer,
                "lost": lost,
                "send": send,
                "now": flags.get("--now"),
            }),
            expected: json!({ "step": step, "exit": case.exit }),
            result: Expectation::Valid,
            source: format!(
                "refundkit's authors, from the provider's documented behaviour (testdata/lifecycle/cases.json: {:?})",
                case.name
            ),
        },
        ));
    }
    Ok(out)
}

/// A member of a JSON object (`Null` when absent, or when `value` is not an object).
fn field<'a>(value: &'a Value, key: &str) -> &'a Value {
    value.get(key).unwrap_or(&Value::Null)
}

/// The recorded answers of `dir`'s exchange files, as tests per provider.
fn recorded(dir: &Path) -> Result<Vec<(String, Exported)>, CliError> {
    let mut out = Vec::new();
    for path in crate::conform::exchange_files(dir) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let exchange: Value = std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
            .map_err(|e| CliError::Rejected(format!("{name}: {e}")))?;
        refundkit::transcript::check(&exchange)
            .map_err(|e| CliError::Rejected(format!("{name}: {e}")))?;
        let answer = field(&exchange, "answer");
        let Some(status) = field(answer, "httpStatus").as_u64() else {
            // No answer came: nothing to read.
            continue;
        };
        let status = u16::try_from(status).unwrap_or(0);
        let reading = field(&exchange, "reading").clone();
        let (flag, result) = export::judged(status, &reading);
        out.push((
            field(&exchange, "provider")
                .as_str()
                .unwrap_or("")
                .to_owned(),
            Exported {
                operation: "transcript",
                comment: format!(
                    "{name}: {}",
                    field(&exchange, "method").as_str().unwrap_or("")
                ),
                flags: vec!["Recorded", flag],
                input: json!({
                    "method": field(&exchange, "method"),
                    "httpStatus": status,
                    "body": field(answer, "body"),
                }),
                expected: reading,
                result,
                source: format!("recorded ({name})"),
            },
        ));
    }
    Ok(out)
}

/// One file's tally.
#[derive(Default)]
struct Tally {
    tests: usize,
    agreed: usize,
    disagreed: Vec<String>,
    skipped: usize,
    missing: usize,
}

fn check(harness: &str, dir: &Path, verbose: bool) -> Result<Exit, CliError> {
    if !dir.is_dir() {
        return Err(CliError::Usage(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    let names = io::files_ending(dir, "_test.json");
    if names.is_empty() {
        return Err(CliError::Usage(format!(
            "{}: no *_test.json files (write them with `refundkit vectors export`)",
            dir.display()
        )));
    }
    let mut out = format!(
        "{:<40} {:>5} {:>6} {:>9} {:>7} {:>7}\n",
        "file", "tests", "agree", "disagree", "skipped", "missing"
    );
    let mut failed = false;
    for path in &names {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let bytes = std::fs::read(path).map_err(|e| CliError::Usage(format!("{name}: {e}")))?;
        let file: Value = serde_json::from_slice(&bytes)
            .map_err(|e| CliError::Rejected(format!("{name}: {e}")))?;
        let tally = match run_harness(harness, &bytes) {
            Ok(answer) => compare(&file, &answer),
            Err(why) => Tally {
                tests: field(&file, "tests").as_array().map_or(0, Vec::len),
                disagreed: vec![format!("the harness failed: {why}")],
                ..Tally::default()
            },
        };
        failed |= !tally.disagreed.is_empty() || tally.missing > 0;
        out.push_str(&format!(
            "{name:<40} {:>5} {:>6} {:>9} {:>7} {:>7}\n",
            tally.tests,
            tally.agreed,
            tally.disagreed.len(),
            tally.skipped,
            tally.missing
        ));
        let shown = if verbose { usize::MAX } else { 5 };
        for d in tally.disagreed.iter().take(shown) {
            out.push_str(&format!("  {d}\n"));
        }
    }
    io::emit(out.as_bytes())?;
    Ok(if failed { Exit::Rejected } else { Exit::Ok })
}

/// Runs the harness with `input` on stdin; its parsed answer.
fn run_harness(harness: &str, input: &[u8]) -> Result<Value, String> {
    let mut child = Command::new("sh")
        .args(["-c", harness])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start it: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let input = input.to_vec();
    // Written from a thread of its own: a harness that answers before reading all of its
    // input must not deadlock against a full pipe.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut answer = Vec::new();
    child
        .stdout
        .take()
        .ok_or("no stdout")?
        .take(MAX_ANSWER)
        .read_to_end(&mut answer)
        .map_err(|e| format!("reading its output: {e}"))?;
    let _ = writer.join();
    let status = child.wait().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("it exited with {status}"));
    }
    serde_json::from_slice(&answer).map_err(|e| format!("its output is not JSON: {e}"))
}

fn compare(file: &Value, answer: &Value) -> Tally {
    let tests = field(file, "tests").as_array().cloned().unwrap_or_default();
    let results = field(answer, "results")
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut by_id: BTreeMap<u64, Value> = BTreeMap::new();
    for r in results {
        if let Some(id) = field(&r, "tcId").as_u64() {
            by_id.insert(id, r);
        }
    }
    let mut tally = Tally {
        tests: tests.len(),
        ..Tally::default()
    };
    for test in &tests {
        let id = field(test, "tcId").as_u64().unwrap_or(0);
        let Some(got) = by_id.get(&id) else {
            tally.missing = tally.missing.saturating_add(1);
            continue;
        };
        if got.get("skipped").is_some() {
            tally.skipped = tally.skipped.saturating_add(1);
            continue;
        }
        match disagreement(test, got) {
            None => tally.agreed = tally.agreed.saturating_add(1),
            Some(why) => tally.disagreed.push(format!(
                "tcId {id} ({}): {why}",
                field(test, "comment").as_str().unwrap_or("")
            )),
        }
    }
    tally
}

/// Why a harness's answer to `test` disagrees, if it does.
fn disagreement(test: &Value, got: &Value) -> Option<String> {
    let output = got.get("output").and_then(Value::as_object);
    let result = got.get("result").and_then(Value::as_str);
    if output.is_none_or(serde_json::Map::is_empty) && result.is_none() {
        return Some("neither a result nor an output".into());
    }
    if let Some(result) = result {
        let expected = field(test, "result").as_str().unwrap_or("");
        if expected != "acceptable" && result != expected {
            return Some(format!("result {result}, expected {expected}"));
        }
    }
    for (key, value) in output.into_iter().flatten() {
        match field(test, "expected").get(key) {
            None => return Some(format!("{key} is not a key of the test's expected reading")),
            Some(want) if want != value => {
                return Some(format!("{key}: expected {want}, got {value}"));
            }
            Some(_) => {}
        }
    }
    None
}
