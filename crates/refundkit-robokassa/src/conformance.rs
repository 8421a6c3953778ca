//! Runs `testdata/robokassa/vectors.json`: the golden tests, and `refundkit conform`.
//!
//! Vector kinds: `token` (a payload signs to the token, byte for byte, and the token verifies
//! back to the payload), `request` (a JSON input decodes, encodes, or breaks exactly the listed
//! rules), `create-response` and `state-response` (a body reads as the listed outcome).

use std::path::Path;

use refundkit_core::conformance::{
    Error, Failure, VectorResult, expect_decoded, expect_eq, expect_summary, expect_violations,
    export, read, read_fixture, read_manifest, run_all,
};
use refundkit_core::{Outcome, SecretString};
use serde::Deserialize;

use crate::codec::{
    Accept, decode_request, encode_request, parse_response, parse_state_response, sign, verify,
};
use crate::invariants::{check, validate};
use crate::types::{Accepted, Alg, CreateMessage, Password3, RefundState, StateMessage};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[allow(dead_code)]
    provider: String,
    password3: String,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum Vector {
    Token {
        name: String,
        payload: String,
        token: String,
        check: TokenCheck,
        alg: String,
    },
    Request {
        name: String,
        input: String,
        #[serde(default)]
        encoded: Option<String>,
        #[serde(default)]
        decode_error: Option<String>,
        #[serde(default)]
        violations: Option<Vec<String>>,
    },
    CreateResponse {
        name: String,
        status: u16,
        body: String,
        outcome: String,
    },
    StateResponse {
        name: String,
        status: u16,
        body: String,
        outcome: String,
    },
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
enum TokenCheck {
    /// The whole token, signature included (signed with the sample Password3).
    Full,
    /// Header and payload segments only (a token whose key is not public, like the one on Robokassa's refund page).
    HeaderAndPayload,
}

/// One line summarising a `Refund/Create` answer: `accepted <id>`, `refused <message>`,
/// `malformed`. The CLI prints the same line.
pub fn create_summary(outcome: &Outcome<Accepted, CreateMessage>) -> String {
    match outcome {
        Outcome::Success(a) => format!(
            "accepted {}",
            a.request_id.as_deref().unwrap_or("(no requestId)")
        ),
        Outcome::Refused(r) => format!(
            "refused {}",
            r.code.as_ref().map_or("(no message)", |m| m.as_str())
        ),
        _ => "malformed".into(),
    }
}

/// One line summarising a `GetState` answer: `found <id> <amount or -> <label>`,
/// `refused <message>`, `malformed`.
pub fn state_summary(outcome: &Outcome<RefundState, StateMessage>) -> String {
    match outcome {
        Outcome::Success(s) => format!(
            "found {} {} {}",
            s.request_id,
            s.amount.map_or_else(|| "-".into(), |a| a.to_string()),
            s.label.as_str()
        ),
        Outcome::Refused(r) => format!(
            "refused {}",
            r.code.as_ref().map_or("(no message)", |m| m.as_str())
        ),
        _ => "malformed".into(),
    }
}

/// Strips the one trailing newline a text file ends with.
fn text_line(bytes: Vec<u8>) -> Result<String, Failure> {
    let s = String::from_utf8(bytes).map_err(|_| Failure::from("token file is not UTF-8"))?;
    Ok(s.strip_suffix('\n').unwrap_or(&s).to_owned())
}

/// Runs every vector of `dir/vectors.json`.
pub fn run_dir(dir: &Path) -> Result<Vec<VectorResult>, Error> {
    let file: File = read_manifest(dir, "robokassa")?;
    let fixture = |detail: String| Error::Fixture {
        file: file.password3.clone(),
        detail,
    };
    let key = SecretString::from_file_bytes(read_fixture(dir, &file.password3)?)
        .map_err(|e| fixture(e.to_string()))
        .and_then(|s| Password3::new(s).map_err(|e| fixture(e.to_string())))?;
    Ok(run_all(&file.vectors, |v| run(dir, &key, v)))
}

fn run<'v>(dir: &Path, key: &Password3, vector: &'v Vector) -> (&'v str, Result<(), Failure>) {
    match vector {
        Vector::Token {
            name,
            payload,
            token,
            check,
            alg,
        } => (name, run_token(dir, key, payload, token, *check, alg)),
        Vector::Request {
            name,
            input,
            encoded,
            decode_error,
            violations,
        } => (
            name,
            run_request(
                dir,
                input,
                encoded.as_deref(),
                decode_error.as_deref(),
                violations.as_deref(),
            ),
        ),
        Vector::CreateResponse {
            name,
            status,
            body,
            outcome,
        } => (
            name,
            expect_summary(dir, body, outcome, |b| {
                create_summary(&parse_response(*status, b))
            }),
        ),
        Vector::StateResponse {
            name,
            status,
            body,
            outcome,
        } => (
            name,
            expect_summary(dir, body, outcome, |b| {
                state_summary(&parse_state_response(*status, b))
            }),
        ),
    }
}

fn run_token(
    dir: &Path,
    key: &Password3,
    payload_file: &str,
    token_file: &str,
    check: TokenCheck,
    alg: &str,
) -> Result<(), Failure> {
    let alg = Alg::from_name(alg).ok_or_else(|| format!("unknown alg {alg}"))?;
    let payload = read(dir, payload_file)?;
    let expected = text_line(read(dir, token_file)?)?;
    // Through the typed API: decode, validate, encode, sign.
    let request = decode_request(&payload).map_err(|e| format!("payload: {e}"))?;
    expect_eq(
        "re-encoded payload",
        &payload,
        &encode_request(&request).map_err(|e| e.to_string())?,
    )?;
    let validated = validate(request).map_err(|e| e.to_string())?;
    let ours = sign(&validated, key, alg).map_err(|e| e.to_string())?;
    match check {
        TokenCheck::Full => {
            expect_eq("token", expected.as_bytes(), ours.as_str().as_bytes())?;
            let verified = verify(&expected, key, Accept::Only(alg)).map_err(|e| e.to_string())?;
            expect_eq("verified payload", &payload, &verified.payload_json)
        }
        TokenCheck::HeaderAndPayload => {
            let signing_input = |t: &str| t.rsplit_once('.').map(|(si, _)| si.to_owned());
            expect_eq(
                "header and payload segments",
                signing_input(&expected).unwrap_or_default().as_bytes(),
                signing_input(ours.as_str()).unwrap_or_default().as_bytes(),
            )
        }
    }
}

fn run_request(
    dir: &Path,
    input: &str,
    encoded: Option<&str>,
    decode_error: Option<&str>,
    violations: Option<&[String]>,
) -> Result<(), Failure> {
    let bytes = read(dir, input)?;
    let Some(request) = expect_decoded(decode_request(&bytes), decode_error)? else {
        return Ok(());
    };
    if let Some(file) = encoded {
        let ours = encode_request(&request).map_err(|e| e.to_string())?;
        expect_eq("encoded payload", &read(dir, file)?, &ours)?;
    }
    expect_violations(&check(&request), violations.unwrap_or_default())
}

/// The vectors of `dir/vectors.json` as the portable suite's tests (`refundkit vectors
/// export`): operations `token`, `request`, `create_response`, `state_response`.
pub fn export_dir(dir: &Path) -> Result<Vec<export::Exported>, Error> {
    let file: File = read_manifest(dir, "robokassa")?;
    let password3 = String::from_utf8_lossy(export::without_newline(&read_fixture(
        dir,
        &file.password3,
    )?))
    .into_owned();
    let text = |name: &str| -> Result<serde_json::Value, Error> {
        Ok(export::wire(export::without_newline(&read_fixture(
            dir, name,
        )?)))
    };
    let mut out = Vec::new();
    for vector in &file.vectors {
        out.push(match vector {
            Vector::Token {
                name,
                payload,
                token,
                check,
                alg,
            } => {
                let token =
                    String::from_utf8_lossy(export::without_newline(&read_fixture(dir, token)?))
                        .into_owned();
                let (expected, flag) = match check {
                    TokenCheck::Full => (serde_json::json!({ "token": token }), "ByteExact"),
                    TokenCheck::HeaderAndPayload => {
                        let head: Vec<&str> = token.splitn(3, '.').take(2).collect();
                        (
                            serde_json::json!({ "headerAndPayload": head.join(".") }),
                            "SignatureNotChecked",
                        )
                    }
                };
                export::Exported {
                    operation: "token",
                    comment: name.clone(),
                    flags: vec![export::origin(payload), flag],
                    input: serde_json::json!({
                        "payload": text(payload)?, "alg": alg, "password3": password3
                    }),
                    expected,
                    result: export::Expectation::Valid,
                    source: export::source_of(dir, "robokassa", payload),
                }
            }
            Vector::Request {
                name,
                input,
                encoded,
                decode_error,
                violations,
            } => {
                let violations = violations.clone().unwrap_or_default();
                let (result, flag) = export::validation(decode_error.is_some(), &violations);
                let mut expected = serde_json::json!({
                    "decodeError": decode_error.is_some(),
                    "violations": if decode_error.is_some() { Vec::new() } else { violations },
                });
                if let Some(encoded) = encoded {
                    export::set(&mut expected, "encoded", text(encoded)?);
                }
                export::Exported {
                    operation: "request",
                    comment: name.clone(),
                    flags: [Some(export::origin(input)), flag]
                        .into_iter()
                        .flatten()
                        .collect(),
                    input: serde_json::json!({ "payload": text(input)? }),
                    expected,
                    result,
                    source: export::source_of(dir, "robokassa", input),
                }
            }
            Vector::CreateResponse {
                name, status, body, ..
            }
            | Vector::StateResponse {
                name, status, body, ..
            } => {
                let (operation, path) = if matches!(vector, Vector::CreateResponse { .. }) {
                    ("create_response", "/Refund/Create")
                } else {
                    ("state_response", "/Refund/GetState")
                };
                export::answer_test(
                    (dir, "robokassa", operation),
                    name,
                    *status,
                    body,
                    |s, b| answer_reading(path, s, b).unwrap_or_default().1,
                )?
            }
        });
    }
    Ok(out)
}

/// What an answer to the request at `path` reads as, by its method (`Refund/Create`,
/// `Refund/GetState`, `OpStateExt`): the verdict, code and text, and the method's own fields
/// (`requestId`; GetState's `amount` and `label`; OpStateExt's state `code` and `opKey`).
/// `None` for a path that is none of Robokassa's refund methods.
pub fn answer_reading(
    path: &str,
    http_status: u16,
    body: &[u8],
) -> Option<(&'static str, serde_json::Value)> {
    if path.ends_with("/Refund/Create") {
        let outcome = parse_response(http_status, body);
        let mut reading = export::reading(&outcome);
        if let Outcome::Success(a) = &outcome {
            export::set(&mut reading, "requestId", serde_json::json!(a.request_id));
        }
        Some(("Refund/Create", reading))
    } else if path.ends_with("/Refund/GetState") {
        let outcome = parse_state_response(http_status, body);
        let mut reading = export::reading(&outcome);
        if let Outcome::Success(s) = &outcome {
            export::set(&mut reading, "requestId", serde_json::json!(s.request_id));
            export::set(
                &mut reading,
                "amount",
                serde_json::json!(s.amount.map(|a| a.to_string())),
            );
            export::set(&mut reading, "label", serde_json::json!(s.label.as_str()));
        }
        Some(("Refund/GetState", reading))
    } else if path.ends_with("/OpStateExt") {
        let outcome = crate::codec::parse_op_state_response(http_status, body);
        let mut reading = export::reading(&outcome);
        if let Outcome::Success(s) = &outcome {
            export::set(&mut reading, "opKey", serde_json::json!(s.op_key));
        }
        Some(("OpStateExt", reading))
    } else {
        None
    }
}
