//! An RBS gateway: `refund.do` checks the credentials and what remains deposited;
//! `getOrderStatusExtended.do` answers from the same state. The same orders are served by
//! Sber's ecom API as well (JSON bodies, its own rules, unknown members refused), where
//! `jsonParams.externalRefundId` is honoured as the OpenAPI describes it: per order, the same
//! key with the same data answered as the first time without refunding again, with other data
//! an error.

use std::time::SystemTime;

use http::{Method, Request, Response, StatusCode};
use refundkit_rbs::codec::{decode_ecom_status_request, encode_ecom_refund_fields};
use refundkit_rbs::http::parameters;
use refundkit_rbs::{
    Auth, Dialect, RefundRequest, StatusRequest, check_for, check_status, decode_ecom_request,
    decode_request, decode_status_request, gateway_refusal,
};
use serde_json::json;

use crate::emulator::{Base, Descriptor, Emulate};
use crate::scenario::{section, unique};
use serde::Deserialize;

#[derive(Debug)]
struct Order {
    order_id: String,
    deposited: u64,
    refunded: u64,
    /// Each refund made, in minor units, in order.
    refunds: Vec<u64>,
    /// Ecom refunds by `externalRefundId`: the refund's members and the answer given.
    keyed: Vec<Keyed>,
}

#[derive(Debug)]
struct Keyed {
    key: String,
    members: String,
    answer: (String, String),
}

#[derive(Debug)]
pub(crate) struct Emulator {
    user_name: String,
    password: String,
    token: Option<String>,
    orders: Vec<Order>,
}

/// An error in getOrderStatus.do's spelling.
fn legacy_error(code: &str, message: &str) -> Response<Vec<u8>> {
    crate::json(
        StatusCode::OK,
        &json!({"ErrorCode": code, "ErrorMessage": message}),
    )
}

fn error(code: &str, message: &str) -> Response<Vec<u8>> {
    crate::json(
        StatusCode::OK,
        &json!({"errorCode": code, "errorMessage": message}),
    )
}

impl Emulator {
    pub(crate) fn new(s: &RbsScenario) -> Self {
        Emulator {
            user_name: s.user_name.clone(),
            password: s.password.clone(),
            token: s.token.clone(),
            orders: s
                .orders
                .iter()
                .map(|o| Order {
                    order_id: o.order_id.clone(),
                    deposited: o.deposited,
                    refunded: 0,
                    refunds: Vec::new(),
                    keyed: Vec::new(),
                })
                .collect(),
        }
    }

    /// What the gateway holds (`GET /_sim/state`): each order, in minor units, with what was
    /// refunded and each refund in order (refund.do books at once: none is pending).
    pub(crate) fn view(&self) -> serde_json::Value {
        let orders: Vec<serde_json::Value> = self
            .orders
            .iter()
            .map(|o| {
                json!({
                    "order_id": o.order_id,
                    "deposited": o.deposited,
                    "refunded": o.refunded,
                    "refunds": o.refunds.iter().map(|a| json!({"amount": a})).collect::<Vec<_>>(),
                    "pending": [],
                })
            })
            .collect();
        json!({ "orders": orders })
    }

    pub(crate) fn handle(
        &mut self,
        request: &Request<Vec<u8>>,
        path: &str,
        dialect: Dialect,
        _now: SystemTime,
    ) -> Response<Vec<u8>> {
        if dialect == Dialect::Ecom {
            // Sber's ecom gateway takes JSON bodies: POST only.
            if request.method() != Method::POST {
                return crate::text(StatusCode::METHOD_NOT_ALLOWED, "POST only");
            }
            return match path {
                "/refund.do" => self.ecom_refund(request.body()),
                "/getOrderStatusExtended.do" => match decode_ecom_status_request(request.body()) {
                    Ok(r) => self.status_checked(&r, dialect),
                    Err(e) => error("5", &format!("Ошибка валидации данных запроса: {e}")),
                },
                _ => crate::text(StatusCode::NOT_FOUND, "not an RBS method"),
            };
        }
        // The REST gateway reads its parameters from a GET's query or a POST's form alike.
        let Some(params) = parameters(request) else {
            return crate::text(StatusCode::METHOD_NOT_ALLOWED, "GET or POST");
        };
        match path {
            "/refund.do" => self.refund(params),
            "/getOrderStatusExtended.do" => self.status(params, false),
            "/getOrderStatus.do" => self.status(params, true),
            _ => crate::text(StatusCode::NOT_FOUND, "not an RBS method"),
        }
    }

    /// Sber's ecom refund.do: strict JSON, the ecom rules, then the idempotency key.
    fn ecom_refund(&mut self, body: &[u8]) -> Response<Vec<u8>> {
        let request = match decode_ecom_request(body) {
            Ok(r) => r,
            Err(e) => return error("5", &format!("Ошибка валидации данных запроса: {e}")),
        };
        if let Some((code, message)) =
            gateway_refusal(&check_for(&request, Dialect::Ecom), Dialect::Ecom)
        {
            return error(code, &message);
        }
        // Only an authenticated request is answered under its key: a wrong password is
        // refused each time, and corrected it is a new request.
        let (user, password, token) = credentials(&request.auth);
        if !self.authentic(user, password, token) {
            return error("5", "Доступ запрещен");
        }
        let Some(key) = request.external_refund_id().map(str::to_owned) else {
            return self.refund_checked(&request);
        };
        let members = encode_ecom_refund_fields(&request);
        let earlier = self
            .orders
            .iter()
            .find(|o| o.order_id == request.order_id)
            .and_then(|o| o.keyed.iter().find(|k| k.key == key));
        if let Some(earlier) = earlier {
            if earlier.members != members {
                return error(
                    "5",
                    "Ключ идемпотентности уже использован для запроса с другими данными",
                );
            }
            return error(&earlier.answer.0, &earlier.answer.1);
        }
        let (code, message) = self.refund_outcome(&request);
        if let Some(order) = self
            .orders
            .iter_mut()
            .find(|o| o.order_id == request.order_id)
        {
            order.keyed.push(Keyed {
                key,
                members,
                answer: (code.to_owned(), message.to_owned()),
            });
        }
        error(code, message)
    }

    fn authentic(&self, user: Option<&str>, password: Option<&str>, token: Option<&str>) -> bool {
        match (user, password, token) {
            (Some(u), Some(p), None) => u == self.user_name && p == self.password,
            (None, None, Some(t)) => self.token.as_deref() == Some(t),
            _ => false,
        }
    }

    fn refund(&mut self, params: &[u8]) -> Response<Vec<u8>> {
        let request = match decode_request(params) {
            Ok(request) => request,
            Err(e) => return error("5", &format!("Invalid request: {e}")),
        };
        // The codec's rules, the same function refundkit checks with: what it calls an error
        // is refused, what it only warns about (`language=RU`) is booked.
        if let Some((code, message)) =
            gateway_refusal(&check_for(&request, Dialect::Rest), Dialect::Rest)
        {
            return error(code, &message);
        }
        self.refund_checked(&request)
    }

    fn refund_checked(&mut self, request: &RefundRequest) -> Response<Vec<u8>> {
        let (code, message) = self.refund_outcome(request);
        error(code, message)
    }

    /// Refunds, if the credentials, the order and what remains deposited allow: the answer's
    /// errorCode and errorMessage.
    fn refund_outcome(&mut self, request: &RefundRequest) -> (&'static str, &'static str) {
        let (user, password, token) = credentials(&request.auth);
        if !self.authentic(user, password, token) {
            return ("5", "Access denied");
        }
        let Some(order) = self
            .orders
            .iter_mut()
            .find(|o| o.order_id == request.order_id)
        else {
            return ("6", "Wrong order number");
        };
        let left = order.deposited.saturating_sub(order.refunded);
        let amount = if request.amount == 0 {
            left
        } else {
            request.amount
        };
        if left == 0 {
            return ("7", "Payment must be in the correct state");
        }
        if amount > left {
            return ("7", "Refund amount exceeds the debited amount");
        }
        order.refunded = order.refunded.saturating_add(amount);
        order.refunds.push(amount);
        ("0", "Успешно")
    }

    /// getOrderStatusExtended.do (or, `legacy`, getOrderStatus.do) from a form or a query.
    fn status(&self, params: &[u8], legacy: bool) -> Response<Vec<u8>> {
        let request = match decode_status_request(params) {
            Ok(r) => r,
            Err(e) => return error("5", &format!("Invalid request: {e}")),
        };
        if legacy {
            return self.legacy_status(&request);
        }
        self.status_checked(&request, Dialect::Rest)
    }

    fn status_checked(&self, request: &StatusRequest, dialect: Dialect) -> Response<Vec<u8>> {
        if let Some((code, message)) = gateway_refusal(&check_status(request), dialect) {
            return error(code, &message);
        }
        let (user, password, token) = credentials(&request.auth);
        self.status_of(user, password, token, Some(&request.order_id))
    }

    /// getOrderStatus.do, the gateway's older status method: the same order in its own
    /// spelling (capitalised `ErrorCode`, `OrderStatus`, `Amount`; no `paymentAmountInfo`, so
    /// nothing to tell a refund by: refundkit's lifecycle asks getOrderStatusExtended.do).
    fn legacy_status(&self, request: &StatusRequest) -> Response<Vec<u8>> {
        if let Some((code, message)) = gateway_refusal(&check_status(request), Dialect::Rest) {
            return legacy_error(code, &message);
        }
        let (user, password, token) = credentials(&request.auth);
        if !self.authentic(user, password, token) {
            return legacy_error("5", "Access denied");
        }
        let Some(order) = self.orders.iter().find(|o| o.order_id == request.order_id) else {
            return legacy_error("6", "Wrong order number");
        };
        let status = if order.refunded >= order.deposited {
            4
        } else {
            2
        };
        crate::json(
            StatusCode::OK,
            &json!({
                "ErrorCode": "0",
                "ErrorMessage": "Успешно",
                "OrderStatus": status,
                "OrderNumber": order.order_id,
                "Amount": order.deposited,
                "currency": "643",
            }),
        )
    }

    fn status_of(
        &self,
        user: Option<&str>,
        password: Option<&str>,
        token: Option<&str>,
        order_id: Option<&str>,
    ) -> Response<Vec<u8>> {
        if !self.authentic(user, password, token) {
            return error("5", "Access denied");
        }
        let Some(order) = order_id.and_then(|id| self.orders.iter().find(|o| o.order_id == id))
        else {
            return error("6", "Wrong order number");
        };
        let (status, state) = if order.refunded >= order.deposited {
            (4, "REFUNDED")
        } else {
            (2, "DEPOSITED")
        };
        crate::json(
            StatusCode::OK,
            &json!({
                "errorCode": "0",
                "errorMessage": "Успешно",
                "orderNumber": order.order_id,
                "orderStatus": status,
                "actionCode": 0,
                "actionCodeDescription": "",
                "amount": order.deposited,
                "currency": "643",
                // The gateway names the order it answers about (recorded answers in public
                // clients, kix/AlfaAcquiring `spec/Alfabank/ClientSpec.php`).
                "attributes": [{"name": "mdOrder", "value": order.order_id}],
                "paymentAmountInfo": {
                    "paymentState": state,
                    "approvedAmount": order.deposited,
                    "depositedAmount": order.deposited,
                    "refundedAmount": order.refunded
                }
            }),
        )
    }
}

fn credentials(auth: &Auth) -> (Option<&str>, Option<&str>, Option<&str>) {
    match auth {
        Auth::Password {
            user_name,
            password,
        } => (
            Some(user_name.as_str()),
            Some(password.0.expose_secret()),
            None,
        ),
        Auth::Token(t) => (None, None, Some(t.0.expose_secret())),
        _ => (None, None, None),
    }
}

/// An RBS gateway: the merchant's credentials and its orders.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RbsScenario {
    /// `userName`.
    pub(crate) user_name: String,
    /// `password`.
    pub(crate) password: String,
    /// `token`, accepted instead of the pair.
    #[serde(default)]
    pub(crate) token: Option<String>,
    /// Orders.
    pub(crate) orders: Vec<RbsOrder>,
}

/// An RBS order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RbsOrder {
    /// `orderId`.
    pub(crate) order_id: String,
    /// What was deposited, in minor units.
    pub(crate) deposited: u64,
}

/// Sber's ecom gateway, served beside the REST API (the same orders):
/// `{origin}/rbs/ecomm/gw/partner/api/v1`.
pub const ECOM_PREFIX: &str = "/rbs/ecomm/gw/partner/api/v1";

/// The REST API, and Sber's ecom gateway on the same orders.
pub(crate) const DESCRIPTOR: Descriptor = Descriptor {
    bases: &[
        Base {
            label: None,
            prefix: "/rbs/payment/rest",
            tls: false,
            note: "",
        },
        Base {
            label: Some("rbs-ecom"),
            prefix: ECOM_PREFIX,
            tls: false,
            note: "",
        },
    ],
    methods: &[
        "/refund.do",
        "/getOrderStatusExtended.do",
        "/getOrderStatus.do",
    ],
    check: |value| {
        let r: RbsScenario = section("rbs", value)?;
        unique(
            "rbs.orders",
            "order_id",
            r.orders.iter().map(|o| o.order_id.as_str()),
        )
    },
    build: |value, _| Ok(Box::new(Emulator::new(&section("rbs", value)?))),
};

impl Emulate for Emulator {
    fn handle(
        &mut self,
        request: &Request<Vec<u8>>,
        base: &Base,
        rest: &str,
        now: SystemTime,
    ) -> Response<Vec<u8>> {
        let dialect = if base.prefix == ECOM_PREFIX {
            Dialect::Ecom
        } else {
            Dialect::Rest
        };
        Emulator::handle(self, request, rest, dialect, now)
    }

    fn view(&self, _now: SystemTime) -> serde_json::Value {
        Emulator::view(self)
    }
}
