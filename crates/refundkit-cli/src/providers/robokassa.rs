//! `refundkit robokassa sign | verify | parse-response | status | op-key | next`.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use refundkit_robokassa::conformance::{create_summary, state_summary};
use refundkit_robokassa::http::{Endpoint, op_state_request, state_request};
use refundkit_robokassa::{
    Accept, Alg, OpStateRequest, Password2, Password3, VerifyError, parse_op_state_response,
};

use crate::Exit;
use crate::io::{self, CliError};
use crate::lifecycle::{self, NextArgs};

/// What `refundkit --help` says of this provider.
pub const ABOUT: &str = "Robokassa refund API (JWT signed with Password3)";

#[derive(Subcommand)]
pub enum Verb {
    /// Validate a refund payload (JSON with the wire field names, any order and whitespace) and
    /// print its token. Invalid payload: exit 1 with every violation on stderr.
    Sign {
        /// File holding Password3 (one trailing newline is not part of it).
        #[arg(long, value_name = "PATH")]
        password3_file: PathBuf,
        /// Signature algorithm.
        #[arg(long, value_enum, default_value_t = AlgArg::Hs256)]
        alg: AlgArg,
        /// Payload JSON; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// Check a token (bare, or the JSON string a Create body carries) and print its payload
    /// exactly as carried. Forged, tampered or malformed: exit 1. An authentic payload that
    /// breaks Robokassa's rules is printed, its violations go to stderr, and the exit is 1.
    Verify {
        /// File holding Password3 (one trailing newline is not part of it).
        #[arg(long, value_name = "PATH")]
        password3_file: PathBuf,
        /// Accept only this algorithm (default: any of HS256, HS384, HS512).
        #[arg(long, value_enum)]
        alg: Option<AlgArg>,
        /// The token; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// Read a Refund/Create or GetState response: exit 0 accepted, 3 refused, 1 malformed.
    ParseResponse {
        /// Which response.
        #[arg(value_enum)]
        kind: ResponseKind,
        /// The HTTP status it came with.
        #[arg(long, default_value_t = 200)]
        status: u16,
        /// The body; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// GetState. With --request-id (the requestId of Create's answer), print the status
    /// request. Otherwise read its answer: exit 0 with the refund's state, 3 refused, 1
    /// malformed.
    Status {
        /// The requestId Refund/Create answered.
        #[arg(long)]
        request_id: Option<String>,
        /// Another base of the refund service (an emulator).
        #[arg(long)]
        base: Option<String>,
        /// The HTTP status the answer came with.
        #[arg(long, default_value_t = 200)]
        status: u16,
        /// The answer; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// OpStateExt, how a shop finds the OpKey a refund needs. With --login, --invoice-id and
    /// --password2-file, print the request (signed with MD5 over login, invoice and Password2).
    /// Otherwise read its XML answer: exit 0 with the invoice's state and OpKey (and a line
    /// `UserField NAME=VALUE` per Shp_ parameter), 3 refused (a non-zero Result/Code), 1
    /// malformed. Nothing about a refund is decided from it.
    OpKey {
        /// MerchantLogin.
        #[arg(long, requires_all = ["invoice_id", "password2_file"])]
        login: Option<String>,
        /// InvoiceID (the payment's InvId).
        #[arg(long)]
        invoice_id: Option<String>,
        /// File holding Password2 (one trailing newline is not part of it).
        #[arg(long)]
        password2_file: Option<PathBuf>,
        /// Another base of the web service (an emulator).
        #[arg(long)]
        base: Option<String>,
        /// The HTTP status the answer came with.
        #[arg(long, default_value_t = 200)]
        status: u16,
        /// The answer; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// The next step after Refund/Create or GetState got an answer (or none): exit 0 done, 3
    /// refused, 4 wait, 5 reconcile (a lost Create: check by hand, never resend).
    Next(NextArgs),
}

#[derive(Clone, Copy, ValueEnum)]
pub enum AlgArg {
    #[value(name = "HS256")]
    Hs256,
    #[value(name = "HS384")]
    Hs384,
    #[value(name = "HS512")]
    Hs512,
}

impl From<AlgArg> for Alg {
    fn from(a: AlgArg) -> Alg {
        match a {
            AlgArg::Hs256 => Alg::Hs256,
            AlgArg::Hs384 => Alg::Hs384,
            AlgArg::Hs512 => Alg::Hs512,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ResponseKind {
    /// Refund/Create.
    Create,
    /// Refund/GetState.
    State,
}

fn password3(path: &PathBuf) -> Result<Password3, CliError> {
    Password3::new(io::read_secret(path, "Password3")?)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))
}

pub fn run(verb: Verb) -> Result<Exit, CliError> {
    match verb {
        Verb::Sign {
            password3_file,
            alg,
            input,
        } => {
            let key = password3(&password3_file)?;
            let json = io::read_input(input.as_deref())?;
            let request = refundkit_robokassa::decode_request(&json)
                .map_err(|e| CliError::Rejected(format!("payload: {e}")))?;
            let valid = match refundkit_robokassa::validate(request) {
                Ok(valid) => valid,
                Err(invalid) => {
                    io::report(&invalid.report);
                    return Ok(Exit::Rejected);
                }
            };
            io::report(valid.warnings());
            let token = refundkit_robokassa::sign(&valid, &key, alg.into())
                .map_err(|e| CliError::Rejected(e.to_string()))?;
            io::emit(format!("{token}\n").as_bytes())?;
            Ok(Exit::Ok)
        }
        Verb::Verify {
            password3_file,
            alg,
            input,
        } => {
            let key = password3(&password3_file)?;
            let text = io::read_input(input.as_deref())?;
            let token = token_text(&text)?;
            let accept = alg.map_or(Accept::AnyHmac, |a| Accept::Only(a.into()));
            let verified = refundkit_robokassa::verify(&token, &key, accept).map_err(|e| {
                CliError::Rejected(match e {
                    VerifyError::Payload(p) => format!("authentic token, bad payload: {p}"),
                    other => format!("token refused: {other}"),
                })
            })?;
            let mut out = verified.payload_json;
            out.push(b'\n');
            io::emit(&out)?;
            let report = refundkit_robokassa::check(&verified.request);
            io::report(&report);
            Ok(if report.has_errors() {
                Exit::Rejected
            } else {
                Exit::Ok
            })
        }
        Verb::ParseResponse {
            kind,
            status,
            input,
        } => {
            let body = io::read_input(input.as_deref())?;
            match kind {
                ResponseKind::Create => {
                    let outcome = refundkit_robokassa::parse_response(status, &body);
                    io::answer(&outcome, create_summary(&outcome))
                }
                ResponseKind::State => {
                    let outcome = refundkit_robokassa::parse_state_response(status, &body);
                    io::answer(&outcome, state_summary(&outcome))
                }
            }
        }
        Verb::Status {
            request_id,
            base,
            status: http_status,
            input,
        } => status(request_id, base, http_status, input),
        Verb::OpKey {
            login,
            invoice_id,
            password2_file,
            base,
            status,
            input,
        } => op_key(login, invoice_id, password2_file, base, status, input),
        Verb::Next(args) => lifecycle::next(refundkit::ProviderId::Robokassa, args),
    }
}

fn endpoint(base: Option<&str>, default: Endpoint) -> Result<Endpoint, CliError> {
    match base {
        Some(b) => Endpoint::custom(b).map_err(|e| CliError::Usage(format!("--base: {e}"))),
        None => Ok(default),
    }
}

fn status(
    request_id: Option<String>,
    base: Option<String>,
    status: u16,
    input: Option<PathBuf>,
) -> Result<Exit, CliError> {
    match request_id {
        Some(id) => {
            let request = state_request(&endpoint(base.as_deref(), Endpoint::production())?, &id)
                .map_err(|e| CliError::Rejected(e.to_string()))?;
            lifecycle::print_request(&request)
        }
        None => {
            let outcome = refundkit_robokassa::parse_state_response(
                status,
                &io::read_input(input.as_deref())?,
            );
            io::answer(&outcome, state_summary(&outcome))
        }
    }
}

fn op_key(
    login: Option<String>,
    invoice_id: Option<String>,
    password2_file: Option<PathBuf>,
    base: Option<String>,
    status: u16,
    input: Option<PathBuf>,
) -> Result<Exit, CliError> {
    if let (Some(merchant_login), Some(invoice_id), Some(path)) =
        (login, invoice_id, password2_file)
    {
        let password2 = Password2(io::read_secret(&path, "Password2")?);
        let request = op_state_request(
            &endpoint(base.as_deref(), Endpoint::web_service())?,
            &OpStateRequest {
                merchant_login,
                invoice_id,
            },
            &password2,
        )
        .map_err(|e| CliError::Rejected(e.to_string()))?;
        return lifecycle::print_request(&request);
    }
    let outcome = parse_op_state_response(status, &io::read_input(input.as_deref())?);
    let summary = match &outcome {
        // The state line first (what scripts read), then one line per UserField/Field.
        refundkit_core::Outcome::Success(state) => {
            let mut summary = format!(
                "state {} ({}) OpKey {}",
                state.state.as_str(),
                state
                    .state
                    .meaning()
                    .map_or("unknown state", |m| m.trim_end_matches('.')),
                state.op_key.as_deref().unwrap_or("-")
            );
            for field in &state.user_fields {
                summary.push_str(&format!(
                    "\nUserField {}={}",
                    io::one_line(&field.name),
                    io::one_line(&field.value)
                ));
            }
            summary
        }
        refundkit_core::Outcome::Refused(r) => {
            format!("refused {}", r.code.as_ref().map_or("-", |c| c.as_str()))
        }
        _ => "malformed".into(),
    };
    // Only a paid invoice (State 100) is refunded, as Robokassa's own module does: another
    // state is a reason not to send, said with exit 3.
    if let refundkit_core::Outcome::Success(state) = &outcome
        && state.state.as_str() != "100"
    {
        io::emit(format!("{summary}\n").as_bytes())?;
        io::diagnose(&format!(
            "state {}: not paid (100); Robokassa's own module refunds only a paid invoice",
            state.state.as_str()
        ));
        return Ok(Exit::Refused);
    }
    io::answer(&outcome, summary)
}

/// A token from INPUT: surrounding whitespace dropped, and a JSON string (the Create body's
/// form) unquoted.
fn token_text(input: &[u8]) -> Result<String, CliError> {
    let text = std::str::from_utf8(input)
        .map_err(|_| CliError::Rejected("token is not UTF-8".into()))?
        .trim();
    if text.starts_with('"') {
        return serde_json::from_str::<String>(text)
            .map_err(|e| CliError::Rejected(format!("not a JSON string: {e}")));
    }
    Ok(text.to_owned())
}
