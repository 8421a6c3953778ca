//! Yandex Pay merchant API v1 refund types, with the wire's field names (camelCase).
//!
//! Requests are strict (unknown fields refused, so a typo cannot drop a value); responses are
//! tolerant (unknown fields ignored, unknown codes kept).

use refundkit_core::{
    Amount, Coded, PaymentMethod, PaymentSubject, Quantity, SecretString, VatRate,
};
use serde::{Deserialize, Serialize};

use crate::amount;

/// Receipt `tax` codes of Yandex Pay's fns reference. The number for 22% is not published
/// (unverified): VAT 22% and 22/122 have no code here, and unknown integers are kept and warned.
pub const VAT_CODES: &[(VatRate, i64)] = &[
    (VatRate::Vat20, 1),
    (VatRate::Vat10, 2),
    (VatRate::Vat20_120, 3),
    (VatRate::Vat10_110, 4),
    (VatRate::Vat0, 5),
    (VatRate::None, 6),
    (VatRate::Vat7, 7),
    (VatRate::Vat5, 8),
    (VatRate::Vat7_107, 9),
    (VatRate::Vat5_105, 10),
];

/// `paymentMethodType`: the FFD 1214 codes 1..7.
pub const PAYMENT_METHOD_CODES: &[(PaymentMethod, i64)] = &[
    (PaymentMethod::FullPrepayment, 1),
    (PaymentMethod::Prepayment, 2),
    (PaymentMethod::Advance, 3),
    (PaymentMethod::FullPayment, 4),
    (PaymentMethod::PartialPayment, 5),
    (PaymentMethod::Credit, 6),
    (PaymentMethod::CreditPayment, 7),
];

/// `paymentSubjectType`: FFD 1212 codes (Yandex Pay accepts 1..26; those without a name in
/// refundkit-core are kept as `Unknown` and accepted).
pub const PAYMENT_SUBJECT_CODES: &[(PaymentSubject, i64)] = &[
    (PaymentSubject::Commodity, 1),
    (PaymentSubject::Excise, 2),
    (PaymentSubject::Job, 3),
    (PaymentSubject::Service, 4),
    (PaymentSubject::GamblingBet, 5),
    (PaymentSubject::GamblingPrize, 6),
    (PaymentSubject::Lottery, 7),
    (PaymentSubject::LotteryPrize, 8),
    (PaymentSubject::IntellectualActivity, 9),
    (PaymentSubject::Payment, 10),
    (PaymentSubject::AgentCommission, 11),
    (PaymentSubject::Composite, 12),
    (PaymentSubject::Another, 13),
    (PaymentSubject::PropertyRight, 14),
    (PaymentSubject::NonOperatingGain, 15),
    (PaymentSubject::InsurancePremium, 16),
    (PaymentSubject::SalesTax, 17),
    (PaymentSubject::ResortFee, 18),
];

/// The code of a known value in an integer table.
pub fn int_code<T: Copy + PartialEq>(value: &Coded<T, i64>, table: &[(T, i64)]) -> Option<i64> {
    match value {
        Coded::Known(v) => table.iter().find(|(t, _)| t == v).map(|(_, c)| *c),
        Coded::Unknown(n) => Some(*n),
    }
}

macro_rules! int_coded {
    ($module:ident, $t:ty, $table:expr) => {
        pub(crate) mod $module {
            use super::*;
            pub fn deserialize<'de, D: serde::Deserializer<'de>>(
                d: D,
            ) -> Result<Coded<$t, i64>, D::Error> {
                Ok(Coded::from_table($table, i64::deserialize(d)?))
            }
            pub fn serialize<S: serde::Serializer>(
                v: &Coded<$t, i64>,
                s: S,
            ) -> Result<S::Ok, S::Error> {
                let code = int_code(v, $table)
                    .ok_or_else(|| serde::ser::Error::custom("value has no Yandex Pay code"))?;
                s.serialize_i64(code)
            }
        }
    };
}

macro_rules! opt_int_coded {
    ($module:ident, $inner:ident, $t:ty) => {
        pub(crate) mod $module {
            use super::*;
            pub fn deserialize<'de, D: serde::Deserializer<'de>>(
                d: D,
            ) -> Result<Option<Coded<$t, i64>>, D::Error> {
                super::$inner::deserialize(d).map(Some)
            }
            pub fn serialize<S: serde::Serializer>(
                v: &Option<Coded<$t, i64>>,
                s: S,
            ) -> Result<S::Ok, S::Error> {
                match v {
                    Some(v) => super::$inner::serialize(v, s),
                    None => s.serialize_none(),
                }
            }
        }
    };
}

mod codes_serde {
    use super::*;
    int_coded!(tax, VatRate, VAT_CODES);
    int_coded!(method, PaymentMethod, PAYMENT_METHOD_CODES);
    int_coded!(subject, PaymentSubject, PAYMENT_SUBJECT_CODES);
    opt_int_coded!(opt_method, method, PaymentMethod);
    opt_int_coded!(opt_subject, subject, PaymentSubject);
}

/// The refund request body (`POST /api/merchant/v1/orders/{orderId}/refund`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefundRequest {
    /// `refundAmount`: what is refunded now.
    #[serde(with = "amount::money")]
    pub refund_amount: Amount,
    /// `orderAmount`: the order after the refund, `cart.total.amount + shipping.amount`.
    #[serde(with = "amount::money")]
    pub order_amount: Amount,
    /// `cart`: the *final* cart, after the refund. The v1 refund page asks for it; the public
    /// clients (LexRiver/yandex-pay `RefundOrderRequest`, dd/dd_yandex_pay) make it optional,
    /// and a full refund leaves nothing to describe. Absent, it counts as an empty cart: the
    /// `orderAmount` rule then holds only when nothing but the shipping remains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cart: Option<Cart>,
    /// `shipping`, as it remains after the refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<Shipping>,
    /// `externalOperationId`: the shop's id of this refund, the idempotency key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_operation_id: Option<String>,
}

impl RefundRequest {
    /// The final cart; an absent one reads as empty.
    pub fn final_cart(&self) -> &Cart {
        static EMPTY: Cart = Cart {
            cart_id: None,
            external_id: None,
            items: Vec::new(),
            discounts: Vec::new(),
            coupons: Vec::new(),
            total: CartTotal {
                amount: Amount::ZERO,
                points_amount: None,
                external_amount: None,
                label: None,
            },
            measurements: None,
        };
        self.cart.as_ref().unwrap_or(&EMPTY)
    }

    /// The final cart, made present (empty) if it was absent.
    pub fn final_cart_mut(&mut self) -> &mut Cart {
        self.cart.get_or_insert_with(Cart::default)
    }
}

/// `cart`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Cart {
    /// `cartId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cart_id: Option<String>,
    /// `externalId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// `items`.
    pub items: Vec<CartItem>,
    /// `discounts` on the whole cart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub discounts: Vec<Discount>,
    /// `coupons`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coupons: Vec<Coupon>,
    /// `total`.
    pub total: CartTotal,
    /// `measurements` of the whole cart (the v1 refund page's cart type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measurements: Option<Measurements>,
}

/// `cart.total`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CartTotal {
    /// `amount`.
    #[serde(with = "amount::money")]
    pub amount: Amount,
    /// `pointsAmount` (paid with Yandex Plus points). Read-only: Yandex ignores what is sent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "amount::opt_money"
    )]
    pub points_amount: Option<Amount>,
    /// `externalAmount` (changelog 2025-11-21; page `custom/external-amount`): the part of the
    /// cart paid outside Yandex Pay (certificates, gift cards, loyalty points), *not* part of
    /// `amount`: the items add up to `amount + externalAmount`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "amount::opt_money"
    )]
    pub external_amount: Option<Amount>,
    /// `label`: a unit name (the schema has it on the cart total too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// `cart.items[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CartItem {
    /// `productId`, unique in the cart.
    pub product_id: String,
    /// `title`: required by the v1 refund schema. Decoded when absent so that validation can
    /// report it with the item's path, beside everything else wrong with the cart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `quantity`.
    pub quantity: ItemQuantity,
    /// `unitPrice`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "amount::opt_money"
    )]
    pub unit_price: Option<Amount>,
    /// `discountedUnitPrice`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "amount::opt_money"
    )]
    pub discounted_unit_price: Option<Amount>,
    /// `subtotal`: `unitPrice x count`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "amount::opt_money"
    )]
    pub subtotal: Option<Amount>,
    /// `total`: what the line costs.
    #[serde(with = "amount::money")]
    pub total: Amount,
    /// `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `type`: `PHYSICAL`, `DIGITAL`, `UNSPECIFIED`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub item_type: Option<String>,
    /// `measurements` (PHYSICAL items).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measurements: Option<Measurements>,
    /// `receipt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ItemReceipt>,
    /// `pointsAmount`: Yandex Plus points on the line. Read-only: Yandex ignores what is sent
    /// (kept so that an order read back from Yandex can be sent as the final cart).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "amount::opt_money"
    )]
    pub points_amount: Option<Amount>,
}

/// `quantity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ItemQuantity {
    /// `count`.
    #[serde(with = "amount::count")]
    pub count: Quantity,
    /// `available`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "amount::opt_count"
    )]
    pub available: Option<Quantity>,
    /// `label`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// `measurements`: kilograms and metres as JSON numbers, read exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Measurements {
    /// `weight`.
    #[serde(with = "amount::number")]
    pub weight: Quantity,
    /// `height`.
    #[serde(with = "amount::number")]
    pub height: Quantity,
    /// `length`.
    #[serde(with = "amount::number")]
    pub length: Quantity,
    /// `width`.
    #[serde(with = "amount::number")]
    pub width: Quantity,
}

/// `receipt` of an item or of the shipping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ItemReceipt {
    /// `tax` (required).
    #[serde(with = "codes_serde::tax")]
    pub tax: Coded<VatRate, i64>,
    /// `title`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `measure` (FFD 2108).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<i64>,
    /// `paymentMethodType`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "codes_serde::opt_method"
    )]
    pub payment_method_type: Option<Coded<PaymentMethod, i64>>,
    /// `paymentSubjectType`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "codes_serde::opt_subject"
    )]
    pub payment_subject_type: Option<Coded<PaymentSubject, i64>>,
    /// `excise`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "amount::opt_money"
    )]
    pub excise: Option<Amount>,
    /// `productCode`: base64 of 1..32 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_code: Option<String>,
    /// `markQuantity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark_quantity: Option<MarkQuantity>,
    /// `supplier`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<Supplier>,
    /// `agent`: passed through as given (its shape is not on the v1 refund page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<serde_json::Value>,
}

/// `markQuantity`: a fraction of a marked item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MarkQuantity {
    /// `numerator`.
    pub numerator: i64,
    /// `denominator`.
    pub denominator: i64,
}

/// `supplier`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Supplier {
    /// `inn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inn: Option<String>,
    /// `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `phones`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<String>,
}

/// `discounts[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Discount {
    /// `discountId`.
    pub discount_id: String,
    /// `amount`.
    #[serde(with = "amount::money")]
    pub amount: Amount,
    /// `description`.
    pub description: String,
}

/// `coupons[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Coupon {
    /// `value`.
    pub value: String,
    /// `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// `shipping`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Shipping {
    /// `methodType`: `COURIER`, `PICKUP`, `YANDEX_DELIVERY`, `DIRECT`, or a value kept verbatim.
    pub method_type: String,
    /// `amount`.
    #[serde(with = "amount::money")]
    pub amount: Amount,
    /// `receipt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ItemReceipt>,
}

/// `methodType`s the merchant API lists: the v1 refund page names three, the API's shipping
/// type also has `DIRECT` (LexRiver/yandex-pay `EnumShippingMethodType`). Another value is
/// kept verbatim and warned, not refused: the list has grown before.
pub const SHIPPING_METHODS: &[&str] = &["COURIER", "PICKUP", "YANDEX_DELIVERY", "DIRECT"];
/// Coupon `status`es of the schema.
pub const COUPON_STATUSES: &[&str] = &["VALID", "INVALID", "EXPIRED"];
/// Known item `type`s.
pub const ITEM_TYPES: &[&str] = &["PHYSICAL", "DIGITAL", "UNSPECIFIED"];

/// The merchant API key (`Authorization: Api-Key ...`). Never printed, wiped on drop. In the
/// sandbox it equals the merchant id.
#[derive(Debug, Clone)]
pub struct ApiKey(pub SecretString);

refundkit_core::wire_enum! {
    /// An order's payment status, as Yandex Pay reports it. Unknown statuses are kept.
    pub enum OrderStatus: str {
        /// Paid and captured: refundable.
        Captured = "CAPTURED",
        /// Partly refunded: refundable.
        PartiallyRefunded = "PARTIALLY_REFUNDED",
        /// Refunded in full.
        Refunded = "REFUNDED",
        /// Authorised, not captured.
        Authorized = "AUTHORIZED",
        /// Voided.
        Voided = "VOIDED",
        /// Awaiting payment.
        Pending = "PENDING",
        /// Failed.
        Failed = "FAILED",
    }
}

refundkit_core::wire_enum! {
    /// `reasonCode` of a refused operation (the refund page's list, and those the public
    /// clients name). Unknown codes are kept.
    pub enum ReasonCode: str {
        /// The order is not CAPTURED or PARTIALLY_REFUNDED.
        InvalidPaymentStatus = "INVALID_PAYMENT_STATUS",
        /// `orderAmount` does not match the cart and shipping.
        OrderAmountMismatch = "ORDER_AMOUNT_MISMATCH",
        /// The refund is larger than what is left.
        RefundAmountTooLarge = "REFUND_AMOUNT_TOO_LARGE",
        /// `externalOperationId` already names an operation that has started: look it up.
        DuplicateExternalOperationId = "DUPLICATE_EXTERNAL_OPERATION_ID",
        /// Another operation on the order is in progress (HTTP 409; unverified).
        AnotherOperationInProgress = "ANOTHER_OPERATION_IN_PROGRESS",
    }
}

refundkit_core::wire_enum! {
    /// `operation.status`. Unknown statuses are kept.
    pub enum OperationStatus: str {
        /// Under way.
        Pending = "PENDING",
        /// Done.
        Success = "SUCCESS",
        /// Failed.
        Fail = "FAIL",
    }
}

/// The refund operation Yandex Pay created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// `operationId`.
    pub operation_id: String,
    /// `orderId`.
    pub order_id: String,
    /// `operationType` (`REFUND`; AUTHORIZE, CAPTURE, ... kept as given).
    pub operation_type: String,
    /// `status`.
    pub status: OperationStatus,
    /// `amount`.
    pub amount: Option<Amount>,
    /// `externalOperationId`.
    pub external_operation_id: Option<String>,
    /// `created`.
    pub created: Option<String>,
    /// `updated`.
    pub updated: Option<String>,
    /// `reason`.
    pub reason: Option<String>,
    /// `params`, as given.
    pub params: Option<serde_json::Value>,
}

/// The v2 refund body (`POST /api/merchant/v2/orders/{orderId}/refund`, the official page
/// `merchant_v2_refund-post`). Asynchronous: the answer is an operation, its result comes by
/// notification or by the operation status. A full refund is `refundAmount` equal to the
/// order's amount and nothing else.
///
/// `orderAmount` is not a field here: LexRiver/yandex-pay's typings have it, the official page
/// and modeckrus/yandex_pay_api do not, and the official page is followed (it is refused as
/// unknown, like any field the page does not have).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefundRequestV2 {
    /// `refundAmount`: what is refunded now.
    #[serde(with = "amount::money")]
    pub refund_amount: Amount,
    /// `refundExternalAmount` (changelog 2025-11-28; page `custom/external-amount`): the part
    /// of this refund the shop returns by its own external means (a certificate, a gift card),
    /// beside `refundAmount`, which is what Yandex Pay returns. Yandex Pay does not move it; it
    /// only lets the cart arithmetic hold: the cart loses `refundAmount + refundExternalAmount`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "amount::opt_money"
    )]
    pub refund_external_amount: Option<Amount>,
    /// `externalOperationId`: the shop's id of this refund, the idempotency key and what the
    /// operation status is asked by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_operation_id: Option<String>,
    /// `targetCart`: the cart *after* the refund; absent, the cart is refunded in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_cart: Option<TargetCart>,
    /// `targetShipping`: the shipping after the refund (Yandex Pay Checkout only); absent, the
    /// shipping is refunded in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_shipping: Option<TargetShipping>,
    /// `refundCart`: what is refunded, the alternative to `targetCart`. Its item shape is
    /// taken to be `targetCart`'s (unverified).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_cart: Option<TargetCart>,
    /// `branchId`: the point of sale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch_id: Option<String>,
    /// `managerId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_id: Option<String>,
    /// `motive`: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motive: Option<String>,
}

/// `targetCart` (and `refundCart`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TargetCart {
    /// `items`.
    pub items: Vec<TargetCartItem>,
}

/// `targetCart.items[]`: a line of the order as it remains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TargetCartItem {
    /// `productId`, as in the order.
    pub product_id: String,
    /// `price`: the unit price after the refund; absent, unchanged.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "amount::opt_money"
    )]
    pub price: Option<Amount>,
    /// `quantityCount`: the count after the refund; absent, unchanged.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "amount::opt_count"
    )]
    pub quantity_count: Option<Quantity>,
}

/// `targetShipping`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TargetShipping {
    /// `amount`: the shipping cost after the refund.
    #[serde(with = "amount::money")]
    pub amount: Amount,
}

/// An order as `GET /api/merchant/v1/orders/{orderId}` shows it, as far as it shows refunds:
/// its payment status and its operations (LexRiver/yandex-pay `OrderResponse`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderView {
    /// `order.orderId`.
    pub order_id: Option<String>,
    /// `order.paymentStatus`.
    pub payment_status: Option<OrderStatus>,
    /// `order.reasonCode` (changelog 2026-01-23): why the payment failed, as given. It speaks
    /// of the payment, not of a refund; nothing decides a refund from it.
    pub reason_code: Option<String>,
    /// `operations`, each read as the operation status reads one.
    pub operations: Vec<Operation>,
}

#[cfg(test)]
mod tests;

/// Which refund method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Api {
    /// `POST /api/merchant/v1/orders/{orderId}/refund` (deprecated by Yandex Pay since
    /// 2025-09-29).
    V1,
    /// `POST /api/merchant/v2/orders/{orderId}/refund`.
    V2,
}
