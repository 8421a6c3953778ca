//! Runs `testdata/robokassa/vectors.json`: the golden tests, and `refundkit conform`.
//!
//! Vector kinds: `token` (a payload signs to the token, byte for byte, and the token verifies
//! back to the payload), `request` (a JSON input decodes, encodes, or breaks exactly the listed
//! rules), `create-response` and `state-response` (a body reads as the listed outcome).

use std::path::Path;

use refundkit_core::conformance::{
    Error, Failure, VectorResult, expect_decoded, expect_eq, expect_summary, expect_violations,
    read, read_fixture, read_manifest, run_all,
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
