//! Yandex Pay: the v2 refund (`POST /api/merchant/v2/orders/{orderId}/refund`, the page
//! `merchant_v2_refund-post`): the lines that remain as `targetCart`, or `refundAmount` alone
//! for the whole order. The v1 refund (the final cart with `orderAmount`) is deprecated since
//! 2025-09-29 (Yandex Pay's API changelog) and still built with the setting `api=v1`.
//!
//! References: `yandex_order_id` (the order), `refund_id` (the shop's id of this refund: the
//! `externalOperationId` and the `X-Request-Id` kept on every retry). Settings: `api` (`v2`,
//! the default, or `v1`), `base_url`. The test environment is Yandex Pay's sandbox.
//! Credential: [`ApiKey`].

use std::path::Path;

use refundkit_core::conformance::{self, VectorResult};
use refundkit_core::lifecycle::{Lifecycle as _, Progress};
use refundkit_core::{Amount, Coded, Report, VatRate};
use refundkit_yandex_pay::helper::{Order, Selection, refund, refund_v2};
use refundkit_yandex_pay::http::Endpoint;
use refundkit_yandex_pay::invariants::{Context as Current, ContextV2};
use refundkit_yandex_pay::lifecycle::{self, Api};
use refundkit_yandex_pay::types::{
    ApiKey, Cart, CartItem, CartTotal, ItemQuantity, ItemReceipt, Shipping, VAT_CODES,
};

use crate::adapter::{Context, Inspection, Message, Provider, ProviderPlan, not_built, note};
use crate::description::Environment;

// The credentials this provider reads.
crate::credentials::store::credential!(refundkit_yandex_pay::types::ApiKey);

pub(super) struct YandexPay;

const NAME: &str = "yandex-pay";

impl Provider for YandexPay {
    fn name(&self) -> &'static str {
        NAME
    }

    fn id(&self) -> crate::id::ProviderId {
        crate::id::ProviderId::YandexPay
    }

    fn references(&self) -> &'static [&'static str] {
        &["yandex_order_id", "refund_id"]
    }

    fn fillable(&self) -> &'static [(&'static str, crate::adapter::Fill)] {
        &[("refund_id", crate::adapter::Fill::RefundId)]
    }

    fn credential_inputs(&self) -> &'static [crate::credentials::store::Input] {
        use crate::credentials::store::{Input, InputKind};
        &[Input {
            provider: crate::id::ProviderId::YandexPay,
            flag: "yandex-pay-api-key-file",
            env: "REFUNDKIT_YANDEX_PAY_API_KEY_FILE",
            help: "Yandex Pay API key file",
            kind: InputKind::File,
        }]
    }

    fn insert_credentials(
        &self,
        given: &crate::credentials::store::Given<'_>,
        into: &mut crate::credentials::store::Credentials,
    ) -> Result<(), crate::credentials::store::CredentialError> {
        if let Some(secret) = given.secret("yandex-pay-api-key-file")? {
            into.insert(refundkit_yandex_pay::types::ApiKey(secret));
        }
        Ok(())
    }

    fn has_credentials(&self, credentials: &crate::credentials::store::Credentials) -> bool {
        credentials
            .get::<refundkit_yandex_pay::types::ApiKey>()
            .is_some()
    }

    fn insert_samples(&self, into: &mut crate::credentials::store::Credentials) {
        if let Ok(secret) = refundkit_core::SecretString::from_file_bytes(
            crate::samples::material::YANDEX_PAY_API_KEY
                .as_bytes()
                .to_vec(),
        ) {
            into.insert(refundkit_yandex_pay::types::ApiKey(secret));
        }
    }

    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            (
                "api",
                "v2 (the default) or v1 (deprecated by Yandex Pay since 2025-09-29)",
            ),
            (
                "base_url",
                "the merchant API's base URL instead of production or sandbox",
            ),
        ]
    }

    fn plan(&self, context: &Context<'_>) -> ProviderPlan {
        let Some(order_id) = context.reference("yandex_order_id") else {
            return ProviderPlan::skipped(NAME, "no references.yandex_order_id");
        };
        let known = || match context.environment {
            Environment::Test => Endpoint::sandbox(),
            _ => Endpoint::production(),
        };
        let settings = context.only_settings(&["api", "base_url"]).and_then(|()| {
            let api = context
                .setting_of("api", &[("v1", Api::V1), ("v2", Api::V2)])?
                .unwrap_or(Api::V2);
            Ok((api, context.endpoint(known, Endpoint::custom)?))
        });
        let (api, endpoint) = match settings {
            Ok(s) => s,
            Err(e) => return ProviderPlan::bad_setting(NAME, &e),
        };
        let typed = context.refund;
        if typed.sum.is_some() {
            return ProviderPlan::failed(
                NAME,
                "refund.sum",
                refundkit_core::codes::REQUIRED,
                "Yandex Pay refunds by the cart that remains: give lines, not a sum",
            );
        }
        let mut report = Report::new();
        // Receipts travel only in v1's final cart (v2's targetCart has none): their notes are
        // v1's.
        let mut receipts = Report::new();
        let mut items = Vec::new();
        let mut cart_total = Amount::ZERO;
        for l in &typed.lines {
            let Some(total) = l.total().and_then(|t| {
                cart_total = cart_total.checked_add(t)?;
                Some(t)
            }) else {
                return ProviderPlan::failed(
                    NAME,
                    "order.lines",
                    refundkit_core::codes::REQUIRED,
                    "amounts overflow",
                );
            };
            items.push(CartItem {
                product_id: l.id.clone(),
                title: Some(l.name.clone()),
                quantity: ItemQuantity {
                    count: l.quantity,
                    available: None,
                    label: None,
                },
                unit_price: Some(l.unit_price),
                discounted_unit_price: None,
                subtotal: None,
                total,
                description: None,
                item_type: None,
                measurements: None,
                receipt: receipt(l.vat, &mut receipts),
                points_amount: None,
            });
        }
        let order = Order {
            cart: Cart {
                cart_id: None,
                external_id: None,
                items,
                discounts: vec![],
                coupons: vec![],
                total: CartTotal {
                    amount: cart_total,
                    points_amount: None,
                    external_amount: None,
                    label: None,
                },
                measurements: None,
            },
            shipping: typed.shipping.as_ref().map(|s| Shipping {
                method_type: s.method.clone(),
                amount: s.amount,
                receipt: receipt(s.vat, &mut receipts),
            }),
        };
        let selection = Selection {
            products: typed
                .refunded
                .iter()
                .map(|l| (l.id.clone(), l.quantity))
                .collect(),
            shipping: typed.refund_shipping,
            external_operation_id: context.reference("refund_id").map(str::to_owned),
            external_amount: None,
        };
        let request_id = context.reference("refund_id").unwrap_or("refund");
        let built = match api {
            Api::V1 => {
                note(
                    &mut report,
                    NAME,
                    "api=v1: Yandex Pay deprecated the v1 refund on 2025-09-29; v2 is the default",
                );
                report.merge(receipts);
                refund(&order, &selection).map(|body| {
                    let current = Current {
                        payment_amount: order.amount(),
                        current_cart: Some(&order.cart),
                        current_shipping: order.shipping.as_ref().map(|s| s.amount),
                        order_status: None,
                    };
                    let refunded = body.refund_amount;
                    let refund = refundkit_yandex_pay::validate(body, &current).map(|valid| {
                        report.merge(valid.warnings().clone());
                        lifecycle::Refund::v1(&endpoint, order_id, &valid, request_id)
                    });
                    (refunded, refund.map_err(|invalid| invalid.report))
                })
            }
            Api::V2 => refund_v2(&order, &selection).map(|body| {
                let refunded = body.refund_amount;
                let context = ContextV2 {
                    order: Some(&order),
                    ..ContextV2::default()
                };
                let refund = refundkit_yandex_pay::validate_v2(body, &context).map(|valid| {
                    report.merge(valid.warnings().clone());
                    lifecycle::Refund::v2(&endpoint, order_id, &valid, request_id)
                });
                (refunded, refund.map_err(|invalid| invalid.report))
            }),
        };
        let (refunded, validated) = match built {
            Ok(b) => b,
            Err(e) => {
                return ProviderPlan::failed(
                    NAME,
                    "refund",
                    refundkit_core::codes::REQUIRED,
                    e.to_string(),
                );
            }
        };
        let (http, refund) = match validated {
            Err(invalid) => {
                report.merge(invalid);
                (None, None)
            }
            Ok(built) => match built {
                Err(e) => {
                    not_built(&mut report, NAME, e);
                    (None, None)
                }
                Ok(refund) => {
                    let http = context.credentials.get::<ApiKey>().and_then(|key| {
                        refund
                            .build(
                                lifecycle::Request::Refund,
                                &Progress::new(context.now),
                                &Some(key),
                            )
                            .map_err(|e| not_built(&mut report, NAME, e))
                            .ok()
                    });
                    (
                        http,
                        Some(crate::refund::Refund::start(refund, context.now)),
                    )
                }
            },
        };
        if context.credentials.get::<ApiKey>().is_none() {
            note(
                &mut report,
                NAME,
                "no API key: the body is validated but no request is built",
            );
        }
        ProviderPlan {
            provider: NAME,
            request: http,
            refund,
            refunded: Some(refunded),
            report,
            skipped: None,
        }
    }

    fn inspect(&self, message: &Message<'_>) -> Option<Inspection> {
        if let Message::Text(text) = message {
            return notification(text);
        }
        let Message::Json { bytes, .. } = message else {
            return None;
        };
        if message.has("keys") {
            const KIND: &str = "yandex-pay JWKS";
            return Some(
                match refundkit_yandex_pay::webhook::Jwks::from_json(bytes) {
                    Ok(jwks) => {
                        let mut i = Inspection::new(KIND);
                        let kids: Vec<&str> = jwks.kids().collect();
                        i.details.push(format!("P-256 keys: {}", kids.join(", ")));
                        i
                    }
                    Err(e) => Inspection::failed(KIND, e),
                },
            );
        }
        let api = (message.has("refundAmount") || message.has("orderAmount"))
            .then(|| refundkit_yandex_pay::refund_api(bytes));
        if let Some(Err(e)) = api {
            return Some(Inspection::failed("yandex-pay refund body", e));
        }
        if let Some(Ok(None | Some(Api::V2))) = api {
            const KIND: &str = "yandex-pay v2 refund body";
            return Some(match refundkit_yandex_pay::decode_request_v2(bytes) {
                Ok(r) => {
                    let mut i = Inspection::new(KIND);
                    i.details.push(format!(
                        "refundAmount {}, {}",
                        r.refund_amount,
                        match &r.target_cart {
                            Some(c) => format!("{} lines remain in targetCart", c.items.len()),
                            None => "no targetCart: the whole cart is refunded".into(),
                        }
                    ));
                    i.report = refundkit_yandex_pay::check_v2(&r, &Default::default());
                    i
                }
                Err(e) => Inspection::failed(KIND, e),
            });
        }
        if let Some(Ok(Some(Api::V1))) = api {
            const KIND: &str = "yandex-pay refund body";
            return Some(match refundkit_yandex_pay::decode_request(bytes) {
                Ok(r) => {
                    let mut i = Inspection::new(KIND);
                    i.details.push(format!(
                        "refundAmount {}, orderAmount {}, {} items in the final cart",
                        r.refund_amount,
                        r.order_amount,
                        r.final_cart().items.len()
                    ));
                    i.report = refundkit_yandex_pay::check(&r, &Current::default());
                    i
                }
                Err(e) => Inspection::failed(KIND, e),
            });
        }
        if message.has("status") && (message.has("data") || message.has("reasonCode")) {
            let status = if message.has("data") { 200 } else { 400 };
            let outcome = refundkit_yandex_pay::parse_response(status, bytes);
            let summary = refundkit_yandex_pay::conformance::response_summary(&outcome);
            return Some(Inspection::answer("yandex-pay response", &outcome, summary));
        }
        None
    }

    fn redacted(&self, request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
        refundkit_yandex_pay::http::redacted(request)
    }

    fn export(&self, dir: &Path) -> Result<Vec<conformance::export::Exported>, conformance::Error> {
        refundkit_yandex_pay::conformance::export_dir(dir)
    }

    fn read_answer(
        &self,
        path: &str,
        http_status: u16,
        body: &[u8],
    ) -> Option<(&'static str, serde_json::Value)> {
        refundkit_yandex_pay::conformance::answer_reading(path, http_status, body)
    }

    fn conformance(&self, dir: &Path) -> Result<Vec<VectorResult>, conformance::Error> {
        refundkit_yandex_pay::conformance::run_dir(dir)
    }
}

/// A line's receipt: its tax code, or none (with a note) for a rate Yandex Pay has no code for.
fn receipt(vat: VatRate, report: &mut Report) -> Option<ItemReceipt> {
    if !VAT_CODES.iter().any(|(v, _)| *v == vat) {
        note(
            report,
            NAME,
            format!(
                "Yandex Pay publishes no tax code for VAT {vat}%: that line goes without a receipt"
            ),
        );
        return None;
    }
    Some(ItemReceipt {
        tax: Coded::Known(vat),
        title: None,
        measure: None,
        payment_method_type: None,
        payment_subject_type: None,
        excise: None,
        product_code: None,
        mark_quantity: None,
        supplier: None,
        agent: None,
    })
}

/// A notification: a JWT whose header names ES256. Its signature needs the JWKS, which
/// `inspect` does not have: the header and event are shown, with a warning.
fn notification(text: &str) -> Option<Inspection> {
    use base64::Engine as _;
    let mut parts = text.split('.');
    let (header, payload) = (parts.next()?, parts.next()?);
    let decode = |s: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s)
            .ok()
    };
    let header: serde_json::Value = serde_json::from_slice(&decode(header)?).ok()?;
    let field = |v: &serde_json::Value, name: &str| {
        v.get(name)
            .map_or_else(|| "-".to_owned(), ToString::to_string)
    };
    if header.get("alg").and_then(|a| a.as_str()) != Some("ES256") {
        return None;
    }
    let mut i = Inspection::new("yandex-pay notification");
    i.details.push(format!(
        "kid {}, exp {}",
        field(&header, "kid"),
        field(&header, "exp")
    ));
    match decode(payload).and_then(|p| serde_json::from_slice::<serde_json::Value>(&p).ok()) {
        Some(p) => i
            .details
            .push(format!("event {} (not verified)", field(&p, "event"))),
        None => i.details.push("payload does not decode".into()),
    }
    i.report.warning(
        &refundkit_core::Path::ROOT,
        "unverified",
        "the signature needs the JWKS: refundkit yandex-pay webhook --jwks FILE",
    );
    Some(i)
}

impl crate::refund::Keyed for refundkit_yandex_pay::lifecycle::Refund {
    fn keys(credentials: &crate::credentials::store::Credentials) -> Option<&ApiKey> {
        credentials.get::<ApiKey>()
    }

    fn notified(
        &self,
        notification: &dyn std::any::Any,
        now: std::time::SystemTime,
        timing: &refundkit_core::lifecycle::Timing,
    ) -> Option<refundkit_core::lifecycle::Decision<Self::Request>> {
        let n = notification.downcast_ref::<refundkit_yandex_pay::webhook::Notification>()?;
        self.notification(n, now, timing)
    }
}
