//! An RBS gateway: `refund.do` checks the credentials and what remains deposited;
//! `getOrderStatusExtended.do` answers from the same state.

use std::time::SystemTime;

use http::{Method, Request, Response, StatusCode};
use refundkit_rbs::{Auth, decode_form, decode_request};
use serde_json::json;

use crate::scenario::RbsScenario;

#[derive(Debug)]
struct Order {
    order_id: String,
    deposited: u64,
    refunded: u64,
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
                })
                .collect(),
        }
    }

    pub(crate) fn handle(
        &mut self,
        request: &Request<Vec<u8>>,
        path: &str,
        _now: SystemTime,
    ) -> Response<Vec<u8>> {
        if request.method() != Method::POST {
            return crate::text(StatusCode::METHOD_NOT_ALLOWED, "POST only");
        }
        match path {
            "/refund.do" => self.refund(request.body()),
            "/getOrderStatusExtended.do" => self.status(request.body()),
            _ => crate::text(StatusCode::NOT_FOUND, "not an RBS method"),
        }
    }

    fn authentic(&self, user: Option<&str>, password: Option<&str>, token: Option<&str>) -> bool {
        match (user, password, token) {
            (Some(u), Some(p), None) => u == self.user_name && p == self.password,
            (None, None, Some(t)) => self.token.as_deref() == Some(t),
            _ => false,
        }
    }

    fn refund(&mut self, body: &[u8]) -> Response<Vec<u8>> {
        let request = match decode_request(body) {
            Ok(r) => r,
            Err(e) => return error("5", &format!("Invalid request: {e}")),
        };
        let (user, password, token) = match &request.auth {
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
        };
        if !self.authentic(user, password, token) {
            return error("5", "Access denied");
        }
        let Some(order) = self
            .orders
            .iter_mut()
            .find(|o| o.order_id == request.order_id)
        else {
            return error("6", "Wrong order number");
        };
        let left = order.deposited.saturating_sub(order.refunded);
        let amount = if request.amount == 0 {
            left
        } else {
            request.amount
        };
        if left == 0 {
            return error("7", "Payment must be in the correct state");
        }
        if amount > left {
            return error("7", "Refund amount exceeds the debited amount");
        }
        order.refunded = order.refunded.saturating_add(amount);
        error("0", "Успешно")
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
        if !self.authentic(get("userName"), get("password"), get("token")) {
            return error("5", "Access denied");
        }
        let Some(order) =
            get("orderId").and_then(|id| self.orders.iter().find(|o| o.order_id == id))
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
