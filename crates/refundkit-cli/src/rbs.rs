//! `refundkit rbs encode | parse-response`.

use std::path::PathBuf;

use clap::Subcommand;
use refundkit_rbs::conformance::response_summary;
use refundkit_rbs::{encode_request_text, parse_response, request_from_json, validate};

use crate::Exit;
use crate::io::{self, CliError};

#[derive(Subcommand)]
pub enum Verb {
    /// A JSON object with the form's own field names (userName, password or token, orderId,
    /// amount in minor units, jsonParams, language, refundItems) in; the form body out.
    /// Invalid: exit 1 with every violation.
    Encode {
        /// The JSON; `-` or nothing for stdin.
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
}

pub fn run(verb: Verb) -> Result<Exit, CliError> {
    match verb {
        Verb::Encode { input } => {
            let request = request_from_json(&io::read_input(input.as_deref())?)
                .map_err(|e| CliError::Rejected(format!("input: {e}")))?;
            let valid = match validate(request) {
                Ok(valid) => valid,
                Err(invalid) => {
                    io::report(&invalid.report);
                    return Ok(Exit::Rejected);
                }
            };
            io::report(valid.warnings());
            io::emit(format!("{}\n", encode_request_text(&valid)).as_bytes())?;
            Ok(Exit::Ok)
        }
        Verb::ParseResponse { status, input } => {
            let outcome = parse_response(status, &io::read_input(input.as_deref())?);
            io::answer(&outcome, response_summary(&outcome))
        }
    }
}
