//! `refundkit yookassa-v3 check | parse-response | status | webhook | next`: YooKassa API v3
//! refunds.

use std::path::PathBuf;

use clap::Subcommand;
use refundkit_core::{Outcome, Verdict};
use refundkit_yookassa_v3::conformance::response_summary;
use refundkit_yookassa_v3::http::{Endpoint, redacted, refund_status_request};
use refundkit_yookassa_v3::invariants::{Context, check};
use refundkit_yookassa_v3::{Auth, decode_request, parse_response, refund_verdict};

use crate::Exit;
use crate::io::{self, CliError};
use crate::lifecycle::{self, NextArgs};

/// What `refundkit --help` says of this provider.
pub const ABOUT: &str = "YooKassa API v3 refunds (JSON, Basic auth, Idempotence-Key)";

#[derive(Subcommand)]
pub enum Verb {
    /// Validate a `POST /v3/refunds` body: exit 0, or 1 with every violation naming its field.
    Check {
        /// The payment's amount (what remains of it): a smaller refund is partial, and its
        /// receipt must list its items.
        #[arg(long, value_name = "AMOUNT")]
        payment_amount: Option<String>,
        /// The body; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// Read the answer to `POST /v3/refunds` or `GET /v3/refunds/{id}`: `succeeded <id>` (0),
    /// `pending <id>` (4: ask its status), `canceled <id> <reason>` and `refused <http> <code>`
    /// (3), `server-error <http>` (1: repeat under the same Idempotence-Key), malformed (1).
    ParseResponse {
        /// The HTTP status it came with.
        #[arg(long, default_value_t = 200)]
        status: u16,
        /// The body; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// The status request of a refund: `GET /v3/refunds/{id}` (Basic credentials redacted).
    Status {
        /// The refund's id (the refund object's `id`).
        #[arg(long, value_name = "ID")]
        refund_id: String,
        /// The API's base URL.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        #[command(flatten)]
        credentials: crate::plan::CredentialArgs,
    },
    /// A notification, taken only from one of YooKassa's published addresses (they are
    /// unsigned): prints the event (`refund.succeeded <id>`: fetch that refund before deciding
    /// anything) and exits 0; another sender or a body that is not one exits 1.
    Webhook {
        /// The address the notification came from (the connection's peer, as your proxy
        /// reports it).
        #[arg(long, value_name = "IP")]
        from: std::net::IpAddr,
        /// The body; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// The next step after the refund or its status request got an answer (or none): exit 0
    /// done, 3 refused, 4 wait or resend (under the same Idempotence-Key), 5 a person checks.
    Next(NextArgs),
}

pub fn run(verb: Verb) -> Result<Exit, CliError> {
    match verb {
        Verb::Check {
            payment_amount,
            input,
        } => {
            let request = decode_request(&io::read_input(input.as_deref())?)
                .map_err(|e| CliError::Rejected(format!("body: {e}")))?;
            let payment_amount = payment_amount
                .map(|a| {
                    refundkit_core::Amount::parse_decimal(&a)
                        .map_err(|e| CliError::Usage(format!("--payment-amount {a:?}: {e}")))
                })
                .transpose()?;
            let report = check(&request, &Context { payment_amount });
            io::report(&report);
            Ok(if report.has_errors() {
                Exit::Rejected
            } else {
                Exit::Ok
            })
        }
        Verb::ParseResponse { status, input } => {
            let outcome = parse_response(status, &io::read_input(input.as_deref())?);
            let summary = response_summary(&outcome);
            if let Outcome::Success(_) = &outcome {
                io::emit(format!("{summary}\n").as_bytes())?;
                return Ok(match refund_verdict(&outcome) {
                    Verdict::Success => Exit::Ok,
                    Verdict::InProgress => Exit::InProgress,
                    Verdict::Refused => Exit::Refused,
                    _ => Exit::Rejected,
                });
            }
            if let Outcome::ServerError { .. } = outcome {
                io::diagnose("server failure: repeat the identical request under the same Idempotence-Key");
            }
            io::answer(&outcome, summary)
        }
        Verb::Status {
            refund_id,
            base_url,
            credentials,
        } => {
            let (credentials, sample) = crate::plan::credentials(&credentials, true)?;
            if sample {
                crate::plan::note_samples();
            }
            let auth = credentials
                .get::<Auth>()
                .ok_or_else(|| CliError::Usage("no YooKassa shop id and secret key".into()))?;
            let endpoint = match base_url {
                Some(url) => Endpoint::custom(&url)
                    .map_err(|e| CliError::Usage(format!("--base-url: {e}")))?,
                None => Endpoint::production(),
            };
            let request = refund_status_request(&endpoint, auth, &refund_id)
                .map_err(|e| CliError::Rejected(e.to_string()))?;
            lifecycle::print_request(&redacted(&request))
        }
        Verb::Webhook { from, input } => {
            let body = io::read_input(input.as_deref())?;
            match refundkit_yookassa_v3::notification::check(&body, from) {
                Ok(event) => {
                    let line = match event {
                        refundkit_yookassa_v3::notification::Event::RefundSucceeded(o) => {
                            io::diagnose(
                                "unsigned: fetch the refund (`refundkit yookassa-v3 status \
                                 --refund-id ID`) before deciding anything",
                            );
                            format!("refund.succeeded {}", io::one_line(&o.id))
                        }
                        refundkit_yookassa_v3::notification::Event::Other(e) => io::one_line(&e),
                        _ => "an event".into(),
                    };
                    io::emit(format!("{line}\n").as_bytes())?;
                    Ok(Exit::Ok)
                }
                Err(e) => Err(CliError::Rejected(format!("notification refused: {e}"))),
            }
        }
        Verb::Next(args) => lifecycle::next(refundkit::ProviderId::YookassaV3, args),
    }
}
