//! `refundkit yandex-pay check | refund | parse-response | status | webhook | next`: the v2
//! refund first, the deprecated v1 refund still read and built.

use std::path::PathBuf;

use clap::Subcommand;
use refundkit_core::Outcome;
use refundkit_core::Quantity;
use refundkit_yandex_pay::conformance::response_summary;
use refundkit_yandex_pay::helper::{Order, Selection, refund, refund_v2};
use refundkit_yandex_pay::invariants::{Context, ContextV2, check, check_v2};
use refundkit_yandex_pay::lifecycle::Api;
use refundkit_yandex_pay::types::{Cart, OrderStatus};
use refundkit_yandex_pay::{
    decode, decode_request, decode_request_v2, encode_request, encode_request_v2, refund_api,
};

use crate::Exit;
use crate::io::{self, CliError};
use crate::lifecycle::{self, NextArgs, NowArg};

/// Which refund method (`--api`).
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ApiArg {
    /// `/v1/orders/{id}/refund`: the final cart and orderAmount (deprecated by Yandex Pay
    /// since 2025-09-29).
    V1,
    /// `/v2/orders/{id}/refund`: targetCart, targetShipping, refundExternalAmount.
    V2,
}

impl ApiArg {
    fn name(self) -> &'static str {
        match self {
            ApiArg::V1 => "v1",
            ApiArg::V2 => "v2",
        }
    }
}

/// What `refundkit --help` says of this provider.
pub const ABOUT: &str = "Yandex Pay merchant API refund: v2 (targetCart), and the deprecated v1 (final cart)";

#[derive(Subcommand)]
pub enum Verb {
    /// Validate a refund body, v1 or v2 (told by its fields, or by --api): exit 0, or 1 with
    /// every violation naming its field. A body mixing the two versions' fields is refused.
    Check {
        /// The refund method the body is for; without it, its fields tell (v1: cart,
        /// orderAmount, shipping; v2: targetCart, targetShipping, refundCart,
        /// refundExternalAmount, branchId, managerId, motive).
        #[arg(long, value_enum)]
        api: Option<ApiArg>,
        /// The payment's current amount (enables orderAmount = amount - refundAmount).
        #[arg(long, value_name = "AMOUNT")]
        payment_amount: Option<String>,
        /// The current order (`{"cart": ..., "shipping": ...}`) or cart (enables the
        /// final-cart rules).
        #[arg(long, value_name = "FILE")]
        current_cart: Option<PathBuf>,
        /// The order's status (only CAPTURED and PARTIALLY_REFUNDED may be refunded).
        #[arg(long, value_name = "STATUS")]
        order_status: Option<String>,
        /// The body; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// Print the refund body for refunding these products (and the shipping) from the current
    /// order, computed: v1's final cart with orderAmount and refundAmount, or with --api v2 the
    /// targetCart of what remains (v1 stays the default so that scripts keep their output;
    /// Yandex Pay deprecated it, and `refundkit plan` builds v2).
    Refund {
        /// The refund method to build for.
        #[arg(long, value_enum, default_value = "v1")]
        api: ApiArg,
        /// v2: the part of the refund the shop returns itself (refundExternalAmount:
        /// certificates, gift cards), at most the order's cart.total.externalAmount.
        #[arg(long, value_name = "AMOUNT")]
        external_amount: Option<String>,
        /// The current order (`{"cart": ..., "shipping": ...}`) or cart.
        #[arg(long, value_name = "FILE")]
        current_cart: PathBuf,
        /// A product and how many of it: `ID=COUNT`. Repeatable.
        #[arg(long, value_name = "ID=COUNT", required = true)]
        product: Vec<String>,
        /// Refund the shipping too.
        #[arg(long)]
        shipping: bool,
        /// externalOperationId (the idempotency key).
        #[arg(long, value_name = "ID")]
        external_operation_id: Option<String>,
    },
    /// Read a refund response: exit 0 accepted, 3 refused (the reasonCode printed, unknown
    /// ones verbatim), 1 malformed or a server error.
    ParseResponse {
        /// The HTTP status it came with.
        #[arg(long, default_value_t = 200)]
        status: u16,
        /// The body; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// The operation status. With --refund, print the status request for that refund (the
    /// operation by its externalOperationId, or the order without one; the API key redacted).
    /// Otherwise read the operation status answer: exit 0 with the operation, 3 refused, 1
    /// malformed.
    Status {
        /// The refund request, in the text form `refundkit plan` prints.
        #[arg(long)]
        refund: Option<PathBuf>,
        /// The HTTP status the answer came with.
        #[arg(long, default_value_t = 200)]
        status: u16,
        /// The answer; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// Verify a notification (the body Yandex Pay posts to {callback}/v1/webhook: a JWT signed
    /// ES256) against a JWKS and print its event: exit 0 authentic, 1 refused (bad signature,
    /// another algorithm, an unknown kid, expired).
    Webhook {
        /// The JWKS, as Yandex Pay serves it (`https://pay.yandex.ru/api/jwks`).
        #[arg(long)]
        jwks: PathBuf,
        #[command(flatten)]
        now: NowArg,
        /// Seconds of clock skew allowed on exp and iat.
        #[arg(long, default_value_t = 60)]
        leeway: u64,
        /// The shop's merchant id (the merchant console): a notification about another
        /// merchant is refused. Without it the merchantId is printed, not checked.
        #[arg(long, value_name = "ID")]
        merchant_id: Option<String>,
        /// The notification body; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// The next step after a refund or its status request got an answer (or none): exit 0
    /// done, 3 refused, 4 wait or resend (under the same externalOperationId), 5 reconcile.
    Next(NextArgs),
}

fn webhook(
    jwks: &PathBuf,
    now: &NowArg,
    leeway: u64,
    merchant_id: Option<&str>,
    input: Option<PathBuf>,
) -> Result<Exit, CliError> {
    use refundkit_yandex_pay::webhook::{Event, Jwks, acknowledge, verify, verify_for};
    let jwks_bytes = std::fs::read(jwks)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", jwks.display())))?;
    let jwks =
        Jwks::from_json(&jwks_bytes).map_err(|e| CliError::Rejected(format!("--jwks: {e}")))?;
    let body = io::read_input(input.as_deref())?;
    let leeway = std::time::Duration::from_secs(leeway);
    let verified = match merchant_id {
        Some(id) => verify_for(&body, &jwks, id, now.instant()?, leeway),
        None => verify(&body, &jwks, now.instant()?, leeway),
    };
    // The answer the shop sends back, printed either way: Yandex Pay repeats a refused one.
    let print_answer = |response: &http::Response<Vec<u8>>| {
        io::emit(
            format!(
                "answer: {} {}\n",
                response.status().as_u16(),
                String::from_utf8_lossy(response.body())
            )
            .as_bytes(),
        )
    };
    let n = match verified {
        Ok(n) => n,
        Err(e) => {
            print_answer(&e.response())?;
            return Err(CliError::Rejected(format!("notification refused: {e}")));
        }
    };
    if merchant_id.is_none() {
        io::diagnose("merchantId not checked: give --merchant-id to refuse another merchant's");
    }
    let event = match &n.event {
        Event::OperationStatusUpdated {
            operation_id,
            external_operation_id,
            status,
            operation_type,
            ..
        } => format!(
            "OPERATION_STATUS_UPDATED {} {} operation {} externalOperationId {}",
            operation_type.as_deref().unwrap_or("-"),
            status.as_str(),
            operation_id.as_deref().unwrap_or("-"),
            external_operation_id.as_deref().unwrap_or("-")
        ),
        Event::OrderStatusUpdated {
            order_id,
            payment_status,
        } => format!(
            "ORDER_STATUS_UPDATED order {} {}",
            order_id.as_deref().unwrap_or("-"),
            payment_status.as_ref().map_or("-", |s| s.as_str())
        ),
        Event::Other(name) => format!("{name} (an event refundkit does not read)"),
        _ => "an event".into(),
    };
    io::emit(
        format!(
            "authentic (kid {}, exp {}, merchantId {}): {event}\n",
            n.kid,
            n.expires_at,
            io::one_line(n.merchant_id.as_deref().unwrap_or("-"))
        )
        .as_bytes(),
    )?;
    print_answer(&acknowledge())?;
    Ok(Exit::Ok)
}

fn parse_amount_flag(flag: &str, text: &str) -> Result<refundkit_core::Amount, CliError> {
    refundkit_yandex_pay::amount::parse_amount(text)
        .map_err(|e| CliError::Usage(format!("{flag} {text:?}: {e}")))
}

fn read_order(path: &PathBuf) -> Result<Order, CliError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
    match decode::<Order>(&bytes) {
        Ok(order) => Ok(order),
        Err(order_error) => decode::<Cart>(&bytes)
            .map(|cart| Order {
                cart,
                shipping: None,
            })
            .map_err(|_| CliError::Rejected(format!("{}: {order_error}", path.display()))),
    }
}

pub fn run(verb: Verb) -> Result<Exit, CliError> {
    match verb {
        Verb::Check {
            api,
            payment_amount,
            current_cart,
            order_status,
            input,
        } => {
            let payment_amount = payment_amount
                .map(|a| parse_amount_flag("--payment-amount", &a))
                .transpose()?;
            let order = current_cart.as_ref().map(read_order).transpose()?;
            let status = order_status.as_deref().map(OrderStatus::from_wire);
            let bytes = io::read_input(input.as_deref())?;
            let candidates = match api {
                Some(api) => vec![api],
                None => match refund_api(&bytes) {
                    Err(e) => return Err(CliError::Rejected(format!("body: {e}"))),
                    Ok(Some(Api::V1)) => vec![ApiArg::V1],
                    Ok(Some(Api::V2)) => vec![ApiArg::V2],
                    // Only the fields both versions have: whichever it decodes as.
                    Ok(None) => vec![ApiArg::V2, ApiArg::V1],
                },
            };
            let mut checked = Vec::new();
            let mut first_error = None;
            for api in candidates {
                let report = match api {
                    ApiArg::V1 => decode_request(&bytes).map(|body| {
                        let context = Context {
                            payment_amount,
                            current_cart: order.as_ref().map(|o| &o.cart),
                            current_shipping: order.as_ref().map(|o| {
                                o.shipping
                                    .as_ref()
                                    .map_or(refundkit_core::Amount::ZERO, |s| s.amount)
                            }),
                            order_status: status.as_ref(),
                        };
                        check(&body, &context)
                    }),
                    ApiArg::V2 => decode_request_v2(&bytes).map(|body| {
                        let context = ContextV2 {
                            order: order.as_ref(),
                            payment_amount,
                            order_status: status.as_ref(),
                        };
                        check_v2(&body, &context)
                    }),
                };
                match report {
                    Ok(report) => checked.push((api, report)),
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
            if checked.is_empty() {
                let e = first_error.map_or_else(String::new, |e| e.to_string());
                return Err(CliError::Rejected(format!("body: {e}")));
            }
            let mut exit = Exit::Ok;
            for (api, report) in &checked {
                io::diagnose(&format!("checked as a {} refund body", api.name()));
                if *api == ApiArg::V1 {
                    io::diagnose("the v1 refund is deprecated by Yandex Pay (2025-09-29): send v2");
                }
                io::report(report);
                if report.has_errors() {
                    exit = Exit::Rejected;
                }
            }
            Ok(exit)
        }
        Verb::Refund {
            api,
            external_amount,
            current_cart,
            product,
            shipping,
            external_operation_id,
        } => {
            let external_amount = external_amount
                .map(|a| parse_amount_flag("--external-amount", &a))
                .transpose()?;
            if api == ApiArg::V1 && external_amount.is_some() {
                return Err(CliError::Usage(
                    "--external-amount is refundExternalAmount, a v2 field: add --api v2".into(),
                ));
            }
            let order = read_order(&current_cart)?;
            let products = product
                .iter()
                .map(|p| {
                    let (id, count) = p.rsplit_once('=').ok_or_else(|| {
                        CliError::Usage(format!("--product {p:?}: expected ID=COUNT"))
                    })?;
                    let count = Quantity::parse_decimal(count)
                        .map_err(|e| CliError::Usage(format!("--product {p:?}: {e}")))?;
                    Ok((id.to_owned(), count))
                })
                .collect::<Result<Vec<_>, CliError>>()?;
            let selection = Selection {
                products,
                shipping,
                external_operation_id,
                external_amount,
            };
            let rejected = |e: &dyn std::fmt::Display| CliError::Rejected(e.to_string());
            let mut json = match api {
                ApiArg::V1 => {
                    io::diagnose(
                        "a v1 body (deprecated by Yandex Pay since 2025-09-29): --api v2 builds v2",
                    );
                    let body = refund(&order, &selection).map_err(|e| rejected(&e))?;
                    encode_request(&body).map_err(|e| rejected(&e))?
                }
                ApiArg::V2 => {
                    let body = refund_v2(&order, &selection).map_err(|e| rejected(&e))?;
                    encode_request_v2(&body).map_err(|e| rejected(&e))?
                }
            };
            json.push(b'\n');
            io::emit(&json)?;
            Ok(Exit::Ok)
        }
        Verb::ParseResponse { status, input } => {
            let body = io::read_input(input.as_deref())?;
            let outcome = refundkit_yandex_pay::parse_response(status, &body);
            if let Outcome::ServerError { .. } = outcome {
                io::diagnose(
                    "server error: retry with the same X-Request-Id and externalOperationId",
                );
            }
            // A failed operation is a refusal, whatever the envelope says.
            if let Outcome::Success(op) = &outcome
                && refundkit_yandex_pay::refund_verdict(&outcome)
                    == refundkit::core::Verdict::Refused
            {
                if let Some(reason) = &op.reason {
                    io::diagnose(&format!("operation FAIL: {}", io::one_line(reason)));
                }
                io::emit(format!("{}\n", response_summary(&outcome)).as_bytes())?;
                return Ok(Exit::Refused);
            }
            io::answer(&outcome, response_summary(&outcome))
        }
        Verb::Status {
            refund: Some(path), ..
        } => {
            let refund = lifecycle::read_request(&path, "--refund")?;
            // The key comes from the shop (REFUNDKIT_YANDEX_PAY_API_KEY_FILE, else the sample),
            // never back out of the request's header; it is redacted where printed.
            let mut credentials =
                refundkit::Credentials::from_env().map_err(|e| CliError::Usage(e.to_string()))?;
            credentials.fill_samples();
            let key = credentials
                .get::<refundkit_yandex_pay::types::ApiKey>()
                .ok_or_else(|| CliError::Usage("no Yandex Pay API key".into()))?;
            let status = refundkit_yandex_pay::lifecycle::status_request(&refund, key)
                .map_err(|e| CliError::Rejected(format!("--refund: {e}")))?;
            lifecycle::print_request(&refundkit_yandex_pay::http::redacted(&status))
        }
        Verb::Status {
            refund: None,
            status,
            input,
        } => {
            let body = io::read_input(input.as_deref())?;
            let outcome = refundkit_yandex_pay::parse_operation_response(status, &body);
            io::answer(&outcome, response_summary(&outcome))
        }
        Verb::Webhook {
            jwks,
            now,
            leeway,
            merchant_id,
            input,
        } => webhook(&jwks, &now, leeway, merchant_id.as_deref(), input),
        Verb::Next(args) => lifecycle::next(refundkit::ProviderId::YandexPay, args),
    }
}
