//! YooKassa MWS: `returnPayment` opens the PKCS#7 with the shop's certificate (error 53 for a
//! signer it does not know, 51 for a signature that does not verify), refuses a clientOrderId
//! reused with other data (405) and a refund above what remains, returns in progress counted
//! (413), answers status 1 for the
//! scenario's number of identical repeats, then 0; `listReturns` lists the refunds made for
//! its `shopId` within its `from`..`till`. Mutual TLS is the server's part.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::SystemTime;

use http::{Method, Request, Response, StatusCode};
use refundkit_core::Amount;
use refundkit_pkcs7::{Certificate, Error as Pkcs7Error, Trust, open};
use refundkit_yookassa::http::decode_list_returns_request;
use refundkit_yookassa::idempotency::repeat_differences;
use refundkit_yookassa::timing::{format_request_dt, parse_instant};
use refundkit_yookassa::{ReturnPaymentRequest, decode_request};

use crate::emulator::{Base, Descriptor, Emulate};
use crate::scenario::{Scenario, ScenarioError, section, unique};
use serde::Deserialize;

#[derive(Debug)]
struct Payment {
    invoice_id: String,
    shop_id: String,
    paid: Amount,
    refunded: Amount,
    /// Accepted returns still in progress (status 1), summed.
    pending: Amount,
}

#[derive(Debug)]
struct Return {
    request: ReturnPaymentRequest,
    repeats_left: u32,
    applied: bool,
    /// When MWS accepted it: what `listReturns`' period selects by.
    accepted: SystemTime,
}

#[derive(Debug)]
pub(crate) struct Emulator {
    certificate: Certificate,
    in_progress_repeats: u32,
    payments: Vec<Payment>,
    returns: Vec<Return>,
    /// `clientOrderId` → index in `returns`: a repeat is a lookup, never a scan.
    by_client_order_id: HashMap<String, usize>,
}

fn xml_attr(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

fn response(
    client_order_id: &str,
    status: u8,
    error: u16,
    now: SystemTime,
    tech: Option<&str>,
) -> Response<Vec<u8>> {
    let tech = tech
        .map(|t| format!(r#" techMessage="{}""#, xml_attr(t)))
        .unwrap_or_default();
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<returnPaymentResponse clientOrderId=\"{}\" status=\"{status}\" error=\"{error}\" processedDT=\"{}\"{tech}/>\n",
        xml_attr(client_order_id),
        format_request_dt(now)
    );
    crate::answer(StatusCode::OK, "application/xml", body.into_bytes())
}

impl Emulator {
    pub(crate) fn new(s: &YookassaScenario, scenario: &Scenario) -> Result<Self, ScenarioError> {
        let certificate = Certificate::from_pem_or_der(&scenario.read(&s.shop_certificate)?)
            .map_err(|e| ScenarioError::File {
                path: s.shop_certificate.clone(),
                detail: e.to_string(),
            })?;
        Ok(Emulator {
            certificate,
            in_progress_repeats: s.in_progress_repeats,
            payments: s
                .payments
                .iter()
                .map(|p| Payment {
                    invoice_id: p.invoice_id.clone(),
                    shop_id: p.shop_id.clone(),
                    paid: p.amount,
                    refunded: Amount::ZERO,
                    pending: Amount::ZERO,
                })
                .collect(),
            returns: Vec::new(),
            by_client_order_id: HashMap::new(),
        })
    }

    /// What the provider holds (`GET /_sim/state`): each payment, what its applied returns
    /// (status 0) add up to, those in order, and those still in progress (status 1).
    pub(crate) fn view(&self) -> serde_json::Value {
        let payments: Vec<serde_json::Value> = self
            .payments
            .iter()
            .map(|p| {
                let mine = || {
                    self.returns
                        .iter()
                        .filter(|r| r.request.invoice_id == p.invoice_id)
                };
                let entry = |r: &Return| {
                    serde_json::json!({
                        "client_order_id": r.request.client_order_id,
                        "amount": r.request.amount.to_fixed2().unwrap_or_default()
                    })
                };
                serde_json::json!({
                    "invoice_id": p.invoice_id,
                    "shop_id": p.shop_id,
                    "amount": p.paid.to_fixed2().unwrap_or_default(),
                    "refunded": p.refunded.to_fixed2().unwrap_or_default(),
                    "refunds": mine().filter(|r| r.applied).map(entry).collect::<Vec<_>>(),
                    "pending": mine().filter(|r| !r.applied).map(entry).collect::<Vec<_>>(),
                })
            })
            .collect();
        serde_json::json!({ "payments": payments })
    }

    pub(crate) fn handle(
        &mut self,
        request: &Request<Vec<u8>>,
        path: &str,
        now: SystemTime,
    ) -> Response<Vec<u8>> {
        match (request.method(), path) {
            (&Method::POST, "/returnPayment") => self.return_payment(request.body(), now),
            (&Method::POST, "/listReturns") => self.list_returns(request.body(), now),
            _ => crate::text(StatusCode::NOT_FOUND, "not an MWS operation"),
        }
    }

    fn return_payment(&mut self, body: &[u8], now: SystemTime) -> Response<Vec<u8>> {
        let opened = match open(body, Trust::Certificate(&self.certificate)) {
            Ok(o) => o,
            Err(Pkcs7Error::BadSignature) => {
                return response(
                    "",
                    3,
                    53,
                    now,
                    Some("the signer's certificate is not registered"),
                );
            }
            Err(Pkcs7Error::DigestMismatch | Pkcs7Error::ContentTypeMismatch) => {
                return response("", 3, 51, now, Some("signature mismatch"));
            }
            Err(e) => return response("", 3, 50, now, Some(&e.to_string())),
        };
        let request = match decode_request(&opened.content) {
            Ok(r) => r,
            Err(e) => return response("", 3, 10, now, Some(&e.to_string())),
        };
        let id = request.client_order_id.clone();
        if let Some((i, earlier)) = self
            .by_client_order_id
            .get(&id)
            .and_then(|i| Some((*i, self.returns.get(*i)?)))
        {
            if !repeat_differences(&earlier.request, &request).is_empty() {
                return response(
                    &id,
                    3,
                    405,
                    now,
                    Some("clientOrderId already used with other data"),
                );
            }
            return self.progress(i, now);
        }
        let Some(payment) = self
            .payments
            .iter_mut()
            .find(|p| p.invoice_id == request.invoice_id)
        else {
            return response(&id, 3, 415, now, Some("no such invoiceId"));
        };
        if payment.shop_id != request.shop_id {
            return response(&id, 3, 113, now, Some("shopId"));
        }
        // What remains counts the returns still in progress (status 1) as well as the applied
        // ones: MWS accepted them, and a new clientOrderId for the same money must not make
        // the payment refund twice.
        let left = payment
            .paid
            .checked_sub(payment.refunded)
            .and_then(|l| l.checked_sub(payment.pending))
            .unwrap_or(Amount::ZERO);
        if payment.refunded >= payment.paid {
            return response(&id, 3, 414, now, Some("already refunded"));
        }
        if request.amount > left {
            return response(
                &id,
                3,
                413,
                now,
                Some("amount exceeds what remains of the payment (returns in progress count)"),
            );
        }
        payment.pending = payment
            .pending
            .checked_add(request.amount)
            .unwrap_or(payment.paid);
        self.by_client_order_id.insert(id, self.returns.len());
        self.returns.push(Return {
            request,
            repeats_left: self.in_progress_repeats,
            applied: false,
            accepted: now,
        });
        self.progress(self.returns.len().saturating_sub(1), now)
    }

    /// Status 1 while repeats are left, then the refund is made and every repeat gets 0.
    fn progress(&mut self, i: usize, now: SystemTime) -> Response<Vec<u8>> {
        let Some(ret) = self.returns.get_mut(i) else {
            return crate::text(StatusCode::INTERNAL_SERVER_ERROR, "lost track");
        };
        let id = ret.request.client_order_id.clone();
        if ret.repeats_left > 0 {
            ret.repeats_left = ret.repeats_left.saturating_sub(1);
            return response(&id, 1, 0, now, None);
        }
        if !ret.applied {
            ret.applied = true;
            if let Some(p) = self
                .payments
                .iter_mut()
                .find(|p| p.invoice_id == ret.request.invoice_id)
            {
                p.refunded = p.refunded.checked_add(ret.request.amount).unwrap_or(p.paid);
                p.pending = p
                    .pending
                    .checked_sub(ret.request.amount)
                    .unwrap_or(Amount::ZERO);
            }
        }
        response(&id, 0, 0, now, None)
    }

    /// The applied returns of the form's `shopId` accepted within `from`..=`till`. A form
    /// MWS could not read is answered status 3: error 111 for `requestDT`, 113 for `shopId`,
    /// otherwise 10 (MWS's "request could not be parsed"; which code MWS gives for a bad
    /// period is not documented where refundkit could read it).
    fn list_returns(&self, body: &[u8], now: SystemTime) -> Response<Vec<u8>> {
        let refused = |error: u16, field: &str| {
            let body = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<listReturnsResponse status=\"3\" error=\"{error}\" processedDT=\"{}\" techMessage=\"{}\"/>\n",
                format_request_dt(now),
                xml_attr(field)
            );
            crate::answer(StatusCode::OK, "application/xml", body.into_bytes())
        };
        let list = match decode_list_returns_request(body) {
            Ok(list) => list,
            Err(e) => {
                let error = match e.path.as_str() {
                    "requestDT" => 111,
                    "shopId" => 113,
                    _ => 10,
                };
                return refused(error, &e.path);
            }
        };
        let (Some(from), Some(till)) = (parse_instant(&list.from), parse_instant(&list.till))
        else {
            return refused(10, "from");
        };
        let mut body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<listReturnsResponse status=\"0\" error=\"0\" processedDT=\"{}\">",
            format_request_dt(now)
        );
        let selected = self.returns.iter().filter(|r| {
            r.applied && r.request.shop_id == list.shop_id && (from..=till).contains(&r.accepted)
        });
        for r in selected {
            body.push_str(&format!(
                "<returnPayment clientOrderId=\"{}\" invoiceId=\"{}\" shopId=\"{}\" amount=\"{}\" requestDT=\"{}\"/>",
                xml_attr(&r.request.client_order_id),
                xml_attr(&r.request.invoice_id),
                xml_attr(&r.request.shop_id),
                r.request.amount.to_fixed2().unwrap_or_default(),
                xml_attr(&r.request.request_dt)
            ));
        }
        body.push_str("</listReturnsResponse>\n");
        crate::answer(StatusCode::OK, "application/xml", body.into_bytes())
    }
}

/// YooKassa MWS: the shop's certificate and its payments.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct YookassaScenario {
    /// The certificate YooKassa issued to the shop (PEM, relative to the scenario).
    pub(crate) shop_certificate: PathBuf,
    /// How many times the same returnPayment is answered status 1 before status 0.
    #[serde(default)]
    pub(crate) in_progress_repeats: u32,
    /// Payments.
    pub(crate) payments: Vec<YookassaPayment>,
}

/// A YooKassa payment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct YookassaPayment {
    /// `invoiceId`.
    pub(crate) invoice_id: String,
    /// `shopId`.
    pub(crate) shop_id: String,
    /// What was paid (a decimal string).
    #[serde(deserialize_with = "crate::scenario::amount")]
    pub(crate) amount: Amount,
}

/// MWS, on the TLS port: a shop's client certificate is how MWS knows it.
pub(crate) const DESCRIPTOR: Descriptor = Descriptor {
    bases: &[Base {
        label: None,
        prefix: "/yookassa/webservice/mws/api",
        tls: true,
        note: " (client certificate required)",
    }],
    methods: &["/returnPayment", "/listReturns"],
    check: |value| {
        let k: YookassaScenario = section("yookassa", value)?;
        unique(
            "yookassa.payments",
            "invoice_id",
            k.payments.iter().map(|p| p.invoice_id.as_str()),
        )
    },
    build: |value, scenario| {
        Ok(Box::new(Emulator::new(
            &section("yookassa", value)?,
            scenario,
        )?))
    },
};

impl Emulate for Emulator {
    fn handle(
        &mut self,
        request: &Request<Vec<u8>>,
        _base: &Base,
        rest: &str,
        now: SystemTime,
    ) -> Response<Vec<u8>> {
        Emulator::handle(self, request, rest, now)
    }

    fn view(&self, _now: SystemTime) -> serde_json::Value {
        Emulator::view(self)
    }
}
