//! One refund, described once in shop terms, turned into each provider's request.
//!
//! The description names the original order (lines with unit price, quantity, VAT rate,
//! payment method and subject; shipping), what is refunded (lines and quantities, and the
//! shipping or not; or a plain sum), and each provider's references. From it:
//! Robokassa gets `InvoiceItems` of the refunded lines, Yandex Pay the final cart of the
//! remaining lines, YooKassa a receipt of the refunded lines under its sum rule, RBS the amount
//! in kopecks. The four must agree on the refunded sum to the kopeck; where a rule forces a
//! kopeck over, the plan says so.
//!
//! Money in the description is a decimal string (`"100.00"`), quantities too (`"0.574"`).

use refundkit_core::{
    Amount, Coded, Path, PaymentMethod, PaymentSubject, Quantity, Report, VatRate, codes,
};
use serde::Deserialize;

/// The neutral spellings of the description format.
pub mod names {
    use super::*;

    /// VAT rates: `none`, `0`, `5`, `7`, `10`, `20`, `22`, `5/105`, ..., `22/122`.
    pub const VAT: &[(VatRate, &str)] = &[
        (VatRate::None, "none"),
        (VatRate::Vat0, "0"),
        (VatRate::Vat5, "5"),
        (VatRate::Vat7, "7"),
        (VatRate::Vat10, "10"),
        (VatRate::Vat20, "20"),
        (VatRate::Vat22, "22"),
        (VatRate::Vat5_105, "5/105"),
        (VatRate::Vat7_107, "7/107"),
        (VatRate::Vat10_110, "10/110"),
        (VatRate::Vat20_120, "20/120"),
        (VatRate::Vat22_122, "22/122"),
    ];

    /// Payment methods (FFD 1214).
    pub const METHOD: &[(PaymentMethod, &str)] = &[
        (PaymentMethod::FullPrepayment, "full_prepayment"),
        (PaymentMethod::Prepayment, "prepayment"),
        (PaymentMethod::Advance, "advance"),
        (PaymentMethod::FullPayment, "full_payment"),
        (PaymentMethod::PartialPayment, "partial_payment"),
        (PaymentMethod::Credit, "credit"),
        (PaymentMethod::CreditPayment, "credit_payment"),
    ];

    /// Payment subjects (FFD 1212).
    pub const SUBJECT: &[(PaymentSubject, &str)] = &[
        (PaymentSubject::Commodity, "commodity"),
        (PaymentSubject::Excise, "excise"),
        (PaymentSubject::Job, "job"),
        (PaymentSubject::Service, "service"),
        (PaymentSubject::Payment, "payment"),
        (PaymentSubject::Another, "another"),
    ];
}

fn lookup<T: Copy>(table: &[(T, &str)], name: &str, what: &str) -> Result<T, String> {
    table
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(t, _)| *t)
        .ok_or_else(|| {
            let known: Vec<&str> = table.iter().map(|(_, n)| *n).collect();
            format!("{what} {name:?} is not one of {}", known.join(", "))
        })
}

/// The whole description (JSON).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefundDescription {
    /// The original order.
    pub order: Order,
    /// What is refunded.
    pub refund: Selection,
    /// Each provider's references.
    pub references: References,
}

/// The original order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    /// Its lines.
    pub lines: Vec<Line>,
    /// Its shipping, if any.
    #[serde(default)]
    pub shipping: Option<ShippingLine>,
}

/// One order line.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    /// The shop's product id (unique in the order).
    pub id: String,
    /// The name on the receipt.
    pub name: String,
    /// Price of one unit (`"100.00"`).
    pub unit_price: String,
    /// Quantity bought (`"3"`, `"0.574"`).
    pub quantity: String,
    /// VAT rate (`"22"`, `"22/122"`, `"none"`).
    pub vat: String,
    /// Payment method (`"full_payment"`).
    pub payment_method: String,
    /// Payment subject (`"commodity"`).
    pub payment_subject: String,
}

/// The order's shipping.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShippingLine {
    /// The name on the receipt.
    pub name: String,
    /// Its price.
    pub amount: String,
    /// VAT rate.
    pub vat: String,
    /// Yandex Pay's method type (`COURIER`, `PICKUP`, `YANDEX_DELIVERY`).
    pub method: String,
}

/// What is refunded.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// Lines and quantities (`[{"id": "tea", "quantity": "2"}]`).
    #[serde(default)]
    pub lines: Vec<SelectedLine>,
    /// Refund the shipping too.
    #[serde(default)]
    pub shipping: bool,
    /// Or a plain sum instead of lines (no receipt lines are sent then).
    #[serde(default)]
    pub sum: Option<String>,
    /// Why (YooKassa's `cause`).
    #[serde(default)]
    pub cause: Option<String>,
}

/// A refunded line.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectedLine {
    /// The line's id.
    pub id: String,
    /// How many.
    pub quantity: String,
}

/// Each provider's handle on the payment.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct References {
    /// Robokassa `OpKey`.
    #[serde(default)]
    pub robokassa_op_key: Option<String>,
    /// Yandex Pay `orderId`.
    #[serde(default)]
    pub yandex_order_id: Option<String>,
    /// The shop's id of this refund (Yandex `externalOperationId`, and its X-Request-Id).
    #[serde(default)]
    pub refund_id: Option<String>,
    /// YooKassa `invoiceId`.
    #[serde(default)]
    pub yookassa_invoice_id: Option<String>,
    /// YooKassa `shopId`.
    #[serde(default)]
    pub yookassa_shop_id: Option<String>,
    /// YooKassa `clientOrderId`.
    #[serde(default)]
    pub yookassa_client_order_id: Option<String>,
    /// When the refund is requested (YooKassa `requestDT`, and its signingTime), ISO 8601 UTC
    /// with `Z`.
    #[serde(default)]
    pub request_dt: Option<String>,
    /// The customer's e-mail for YooKassa's receipt.
    #[serde(default)]
    pub customer_email: Option<String>,
    /// RBS `orderId`.
    #[serde(default)]
    pub rbs_order_id: Option<String>,
}

/// A line in typed form.
#[derive(Debug, Clone)]
pub struct TypedLine {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Unit price.
    pub unit_price: Amount,
    /// Quantity (bought, or refunded).
    pub quantity: Quantity,
    /// VAT.
    pub vat: VatRate,
    /// Method.
    pub method: PaymentMethod,
    /// Subject.
    pub subject: PaymentSubject,
}

impl TypedLine {
    /// Unit price x quantity, rounded to kopecks.
    pub fn total(&self) -> Option<Amount> {
        self.unit_price
            .checked_mul(self.quantity)
            .map(Amount::round_to_kopecks)
    }
}

/// The description, typed and checked.
#[derive(Debug, Clone)]
pub struct Typed {
    /// All order lines.
    pub lines: Vec<TypedLine>,
    /// Shipping: name, amount, VAT, Yandex method.
    pub shipping: Option<(String, Amount, VatRate, String)>,
    /// Refunded lines, with refunded quantities.
    pub refunded: Vec<TypedLine>,
    /// Whether the shipping is refunded.
    pub refund_shipping: bool,
    /// A plain sum, when no lines are given.
    pub sum: Option<Amount>,
    /// The refunded sum every provider must agree on.
    pub total: Amount,
}

fn amount(text: &str, what: &str) -> Result<Amount, String> {
    Amount::parse_decimal(text).map_err(|e| format!("{what} {text:?}: {e}"))
}

impl RefundDescription {
    /// Types and checks the description: known codes, quantities within the order, and the
    /// refunded sum.
    pub fn typed(&self) -> Result<Typed, String> {
        let mut lines = Vec::new();
        for l in &self.order.lines {
            if lines.iter().any(|t: &TypedLine| t.id == l.id) {
                return Err(format!("line id {:?} repeated", l.id));
            }
            lines.push(TypedLine {
                id: l.id.clone(),
                name: l.name.clone(),
                unit_price: amount(&l.unit_price, "unit_price")?,
                quantity: Quantity::parse_decimal(&l.quantity)
                    .map_err(|e| format!("quantity {:?}: {e}", l.quantity))?,
                vat: lookup(names::VAT, &l.vat, "vat")?,
                method: lookup(names::METHOD, &l.payment_method, "payment_method")?,
                subject: lookup(names::SUBJECT, &l.payment_subject, "payment_subject")?,
            });
        }
        let shipping = self
            .order
            .shipping
            .as_ref()
            .map(|s| {
                Ok::<_, String>((
                    s.name.clone(),
                    amount(&s.amount, "shipping amount")?,
                    lookup(names::VAT, &s.vat, "vat")?,
                    s.method.clone(),
                ))
            })
            .transpose()?;
        let mut refunded = Vec::new();
        for sel in &self.refund.lines {
            let line = lines
                .iter()
                .find(|l| l.id == sel.id)
                .ok_or_else(|| format!("refunded line {:?} is not in the order", sel.id))?;
            let q = Quantity::parse_decimal(&sel.quantity)
                .map_err(|e| format!("quantity {:?}: {e}", sel.quantity))?;
            if q.is_zero() || q > line.quantity {
                return Err(format!(
                    "cannot refund {} of {:?}: the order has {}",
                    q, sel.id, line.quantity
                ));
            }
            refunded.push(TypedLine {
                quantity: q,
                ..line.clone()
            });
        }
        if self.refund.shipping && shipping.is_none() {
            return Err("the order has no shipping to refund".into());
        }
        let sum = self
            .refund
            .sum
            .as_deref()
            .map(|s| amount(s, "sum"))
            .transpose()?;
        let total = match sum {
            Some(sum) if refunded.is_empty() && !self.refund.shipping => sum,
            Some(_) => return Err("give lines (and shipping) or a sum, not both".into()),
            None => refunded
                .iter()
                .try_fold(Amount::ZERO, |acc, l| acc.checked_add(l.total()?))
                .and_then(|t| match (&shipping, self.refund.shipping) {
                    (Some((_, a, _, _)), true) => t.checked_add(*a),
                    _ => Some(t),
                })
                .ok_or("amounts overflow")?,
        };
        if total.is_zero() {
            return Err("nothing to refund".into());
        }
        Ok(Typed {
            lines,
            shipping,
            refunded,
            refund_shipping: self.refund.shipping,
            sum,
            total,
        })
    }
}

/// A note of the plan: where providers cannot follow the description exactly.
pub fn agreement(sums: &[(&str, Amount)], total: Amount) -> Report {
    let mut report = Report::new();
    for (provider, sum) in sums {
        if *sum != total {
            report.warning(
                &Path::ROOT.field(provider),
                codes::SUM_MISMATCH,
                format!("{provider} refunds {sum}, the description {total}"),
            );
        }
    }
    report
}

/// What each provider needs to sign or authenticate. A provider without credentials is
/// planned without a request (its body still built and validated where it needs none).
#[derive(Default)]
pub struct Credentials {
    /// Robokassa Password3.
    pub robokassa: Option<refundkit_robokassa::Password3>,
    /// Yandex Pay API key.
    pub yandex_pay: Option<refundkit_yandex_pay::types::ApiKey>,
    /// YooKassa's signing key and certificate.
    pub yookassa: Option<refundkit_pkcs7::Signer>,
    /// RBS userName and password, or token.
    pub rbs: Option<refundkit_rbs::Auth>,
}

/// One provider's part of the plan.
#[derive(Debug)]
pub struct ProviderPlan {
    /// `robokassa`, `yandex-pay`, `yookassa`, `rbs`.
    pub provider: &'static str,
    /// The ready request, when it could be built.
    pub request: Option<http::Request<Vec<u8>>>,
    /// The sum this request refunds.
    pub refunded: Option<Amount>,
    /// The provider's validation of its own request, and the plan's notes.
    pub report: Report,
    /// Why the provider was not planned (its references are not in the description).
    pub skipped: Option<String>,
}

/// The plan: every provider's request, and whether they agree.
#[derive(Debug)]
pub struct Plan {
    /// The refunded sum of the description.
    pub total: Amount,
    /// Per provider.
    pub providers: Vec<ProviderPlan>,
    /// Disagreements between providers on the refunded sum.
    pub agreement: Report,
}

fn note(report: &mut Report, field: &str, message: impl Into<String>) {
    report.info(&Path::ROOT.field(field), "plan_note", message);
}

/// A provider whose references the description does not give: not planned, and not an error.
fn skipped(provider: &'static str, why: &str) -> ProviderPlan {
    ProviderPlan {
        provider,
        request: None,
        refunded: None,
        report: Report::new(),
        skipped: Some(why.to_owned()),
    }
}

fn failed(provider: &'static str, field: &str, message: impl Into<String>) -> ProviderPlan {
    let mut report = Report::new();
    report.error(&Path::ROOT.field(field), codes::REQUIRED, message);
    ProviderPlan {
        provider,
        request: None,
        refunded: None,
        report,
        skipped: None,
    }
}

/// Builds every provider's request. `which` limits the providers (empty: all four).
pub fn build(
    desc: &RefundDescription,
    creds: &Credentials,
    which: &[&str],
) -> Result<Plan, String> {
    let typed = desc.typed()?;
    let wanted = |p: &str| which.is_empty() || which.contains(&p);
    let mut providers = Vec::new();
    if wanted("robokassa") {
        providers.push(robokassa(desc, &typed, creds));
    }
    if wanted("yandex-pay") {
        providers.push(yandex_pay(desc, &typed, creds));
    }
    if wanted("yookassa") {
        providers.push(yookassa(desc, &typed, creds));
    }
    if wanted("rbs") {
        providers.push(rbs(desc, &typed, creds));
    }
    let sums: Vec<(&str, Amount)> = providers
        .iter()
        .filter_map(|p| p.refunded.map(|s| (p.provider, s)))
        .collect();
    Ok(Plan {
        total: typed.total,
        agreement: agreement(&sums, typed.total),
        providers,
    })
}

fn shipping_method(typed: &Typed) -> PaymentMethod {
    typed
        .lines
        .first()
        .map_or(PaymentMethod::FullPayment, |l| l.method)
}

fn robokassa(desc: &RefundDescription, typed: &Typed, creds: &Credentials) -> ProviderPlan {
    use refundkit_robokassa::{InvoiceItem, RefundRequest};
    let Some(op_key) = &desc.references.robokassa_op_key else {
        return skipped("robokassa", "no references.robokassa_op_key");
    };
    let items = if typed.sum.is_some() {
        None
    } else {
        let mut items: Vec<InvoiceItem> = typed
            .refunded
            .iter()
            .map(|l| InvoiceItem {
                name: l.name.clone(),
                quantity: l.quantity,
                cost: l.unit_price,
                tax: Coded::Known(l.vat),
                payment_method: Some(Coded::Known(l.method)),
                payment_object: Some(Coded::Known(l.subject)),
            })
            .collect();
        if let (true, Some((name, amount, vat, _))) = (typed.refund_shipping, &typed.shipping) {
            items.push(InvoiceItem {
                name: name.clone(),
                quantity: Quantity::ONE,
                cost: *amount,
                tax: Coded::Known(*vat),
                payment_method: Some(Coded::Known(shipping_method(typed))),
                payment_object: Some(Coded::Known(PaymentSubject::Service)),
            });
        }
        Some(items)
    };
    let request = RefundRequest {
        op_key: op_key.clone(),
        refund_sum: Some(typed.total),
        invoice_items: items,
    };
    let mut report = refundkit_robokassa::validate(&request);
    let http = creds.robokassa.as_ref().and_then(|key| {
        let token =
            refundkit_robokassa::sign(&request, key, refundkit_robokassa::Alg::Hs256).ok()?;
        refundkit_robokassa::http::create_request(&Default::default(), &token, Default::default())
            .ok()
    });
    if creds.robokassa.is_none() {
        note(
            &mut report,
            "robokassa",
            "no Password3: the payload is validated but not signed",
        );
    }
    ProviderPlan {
        provider: "robokassa",
        request: http,
        refunded: request.refund_sum,
        report,
        skipped: None,
    }
}

fn yandex_pay(desc: &RefundDescription, typed: &Typed, creds: &Credentials) -> ProviderPlan {
    use refundkit_yandex_pay::helper::{Order, Selection, refund};
    use refundkit_yandex_pay::types::{
        Cart, CartItem, CartTotal, ItemQuantity, ItemReceipt, Shipping, VAT_CODES,
    };
    let Some(order_id) = &desc.references.yandex_order_id else {
        return skipped("yandex-pay", "no references.yandex_order_id");
    };
    if typed.sum.is_some() {
        return failed(
            "yandex-pay",
            "refund.sum",
            "Yandex Pay v1 refunds by final cart: give lines, not a sum",
        );
    }
    let mut report = Report::new();
    let receipt = |vat: VatRate, report: &mut Report| match VAT_CODES
        .iter()
        .find(|(v, _)| *v == vat)
    {
        Some(_) => Some(ItemReceipt {
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
        }),
        None => {
            note(
                report,
                "yandex-pay",
                format!(
                    "Yandex Pay publishes no tax code for VAT {}%: that line goes without a receipt",
                    names::VAT
                        .iter()
                        .find(|(v, _)| *v == vat)
                        .map_or("?", |(_, n)| *n)
                ),
            );
            None
        }
    };
    let mut items = Vec::new();
    let mut cart_total = Amount::ZERO;
    for l in &typed.lines {
        let Some(total) = l.total() else {
            return failed("yandex-pay", "order.lines", "amounts overflow");
        };
        cart_total = match cart_total.checked_add(total) {
            Some(t) => t,
            None => return failed("yandex-pay", "order.lines", "amounts overflow"),
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
            receipt: receipt(l.vat, &mut report),
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
                label: None,
            },
            measurements: None,
        },
        shipping: typed
            .shipping
            .as_ref()
            .map(|(_, amount, vat, method)| Shipping {
                method_type: method.clone(),
                amount: *amount,
                receipt: receipt(*vat, &mut report),
            }),
    };
    let selection = Selection {
        products: typed
            .refunded
            .iter()
            .map(|l| (l.id.clone(), l.quantity))
            .collect(),
        shipping: typed.refund_shipping,
        external_operation_id: desc.references.refund_id.clone(),
    };
    let body = match refund(&order, &selection) {
        Ok(b) => b,
        Err(e) => return failed("yandex-pay", "refund", e.to_string()),
    };
    let context = refundkit_yandex_pay::invariants::Context {
        payment_amount: order.amount(),
        current_cart: Some(&order.cart),
        current_shipping: order.shipping.as_ref().map(|s| s.amount),
        order_status: None,
    };
    report.merge(refundkit_yandex_pay::invariants::validate(&body, &context));
    let http = creds.yandex_pay.as_ref().and_then(|key| {
        let attempt = refundkit_yandex_pay::http::Attempt {
            request_id: desc
                .references
                .refund_id
                .clone()
                .unwrap_or_else(|| "refund".into()),
            timeout_ms: 10_000,
            attempt: 0,
        };
        refundkit_yandex_pay::http::refund_request(
            &refundkit_yandex_pay::http::Endpoint::production(),
            order_id,
            key,
            &body,
            &attempt,
        )
        .ok()
    });
    ProviderPlan {
        provider: "yandex-pay",
        request: http,
        refunded: Some(body.refund_amount),
        report,
        skipped: None,
    }
}

fn yookassa(desc: &RefundDescription, typed: &Typed, creds: &Credentials) -> ProviderPlan {
    use refundkit_yookassa::types::{Customer, Receipt, ReceiptItem};
    let r = &desc.references;
    let (Some(invoice_id), Some(shop_id)) = (&r.yookassa_invoice_id, &r.yookassa_shop_id) else {
        return skipped(
            "yookassa",
            "no references.yookassa_invoice_id and yookassa_shop_id",
        );
    };
    // Exactly two decimals, as YooKassa writes amounts.
    let Ok(amount) = typed
        .total
        .to_fixed2()
        .map_err(|_| ())
        .and_then(|t| Amount::parse_decimal(&t).map_err(|_| ()))
    else {
        return failed(
            "yookassa",
            "amount",
            "the refunded sum has a fraction of a kopeck",
        );
    };
    let receipt = (typed.sum.is_none()).then(|| {
        let mut items: Vec<ReceiptItem> = typed
            .refunded
            .iter()
            .map(|l| ReceiptItem {
                quantity: l.quantity,
                price: l.unit_price,
                price_currency: None,
                tax: Coded::Known(l.vat),
                text: l.name.clone(),
                payment_subject_type: Some(Coded::Known(l.subject)),
                payment_method_type: Some(Coded::Known(l.method)),
                product_code: None,
                country_of_origin_code: None,
                customs_declaration_number: None,
                excise: None,
            })
            .collect();
        if let (true, Some((name, amount, vat, _))) = (typed.refund_shipping, &typed.shipping) {
            items.push(ReceiptItem {
                quantity: Quantity::ONE,
                price: *amount,
                price_currency: None,
                tax: Coded::Known(*vat),
                text: name.clone(),
                payment_subject_type: Some(Coded::Known(PaymentSubject::Service)),
                payment_method_type: Some(Coded::Known(shipping_method(typed))),
                product_code: None,
                country_of_origin_code: None,
                customs_declaration_number: None,
                excise: None,
            });
        }
        Receipt {
            customer_contact: None,
            tax_system: None,
            customer: Some(Customer {
                email: r.customer_email.clone(),
                ..Customer::default()
            }),
            items,
        }
    });
    // The receipt is rounded once; the description line by line. YooKassa accepts an amount
    // equal to the receipt total or one kopeck below it. Otherwise YooKassa refunds the
    // receipt total, and the agreement check reports the difference.
    let mut amount = amount;
    let mut adjusted = None;
    if let Some(total) = receipt
        .as_ref()
        .and_then(|r| refundkit_yookassa::receipt::receipt_total(&r.items))
    {
        let one_below = total.checked_sub(Amount::from_minor_units(1));
        if amount != total && Some(amount) != one_below {
            adjusted = Some((amount, total));
            amount = total;
        }
    }
    let request_dt = r.request_dt.clone().unwrap_or_else(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        refundkit_yookassa::timing::format_request_dt(i64::try_from(now).unwrap_or(0))
    });
    let signing_time = refundkit_yookassa::timing::parse_utc(&request_dt)
        .and_then(|s| u64::try_from(s).ok())
        .map_or_else(std::time::SystemTime::now, |s| {
            std::time::UNIX_EPOCH
                .checked_add(std::time::Duration::from_secs(s))
                .unwrap_or(std::time::UNIX_EPOCH)
        });
    let request = refundkit_yookassa::ReturnPaymentRequest {
        client_order_id: r.yookassa_client_order_id.clone().unwrap_or_default(),
        request_dt,
        invoice_id: invoice_id.clone(),
        shop_id: shop_id.clone(),
        amount,
        currency: Some("643".into()),
        cause: desc.refund.cause.clone(),
        receipt,
    };
    let mut report = refundkit_yookassa::validate(&request);
    if let Some((wanted, total)) = adjusted {
        note(
            &mut report,
            "yookassa",
            format!(
                "the receipt rounded once comes to {total}, not {wanted} (the lines rounded one by one): YooKassa's amount must follow its receipt"
            ),
        );
    }
    if report.contains(
        "receipt.items",
        refundkit_yookassa::invariants::yk_codes::RECEIPT_TOTAL_KOPECK_OVER,
    ) {
        note(
            &mut report,
            "yookassa",
            "the receipt, rounded once, comes to one kopeck more than the lines rounded one by one; YooKassa allows exactly that",
        );
    }
    let http = creds.yookassa.as_ref().and_then(|signer| {
        let options = refundkit_pkcs7::SignOptions {
            signing_time,
            ..Default::default()
        };
        let pem = refundkit_yookassa::sign_request(&request, signer, &options).ok()?;
        refundkit_yookassa::http::return_payment_request(
            &refundkit_yookassa::http::Endpoint::production(),
            &pem,
        )
        .ok()
    });
    ProviderPlan {
        provider: "yookassa",
        request: http,
        refunded: Some(amount),
        report,
        skipped: None,
    }
}

fn rbs(desc: &RefundDescription, typed: &Typed, creds: &Credentials) -> ProviderPlan {
    let Some(order_id) = &desc.references.rbs_order_id else {
        return skipped("rbs", "no references.rbs_order_id");
    };
    let Ok(kopecks) = typed.total.to_minor_units() else {
        return failed(
            "rbs",
            "amount",
            "the refunded sum has a fraction of a kopeck",
        );
    };
    let Some(auth) = creds.rbs.clone() else {
        return failed("rbs", "credentials", "no RBS credentials");
    };
    let request = refundkit_rbs::RefundRequest {
        auth,
        order_id: order_id.clone(),
        amount: kopecks,
        json_params: None,
        language: None,
        refund_items: None,
        currency: None,
        order_bundle: None,
    };
    let report = refundkit_rbs::validate(&request);
    let http = refundkit_rbs::http::refund_request(
        &refundkit_rbs::http::Endpoint::new(refundkit_rbs::http::Endpoint::SBERBANK),
        &request,
    )
    .ok();
    ProviderPlan {
        provider: "rbs",
        request: http,
        refunded: Some(Amount::from_minor_units(kopecks)),
        report,
        skipped: None,
    }
}
