//! YooKassa MWS: `returnPaymentRequest` XML signed in a PKCS#7 container.
//!
//! References: `yookassa_invoice_id`, `yookassa_shop_id` (both needed),
//! `yookassa_client_order_id`, `request_dt` (the request's time, and its signingTime; the
//! plan's instant when absent), `customer_email` (for the receipt). Settings: `base_url`. The
//! test environment is the demo host, whose currency is 10643. Credential: a
//! [`refundkit_pkcs7::Signer`].

use std::path::Path;
use std::time::UNIX_EPOCH;

use refundkit_core::conformance::{self, VectorResult};
use refundkit_core::lifecycle::{Lifecycle as _, Progress};
use refundkit_core::{Amount, Coded, Report};
use refundkit_pkcs7::{SignOptions, Signer, Trust};
use refundkit_yookassa::http::Endpoint;
use refundkit_yookassa::lifecycle;
use refundkit_yookassa::receipt::receipt_total;
use refundkit_yookassa::timing::{format_request_dt, parse_utc};
use refundkit_yookassa::types::{Customer, Receipt, ReceiptItem};
use refundkit_yookassa::{ReturnPaymentRequest, codes};

use crate::adapter::{Context, Inspection, Message, Provider, ProviderPlan, not_built, note};
use crate::description::Environment;

/// The request, as its violations name it.
const REQUEST: &str = "YooKassa MWS's returnPayment";

/// The provider's rules that check what a description's references gave, by code, and the
/// reference: the receipt's contact is the description's `customer_email`.
const FROM_DESCRIPTION: &[(&str, &str)] = &[(refundkit_yookassa::codes::NO_CONTACT, "references.customer_email")];

// The credentials this provider reads.
crate::credentials::store::credential!(refundkit_pkcs7::Signer);
crate::credentials::store::credential!(refundkit_yookassa::lifecycle::ProviderCertificates);

pub(super) struct Yookassa;

const NAME: &str = "yookassa";

impl Provider for Yookassa {
    fn name(&self) -> &'static str {
        NAME
    }

    fn id(&self) -> crate::id::ProviderId {
        crate::id::ProviderId::Yookassa
    }

    fn references(&self) -> &'static [&'static str] {
        &[
            "yookassa_invoice_id",
            "yookassa_shop_id",
            "yookassa_client_order_id",
            "request_dt",
            "customer_email",
        ]
    }

    fn fillable(&self) -> &'static [(&'static str, crate::adapter::Fill)] {
        &[("yookassa_client_order_id", crate::adapter::Fill::Sequence)]
    }

    fn credential_inputs(&self) -> &'static [crate::credentials::store::Input] {
        use crate::credentials::store::{Input, InputKind};
        &[
            Input {
                provider: crate::id::ProviderId::Yookassa,
                flag: "yookassa-key",
                env: "REFUNDKIT_YOOKASSA_KEY",
                help: "YooKassa private key (PEM): signs returnPayment",
                kind: InputKind::File,
            },
            Input {
                provider: crate::id::ProviderId::Yookassa,
                flag: "yookassa-cert",
                env: "REFUNDKIT_YOOKASSA_CERT",
                help: "YooKassa certificate (PEM) of that key",
                kind: InputKind::File,
            },
        ]
    }

    fn insert_credentials(
        &self,
        given: &crate::credentials::store::Given<'_>,
        into: &mut crate::credentials::store::Credentials,
    ) -> Result<(), crate::credentials::store::CredentialError> {
        let provider = crate::id::ProviderId::Yookassa;
        let Some((key, cert)) = given.pair(provider, "yookassa-key", "yookassa-cert")? else {
            return Ok(());
        };
        let key = refundkit_pkcs7::PrivateKey::from_pem_or_der(key)
            .map_err(|e| given.invalid("yookassa-key", e))?;
        let cert = refundkit_pkcs7::Certificate::from_pem_or_der(cert)
            .map_err(|e| given.invalid("yookassa-cert", e))?;
        into.insert(
            refundkit_pkcs7::Signer::new(key, cert)
                .map_err(|e| given.invalid("yookassa-cert", e))?,
        );
        Ok(())
    }

    fn has_credentials(&self, credentials: &crate::credentials::store::Credentials) -> bool {
        credentials.get::<refundkit_pkcs7::Signer>().is_some()
    }

    fn insert_samples(&self, into: &mut crate::credentials::store::Credentials) {
        let key = refundkit_pkcs7::PrivateKey::from_pem_or_der(
            crate::samples::material::YOOKASSA_SHOP_KEY.as_bytes(),
        );
        let cert = refundkit_pkcs7::Certificate::from_pem_or_der(
            crate::samples::material::YOOKASSA_SHOP_CERT.as_bytes(),
        );
        if let Some(signer) = key
            .ok()
            .zip(cert.ok())
            .and_then(|(k, c)| refundkit_pkcs7::Signer::new(k, c).ok())
        {
            into.insert(signer);
        }
    }

    fn needs_client_certificate(&self) -> bool {
        true
    }

    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[(
            "base_url",
            "the MWS operations' base URL instead of production or demo",
        )]
    }

    fn plan(&self, context: &Context<'_>) -> ProviderPlan {
        let (Some(invoice_id), Some(shop_id)) = (
            context.reference("yookassa_invoice_id"),
            context.reference("yookassa_shop_id"),
        ) else {
            return ProviderPlan::skipped(
                NAME,
                "no references.yookassa_invoice_id and yookassa_shop_id",
            );
        };
        let test = context.environment == Environment::Test;
        let known = || {
            if test {
                Endpoint::demo()
            } else {
                Endpoint::production()
            }
        };
        let endpoint = match context
            .only_settings(&["base_url"])
            .and_then(|()| context.endpoint(known, Endpoint::custom))
        {
            Ok(e) => e,
            Err(e) => return ProviderPlan::bad_setting(NAME, &e),
        };
        let typed = context.refund;
        // Exactly two decimals, as YooKassa writes amounts.
        let Some(amount) = typed
            .total
            .to_fixed2()
            .ok()
            .and_then(|t| Amount::parse_decimal(&t).ok())
        else {
            return ProviderPlan::failed(
                NAME,
                "amount",
                refundkit_core::codes::REQUIRED,
                "the refunded sum has a fraction of a kopeck",
            );
        };
        let receipt = typed.sum.is_none().then(|| Receipt {
            customer_contact: None,
            tax_system: None,
            customer: Some(Customer {
                email: context.reference("customer_email").map(str::to_owned),
                ..Customer::default()
            }),
            items: typed
                .receipt_lines()
                .into_iter()
                .map(|l| ReceiptItem {
                    quantity: l.quantity,
                    price: l.unit_price,
                    price_currency: None,
                    tax: Coded::Known(l.vat),
                    text: l.name,
                    payment_subject_type: Some(Coded::Known(l.subject)),
                    payment_method_type: Some(Coded::Known(l.method)),
                    product_code: None,
                    country_of_origin_code: None,
                    customs_declaration_number: None,
                    excise: None,
                })
                .collect(),
        });
        let mut report = Report::new();
        // The receipt is rounded once; the description line by line. YooKassa accepts an
        // amount equal to the receipt total or one kopeck below it. Otherwise YooKassa refunds
        // the receipt total, and the agreement check reports the difference.
        let mut amount = amount;
        let mut adjusted = None;
        if let Some(total) = receipt.as_ref().and_then(|r| receipt_total(&r.items)) {
            let one_below = total.checked_sub(Amount::from_minor_units(1));
            if amount != total && Some(amount) != one_below {
                adjusted = Some((amount, total));
                amount = total;
            }
        }
        let request_dt = context
            .reference("request_dt")
            .map_or_else(|| format_request_dt(context.now), str::to_owned);
        // The signature's signingTime is the request's own time, so that the two agree.
        let signing_time = parse_utc(&request_dt)
            .filter(|t| *t >= UNIX_EPOCH)
            .unwrap_or(context.now);
        let request = ReturnPaymentRequest {
            client_order_id: context
                .reference("yookassa_client_order_id")
                .unwrap_or_default()
                .to_owned(),
            request_dt,
            invoice_id: invoice_id.to_owned(),
            shop_id: shop_id.to_owned(),
            amount,
            currency: Some(if test { "10643" } else { "643" }.into()),
            cause: context.description.refund.cause.clone(),
            receipt,
        };
        let (http, refund) = match refundkit_yookassa::validate(request) {
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
                match lifecycle::Refund::new(&endpoint, &valid, &SignOptions::at(signing_time)) {
                    Err(e) => {
                        not_built(&mut report, NAME, e);
                        (None, None)
                    }
                    Ok(refund) => {
                        let http = context.credentials.get::<Signer>().and_then(|signer| {
                            let keys = lifecycle::Keys {
                                signer: Some(signer),
                                ..lifecycle::Keys::default()
                            };
                            refund
                                .build(
                                    lifecycle::Request::ReturnPayment,
                                    &Progress::new(context.now),
                                    &keys,
                                )
                                .map_err(|e| not_built(&mut report, NAME, e))
                                .ok()
                        });
                        (
                            http,
                            Some(crate::refund::Refund::start(refund, context.now)),
                        )
                    }
                }
            }
        };
        if let Some((wanted, total)) = adjusted {
            note(
                &mut report,
                NAME,
                format!(
                    "the receipt rounded once comes to {total}, not {wanted} (the lines rounded one by one): YooKassa's amount must follow its receipt"
                ),
            );
        }
        if report.contains("receipt.items", codes::RECEIPT_TOTAL_KOPECK_OVER) {
            note(
                &mut report,
                NAME,
                "the receipt, rounded once, comes to one kopeck more than the lines rounded one by one; YooKassa allows exactly that",
            );
        }
        if context.credentials.get::<Signer>().is_none() {
            note(
                &mut report,
                NAME,
                "no signing key: the XML is validated but not signed",
            );
        }
        ProviderPlan {
            provider: NAME,
            request: http,
            refund,
            refunded: Some(amount),
            report,
            skipped: None,
        }
    }

    fn inspect(&self, message: &Message<'_>) -> Option<Inspection> {
        match message {
            Message::Xml(bytes) => Some(xml(bytes)),
            Message::Container(bytes) => Some(container(bytes)),
            _ => None,
        }
    }

    fn redacted(&self, request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
        // A signed container holds no secret; the shop's key stays in the TLS client.
        refundkit_core::copy_request(request)
    }

    fn export(&self, dir: &Path) -> Result<Vec<conformance::export::Exported>, conformance::Error> {
        refundkit_yookassa::conformance::export_dir(dir)
    }

    fn read_answer(
        &self,
        path: &str,
        http_status: u16,
        body: &[u8],
    ) -> Option<(&'static str, serde_json::Value)> {
        refundkit_yookassa::conformance::answer_reading(path, http_status, body)
    }

    fn conformance(&self, dir: &Path) -> Result<Vec<VectorResult>, conformance::Error> {
        refundkit_yookassa::conformance::run_dir(dir)
    }
}

fn xml(bytes: &[u8]) -> Inspection {
    let head = String::from_utf8_lossy(bytes.get(..bytes.len().min(512)).unwrap_or_default())
        .to_lowercase();
    if head.contains("returnpaymentrequest") {
        const KIND: &str = "yookassa returnPaymentRequest";
        return match refundkit_yookassa::decode_request(bytes) {
            Ok(r) => {
                let mut i = Inspection::new(KIND);
                i.details.push(format!(
                    "clientOrderId {}, invoiceId {}, amount {}",
                    r.client_order_id, r.invoice_id, r.amount
                ));
                i.report = refundkit_yookassa::check(&r);
                i
            }
            Err(e) => Inspection::failed(KIND, e),
        };
    }
    match refundkit_yookassa::read_response(bytes) {
        Ok(r) if r.operation == "returnPaymentResponse" => {
            let outcome = refundkit_yookassa::parse_response(200, bytes);
            let summary = refundkit_yookassa::conformance::response_summary(&outcome);
            Inspection::answer("yookassa returnPaymentResponse", &outcome, summary)
        }
        Ok(r) => {
            let mut i = Inspection::new(&format!("yookassa {}", r.operation));
            i.decoded = false;
            i.details.push(format!(
                "an MWS {}, not an answer to returnPayment: it states nothing about a refund",
                r.operation
            ));
            i
        }
        Err(e) => Inspection::failed("XML", e),
    }
}

fn container(bytes: &[u8]) -> Inspection {
    match refundkit_pkcs7::open(bytes, Trust::InsecureSkipSignature) {
        Err(e) => Inspection::failed("yookassa PKCS#7", e),
        Ok(opened) => {
            let mut inner = xml(&opened.content);
            inner.kind = format!("yookassa PKCS#7 containing {}", inner.kind);
            inner.details.insert(
                0,
                format!(
                    "digest {:?} checked, signature NOT checked (`refundkit yookassa open --cert`), signingTime {}, {} certificate(s)",
                    opened.digest,
                    opened.signing_time.as_deref().unwrap_or("(none)"),
                    opened.certificates
                ),
            );
            inner
        }
    }
}

impl crate::refund::Keyed for refundkit_yookassa::lifecycle::Refund {
    fn keys(
        credentials: &crate::credentials::store::Credentials,
    ) -> refundkit_yookassa::lifecycle::Keys<'_> {
        refundkit_yookassa::lifecycle::Keys {
            signer: credentials.get::<Signer>(),
            provider: credentials
                .get::<refundkit_yookassa::lifecycle::ProviderCertificates>()
                .map(|c| c.0.as_slice()),
        }
    }
}
