//! `refundkit rbs encode [--api rest|ecom] | decode | parse-response | status | next`.

use std::path::PathBuf;

use clap::Subcommand;
use refundkit_rbs::conformance::{response_summary, status_summary};
use refundkit_rbs::http::{Endpoint, redacted, status_request};
use refundkit_rbs::{
    Dialect, StatusRequest, encode_ecom_request, encode_request_text, parse_response,
    parse_status_response, request_from_json, validate_for,
};

use crate::Exit;
use crate::io::{self, CliError};
use crate::lifecycle::{self, NextArgs};

/// What `refundkit --help` says of this provider.
pub const ABOUT: &str = "RBS refund.do: Sberbank, Alfa-Bank (form-encoded)";

#[derive(Subcommand)]
pub enum Verb {
    /// A JSON object with the form's own field names (userName, password or token, orderId,
    /// amount in minor units, jsonParams, language, refundItems) in; the body out: the form
    /// (--api rest, the default) or Sber's ecom JSON body (--api ecom), each checked by its
    /// gateway's rules. Invalid: exit 1 with every violation.
    Encode {
        /// The gateway's API: rest (the RBS REST form: Sberbank legacy, Alfa-Bank, YooKassa)
        /// or ecom (Sber's ecom gateway).
        #[arg(long, value_enum, default_value = "rest")]
        api: Api,
        /// The JSON; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// Read a refund.do or getOrderStatusExtended.do request as the gateway reads it: a form
    /// body, a GET's query string (`?…`), or a whole URL with one ("HTTP-запросы (GET или
    /// POST)", the REST API's introduction). Prints it as the JSON object `encode` takes, its
    /// password or token redacted, and every violation on stderr: exit 0 valid, 1 otherwise. A
    /// form without `amount` (or a getOrderStatus URL) is a status request.
    Decode {
        /// The form, query or URL; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// Read a refund.do response: exit 0 accepted, 3 refused (code and cause printed; every
    /// spelling of an RBS error), 1 malformed (an HTML page from a proxy, a body that is not an
    /// RBS answer, or one that states both success and an error).
    ParseResponse {
        /// The HTTP status it came with.
        #[arg(long, default_value_t = 200)]
        status: u16,
        /// The body; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// getOrderStatusExtended.do. With --refund, print the status request for that refund
    /// (its credentials and orderId; secrets redacted as `plan` prints them). Otherwise read
    /// its answer: exit 0 with the order's state and amounts, 3 refused, 1 malformed.
    Status {
        /// The refund.do request, in the text form `refundkit plan` prints.
        #[arg(long)]
        refund: Option<PathBuf>,
        /// The HTTP status the answer came with.
        #[arg(long, default_value_t = 200)]
        status: u16,
        /// The answer; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// The next step after refund.do or getOrderStatusExtended.do got an answer (or none):
    /// exit 0 done, 3 refused, 4 wait, 5 reconcile (a lost refund.do: compare refundedAmount
    /// with --refunded-before; never resend blindly).
    Next(NextArgs),
}

/// `--api`: which of the gateways' APIs a body is for.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Api {
    /// The RBS REST form API.
    Rest,
    /// Sber's ecom JSON API.
    Ecom,
}

pub fn run(verb: Verb) -> Result<Exit, CliError> {
    match verb {
        Verb::Encode { api, input } => {
            let request = request_from_json(&io::read_input(input.as_deref())?)
                .map_err(|e| CliError::Rejected(format!("input: {e}")))?;
            let dialect = match api {
                Api::Rest => Dialect::Rest,
                Api::Ecom => Dialect::Ecom,
            };
            let valid = match validate_for(request, dialect) {
                Ok(valid) => valid,
                Err(invalid) => {
                    io::report(&invalid.report);
                    return Ok(Exit::Rejected);
                }
            };
            io::report(valid.warnings());
            let mut body = match dialect {
                Dialect::Ecom => encode_ecom_request(&valid),
                _ => encode_request_text(&valid).into_bytes(),
            };
            body.push(b'\n');
            io::emit(&body)?;
            Ok(Exit::Ok)
        }
        Verb::Decode { input } => decode(&io::read_input(input.as_deref())?),
        Verb::ParseResponse { status, input } => {
            let outcome = parse_response(status, &io::read_input(input.as_deref())?);
            io::answer(&outcome, response_summary(&outcome))
        }
        Verb::Status {
            refund: Some(path), ..
        } => {
            let refund = lifecycle::read_request(&path, "--refund")?;
            let endpoint = Endpoint::of_request(&refund)
                .ok_or_else(|| CliError::Rejected("--refund: not a refund.do URL".into()))?;
            let request = match endpoint.dialect() {
                Dialect::Ecom => refundkit_rbs::decode_ecom_request(refund.body()),
                _ => refundkit_rbs::decode_request(refund.body()),
            }
            .map_err(|e| CliError::Rejected(format!("--refund: {e}")))?;
            let status = status_request(
                &endpoint,
                &StatusRequest {
                    auth: request.auth,
                    order_id: request.order_id,
                    language: request.language,
                },
            )
            .map_err(|e| CliError::Rejected(e.to_string()))?;
            lifecycle::print_request(&redacted(&status))
        }
        Verb::Status {
            refund: None,
            status,
            input,
        } => {
            let outcome = parse_status_response(status, &io::read_input(input.as_deref())?);
            io::answer(&outcome, status_summary(&outcome))
        }
        Verb::Next(args) => lifecycle::next(refundkit::ProviderId::Rbs, args),
    }
}

/// `rbs decode`: a request as the gateway reads it, printed as `encode`'s JSON input.
fn decode(bytes: &[u8]) -> Result<Exit, CliError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| CliError::Rejected("input: not UTF-8 text".into()))?;
    let form = refundkit_rbs::form_text(text);
    let has_amount = form.split('&').any(|p| p.starts_with("amount="));
    let mut out = String::from("{");
    let mut member = |name: &str, value: serde_json::Value| {
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(&serde_json::Value::String(name.into()).to_string());
        out.push(':');
        out.push_str(&value.to_string());
    };
    let redacted = || serde_json::Value::String("[redacted]".into());
    let report = if text.contains("getOrderStatus") || !has_amount {
        let request = refundkit_rbs::decode_status_request(form.as_bytes())
            .map_err(|e| CliError::Rejected(format!("getOrderStatusExtended.do: {e}")))?;
        let report = refundkit_rbs::check_status(&request);
        auth_members(&request.auth, &mut member, redacted);
        member("orderId", request.order_id.clone().into());
        if let Some(l) = &request.language {
            member("language", l.clone().into());
        }
        report
    } else {
        let request = refundkit_rbs::decode_request(form.as_bytes())
            .map_err(|e| CliError::Rejected(format!("refund.do: {e}")))?;
        let report = refundkit_rbs::check(&request);
        auth_members(&request.auth, &mut member, redacted);
        member("orderId", request.order_id.clone().into());
        member("amount", request.amount.into());
        if let Some(c) = &request.currency {
            member("currency", c.clone().into());
        }
        if let Some(params) = &request.json_params {
            let mut object = String::from("{");
            for (i, (k, v)) in params.iter().enumerate() {
                if i > 0 {
                    object.push(',');
                }
                object.push_str(&format!(
                    "{}:{}",
                    serde_json::Value::String(k.clone()),
                    serde_json::Value::String(v.clone())
                ));
            }
            object.push('}');
            member(
                "jsonParams",
                serde_json::from_str(&object).unwrap_or(serde_json::Value::Null),
            );
        }
        if let Some(l) = &request.language {
            member("language", l.clone().into());
        }
        if let Some(items) = &request.refund_items {
            member(
                "refundItems",
                serde_json::to_value(items).unwrap_or(serde_json::Value::Null),
            );
        }
        if let Some(bundle) = &request.order_bundle {
            member(
                "orderBundle",
                serde_json::from_str(bundle).unwrap_or(serde_json::Value::Null),
            );
        }
        report
    };
    out.push_str("}\n");
    io::report(&report);
    io::emit(out.as_bytes())?;
    Ok(if report.has_errors() {
        Exit::Rejected
    } else {
        Exit::Ok
    })
}

/// The credentials' members, the secret one redacted.
fn auth_members(
    auth: &refundkit_rbs::Auth,
    member: &mut impl FnMut(&str, serde_json::Value),
    redacted: impl Fn() -> serde_json::Value,
) {
    match auth {
        refundkit_rbs::Auth::Password { user_name, .. } => {
            member("userName", user_name.clone().into());
            member("password", redacted());
        }
        refundkit_rbs::Auth::Token(_) => member("token", redacted()),
        _ => {}
    }
}
