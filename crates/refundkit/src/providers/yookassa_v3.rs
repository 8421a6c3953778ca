//! YooKassa API v3 (`POST /v3/refunds`): JSON with Basic auth and an `Idempotence-Key`.
//!
//! References: `yookassa_v3_payment_id` (the payment refunded), `refund_id` (the shop's id of
//! this refund: its `Idempotence-Key`, filled by a journal from the refund's id),
//! `customer_email` (for the receipt). Settings: `base_url`. YooKassa has one host: a test
//! shop is one by its `test_` secret key. Credential: [`Auth`] (the shop's id and secret key).

use std::path::Path;

use refundkit_core::conformance::{self, VectorResult};
use refundkit_core::lifecycle::{Lifecycle as _, Progress};
use refundkit_core::{Amount, Coded, Report};
use refundkit_yookassa_v3::http::Endpoint;
use refundkit_yookassa_v3::invariants::Context as RulesContext;
use refundkit_yookassa_v3::lifecycle;
use refundkit_yookassa_v3::{
    Auth, Customer, IdempotenceKey, Money, Receipt, ReceiptItem, RefundRequest,
};

use crate::adapter::{Context, Inspection, Message, Provider, ProviderPlan, not_built, note};

/// The request, as its violations name it.
const REQUEST: &str = "YooKassa's POST /v3/refunds";

/// The provider's rules that check what a description's references gave, by code, and the
/// reference: the receipt's contact is the description's `customer_email`.
const FROM_DESCRIPTION: &[(&str, &str)] = &[(refundkit_yookassa_v3::codes::RECEIPT_CONTACT, "references.customer_email")];

// The credentials this provider reads.
crate::credentials::store::credential!(refundkit_yookassa_v3::Auth);

pub(super) struct YookassaV3;

const NAME: &str = "yookassa-v3";

/// The sample credential (test material: the shop id of no shop, a key that is no key).
const SAMPLE_SHOP_ID: &str = "100500";
const SAMPLE_SECRET_KEY: &str = include_str!("../samples/yookassa-v3-secret-key.txt");

impl Provider for YookassaV3 {
    fn name(&self) -> &'static str {
        NAME
    }

    fn id(&self) -> crate::id::ProviderId {
        crate::id::ProviderId::YookassaV3
    }

    fn references(&self) -> &'static [&'static str] {
        &["yookassa_v3_payment_id", "refund_id", "customer_email"]
    }

    fn fillable(&self) -> &'static [(&'static str, crate::adapter::Fill)] {
        &[("refund_id", crate::adapter::Fill::RefundId)]
    }

    fn credential_inputs(&self) -> &'static [crate::credentials::store::Input] {
        use crate::credentials::store::{Input, InputKind};
        &[
            Input {
                provider: crate::id::ProviderId::YookassaV3,
                flag: "yookassa-v3-shop-id",
                env: "REFUNDKIT_YOOKASSA_V3_SHOP_ID",
                help: "YooKassa shopId",
                kind: InputKind::Value,
            },
            Input {
                provider: crate::id::ProviderId::YookassaV3,
                flag: "yookassa-v3-secret-key-file",
                env: "REFUNDKIT_YOOKASSA_V3_SECRET_KEY_FILE",
                help: "YooKassa secret key file",
                kind: InputKind::File,
            },
        ]
    }

    fn insert_credentials(
        &self,
        given: &crate::credentials::store::Given<'_>,
        into: &mut crate::credentials::store::Credentials,
    ) -> Result<(), crate::credentials::store::CredentialError> {
        let provider = crate::id::ProviderId::YookassaV3;
        if given
            .pair(provider, "yookassa-v3-shop-id", "yookassa-v3-secret-key-file")?
            .is_none()
        {
            return Ok(());
        }
        let shop_id = given
            .secret("yookassa-v3-shop-id")?
            .map(|s| s.expose_secret().to_owned())
            .unwrap_or_default();
        if let Some(secret_key) = given.secret("yookassa-v3-secret-key-file")? {
            into.insert(Auth {
                shop_id,
                secret_key,
            });
        }
        Ok(())
    }

    fn has_credentials(&self, credentials: &crate::credentials::store::Credentials) -> bool {
        credentials.get::<Auth>().is_some()
    }

    fn insert_samples(&self, into: &mut crate::credentials::store::Credentials) {
        into.insert(Auth {
            shop_id: SAMPLE_SHOP_ID.into(),
            secret_key: SAMPLE_SECRET_KEY.trim_end().to_owned().into(),
        });
    }

    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[(
            "base_url",
            "the API's base URL (…/v3) instead of https://api.yookassa.ru/v3",
        )]
    }

    fn plan(&self, context: &Context<'_>) -> ProviderPlan {
        let Some(payment_id) = context.reference("yookassa_v3_payment_id") else {
            return ProviderPlan::skipped(NAME, "no references.yookassa_v3_payment_id");
        };
        let Some(key) = context.reference("refund_id") else {
            return ProviderPlan::failed(
                NAME,
                "references.refund_id",
                refundkit_core::codes::REQUIRED,
                "the refund's Idempotence-Key: a refund without one could not be repeated safely",
            );
        };
        let endpoint = match context
            .only_settings(&["base_url"])
            .and_then(|()| context.endpoint(Endpoint::production, Endpoint::custom))
        {
            Ok(e) => e,
            Err(e) => return ProviderPlan::bad_setting(NAME, &e),
        };
        let typed = context.refund;
        let money = |value: Amount| Money {
            value,
            currency: "RUB".into(),
        };
        let mut report = Report::new();
        let receipt = typed.sum.is_none().then(|| Receipt {
            customer: Some(Customer {
                email: context.reference("customer_email").map(str::to_owned),
                ..Customer::default()
            }),
            items: typed
                .receipt_lines()
                .into_iter()
                .map(|l| ReceiptItem {
                    description: l.name,
                    quantity: l.quantity,
                    amount: money(l.unit_price),
                    vat_code: Coded::Known(l.vat),
                    payment_mode: Some(Coded::Known(l.method)),
                    payment_subject: Some(Coded::Known(l.subject)),
                    other: Default::default(),
                })
                .collect(),
            tax_system_code: None,
            other: Default::default(),
        });
        if receipt.is_none() {
            note(
                &mut report,
                NAME,
                "a plain sum: no receipt is sent (a shop that sends receipts through YooKassa \
                 describes the refunded lines)",
            );
        }
        let request = RefundRequest {
            payment_id: payment_id.to_owned(),
            amount: money(typed.total.round_to_kopecks()),
            description: context.description.refund.cause.clone(),
            receipt,
            sources: None,
            deal: None,
        };
        let (http, refund) = match refundkit_yookassa_v3::validate(request, &RulesContext::default()) {
            Err(invalid) => {
                report.merge(crate::adapter::from_description(
                    invalid.report,
                    REQUEST,
                    FROM_DESCRIPTION,
                ));
                (None, None)
            }
            Ok(valid) => {
                report.merge(crate::adapter::from_description(
                    valid.warnings().clone(),
                    REQUEST,
                    FROM_DESCRIPTION,
                ));
                match lifecycle::Refund::new(&endpoint, &valid, &IdempotenceKey(key.to_owned())) {
                    Err(e) => {
                        not_built(&mut report, NAME, e);
                        (None, None)
                    }
                    Ok(refund) => {
                        let auth = context.credentials.get::<Auth>();
                        if auth.is_none() {
                            note(
                                &mut report,
                                NAME,
                                "no shop id and secret key: the request is validated but not sent",
                            );
                        }
                        let http = auth.and_then(|auth| {
                            refund
                                .build(
                                    lifecycle::Request::Create,
                                    &Progress::new(context.now),
                                    &Some(auth),
                                )
                                .map_err(|e| not_built(&mut report, NAME, e))
                                .ok()
                        });
                        (http, Some(crate::refund::Refund::start(refund, context.now)))
                    }
                }
            }
        };
        ProviderPlan {
            provider: NAME,
            request: http,
            refund,
            refunded: Some(typed.total.round_to_kopecks()),
            report,
            skipped: None,
        }
    }

    fn inspect(&self, message: &Message<'_>) -> Option<Inspection> {
        let Message::Json { bytes, .. } = message else {
            return None;
        };
        if message.has("payment_id") && message.has("amount") && !message.has("status") {
            const KIND: &str = "yookassa-v3 refund body";
            return Some(match refundkit_yookassa_v3::decode_request(bytes) {
                Ok(r) => {
                    let mut i = Inspection::new(KIND);
                    i.details.push(format!(
                        "payment_id {}, {} {}",
                        r.payment_id, r.amount.value, r.amount.currency
                    ));
                    i.report = refundkit_yookassa_v3::check(&r, &RulesContext::default());
                    i
                }
                Err(e) => Inspection::failed(KIND, e),
            });
        }
        if message.has("type") && message.has("event") {
            const KIND: &str = "yookassa-v3 notification";
            return Some(match refundkit_yookassa_v3::notification::parse(bytes) {
                Ok(event) => {
                    let mut i = Inspection::new(KIND);
                    i.details.push(match event {
                        refundkit_yookassa_v3::notification::Event::RefundSucceeded(o) => {
                            format!("refund.succeeded {} (unsigned: check the sender, fetch the refund)", o.id)
                        }
                        refundkit_yookassa_v3::notification::Event::Other(e) => e,
                        _ => "an event".into(),
                    });
                    i
                }
                Err(e) => Inspection::failed(KIND, e),
            });
        }
        if (message.has("payment_id") && message.has("status")) || message.has("type") {
            let status = if message.has("type") { 400 } else { 200 };
            let outcome = refundkit_yookassa_v3::parse_response(status, bytes);
            let summary = refundkit_yookassa_v3::conformance::response_summary(&outcome);
            return Some(Inspection::answer("yookassa-v3 answer", &outcome, summary));
        }
        None
    }

    fn redacted(&self, request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
        refundkit_yookassa_v3::http::redacted(request)
    }

    fn export(&self, dir: &Path) -> Result<Vec<conformance::export::Exported>, conformance::Error> {
        refundkit_yookassa_v3::conformance::export_dir(dir)
    }

    fn read_answer(
        &self,
        path: &str,
        http_status: u16,
        body: &[u8],
    ) -> Option<(&'static str, serde_json::Value)> {
        refundkit_yookassa_v3::conformance::answer_reading(path, http_status, body)
    }

    fn conformance(&self, dir: &Path) -> Result<Vec<VectorResult>, conformance::Error> {
        refundkit_yookassa_v3::conformance::run_dir(dir)
    }
}

impl crate::refund::Keyed for refundkit_yookassa_v3::lifecycle::Refund {
    fn keys(credentials: &crate::credentials::store::Credentials) -> Option<&Auth> {
        credentials.get::<Auth>()
    }
}
