//! RBS (Sberbank, Alfa-Bank, YooKassa's compatible gateway): `refund.do` with a form body, or
//! Sber's ecom gateway's JSON body.
//!
//! References: `rbs_order_id` (the gateway's order id), `refund_id` (the shop's id of this
//! refund: on Sber's ecom gateway its `jsonParams.externalRefundId`, the idempotency key that
//! lets a lost refund be repeated; the REST API has none, so it is not sent there).
//!
//! Settings: `gateway` (`sberbank`, the default, `sberbank-ecom`, `alfa-bank`,
//! `alfa-bank-payment`, `yookassa`), `base_url` (another bank on the platform; a path ending in
//! `/ecomm/gw/partner/api/v1` speaks the ecom API). The test environment is the gateway's test
//! host. Credential: [`Auth`] (userName and password, or a token where the gateway takes one:
//! not the ecom gateway).

use std::path::Path;

use refundkit_core::conformance::{self, VectorResult};
use refundkit_core::lifecycle::{Lifecycle as _, Progress};
use refundkit_core::{Amount, Report};
use refundkit_rbs::http::Endpoint;
use refundkit_rbs::lifecycle;
use refundkit_rbs::{Auth, RefundRequest};

use crate::adapter::{Context, Inspection, Message, Provider, ProviderPlan, not_built};
use crate::description::Environment;

// The credentials this provider reads.
crate::credentials::store::credential!(refundkit_rbs::Auth);

pub(super) struct Rbs;

const NAME: &str = "rbs";

/// The documented gateways: production and test host of each.
const GATEWAYS: &[(&str, (&str, &str))] = &[
    ("sberbank", (Endpoint::SBERBANK, Endpoint::SBERBANK_TEST)),
    (
        "sberbank-ecom",
        (Endpoint::SBERBANK_ECOM, Endpoint::SBERBANK_ECOM_TEST),
    ),
    ("alfa-bank", (Endpoint::ALFA_BANK, Endpoint::ALFA_BANK_TEST)),
    (
        "alfa-bank-payment",
        (Endpoint::ALFA_BANK_PAYMENT, Endpoint::ALFA_BANK_TEST),
    ),
    // One host: the gateway has no separate test host.
    ("yookassa", (Endpoint::YOOKASSA, Endpoint::YOOKASSA)),
];

impl Provider for Rbs {
    fn name(&self) -> &'static str {
        NAME
    }

    fn id(&self) -> crate::id::ProviderId {
        crate::id::ProviderId::Rbs
    }

    fn references(&self) -> &'static [&'static str] {
        &["rbs_order_id", "refund_id"]
    }

    fn fillable(&self) -> &'static [(&'static str, crate::adapter::Fill)] {
        &[("refund_id", crate::adapter::Fill::RefundId)]
    }

    fn credential_inputs(&self) -> &'static [crate::credentials::store::Input] {
        use crate::credentials::store::{Input, InputKind};
        &[
            Input {
                provider: crate::id::ProviderId::Rbs,
                flag: "rbs-user-name",
                env: "REFUNDKIT_RBS_USER_NAME",
                help: "RBS userName",
                kind: InputKind::Value,
            },
            Input {
                provider: crate::id::ProviderId::Rbs,
                flag: "rbs-password-file",
                env: "REFUNDKIT_RBS_PASSWORD_FILE",
                help: "RBS password file",
                kind: InputKind::File,
            },
        ]
    }

    fn insert_credentials(
        &self,
        given: &crate::credentials::store::Given<'_>,
        into: &mut crate::credentials::store::Credentials,
    ) -> Result<(), crate::credentials::store::CredentialError> {
        let provider = crate::id::ProviderId::Rbs;
        if given
            .pair(provider, "rbs-user-name", "rbs-password-file")?
            .is_none()
        {
            return Ok(());
        }
        let user_name = given
            .secret("rbs-user-name")?
            .map(|s| s.expose_secret().to_owned())
            .unwrap_or_default();
        if let Some(password) = given.secret("rbs-password-file")? {
            into.insert(refundkit_rbs::Auth::Password {
                user_name,
                password: refundkit_rbs::types::Password(password),
            });
        }
        Ok(())
    }

    fn has_credentials(&self, credentials: &crate::credentials::store::Credentials) -> bool {
        credentials.get::<refundkit_rbs::Auth>().is_some()
    }

    fn insert_samples(&self, into: &mut crate::credentials::store::Credentials) {
        if let Ok(password) = refundkit_core::SecretString::from_file_bytes(
            crate::samples::material::RBS_PASSWORD.as_bytes().to_vec(),
        ) {
            into.insert(refundkit_rbs::Auth::Password {
                user_name: crate::samples::material::RBS_USER_NAME
                    .trim_end()
                    .to_owned(),
                password: refundkit_rbs::types::Password(password),
            });
        }
    }

    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            (
                "gateway",
                "the bank: sberbank (default, the legacy REST host), sberbank-ecom (Sber's JSON \
                 gateway), alfa-bank (pay.alfabank.ru), alfa-bank-payment \
                 (payment.alfabank.ru), yookassa",
            ),
            (
                "base_url",
                "the gateway's base URL (…/payment/rest, or …/ecomm/gw/partner/api/v1 for Sber's \
                 ecom API) instead of a known one",
            ),
        ]
    }

    fn plan(&self, context: &Context<'_>) -> ProviderPlan {
        let Some(order_id) = context.reference("rbs_order_id") else {
            return ProviderPlan::skipped(NAME, "no references.rbs_order_id");
        };
        let endpoint = context
            .only_settings(&["gateway", "base_url"])
            .and_then(|()| context.setting_of("gateway", GATEWAYS))
            .and_then(|gateway| {
                let (production, test) =
                    gateway.unwrap_or((Endpoint::SBERBANK, Endpoint::SBERBANK_TEST));
                let known = match context.environment {
                    Environment::Test => test,
                    _ => production,
                };
                context.endpoint(|| Endpoint::known(known), Endpoint::custom)
            });
        let endpoint = match endpoint {
            Ok(e) => e,
            Err(e) => return ProviderPlan::bad_setting(NAME, &e),
        };
        let Ok(kopecks) = context.refund.total.to_minor_units() else {
            return ProviderPlan::failed(
                NAME,
                "amount",
                refundkit_core::codes::REQUIRED,
                "the refunded sum has a fraction of a kopeck",
            );
        };
        // The form carries the credentials, so there is no form without them.
        let Some(auth) = context.credentials.get::<Auth>() else {
            return ProviderPlan::failed(
                NAME,
                "credentials",
                refundkit_core::codes::REQUIRED,
                "no RBS credentials",
            );
        };
        // The idempotency key where the gateway documents one (see the module's note).
        let json_params = match (endpoint.dialect(), context.reference("refund_id")) {
            (refundkit_rbs::Dialect::Ecom, Some(id)) => Some(vec![(
                refundkit_rbs::types::EXTERNAL_REFUND_ID.to_owned(),
                id.to_owned(),
            )]),
            _ => None,
        };
        let request = RefundRequest {
            auth: auth.clone(),
            order_id: order_id.to_owned(),
            amount: kopecks,
            json_params,
            language: None,
            refund_items: None,
            currency: None,
            order_bundle: None,
        };
        let mut report = Report::new();
        let (http, refund) = match refundkit_rbs::validate_for(request, endpoint.dialect()) {
            Err(invalid) => {
                report.merge(invalid.report);
                (None, None)
            }
            Ok(valid) => {
                report.merge(valid.warnings().clone());
                let refund = lifecycle::Refund::new(&endpoint, &valid);
                let http = refund
                    .build(
                        lifecycle::Request::Refund,
                        &Progress::new(context.now),
                        &Some(auth),
                    )
                    .map_err(|e| not_built(&mut report, NAME, e))
                    .ok();
                (
                    http,
                    Some(crate::refund::Refund::start(refund, context.now)),
                )
            }
        };
        ProviderPlan {
            provider: NAME,
            request: http,
            refund,
            refunded: Some(Amount::from_minor_units(kopecks)),
            report,
            skipped: None,
        }
    }

    fn inspect(&self, message: &Message<'_>) -> Option<Inspection> {
        match message {
            Message::Text(text)
                if text.contains('=')
                    && (text.contains("orderId=") || text.contains("amount=")) =>
            {
                // A form body, or the query of a GET (the gateway takes either: "HTTP-запросы
                // (GET или POST)"). Without `amount` it is getOrderStatusExtended.do's.
                let form = refundkit_rbs::form_text(text);
                let has_amount = form.split('&').any(|p| p.starts_with("amount="));
                if text.contains("getOrderStatus") || !has_amount {
                    const KIND: &str = "rbs getOrderStatusExtended.do request";
                    return Some(
                        match refundkit_rbs::decode_status_request(form.as_bytes()) {
                            Ok(r) => {
                                let mut i = Inspection::new(KIND);
                                i.details.push(format!("orderId {}", r.order_id));
                                i.report = refundkit_rbs::check_status(&r);
                                i
                            }
                            Err(e) => Inspection::failed(KIND, e),
                        },
                    );
                }
                const KIND: &str = "rbs refund.do form body";
                Some(match refundkit_rbs::decode_request(form.as_bytes()) {
                    Ok(r) => {
                        let mut i = Inspection::new(KIND);
                        i.details.push(format!(
                            "orderId {}, amount {} (minor units)",
                            r.order_id, r.amount
                        ));
                        i.report = refundkit_rbs::check(&r);
                        i
                    }
                    Err(e) => Inspection::failed(KIND, e),
                })
            }
            Message::Json { bytes, .. } if message.has("orderId") && message.has("amount") => {
                const KIND: &str = "rbs refund request (JSON form fields)";
                Some(match refundkit_rbs::request_from_json(bytes) {
                    Ok(r) => Inspection::request(KIND, refundkit_rbs::check(&r)),
                    Err(e) => Inspection::failed(KIND, e),
                })
            }
            Message::Json { bytes, .. } if message.has("orderStatus") => {
                let outcome = refundkit_rbs::parse_status_response(200, bytes);
                let summary = refundkit_rbs::conformance::status_summary(&outcome);
                Some(Inspection::answer(
                    "rbs getOrderStatusExtended.do answer",
                    &outcome,
                    summary,
                ))
            }
            Message::Json { bytes, members }
                if members.is_empty()
                    || [
                        "errorCode",
                        "errorMessage",
                        "ErrorCode",
                        "ErrorMessage",
                        "error",
                    ]
                    .iter()
                    .any(|k| message.has(k)) =>
            {
                let outcome = refundkit_rbs::parse_response(200, bytes);
                let summary = refundkit_rbs::conformance::response_summary(&outcome);
                Some(Inspection::answer("rbs response", &outcome, summary))
            }
            _ => None,
        }
    }

    fn redacted(&self, request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
        refundkit_rbs::http::redacted(request)
    }

    fn export(&self, dir: &Path) -> Result<Vec<conformance::export::Exported>, conformance::Error> {
        refundkit_rbs::conformance::export_dir(dir)
    }

    fn read_answer(
        &self,
        path: &str,
        http_status: u16,
        body: &[u8],
    ) -> Option<(&'static str, serde_json::Value)> {
        refundkit_rbs::conformance::answer_reading(path, http_status, body)
    }

    fn conformance(&self, dir: &Path) -> Result<Vec<VectorResult>, conformance::Error> {
        refundkit_rbs::conformance::run_dir(dir)
    }
}

impl crate::refund::Keyed for refundkit_rbs::lifecycle::Refund {
    fn keys(credentials: &crate::credentials::store::Credentials) -> Option<&Auth> {
        credentials.get::<Auth>()
    }
}
