//! YooKassa API v3: `POST /v3/refunds` checks the Basic credentials, the codec's own rules
//! (against what remains of the payment) and the `Idempotence-Key` (the same key with the same
//! body answers with the same refund, with another body it is refused); a refund stays
//! `pending` until it settles, then `succeeded`; `GET /v3/refunds/{id}` answers from the same
//! state.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use http::{Method, Request, Response, StatusCode, header};
use refundkit_core::Amount;
use refundkit_yookassa_v3::invariants::{Context, refusal_reason};
use refundkit_yookassa_v3::{check, decode_request};
use serde::Deserialize;
use serde_json::json;

use crate::emulator::{Base, Descriptor, Emulate};
use crate::scenario::{section, unique};
use crate::unix;

/// YooKassa API v3: the shop's credentials and its payments.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct YookassaV3Scenario {
    /// `shopId`.
    pub(crate) shop_id: String,
    /// The secret key.
    pub(crate) secret_key: String,
    /// Seconds a refund stays `pending` before `succeeded`.
    #[serde(default = "crate::scenario::five")]
    pub(crate) settle_seconds: u64,
    /// Payments.
    pub(crate) payments: Vec<YookassaV3Payment>,
}

/// A paid payment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct YookassaV3Payment {
    /// `id` of the payment.
    pub(crate) payment_id: String,
    /// What was paid (a decimal string).
    #[serde(deserialize_with = "crate::scenario::amount")]
    pub(crate) amount: Amount,
}

#[derive(Debug)]
struct Payment {
    id: String,
    paid: Amount,
}

#[derive(Debug)]
struct Refund {
    id: String,
    payment_id: String,
    amount: Amount,
    currency: String,
    created: SystemTime,
    key: String,
    body: Vec<u8>,
}

#[derive(Debug)]
pub(crate) struct Emulator {
    authorization: String,
    settle: Duration,
    payments: Vec<Payment>,
    refunds: Vec<Refund>,
    /// `Idempotence-Key` → index in `refunds`.
    by_key: HashMap<String, usize>,
    /// Refund id → index in `refunds`.
    by_id: HashMap<String, usize>,
}

fn error(status: StatusCode, code: &str, description: &str, parameter: Option<&str>) -> Response<Vec<u8>> {
    let mut body = json!({
        "type": "error",
        "id": "00000000-0000-4000-8000-000000000000",
        "code": code,
        "description": description,
    });
    if let (Some(p), Some(map)) = (parameter, body.as_object_mut()) {
        map.insert("parameter".into(), json!(p));
    }
    crate::json(status, &body)
}

impl Emulator {
    fn new(s: &YookassaV3Scenario) -> Self {
        let pair = format!("{}:{}", s.shop_id, s.secret_key);
        Emulator {
            authorization: format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            ),
            settle: Duration::from_secs(s.settle_seconds),
            payments: s
                .payments
                .iter()
                .map(|p| Payment {
                    id: p.payment_id.clone(),
                    paid: p.amount,
                })
                .collect(),
            refunds: Vec::new(),
            by_key: HashMap::new(),
            by_id: HashMap::new(),
        }
    }

    fn settled(&self, r: &Refund, now: SystemTime) -> bool {
        unix(now) >= unix(r.created).saturating_add(self.settle.as_secs())
    }

    fn object(&self, r: &Refund, now: SystemTime) -> Response<Vec<u8>> {
        let status = if self.settled(r, now) {
            "succeeded"
        } else {
            "pending"
        };
        crate::json(
            StatusCode::OK,
            &json!({
                "id": r.id,
                "status": status,
                "amount": {"value": r.amount.to_fixed2().unwrap_or_default(), "currency": r.currency},
                "created_at": refundkit_core::lifecycle::time::format_utc(r.created),
                "payment_id": r.payment_id,
            }),
        )
    }

    /// What was refunded of `payment` (applied and pending alike: a pending refund counts
    /// against what remains, as at every provider).
    fn taken(&self, payment: &str) -> Amount {
        self.refunds
            .iter()
            .filter(|r| r.payment_id == payment)
            .try_fold(Amount::ZERO, |sum, r| sum.checked_add(r.amount))
            .unwrap_or(Amount::ZERO)
    }

    fn create(&mut self, request: &Request<Vec<u8>>, now: SystemTime) -> Response<Vec<u8>> {
        let Some(key) = request
            .headers()
            .get("idempotence-key")
            .and_then(|v| v.to_str().ok())
            .filter(|k| refundkit_yookassa_v3::http::is_key_form(k))
            .map(str::to_owned)
        else {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Idempotence-Key is required",
                Some("Idempotence-Key"),
            );
        };
        if let Some(&i) = self.by_key.get(&key)
            && let Some(earlier) = self.refunds.get(i)
        {
            // The same key: the first answer, whatever happened since; with another body, refused.
            return if earlier.body == request.body().as_slice() {
                self.object(earlier, now)
            } else {
                error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Idempotence key duplicated",
                    Some("Idempotence-Key"),
                )
            };
        }
        let refund = match decode_request(request.body()) {
            Ok(r) => r,
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    &e.to_string(),
                    Some(e.path.as_str()),
                );
            }
        };
        let Some(payment) = self.payments.iter().find(|p| p.id == refund.payment_id) else {
            return error(StatusCode::NOT_FOUND, "not_found", "payment not found", Some("payment_id"));
        };
        let left = payment
            .paid
            .checked_sub(self.taken(&payment.id))
            .unwrap_or(Amount::ZERO);
        // The codec's rules, against what remains: the emulator refuses what refundkit calls
        // an error, through the same function.
        let report = check(&refund, &Context { payment_amount: Some(left) });
        if let Some((code, description, parameter)) = refusal_reason(&report) {
            return error(StatusCode::BAD_REQUEST, code, &description, Some(&parameter));
        }
        if refund.amount.value > left {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "the refund amount exceeds what remains of the payment",
                Some("amount.value"),
            );
        }
        let id = format!("216749f7-0016-50be-b000-{:012x}", self.refunds.len().saturating_add(1));
        let index = self.refunds.len();
        self.by_key.insert(key.clone(), index);
        self.by_id.insert(id.clone(), index);
        self.refunds.push(Refund {
            id,
            payment_id: refund.payment_id,
            amount: refund.amount.value,
            currency: refund.amount.currency,
            created: now,
            key,
            body: request.body().clone(),
        });
        match self.refunds.get(index) {
            Some(r) => self.object(r, now),
            None => error(StatusCode::INTERNAL_SERVER_ERROR, "internal_server_error", "", None),
        }
    }
}

/// The API, on the plain port (Basic auth is how it knows the shop).
pub(crate) const DESCRIPTOR: Descriptor = Descriptor {
    bases: &[Base {
        label: None,
        prefix: "/yookassa-v3/v3",
        tls: false,
        note: "",
    }],
    methods: &["/refunds", "/refunds/{id}"],
    check: |value| {
        let s: YookassaV3Scenario = section("yookassa_v3", value)?;
        unique(
            "yookassa_v3.payments",
            "payment_id",
            s.payments.iter().map(|p| p.payment_id.as_str()),
        )
    },
    build: |value, _| Ok(Box::new(Emulator::new(&section("yookassa_v3", value)?))),
};

impl Emulate for Emulator {
    fn handle(
        &mut self,
        request: &Request<Vec<u8>>,
        _base: &Base,
        rest: &str,
        now: SystemTime,
    ) -> Response<Vec<u8>> {
        let authorized = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            == Some(self.authorization.as_str());
        if !authorized {
            return error(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "Authentication by given credentials failed",
                None,
            );
        }
        match (request.method(), rest.strip_prefix("/refunds")) {
            (&Method::POST, Some("")) => self.create(request, now),
            (&Method::GET, Some(id)) if id.starts_with('/') => {
                match self
                    .by_id
                    .get(id.trim_start_matches('/'))
                    .and_then(|i| self.refunds.get(*i))
                {
                    Some(r) => self.object(r, now),
                    None => error(StatusCode::NOT_FOUND, "not_found", "refund not found", None),
                }
            }
            _ => crate::text(StatusCode::NOT_FOUND, "not a YooKassa v3 refund method"),
        }
    }

    fn view(&self, now: SystemTime) -> serde_json::Value {
        let payments: Vec<serde_json::Value> = self
            .payments
            .iter()
            .map(|p| {
                let mine = || self.refunds.iter().filter(|r| r.payment_id == p.id);
                let entry = |r: &Refund| {
                    json!({"id": r.id, "amount": r.amount.to_fixed2().unwrap_or_default(), "key": r.key})
                };
                let applied = mine()
                    .filter(|r| self.settled(r, now))
                    .try_fold(Amount::ZERO, |sum, r| sum.checked_add(r.amount))
                    .unwrap_or(Amount::ZERO);
                json!({
                    "payment_id": p.id,
                    "amount": p.paid.to_fixed2().unwrap_or_default(),
                    "refunded": applied.to_fixed2().unwrap_or_default(),
                    "refunds": mine().filter(|r| self.settled(r, now)).map(entry).collect::<Vec<_>>(),
                    "pending": mine().filter(|r| !self.settled(r, now)).map(entry).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({ "payments": payments })
    }
}
