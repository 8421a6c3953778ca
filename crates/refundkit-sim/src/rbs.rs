//! An RBS gateway: `refund.do` checks the credentials and what remains deposited;
//! `getOrderStatusExtended.do` answers from the same state. The same orders are served by
//! Sber's ecom API as well (JSON bodies, its own rules, unknown members refused), where
//! `jsonParams.externalRefundId` is honoured as the OpenAPI describes it: per order, the same
//! key with the same data answered as the first time without refunding again, with other data
//! an error.

use std::time::SystemTime;

use http::{Method, Request, Response, StatusCode};
use refundkit_rbs::codec::{decode_ecom_status_request, encode_ecom_refund_fields};
use refundkit_rbs::{
    Auth, Dialect, RefundRequest, check_for, decode_ecom_request, decode_form, decode_request,
};
use serde_json::json;

use crate::scenario::RbsScenario;

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
        if request.method() != Method::POST {
            return crate::text(StatusCode::METHOD_NOT_ALLOWED, "POST only");
        }
        match (path, dialect) {
            ("/refund.do", Dialect::Ecom) => self.ecom_refund(request.body()),
            ("/refund.do", _) => self.refund(request.body()),
            ("/getOrderStatusExtended.do", Dialect::Ecom) => {
                match decode_ecom_status_request(request.body()) {
                    Ok(r) => {
                        let (user, password, token) = credentials(&r.auth);
                        self.status_of(user, password, token, Some(&r.order_id))
                    }
                    Err(e) => error("5", &format!("Ошибка валидации данных запроса: {e}")),
                }
            }
            ("/getOrderStatusExtended.do", _) => self.status(request.body()),
            _ => crate::text(StatusCode::NOT_FOUND, "not an RBS method"),
        }
    }

    /// Sber's ecom refund.do: strict JSON, the ecom rules, then the idempotency key.
    fn ecom_refund(&mut self, body: &[u8]) -> Response<Vec<u8>> {
        let request = match decode_ecom_request(body) {
            Ok(r) => r,
            Err(e) => return error("5", &format!("Ошибка валидации данных запроса: {e}")),
        };
        let report = check_for(&request, Dialect::Ecom);
        if let Some(v) = report.errors().next() {
            return error("5", &format!("Ошибка валидации данных запроса: {}", v.path));
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

    fn refund(&mut self, body: &[u8]) -> Response<Vec<u8>> {
        match decode_request(body) {
            Ok(request) => self.refund_checked(&request),
            Err(e) => error("5", &format!("Invalid request: {e}")),
        }
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

    fn status(&self, body: &[u8]) -> Response<Vec<u8>> {
        let Ok(fields) = decode_form(body) else {
            return error("5", "Invalid request");
        };
        let get = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        self.status_of(
            get("userName"),
            get("password"),
            get("token"),
            get("orderId"),
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
