//! Robokassa's refund service: `Refund/Create` checks the token's HMAC with the shop's
//! Password3 and the OpKey's remaining amount; `Refund/GetState` says `processing` until the
//! refund settles, then `finished`.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use http::{Method, Request, Response, StatusCode};
use refundkit_core::Amount;
use serde::Deserialize;
use refundkit_robokassa::codec::{decode_op_state_query, op_state_signature_matches};
use refundkit_robokassa::{Accept, Password2, Password3, validate, verify};
use serde_json::json;

use crate::emulator::{Base, Descriptor, Emulate};
use crate::scenario::{ScenarioError, section, unique};
use crate::{answer, unix};

#[derive(Debug)]
struct Operation {
    op_key: String,
    invoice_id: Option<String>,
    paid: Amount,
    refunded: Amount,
}

#[derive(Debug)]
struct Refund {
    request_id: String,
    amount: Amount,
    created: SystemTime,
}

#[derive(Debug)]
pub(crate) struct Emulator {
    password3: Password3,
    /// `MerchantLogin` and Password2, when the scenario serves `OpStateExt`.
    op_state: Option<(String, Password2)>,
    settle: Duration,
    operations: Vec<Operation>,
    /// `OpKey` → index in `operations`.
    by_op_key: HashMap<String, usize>,
    refunds: Vec<Refund>,
    /// `requestId` → index in `refunds`: GetState is a lookup, never a scan (a long load
    /// test holds a hundred thousand refunds).
    by_request_id: HashMap<String, usize>,
    /// `OpKey` → its refunds' indexes, in order.
    by_operation: HashMap<String, Vec<usize>>,
}

impl Emulator {
    pub(crate) fn new(s: &RobokassaScenario) -> Result<Self, ScenarioError> {
        let operations: Vec<Operation> = s
            .operations
            .iter()
            .map(|o| Operation {
                op_key: o.op_key.clone(),
                invoice_id: o.invoice_id.clone(),
                paid: o.amount,
                refunded: Amount::ZERO,
            })
            .collect();
        Ok(Emulator {
            password3: Password3::new(s.password3.clone().into()).map_err(|e| {
                ScenarioError::File {
                    path: "robokassa.password3".into(),
                    detail: e.to_string(),
                }
            })?,
            op_state: match (&s.merchant_login, &s.password2) {
                (Some(login), Some(password2)) => Some((
                    login.clone(),
                    Password2(refundkit_core::SecretString::new(password2.clone())),
                )),
                _ => None,
            },
            settle: Duration::from_secs(s.settle_seconds),
            by_op_key: operations
                .iter()
                .enumerate()
                .map(|(i, o)| (o.op_key.clone(), i))
                .collect(),
            operations,
            refunds: Vec::new(),
            by_request_id: HashMap::new(),
            by_operation: HashMap::new(),
        })
    }

    /// What the provider holds at `now` (`GET /_sim/state`): each operation, what its
    /// `finished` refunds add up to, those refunds in order, and those still `processing`.
    pub(crate) fn view(&self, now: SystemTime) -> serde_json::Value {
        let settled =
            |r: &Refund| unix(now) >= unix(r.created).saturating_add(self.settle.as_secs());
        let operations: Vec<serde_json::Value> = self
            .operations
            .iter()
            .map(|o| {
                let mine = || {
                    self.by_operation
                        .get(&o.op_key)
                        .into_iter()
                        .flatten()
                        .filter_map(|i| self.refunds.get(*i))
                };
                let refunded = mine()
                    .filter(|r| settled(r))
                    .try_fold(Amount::ZERO, |sum, r| sum.checked_add(r.amount))
                    .unwrap_or(o.paid);
                let entry = |r: &Refund| json!({"request_id": r.request_id, "amount": r.amount.to_fixed2().unwrap_or_default()});
                json!({
                    "op_key": o.op_key,
                    "amount": o.paid.to_fixed2().unwrap_or_default(),
                    "refunded": refunded.to_fixed2().unwrap_or_default(),
                    "refunds": mine().filter(|r| settled(r)).map(entry).collect::<Vec<_>>(),
                    "pending": mine().filter(|r| !settled(r)).map(entry).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({ "operations": operations })
    }

    pub(crate) fn handle(
        &mut self,
        request: &Request<Vec<u8>>,
        path: &str,
        now: SystemTime,
    ) -> Response<Vec<u8>> {
        match (request.method(), path) {
            (&Method::POST, "/Refund/Create") => self.create(request.body(), now),
            (&Method::GET, "/Refund/GetState") => {
                let id = request
                    .uri()
                    .query()
                    .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("id=")))
                    .unwrap_or("");
                self.state(id, now)
            }
            (&Method::GET, "/OpStateExt") => {
                self.op_state(request.uri().query().unwrap_or(""), now)
            }
            _ => crate::text(StatusCode::NOT_FOUND, "not a Robokassa refund method"),
        }
    }

    /// `OpStateExt`: the invoice's state (100, paid) and its OpKey, for a request signed with
    /// the scenario's Password2 (checked by the codec's own function); Result/Code 1 for a bad
    /// signature, 3 for an invoice it does not know, as Robokassa's XML interface answers.
    fn op_state(&self, query: &str, now: SystemTime) -> Response<Vec<u8>> {
        let Some((login, password2)) = &self.op_state else {
            return crate::text(
                StatusCode::NOT_FOUND,
                "OpStateExt is not in the scenario (robokassa.merchant_login and password2)",
            );
        };
        let result = |code: u8, description: &str| {
            op_state_xml(&format!(
                "<Result><Code>{code}</Code><Description>{description}</Description></Result>"
            ))
        };
        let Ok((request, signature)) = decode_op_state_query(query) else {
            return result(4, "Неверные параметры запроса");
        };
        if request.merchant_login != *login
            || !op_state_signature_matches(&request, password2, &signature)
        {
            return result(1, "Неверная цифровая подпись запроса");
        }
        let Some(op) = self
            .operations
            .iter()
            .find(|o| o.invoice_id.as_deref() == Some(request.invoice_id.as_str()))
        else {
            return result(3, "Информация об операции с указанным InvoiceID не найдена");
        };
        let at = refundkit_core::lifecycle::time::format_utc(now);
        op_state_xml(&format!(
            "<Result><Code>0</Code></Result>\
             <State><Code>100</Code><RequestDate>{at}</RequestDate><StateDate>{at}</StateDate></State>\
             <Info><IncCurrLabel>BankCardPSR</IncCurrLabel><IncSum>{sum}</IncSum>\
             <OutCurrLabel>BNR</OutCurrLabel><OutSum>{sum}</OutSum><OpKey>{key}</OpKey></Info>",
            sum = op.paid,
            key = op.op_key,
        ))
    }

    fn refused(status: StatusCode, message: &str) -> Response<Vec<u8>> {
        crate::json(status, &json!({"success": false, "message": message}))
    }

    fn create(&mut self, body: &[u8], now: SystemTime) -> Response<Vec<u8>> {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        // The official plugin's form, a JSON string, or the bare token.
        let token = serde_json::from_str::<String>(text).unwrap_or_else(|_| text.to_owned());
        let Ok(verified) = verify(&token, &self.password3, Accept::AnyHmac) else {
            return Self::refused(StatusCode::UNAUTHORIZED, "Signature key is not exists");
        };
        let Ok(request) = validate(verified.request) else {
            return Self::refused(StatusCode::BAD_REQUEST, "InvalidRequest");
        };
        let Some(op) = self
            .by_op_key
            .get(&request.op_key)
            .and_then(|i| self.operations.get_mut(*i))
        else {
            return Self::refused(StatusCode::OK, "OperationNotFound");
        };
        let left = op.paid.checked_sub(op.refunded).unwrap_or(Amount::ZERO);
        if left.is_zero() {
            return Self::refused(StatusCode::OK, "AlreadyRefunded");
        }
        let amount = request.refund_sum.unwrap_or(left);
        if amount > left {
            return Self::refused(StatusCode::OK, "NotEnoughOperationFunds");
        }
        op.refunded = op.refunded.checked_add(amount).unwrap_or(op.paid);
        let request_id = format!(
            "00000000-0000-4000-8000-{:012}",
            self.refunds.len().saturating_add(1)
        );
        let index = self.refunds.len();
        self.by_request_id.insert(request_id.clone(), index);
        self.by_operation
            .entry(op.op_key.clone())
            .or_default()
            .push(index);
        self.refunds.push(Refund {
            request_id: request_id.clone(),
            amount,
            created: now,
        });
        crate::json(
            StatusCode::OK,
            &json!({"success": true, "message": null, "requestId": request_id}),
        )
    }

    fn state(&self, id: &str, now: SystemTime) -> Response<Vec<u8>> {
        let Some(refund) = self
            .by_request_id
            .get(id)
            .and_then(|i| self.refunds.get(*i))
        else {
            return crate::json(
                StatusCode::OK,
                &json!({"message": "Id is invalid or request id does not exist"}),
            );
        };
        let settled = unix(now) >= unix(refund.created).saturating_add(self.settle.as_secs());
        let label = if settled { "finished" } else { "processing" };
        // Robokassa writes the amount as a number with six places (`1.000000`): written here
        // as text, never through a float.
        let amount = refund.amount.value().round_dp(6);
        let body = format!(
            r#"{{"requestId":{},"amount":{amount:.6},"label":"{label}"}}"#,
            serde_json::Value::String(refund.request_id.clone())
        );
        answer(StatusCode::OK, "application/json", body.into_bytes())
    }
}

/// An `OpStateExt` answer around `inner`, in the namespace of Robokassa's web service.
fn op_state_xml(inner: &str) -> Response<Vec<u8>> {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<OperationStateResponse \
         xmlns=\"http://merchant.roboxchange.com/WebService/\">{inner}</OperationStateResponse>"
    );
    Response::builder()
        .status(StatusCode::OK)
        .header(http::header::CONTENT_TYPE, "text/xml; charset=utf-8")
        .body(body.into_bytes())
        .unwrap_or_default()
}

/// Robokassa: the shop's Password3 and its paid operations.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RobokassaScenario {
    /// Password3, as the shop holds it.
    pub(crate) password3: String,
    /// Seconds a refund stays `processing` before `finished`.
    #[serde(default = "crate::scenario::five")]
    pub(crate) settle_seconds: u64,
    /// Paid operations.
    pub(crate) operations: Vec<RobokassaOperation>,
    /// `MerchantLogin`, for `OpStateExt` (absent: OpStateExt is not served).
    #[serde(default)]
    pub(crate) merchant_login: Option<String>,
    /// Password2, which signs `OpStateExt` requests.
    #[serde(default)]
    pub(crate) password2: Option<String>,
}

/// A paid Robokassa operation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RobokassaOperation {
    /// Its OpKey.
    pub(crate) op_key: String,
    /// What was paid (a decimal string).
    #[serde(deserialize_with = "crate::scenario::amount")]
    pub(crate) amount: Amount,
    /// The shop's invoice number (`InvoiceID`), by which `OpStateExt` finds it.
    #[serde(default)]
    pub(crate) invoice_id: Option<String>,
}

/// Where Robokassa's XML web service (`OpStateExt`) is served, beside its refund service.
pub const WEB_SERVICE_PREFIX: &str = "/robokassa/Merchant/WebService/Service.asmx";

/// The refund service, and the XML web service beside it.
pub(crate) const DESCRIPTOR: Descriptor = Descriptor {
    bases: &[
        Base {
            label: None,
            prefix: "/robokassa/RefundService",
            tls: false,
            note: "",
        },
        Base {
            label: Some("robokassa-ws"),
            prefix: WEB_SERVICE_PREFIX,
            tls: false,
            note: " (OpStateExt)",
        },
    ],
    methods: &["/Refund/Create", "/Refund/GetState", "/OpStateExt"],
    check: |value| {
        let s: RobokassaScenario = section("robokassa", value)?;
        unique(
            "robokassa.operations",
            "op_key",
            s.operations.iter().map(|o| o.op_key.as_str()),
        )
    },
    build: |value, _| Ok(Box::new(Emulator::new(&section("robokassa", value)?)?)),
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

    fn view(&self, now: SystemTime) -> serde_json::Value {
        Emulator::view(self, now)
    }
}

