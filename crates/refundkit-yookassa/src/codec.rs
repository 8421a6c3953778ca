//! The XML codec. MWS documents are attributes on a few elements, so the reader builds a small
//! bounded element tree, then maps it to the types, naming the path of anything wrong
//! (`returnPaymentRequest/receipt/items/item[1]@quantity`).
//!
//! The reader refuses a DOCTYPE (so no DTD, no external or custom entities), entity references
//! other than XML's five, text content, and anything beyond [`MAX_INPUT`], [`MAX_DEPTH`],
//! [`MAX_ELEMENTS`] or [`MAX_ATTRIBUTES`]. Attribute values are normalised as XML 1.0 says
//! (a literal newline reads as a space), which is why the writer escapes tab, newline and
//! carriage return as character references.

use std::borrow::Cow;
use std::fmt;

use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesStart, Event};
use quick_xml::name::QName;
use quick_xml::{Reader, Writer, XmlVersion};
use refundkit_core::outcome::{Malformed, Outcome, Refusal, is_2xx};
use refundkit_core::{
    Amount, Coded, DecodeError, DecodeErrorKind as Kind, EncodeError, MoneyError, Quantity,
    Validated,
};

use crate::types::{
    Customer, ErrorCode, MwsResponse, PAYMENT_METHOD_CODES, PAYMENT_SUBJECT_CODES, Receipt,
    ReceiptItem, ReturnPaymentRequest, ReturnsList, SignedRequest, Status, VAT_CODES,
};

/// Largest document read.
pub const MAX_INPUT: usize = 1024 * 1024;
/// Deepest element nesting (a request nests 5).
pub const MAX_DEPTH: usize = 16;
/// Most elements in a document.
pub const MAX_ELEMENTS: usize = 20_000;
/// Most attributes on one element.
pub const MAX_ATTRIBUTES: usize = 64;

/// An error of `kind` at an element path (`returnPaymentRequest/receipt`, with `@attribute`
/// when an attribute is at fault).
fn err(kind: Kind, path: impl Into<String>, message: impl fmt::Display) -> DecodeError {
    DecodeError::new(kind, path, message)
}

/// One element of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<Element>,
}

fn read_tree(xml: &[u8]) -> Result<Element, DecodeError> {
    if xml.len() > MAX_INPUT {
        return Err(DecodeError::too_large(xml.len(), MAX_INPUT));
    }
    let text =
        std::str::from_utf8(xml).map_err(|e| err(Kind::Encoding, "", format!("not UTF-8: {e}")))?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    let here = |stack: &[Element]| {
        stack
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>()
            .join("/")
    };
    loop {
        let position = reader.buffer_position();
        let event = reader.read_event().map_err(|e| {
            err(
                Kind::Syntax,
                here(&stack),
                format!("at byte {position}: {e}"),
            )
        })?;
        match event {
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::DocType(_) => {
                return Err(err(
                    Kind::Structure,
                    "",
                    "DOCTYPE refused (no DTDs, no entities)",
                ));
            }
            Event::GeneralRef(r) => {
                return Err(err(
                    Kind::Structure,
                    here(&stack),
                    format!("entity reference &{}; refused", &*r),
                ));
            }
            Event::Text(t) => {
                if !t.chars().all(|c| c.is_ascii_whitespace()) {
                    return Err(err(
                        Kind::Structure,
                        here(&stack),
                        "text content is not expected",
                    ));
                }
            }
            Event::CData(_) => {
                return Err(err(Kind::Structure, here(&stack), "CDATA is not expected"));
            }
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                let _ = start;
                return Err(err(Kind::Structure, "", "more than one root element"));
            }
            Event::Start(start) => {
                count = count.saturating_add(1);
                if count > MAX_ELEMENTS || stack.len() >= MAX_DEPTH {
                    return Err(err(
                        Kind::TooDeep,
                        here(&stack),
                        "document too large or too deep",
                    ));
                }
                let element = element(&start, &here(&stack))?;
                stack.push(element);
            }
            Event::Empty(start) => {
                count = count.saturating_add(1);
                if count > MAX_ELEMENTS || stack.len() >= MAX_DEPTH {
                    return Err(err(
                        Kind::TooDeep,
                        here(&stack),
                        "document too large or too deep",
                    ));
                }
                let element = element(&start, &here(&stack))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                let done = stack
                    .pop()
                    .ok_or_else(|| err(Kind::Syntax, "", "unbalanced end tag"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(err(
            Kind::Syntax,
            here(&stack),
            "document ends inside an element",
        ));
    }
    root.ok_or_else(|| err(Kind::Syntax, "", "no root element"))
}

fn element(start: &BytesStart<'_>, parent: &str) -> Result<Element, DecodeError> {
    let name = start.name().as_ref().to_owned();
    let path = if parent.is_empty() {
        name.clone()
    } else {
        format!("{parent}/{name}")
    };
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| err(Kind::Syntax, &path, e))?;
        if attributes.len() >= MAX_ATTRIBUTES {
            return Err(err(Kind::TooLarge, &path, "too many attributes"));
        }
        let key = attribute.key.as_ref().to_owned();
        if attributes.iter().any(|(k, _)| *k == key) {
            return Err(err(
                Kind::Repeated,
                format!("{path}@{key}"),
                "attribute repeated",
            ));
        }
        let value = attribute
            .normalized_value(XmlVersion::Explicit1_0)
            .map_err(|e| err(Kind::Syntax, format!("{path}@{key}"), e))?
            .into_owned();
        attributes.push((key, value));
    }
    Ok(Element {
        name,
        attributes,
        children: Vec::new(),
    })
}

/// Reads an element's attributes; in strict mode, refuses any it was not asked for.
struct Attrs<'e> {
    element: &'e Element,
    path: String,
    used: Vec<&'e str>,
}

impl<'e> Attrs<'e> {
    fn new(element: &'e Element, path: String) -> Self {
        Attrs {
            element,
            path,
            used: Vec::new(),
        }
    }

    fn at(&self, key: &str) -> String {
        format!("{}@{key}", self.path)
    }

    fn opt(&mut self, key: &'e str) -> Option<&'e str> {
        self.used.push(key);
        self.element
            .attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn req(&mut self, key: &'e str) -> Result<&'e str, DecodeError> {
        self.opt(key).ok_or_else(|| {
            err(
                Kind::MissingField,
                self.at(key),
                "required attribute is missing",
            )
        })
    }

    fn amount(&mut self, key: &'e str) -> Result<Option<Amount>, DecodeError> {
        self.opt(key)
            .map(|v| Amount::parse_decimal(v).map_err(|e| money_err(self.at(key), v, &e)))
            .transpose()
    }

    fn unknown(&self) -> Result<(), DecodeError> {
        match self
            .element
            .attributes
            .iter()
            .find(|(k, _)| !self.used.contains(&k.as_str()))
        {
            Some((k, _)) => Err(err(Kind::UnknownField, self.at(k), "unknown attribute")),
            None => Ok(()),
        }
    }
}

fn money_err(path: String, value: &str, e: &MoneyError) -> DecodeError {
    err(
        Kind::Value,
        path,
        format!("{value:?} is not a decimal amount: {e}"),
    )
}

fn children<'e>(parent: &'e Element, name: &str) -> impl Iterator<Item = &'e Element> {
    let name = name.to_owned();
    parent.children.iter().filter(move |c| c.name == name)
}

fn only_known_children(parent: &Element, path: &str, known: &[&str]) -> Result<(), DecodeError> {
    match parent
        .children
        .iter()
        .find(|c| !known.contains(&c.name.as_str()))
    {
        Some(c) => Err(err(
            Kind::UnknownField,
            format!("{path}/{}", c.name),
            "unknown element",
        )),
        None => Ok(()),
    }
}

fn at_most_one<'e>(
    parent: &'e Element,
    path: &str,
    name: &str,
) -> Result<Option<&'e Element>, DecodeError> {
    let mut found = children(parent, name);
    let first = found.next();
    if found.next().is_some() {
        return Err(err(
            Kind::Repeated,
            format!("{path}/{name}"),
            "element repeated",
        ));
    }
    Ok(first)
}

/// Reads a `returnPaymentRequest`. Strict: unknown elements and attributes are refused, so a
/// misspelt attribute cannot silently drop a value. Rules (sums, lengths) are
/// [`crate::validate`]'s job.
pub fn decode_request(xml: &[u8]) -> Result<ReturnPaymentRequest, DecodeError> {
    let root = read_tree(xml)?;
    if root.name != "returnPaymentRequest" {
        return Err(err(
            Kind::Structure,
            &root.name,
            "expected returnPaymentRequest",
        ));
    }
    let path = root.name.clone();
    only_known_children(&root, &path, &["receipt"])?;
    let mut a = Attrs::new(&root, path.clone());
    let request = ReturnPaymentRequest {
        client_order_id: a.req("clientOrderId")?.to_owned(),
        request_dt: a.req("requestDT")?.to_owned(),
        invoice_id: a.req("invoiceId")?.to_owned(),
        shop_id: a.req("shopId")?.to_owned(),
        amount: a.amount("amount")?.ok_or_else(|| {
            err(
                Kind::MissingField,
                a.at("amount"),
                "required attribute is missing",
            )
        })?,
        currency: a.opt("currency").map(str::to_owned),
        cause: a.opt("cause").map(str::to_owned),
        receipt: at_most_one(&root, &path, "receipt")?
            .map(|r| read_receipt(r, format!("{path}/receipt")))
            .transpose()?,
    };
    a.unknown()?;
    Ok(request)
}

fn read_receipt(element: &Element, path: String) -> Result<Receipt, DecodeError> {
    only_known_children(element, &path, &["customer", "items"])?;
    let mut a = Attrs::new(element, path.clone());
    let customer = at_most_one(element, &path, "customer")?
        .map(|c| {
            let mut a = Attrs::new(c, format!("{path}/customer"));
            only_known_children(c, &a.path, &[])?;
            let customer = Customer {
                full_name: a.opt("fullName").map(str::to_owned),
                inn: a.opt("inn").map(str::to_owned),
                email: a.opt("email").map(str::to_owned),
                phone: a.opt("phone").map(str::to_owned),
            };
            a.unknown()?;
            Ok::<_, DecodeError>(customer)
        })
        .transpose()?;
    let items_path = format!("{path}/items");
    let items = match at_most_one(element, &path, "items")? {
        Some(items) => {
            only_known_children(items, &items_path, &["item"])?;
            children(items, "item")
                .enumerate()
                .map(|(i, item)| read_item(item, format!("{items_path}/item[{i}]")))
                .collect::<Result<Vec<_>, _>>()?
        }
        None => Vec::new(),
    };
    let receipt = Receipt {
        customer_contact: a.opt("customerContact").map(str::to_owned),
        tax_system: a.opt("taxSystem").map(str::to_owned),
        customer,
        items,
    };
    a.unknown()?;
    Ok(receipt)
}

fn read_item(element: &Element, path: String) -> Result<ReceiptItem, DecodeError> {
    only_known_children(element, &path, &["price"])?;
    let price = at_most_one(element, &path, "price")?.ok_or_else(|| {
        err(
            Kind::MissingField,
            format!("{path}/price"),
            "required element is missing",
        )
    })?;
    let mut p = Attrs::new(price, format!("{path}/price"));
    let price_amount = p.amount("amount")?.ok_or_else(|| {
        err(
            Kind::MissingField,
            p.at("amount"),
            "required attribute is missing",
        )
    })?;
    let price_currency = p.opt("currency").map(str::to_owned);
    p.unknown()?;
    let mut a = Attrs::new(element, path);
    let quantity_text = a.req("quantity")?;
    let item = ReceiptItem {
        quantity: Quantity::parse_decimal(quantity_text)
            .map_err(|e| money_err(a.at("quantity"), quantity_text, &e))?,
        price: price_amount,
        price_currency,
        tax: Coded::from_table(VAT_CODES, a.req("tax")?.to_owned()),
        text: a.req("text")?.to_owned(),
        payment_subject_type: a
            .opt("paymentSubjectType")
            .map(|v| Coded::from_table(PAYMENT_SUBJECT_CODES, v.to_owned())),
        payment_method_type: a
            .opt("paymentMethodType")
            .map(|v| Coded::from_table(PAYMENT_METHOD_CODES, v.to_owned())),
        product_code: a.opt("productCode").map(str::to_owned),
        country_of_origin_code: a.opt("countryOfOriginCode").map(str::to_owned),
        customs_declaration_number: a.opt("customsDeclarationNumber").map(str::to_owned),
        excise: a.amount("excise")?,
    };
    a.unknown()?;
    Ok(item)
}

/// Reads a `listReturns` answer: its root as [`read_response`] reads it, and each child
/// element verbatim (see [`ReturnsList`]). Nothing here states a refund's success: compare
/// the entries with the refund by hand.
pub fn read_list_returns(xml: &[u8]) -> Result<ReturnsList, DecodeError> {
    let root = read_tree(xml)?;
    let entries = root
        .children
        .iter()
        .map(|c| (c.name.clone(), c.attributes.clone()))
        .collect();
    Ok(ReturnsList {
        root: response_of(&root)?,
        entries,
    })
}

/// Reads an MWS response (`returnPaymentResponse`, or another operation's). Tolerant: unknown
/// attributes are kept in [`MwsResponse::other`] and unknown codes in `Other`.
pub fn read_response(xml: &[u8]) -> Result<MwsResponse, DecodeError> {
    response_of(&read_tree(xml)?)
}

fn response_of(root: &Element) -> Result<MwsResponse, DecodeError> {
    let path = root.name.clone();
    let int = |key: &str, value: &str| {
        value.trim().parse::<i64>().map_err(|_| {
            err(
                Kind::Value,
                format!("{path}@{key}"),
                format!("{value:?} is not an integer"),
            )
        })
    };
    let mut response = MwsResponse {
        operation: root.name.clone(),
        client_order_id: None,
        status: Status::Done,
        error: None,
        processed_dt: None,
        tech_message: None,
        balance: None,
        other: Vec::new(),
    };
    let mut status = None;
    for (key, value) in &root.attributes {
        match key.as_str() {
            "clientOrderId" => response.client_order_id = Some(value.clone()),
            "status" => status = Some(Status::from_wire(int(key, value)?)),
            "error" => response.error = Some(ErrorCode::from_wire(int(key, value)?)),
            "processedDT" => response.processed_dt = Some(value.clone()),
            "techMessage" => response.tech_message = Some(value.clone()),
            "balance" => {
                response.balance = Some(
                    Amount::parse_decimal(value)
                        .map_err(|e| money_err(format!("{path}@balance"), value, &e))?,
                );
            }
            _ => response.other.push((key.clone(), value.clone())),
        }
    }
    response.status = status.ok_or_else(|| {
        err(
            Kind::MissingField,
            format!("{path}@status"),
            "required attribute is missing",
        )
    })?;
    Ok(response)
}

/// Reads the answer to `returnPayment`, given its HTTP status: plain XML, which is what MWS
/// sends in practice (every public client parses the body directly). A PKCS#7 body is
/// malformed here; [`open_response`] verifies one first.
///
/// A success is stated, never inferred: the root element is `returnPaymentResponse` (another
/// method's answer is malformed, however it reads) with status 0 and no error, at a 2xx
/// status. Status 1 is [`Outcome::InProgress`] (repeat the identical request); status 3 a
/// refusal with its `error` code and `techMessage`; status 0 with an error, or a status MWS
/// does not document, is malformed.
pub fn parse_response(http_status: u16, body: &[u8]) -> Outcome<MwsResponse, ErrorCode> {
    let trimmed = body.trim_ascii_start();
    if !trimmed.starts_with(b"<") {
        return malformed(http_status, "not XML (a signed answer needs open_response)");
    }
    match read_response(trimmed) {
        Ok(r) => classify(http_status, r),
        Err(e) => malformed(http_status, e.to_string()),
    }
}

/// Reads the answer to `returnPayment`: plain XML, or a PKCS#7 SignedData around it whose
/// signature verifies under `trust` (a message that does not verify states nothing, so it is
/// malformed). Then as [`parse_response`].
pub fn open_response(
    http_status: u16,
    body: &[u8],
    trust: refundkit_pkcs7::Trust<'_>,
) -> Outcome<MwsResponse, ErrorCode> {
    if body.trim_ascii_start().starts_with(b"<") {
        return parse_response(http_status, body);
    }
    match refundkit_pkcs7::open(body, trust) {
        Ok(opened) => parse_response(http_status, &opened.content),
        Err(e) => malformed(http_status, format!("PKCS#7: {e}")),
    }
}

/// What a read MWS answer states about a `returnPayment`.
fn classify(http_status: u16, r: MwsResponse) -> Outcome<MwsResponse, ErrorCode> {
    if r.operation != "returnPaymentResponse" {
        return malformed(
            http_status,
            format!("another method's answer: {}", r.operation),
        );
    }
    if !is_2xx(http_status) && r.status != Status::Refused {
        return malformed(http_status, "an answer with an error status");
    }
    match (r.status, r.error) {
        (Status::Done, None | Some(ErrorCode::None)) => Outcome::Success(r),
        (Status::Done, Some(e)) => malformed(
            http_status,
            format!("status 0 (done) with error {}", e.code()),
        ),
        (Status::InProgress, _) => Outcome::InProgress(r),
        (Status::Refused, error) => Outcome::Refused(Refusal {
            http_status,
            code: error,
            text: r.tech_message,
        }),
        (Status::Other(n), _) => malformed(http_status, format!("status {n} is not documented")),
    }
}

fn malformed(http_status: u16, detail: impl Into<String>) -> Outcome<MwsResponse, ErrorCode> {
    Outcome::Malformed(Malformed::new(http_status, detail))
}

// ---------------------------------------------------------------------------------------------
// Signing

/// Why a request was not signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// A value cannot be written as XML (validation reports it first; this fails closed).
    #[error("{0}")]
    Encode(#[from] EncodeError),
    /// The PKCS#7 layer failed.
    #[error("{0}")]
    Pkcs7(#[from] refundkit_pkcs7::Error),
}

/// Writes a validated request's canonical XML and signs it: the PEM to POST. A request
/// YooKassa would reject cannot be signed, because it cannot be a [`Validated`].
pub fn sign_request(
    request: &Validated<ReturnPaymentRequest>,
    signer: &refundkit_pkcs7::Signer,
    options: &refundkit_pkcs7::SignOptions,
) -> Result<SignedRequest, SignError> {
    let xml = encode_request(request)?;
    Ok(SignedRequest(signer.sign_pem(&xml, options)?))
}

// ---------------------------------------------------------------------------------------------
// Writing

/// An attribute value escaped for a double-quoted attribute: XML's five, plus tab, newline and
/// carriage return as character references so that they survive attribute normalisation.
fn escape_attribute(value: &str) -> Cow<'_, str> {
    let needs = |c: char| matches!(c, '&' | '<' | '>' | '"' | '\'' | '\t' | '\n' | '\r');
    if !value.contains(needs) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len().saturating_add(16));
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

struct Element2<'a> {
    start: BytesStart<'a>,
    path: &'a str,
}

impl<'a> Element2<'a> {
    fn new(name: &'a str, path: &'a str) -> Self {
        Element2 {
            start: BytesStart::new(name),
            path,
        }
    }

    fn attr(&mut self, key: &'a str, value: &str) -> Result<(), EncodeError> {
        if let Some(bad) = value.chars().find(|&c| !is_xml_char(c)) {
            return Err(EncodeError::new(
                format!("{}@{key}", self.path),
                format_args!(
                    "character U+{:04X} cannot appear in XML 1.0",
                    u32::from(bad)
                ),
            ));
        }
        self.start.push_attribute(Attribute {
            key: QName(key),
            value: Cow::Owned(escape_attribute(value).into_owned()),
        });
        Ok(())
    }

    fn opt(&mut self, key: &'a str, value: Option<&str>) -> Result<(), EncodeError> {
        match value {
            Some(v) => self.attr(key, v),
            None => Ok(()),
        }
    }

    fn amount(&mut self, key: &'a str, value: Amount) -> Result<(), EncodeError> {
        let text = value
            .to_fixed2()
            .map_err(|e| EncodeError::new(format!("{}@{key}", self.path), e))?;
        self.attr(key, &text)
    }
}

/// The characters XML 1.0 allows.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Writes a request: UTF-8 declaration, one element per line, every attribute escaped,
/// amounts with exactly two decimals. Byte-for-byte reproducible.
pub fn encode_request(request: &ReturnPaymentRequest) -> Result<Vec<u8>, EncodeError> {
    let io = |e: std::io::Error| EncodeError::new("", e);
    let mut w = Writer::new_with_indent(Vec::with_capacity(512), b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(io)?;
    let root_path = "returnPaymentRequest";
    let mut root = Element2::new("returnPaymentRequest", root_path);
    root.attr("clientOrderId", &request.client_order_id)?;
    root.attr("requestDT", &request.request_dt)?;
    root.attr("invoiceId", &request.invoice_id)?;
    root.attr("shopId", &request.shop_id)?;
    root.amount("amount", request.amount)?;
    root.opt("currency", request.currency.as_deref())?;
    root.opt("cause", request.cause.as_deref())?;
    let Some(receipt) = &request.receipt else {
        w.write_event(Event::Empty(root.start)).map_err(io)?;
        return Ok(w.into_inner());
    };
    w.write_event(Event::Start(root.start.borrow()))
        .map_err(io)?;
    let receipt_path = "returnPaymentRequest/receipt";
    let mut r = Element2::new("receipt", receipt_path);
    r.opt("customerContact", receipt.customer_contact.as_deref())?;
    r.opt("taxSystem", receipt.tax_system.as_deref())?;
    w.write_event(Event::Start(r.start.borrow())).map_err(io)?;
    if let Some(c) = &receipt.customer {
        let mut e = Element2::new("customer", "returnPaymentRequest/receipt/customer");
        e.opt("fullName", c.full_name.as_deref())?;
        e.opt("inn", c.inn.as_deref())?;
        e.opt("email", c.email.as_deref())?;
        e.opt("phone", c.phone.as_deref())?;
        w.write_event(Event::Empty(e.start)).map_err(io)?;
    }
    w.write_event(Event::Start(BytesStart::new("items")))
        .map_err(io)?;
    for (i, item) in receipt.items.iter().enumerate() {
        let path = format!("returnPaymentRequest/receipt/items/item[{i}]");
        let mut e = Element2::new("item", &path);
        e.attr("quantity", &item.quantity.to_string())?;
        let code = |field: &str, c: Option<&str>| {
            c.map(str::to_owned).ok_or_else(|| {
                EncodeError::new(format!("{path}@{field}"), "value has no YooKassa code")
            })
        };
        let tax = code("tax", item.tax.code_in(VAT_CODES))?;
        e.attr("tax", &tax)?;
        e.attr("text", &item.text)?;
        if let Some(s) = &item.payment_subject_type {
            e.attr(
                "paymentSubjectType",
                &code("paymentSubjectType", s.code_in(PAYMENT_SUBJECT_CODES))?,
            )?;
        }
        if let Some(m) = &item.payment_method_type {
            e.attr(
                "paymentMethodType",
                &code("paymentMethodType", m.code_in(PAYMENT_METHOD_CODES))?,
            )?;
        }
        e.opt("productCode", item.product_code.as_deref())?;
        e.opt(
            "countryOfOriginCode",
            item.country_of_origin_code.as_deref(),
        )?;
        e.opt(
            "customsDeclarationNumber",
            item.customs_declaration_number.as_deref(),
        )?;
        if let Some(excise) = item.excise {
            e.amount("excise", excise)?;
        }
        w.write_event(Event::Start(e.start.borrow())).map_err(io)?;
        let price_path = format!("{path}/price");
        let mut p = Element2::new("price", &price_path);
        p.amount("amount", item.price)?;
        p.opt("currency", item.price_currency.as_deref())?;
        w.write_event(Event::Empty(p.start)).map_err(io)?;
        w.write_event(Event::End(e.start.to_end())).map_err(io)?;
    }
    w.write_event(Event::End(quick_xml::events::BytesEnd::new("items")))
        .map_err(io)?;
    w.write_event(Event::End(r.start.to_end())).map_err(io)?;
    w.write_event(Event::End(root.start.to_end())).map_err(io)?;
    Ok(w.into_inner())
}

#[cfg(test)]
mod tests;
