//! The form codec (`application/x-www-form-urlencoded`, UTF-8) and the JSON response.
//!
//! Encoding percent-encodes every byte but `A-Z a-z 0-9 - . _ ~`, a space included (as `%20`,
//! which every decoder reads as a space, where `+` is read as a space only by form decoders).
//! Fields go in the order of the RBS refund page: `userName`, `password` (or `token`), `orderId`, `amount`,
//! then `jsonParams`, `language`, `refundItems`.

use std::borrow::Cow;
use std::fmt;

use refundkit_core::outcome::{Malformed, Outcome, Refusal, is_2xx};
use refundkit_core::{DecodeError, DecodeErrorKind as Kind, EncodeError, SecretString, json};
use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};

use crate::types::{
    Accepted, Auth, ErrorCode, OrderState, OrderStatus, Password, PaymentAmountInfo, RefundItem,
    RefundRequest, StatusRequest, Token,
};

/// Largest body decoded (form or response).
pub const MAX_BODY: usize = 1024 * 1024;
/// Most fields in a form.
pub const MAX_FIELDS: usize = 256;

/// An error of `kind` at form field `field`.
fn err(kind: Kind, field: &str, message: impl fmt::Display) -> DecodeError {
    DecodeError::new(kind, field, message)
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn push_encoded(out: &mut Vec<u8>, value: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut rest = value;
    // Copy runs of unreserved bytes in one go; percent-encode the rest.
    while let Some(i) = rest.iter().position(|&b| !is_unreserved(b)) {
        let (run, tail) = rest.split_at(i);
        out.extend_from_slice(run);
        if let Some((&b, tail)) = tail.split_first() {
            out.push(b'%');
            out.push(*HEX.get(usize::from(b >> 4)).unwrap_or(&b'0'));
            out.push(*HEX.get(usize::from(b & 0x0f)).unwrap_or(&b'0'));
            rest = tail;
        } else {
            rest = tail;
        }
    }
    out.extend_from_slice(rest);
}

/// Encodes `(name, value)` pairs as a form body, in order.
pub fn encode_form<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = Vec::with_capacity(160);
    for (i, (name, value)) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        push_encoded(&mut out, name.as_bytes());
        out.push(b'=');
        push_encoded(&mut out, value.as_bytes());
    }
    // Only ASCII was written.
    String::from_utf8(out).unwrap_or_default()
}

fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

fn decode_component(text: &[u8], field: &str) -> Result<String, DecodeError> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.iter();
    while let Some(&b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.next().copied().and_then(hex);
                let lo = bytes.next().copied().and_then(hex);
                match (hi, lo) {
                    (Some(h), Some(l)) => out.push((h << 4) | l),
                    _ => return Err(err(Kind::Syntax, field, "bad percent escape")),
                }
            }
            b => out.push(b),
        }
    }
    String::from_utf8(out).map_err(|_| err(Kind::Encoding, field, "not UTF-8"))
}

/// Decodes a form body into `(name, value)` pairs, in order. Strict: bad escapes, non-UTF-8
/// and fields without `=` are errors.
pub fn decode_form(body: &[u8]) -> Result<Vec<(String, String)>, DecodeError> {
    if body.len() > MAX_BODY {
        return Err(DecodeError::too_large(body.len(), MAX_BODY));
    }
    if body.is_empty() {
        return Ok(Vec::new());
    }
    let mut fields = Vec::new();
    for pair in body.split(|&b| b == b'&') {
        if fields.len() >= MAX_FIELDS {
            return Err(err(
                Kind::TooLarge,
                "",
                format!("more than {MAX_FIELDS} fields"),
            ));
        }
        let eq = pair.iter().position(|&b| b == b'=').ok_or_else(|| {
            err(
                Kind::Syntax,
                &String::from_utf8_lossy(pair),
                "field without '='",
            )
        })?;
        let (name, value) = pair.split_at(eq);
        let name = decode_component(name, ".")?;
        let value = decode_component(value.get(1..).unwrap_or_default(), &name)?;
        fields.push((name, value));
    }
    Ok(fields)
}

/// jsonParams as compact JSON, keys in the given order, values as JSON strings.
pub fn json_params_text(params: &[(String, String)]) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(64);
    out.push(b'{');
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // Writing a &str to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, k);
        out.push(b':');
        let _ = serde_json::to_writer(&mut out, v);
    }
    out.push(b'}');
    String::from_utf8(out).unwrap_or_default()
}

/// Reads a jsonParams object: string values only, keys in order, no duplicates.
pub fn parse_json_params(text: &str) -> Result<Vec<(String, String)>, DecodeError> {
    struct Params;
    impl<'de> Visitor<'de> for Params {
        type Value = Vec<(String, String)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of string values")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out: Vec<(String, String)> = Vec::new();
            while let Some((k, v)) = map.next_entry::<String, String>()? {
                if out.iter().any(|(seen, _)| *seen == k) {
                    return Err(de::Error::custom(format_args!("key {k:?} repeated")));
                }
                out.push((k, v));
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let params = de::Deserializer::deserialize_map(&mut de, Params)
        .map_err(|e| DecodeError::from_json("jsonParams", &e))?;
    de.end()
        .map_err(|e| DecodeError::from_json("jsonParams", &e))?;
    Ok(params)
}

/// The form body of a request, in the refund page's field order. Never fails: every value has
/// a form spelling (the `Result` is the same shape as the other providers').
pub fn encode_request(request: &RefundRequest) -> Result<Vec<u8>, EncodeError> {
    Ok(encode_request_text(request).into_bytes())
}

/// [`encode_request`]'s body as text.
pub fn encode_request_text(request: &RefundRequest) -> String {
    format!(
        "{}&{}",
        encode_auth(&request.auth),
        encode_refund_fields(request)
    )
}

/// The credentials' part of a form (`userName=…&password=…`, or `token=…`): what a stored
/// refund leaves out and is given again each time the request is built.
pub fn encode_auth(auth: &Auth) -> String {
    let mut fields: Vec<(&str, &str)> = Vec::with_capacity(2);
    push_auth(&mut fields, auth);
    encode_form(fields)
}

/// Every field of the refund's form after the credentials, in the refund page's order: the
/// form a stored refund keeps (no secret in it), byte for byte what follows the credentials on
/// the wire.
pub fn encode_refund_fields(request: &RefundRequest) -> String {
    let amount = request.amount.to_string();
    let json_params = request.json_params.as_deref().map(json_params_text);
    let refund_items = request.refund_items.as_ref().map(|items| {
        // Through a struct, not `json!`, to keep the fields in their documented order. A
        // derived Serialize of plain strings and integers cannot fail.
        #[derive(serde::Serialize)]
        struct Items<'a> {
            items: &'a [RefundItem],
        }
        serde_json::to_string(&Items { items }).unwrap_or_default()
    });
    let mut fields: Vec<(&str, &str)> = Vec::with_capacity(7);
    fields.push(("orderId", &request.order_id));
    fields.push(("amount", &amount));
    if let Some(c) = &request.currency {
        fields.push(("currency", c));
    }
    if let Some(p) = &json_params {
        fields.push(("jsonParams", p));
    }
    if let Some(l) = &request.language {
        fields.push(("language", l));
    }
    if let Some(items) = &refund_items {
        fields.push(("refundItems", items));
    }
    if let Some(bundle) = &request.order_bundle {
        fields.push(("orderBundle", bundle));
    }
    encode_form(fields)
}

/// Decodes a form body into a request. Strict: unknown or repeated fields, a password without
/// a userName (or both a password and a token), and a non-integer amount are refused.
pub fn decode_request(body: &[u8]) -> Result<RefundRequest, DecodeError> {
    let mut user_name = None;
    let mut password = None;
    let mut token = None;
    let mut order_id = None;
    let mut amount = None;
    let mut json_params = None;
    let mut language = None;
    let mut refund_items = None;
    let mut currency = None;
    let mut order_bundle = None;
    for (name, value) in decode_form(body)? {
        let slot = match name.as_str() {
            "userName" => &mut user_name,
            "password" => &mut password,
            "token" => &mut token,
            "orderId" => &mut order_id,
            "amount" => &mut amount,
            "jsonParams" => &mut json_params,
            "language" => &mut language,
            "refundItems" => &mut refund_items,
            "currency" => &mut currency,
            "orderBundle" => &mut order_bundle,
            _ => return Err(err(Kind::UnknownField, &name, "unknown field")),
        };
        if slot.replace(value).is_some() {
            return Err(err(Kind::Repeated, &name, "field repeated"));
        }
    }
    let auth = form_auth(user_name, password, token)?;
    let amount_text = amount.ok_or_else(|| err(Kind::MissingField, "amount", "required"))?;
    if amount_text.is_empty() || !amount_text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(Kind::Value, "amount", "minor units as digits only"));
    }
    let amount = amount_text
        .parse::<u64>()
        .map_err(|_| err(Kind::Value, "amount", "too large"))?;
    let refund_items = refund_items
        .map(|text| {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Items {
                items: Vec<RefundItem>,
            }
            serde_json::from_str::<Items>(&text)
                .map(|i| i.items)
                .map_err(|e| DecodeError::from_json("refundItems", &e))
        })
        .transpose()?;
    Ok(RefundRequest {
        auth,
        order_id: order_id.ok_or_else(|| err(Kind::MissingField, "orderId", "required"))?,
        amount,
        currency,
        json_params: json_params.as_deref().map(parse_json_params).transpose()?,
        language,
        refund_items,
        order_bundle: order_bundle.map(check_order_bundle).transpose()?,
    })
}

/// The credentials of a form: a token, or a userName with its password; never both.
fn form_auth(
    user_name: Option<String>,
    password: Option<String>,
    token: Option<String>,
) -> Result<Auth, DecodeError> {
    Ok(match (user_name, password, token) {
        (Some(user_name), Some(password), None) => Auth::Password {
            user_name,
            password: Password(SecretString::new(password)),
        },
        (None, None, Some(token)) => Auth::Token(Token(SecretString::new(token))),
        (_, _, Some(_)) => {
            return Err(err(
                Kind::Structure,
                "token",
                "either token, or userName and password",
            ));
        }
        (None, _, None) => return Err(err(Kind::MissingField, "userName", "required (or token)")),
        (Some(_), None, None) => {
            return Err(err(
                Kind::MissingField,
                "password",
                "required with userName",
            ));
        }
    })
}

/// Decodes a getOrderStatusExtended.do form body (or query string). Strict as
/// [`decode_request`]: unknown or repeated fields and incomplete credentials are refused.
pub fn decode_status_request(body: &[u8]) -> Result<StatusRequest, DecodeError> {
    let mut user_name = None;
    let mut password = None;
    let mut token = None;
    let mut order_id = None;
    let mut language = None;
    for (name, value) in decode_form(body)? {
        let slot = match name.as_str() {
            "userName" => &mut user_name,
            "password" => &mut password,
            "token" => &mut token,
            "orderId" => &mut order_id,
            "language" => &mut language,
            _ => return Err(err(Kind::UnknownField, &name, "unknown field")),
        };
        if slot.replace(value).is_some() {
            return Err(err(Kind::Repeated, &name, "field repeated"));
        }
    }
    Ok(StatusRequest {
        auth: form_auth(user_name, password, token)?,
        order_id: order_id.ok_or_else(|| err(Kind::MissingField, "orderId", "required"))?,
        language,
    })
}

/// The form in what a person pastes: a form body as it is, or the query string of a GET (the
/// gateway takes its parameters either way: "HTTP-запросы (GET или POST)", the REST API's
/// introduction), given as `?…` or as a whole URL with one.
pub fn form_text(text: &str) -> &str {
    let text = text.trim();
    match text.split_once('?') {
        Some((before, query))
            if before.is_empty() || before.contains("://") || before.starts_with('/') =>
        {
            query.split('#').next().unwrap_or(query)
        }
        _ => text,
    }
}

/// Reads a request from a JSON object with the form's own field names: `userName`, `password`
/// or `token`, `orderId`, `amount` (integer minor units), `currency` (a string of digits),
/// `jsonParams` (an object of strings, order kept), `language`, `refundItems` (a list),
/// `orderBundle` (an object, kept as written). Unknown fields are refused. The input form of
/// the golden vectors and of `refundkit rbs encode`.
pub fn request_from_json(json: &[u8]) -> Result<RefundRequest, DecodeError> {
    use serde_json::value::RawValue;
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Input {
        user_name: Option<String>,
        password: Option<String>,
        token: Option<String>,
        order_id: String,
        amount: u64,
        json_params: Option<Box<RawValue>>,
        language: Option<String>,
        refund_items: Option<Vec<RefundItem>>,
        currency: Option<String>,
        order_bundle: Option<Box<RawValue>>,
    }
    if json.len() > MAX_BODY {
        return Err(DecodeError::too_large(json.len(), MAX_BODY));
    }
    let input: Input = json::decode(json)?;
    let auth = auth_of(input.user_name, input.password, input.token)?;
    Ok(RefundRequest {
        auth,
        order_id: input.order_id,
        amount: input.amount,
        json_params: input
            .json_params
            .map(|raw| parse_json_params(raw.get()))
            .transpose()?,
        currency: input.currency,
        language: input.language,
        refund_items: input.refund_items,
        order_bundle: input
            .order_bundle
            .map(|raw| check_order_bundle(raw.get().to_owned()))
            .transpose()?,
    })
}

/// The JSON body of Sber's ecom `refund.do`: one compact object, members in the order of the
/// OpenAPI's `RefundRequest` (`userName`, `password`, `orderId`, `amount`, `language`,
/// `jsonParams`, `orderBundle`), `jsonParams` and `orderBundle` as nested objects (the form's
/// JSON-in-a-field becomes the member itself: voronkovich/sberbank-acquiring-client sends them
/// so with `ecom`). A member the ecom gateway does not take (`token`, `currency`,
/// `refundItems`) is written where the request has one, so that [`decode_ecom_request`] reads
/// back what it was given; the ecom rules refuse such a request before it can be sent.
pub fn encode_ecom_request(request: &RefundRequest) -> Vec<u8> {
    let fields = encode_ecom_refund_fields(request);
    let mut out = encode_ecom_auth(&request.auth).into_bytes();
    // `fields` is an object with at least orderId and amount: `{…}` joins after the comma.
    out.push(b',');
    out.extend_from_slice(fields.strip_prefix('{').unwrap_or(&fields).as_bytes());
    out
}

/// The credentials' members of an ecom body, as the start of the object (`{"userName":…,
/// "password":…`, or `{"token":…`), without the closing brace.
fn encode_ecom_auth(auth: &Auth) -> String {
    let mut out = Vec::with_capacity(64);
    out.push(b'{');
    let mut fields: Vec<(&str, &str)> = Vec::with_capacity(2);
    push_auth(&mut fields, auth);
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_json_member(&mut out, name, value);
    }
    String::from_utf8(out).unwrap_or_default()
}

fn push_json_member(out: &mut Vec<u8>, name: &str, value: &str) {
    // Writing a &str to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, name);
    out.push(b':');
    let _ = serde_json::to_writer(&mut *out, value);
}

/// Every member of an ecom body after the credentials, as one JSON object: what a stored
/// refund keeps (no secret in it), byte for byte what follows them on the wire.
pub fn encode_ecom_refund_fields(request: &RefundRequest) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(128);
    out.push(b'{');
    push_json_member(&mut out, "orderId", &request.order_id);
    out.extend_from_slice(b",\"amount\":");
    out.extend_from_slice(request.amount.to_string().as_bytes());
    if let Some(c) = &request.currency {
        out.push(b',');
        push_json_member(&mut out, "currency", c);
    }
    if let Some(l) = &request.language {
        out.push(b',');
        push_json_member(&mut out, "language", l);
    }
    if let Some(p) = &request.json_params {
        out.extend_from_slice(b",\"jsonParams\":");
        out.extend_from_slice(json_params_text(p).as_bytes());
    }
    if let Some(items) = &request.refund_items {
        // As request_from_json reads it (a list), so that it reads back.
        out.extend_from_slice(b",\"refundItems\":");
        // A derived Serialize of plain strings and integers cannot fail.
        let _ = serde_json::to_writer(&mut out, items);
    }
    if let Some(bundle) = &request.order_bundle {
        out.extend_from_slice(b",\"orderBundle\":");
        out.extend_from_slice(bundle.as_bytes());
    }
    out.push(b'}');
    String::from_utf8(out).unwrap_or_default()
}

/// Reads an ecom `refund.do` body: [`request_from_json`]'s members, which are the ecom
/// gateway's own names (`jsonParams` and `orderBundle` as objects). Strict: an unknown or
/// repeated member is refused.
pub fn decode_ecom_request(body: &[u8]) -> Result<RefundRequest, DecodeError> {
    request_from_json(body)
}

/// The JSON body of the ecom getOrderStatusExtended.do: credentials, `orderId`, `language`.
pub fn encode_ecom_status_request(request: &StatusRequest) -> Vec<u8> {
    let mut out = encode_ecom_auth(&request.auth).into_bytes();
    out.push(b',');
    push_json_member(&mut out, "orderId", &request.order_id);
    if let Some(l) = &request.language {
        out.push(b',');
        push_json_member(&mut out, "language", l);
    }
    out.push(b'}');
    out
}

/// Reads an ecom getOrderStatusExtended.do body. Strict, as [`decode_ecom_request`].
pub fn decode_ecom_status_request(body: &[u8]) -> Result<StatusRequest, DecodeError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Input {
        user_name: Option<String>,
        password: Option<String>,
        token: Option<String>,
        order_id: String,
        language: Option<String>,
    }
    if body.len() > MAX_BODY {
        return Err(DecodeError::too_large(body.len(), MAX_BODY));
    }
    let input: Input = json::decode(body)?;
    Ok(StatusRequest {
        auth: auth_of(input.user_name, input.password, input.token)?,
        order_id: input.order_id,
        language: input.language,
    })
}

fn auth_of(
    user_name: Option<String>,
    password: Option<String>,
    token: Option<String>,
) -> Result<Auth, DecodeError> {
    match (user_name, password, token) {
        (Some(user_name), Some(password), None) => Ok(Auth::Password {
            user_name,
            password: Password(SecretString::new(password)),
        }),
        (None, None, Some(token)) => Ok(Auth::Token(Token(SecretString::new(token)))),
        _ => Err(err(
            Kind::Structure,
            "password",
            "give userName and password, or token alone",
        )),
    }
}

/// `orderBundle` is a JSON object; it is kept as given, byte for byte.
pub(crate) fn check_order_bundle(text: String) -> Result<String, DecodeError> {
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(_)) => Ok(text),
        Ok(_) => Err(err(Kind::Type, "orderBundle", "must be a JSON object")),
        Err(e) => Err(DecodeError::from_json("orderBundle", &e)),
    }
}

/// The members a refund.do answer may have. `errorCode` and `errorMessage` are refund.do's
/// own; `ErrorCode`/`ErrorMessage`, an `error` object with `code` and `message` or
/// `description`, and `success: false` are the spellings other RBS methods and gateways use
/// for the same facts, and the public clients read every one of them as an error
/// (voronkovich/sberbank-acquiring-client, `Client::handleErrors` and its
/// `provideErredResponses` test).
const VOCABULARY: &[&str] = &[
    "errorCode",
    "errorMessage",
    "ErrorCode",
    "ErrorMessage",
    "error",
    "success",
    // Members of other methods' answers, read only to refuse the answer as refund.do's.
    "orderStatus",
    "orderNumber",
    "paymentAmountInfo",
    "actionCode",
    "actionCodeDescription",
    "attributes",
    "cardAuthInfo",
    "merchantOrderParams",
    "formUrl",
    "requestId",
    "status",
    "data",
    "reasonCode",
];

/// The members above that belong to another method's answer: getOrderStatusExtended.do's
/// (the order and its amounts), register.do's `formUrl`, Robokassa's `requestId`, the Yandex
/// Pay envelope. refund.do's answer has none of them, so one of them means that the answer is
/// not refund.do's, however it reads.
const FOREIGN: &[&str] = &[
    "orderStatus",
    "orderNumber",
    "paymentAmountInfo",
    "actionCode",
    "actionCodeDescription",
    "attributes",
    "cardAuthInfo",
    "merchantOrderParams",
    "formUrl",
    "requestId",
    "status",
    "data",
    "reasonCode",
];

/// Reads a `refund.do` answer, given its HTTP status.
///
/// A success is stated, never inferred: `errorCode` 0 or absent, and no error marker in any
/// known spelling (`ErrorCode`, an `error` object, `success: false`), at a 2xx status. An
/// empty object `{}` is a success only because refund.do's documentation says `errorCode`
/// "can be missing if the result has not caused an error"; `success: true` states nothing
/// here (it is not how refund.do answers, and it is how Robokassa does). Every error spelling
/// is a refusal with its code (classified by its message for codes 5 and 7) and text. A body
/// that states both, that carries a member of another method's answer (an `orderStatus`, a
/// `requestId`, a Yandex Pay `status`), whose members are none of an RBS answer, or that is
/// not one JSON object (a proxy's HTML page) is malformed.
pub fn parse_response(http_status: u16, body: &[u8]) -> Outcome<Accepted, ErrorCode> {
    let malformed = |detail: String| Outcome::Malformed(Malformed::new(http_status, detail));
    let m = match members(http_status, body, VOCABULARY) {
        Ok(m) => m,
        Err(m) => return Outcome::Malformed(m),
    };
    if let Some(name) = m.present_names().find(|n| FOREIGN.contains(n)) {
        return malformed(format!(
            "another method's answer: refund.do's has no {name}"
        ));
    }
    if m.known_present() == 0 && !m.is_empty() {
        return malformed(
            "none of the members of an RBS answer (errorCode, errorMessage, ...)".into(),
        );
    }
    let marks = match markers(&m) {
        Ok(marks) => marks,
        Err(e) => return malformed(e.to_string()),
    };
    if marks.errors > 0 {
        if marks.zero_code || marks.success_flag {
            return malformed("states both success and an error".into());
        }
        return Outcome::Refused(Refusal {
            http_status,
            code: marks.code.as_deref().map(ErrorCode::from_wire),
            text: marks.message,
        });
    }
    if !is_2xx(http_status) {
        return malformed("an error status without an error code".into());
    }
    if marks.success_flag && !marks.zero_code {
        return malformed(
            "success: true is not how refund.do states success (errorCode 0, or no errorCode)"
                .into(),
        );
    }
    Outcome::Success(Accepted {
        message: marks.message,
    })
}

/// The members a getOrderStatusExtended.do answer is read by: its own, and every error
/// spelling of refund.do's answer.
const STATUS_VOCABULARY: &[&str] = &[
    "errorCode",
    "errorMessage",
    "ErrorCode",
    "ErrorMessage",
    "error",
    "success",
    "orderNumber",
    "orderStatus",
    "amount",
    "currency",
    "actionCode",
    "actionCodeDescription",
    "paymentAmountInfo",
    "attributes",
];

const AMOUNT_INFO: &[&str] = &[
    "paymentState",
    "approvedAmount",
    "depositedAmount",
    "refundedAmount",
    "feeAmount",
];

/// The form body of getOrderStatusExtended.do: credentials, `orderId`, `language`.
pub fn encode_status_request(request: &StatusRequest) -> String {
    let mut fields: Vec<(&str, &str)> = Vec::with_capacity(4);
    push_auth(&mut fields, &request.auth);
    fields.push(("orderId", &request.order_id));
    if let Some(l) = &request.language {
        fields.push(("language", l));
    }
    encode_form(fields)
}

fn push_auth<'a>(fields: &mut Vec<(&'static str, &'a str)>, auth: &'a Auth) {
    match auth {
        Auth::Password {
            user_name,
            password,
        } => {
            fields.push(("userName", user_name));
            fields.push(("password", password.0.expose_secret()));
        }
        Auth::Token(token) => fields.push(("token", token.0.expose_secret())),
    }
}

/// Reads a getOrderStatusExtended.do answer, given its HTTP status.
///
/// A success states the order: `orderStatus` present and no error in any spelling (as for
/// [`parse_response`]), at a 2xx status. `errorCode` 0 without an `orderStatus` states
/// nothing about the order and is malformed; so is an amount that is not a whole number of
/// minor units, and a body stating both an order and an error.
pub fn parse_status_response(http_status: u16, body: &[u8]) -> Outcome<OrderStatus, ErrorCode> {
    let malformed = |detail: String| Outcome::Malformed(Malformed::new(http_status, detail));
    let m = match members(http_status, body, STATUS_VOCABULARY) {
        Ok(m) => m,
        Err(m) => return Outcome::Malformed(m),
    };
    let marks = match markers(&m) {
        Ok(marks) => marks,
        Err(e) => return malformed(e.to_string()),
    };
    let stated = m.get("orderStatus").is_some_and(|raw| raw.get() != "null");
    if marks.errors > 0 {
        if stated {
            return malformed("states both an order status and an error".into());
        }
        return Outcome::Refused(Refusal {
            http_status,
            code: marks.code.as_deref().map(ErrorCode::from_wire),
            text: marks.message,
        });
    }
    if !is_2xx(http_status) {
        return malformed("an error status without an error code".into());
    }
    if !stated {
        return malformed("no orderStatus: the answer does not state the order".into());
    }
    match read_order_status(&m) {
        Ok(order) => Outcome::Success(order),
        Err(e) => malformed(e.to_string()),
    }
}

fn read_order_status(m: &json::Members<'_>) -> Result<OrderStatus, DecodeError> {
    let at = |name: &'static str| move |e: DecodeError| e.within(name);
    let order_status = json::code(m.get("orderStatus"))
        .map_err(at("orderStatus"))?
        .map(|c| OrderState::from_wire(&c))
        .ok_or_else(|| err(Kind::MissingField, "orderStatus", "absent"))?;
    let payment_amount_info = match m.get("paymentAmountInfo") {
        None => None,
        Some(raw) if raw.get() == "null" => None,
        Some(raw) => {
            let within = |name: &'static str| {
                move |e: DecodeError| e.within(name).within("paymentAmountInfo")
            };
            let info = json::members(raw.get().as_bytes(), AMOUNT_INFO)
                .map_err(at("paymentAmountInfo"))?;
            let amount = |name: &'static str| minor_units(info.get(name)).map_err(within(name));
            Some(PaymentAmountInfo {
                payment_state: json::string(info.get("paymentState"))
                    .map_err(within("paymentState"))?,
                approved_amount: amount("approvedAmount")?,
                deposited_amount: amount("depositedAmount")?,
                refunded_amount: amount("refundedAmount")?,
                fee_amount: amount("feeAmount")?,
            })
        }
    };
    Ok(OrderStatus {
        order_number: json::string(m.get("orderNumber")).map_err(at("orderNumber"))?,
        order_status,
        amount: minor_units(m.get("amount")).map_err(at("amount"))?,
        currency: json::code(m.get("currency"))
            .map_err(at("currency"))?
            .map(Cow::into_owned),
        action_code: json::code(m.get("actionCode"))
            .map_err(at("actionCode"))?
            .map(Cow::into_owned),
        action_code_description: json::string(m.get("actionCodeDescription"))
            .map_err(at("actionCodeDescription"))?,
        payment_amount_info,
        md_order: md_order(m.get("attributes")).map_err(at("attributes"))?,
    })
}

/// The gateway's order id as the answer names it: `attributes`, a list of `{name, value}`,
/// holds it as `mdOrder` (recorded answers in public clients, kix/AlfaAcquiring
/// `spec/Alfabank/ClientSpec.php` among them). Other attributes are skipped; an `mdOrder`
/// given twice is refused (the two could disagree).
fn md_order(raw: Option<&serde_json::value::RawValue>) -> Result<Option<String>, DecodeError> {
    #[derive(Deserialize)]
    struct Attribute {
        name: Option<String>,
        value: Option<String>,
    }
    let Some(raw) = raw.filter(|r| r.get() != "null") else {
        return Ok(None);
    };
    let list: Vec<Attribute> =
        serde_json::from_str(raw.get()).map_err(|e| DecodeError::from_json("", &e))?;
    let mut found = None;
    for a in list {
        if a.name.as_deref() == Some("mdOrder") && found.replace(a.value).is_some() {
            return Err(err(Kind::Repeated, "mdOrder", "given twice"));
        }
    }
    Ok(found.flatten())
}

/// An amount in minor units, written as a number or a numeric string.
fn minor_units(raw: Option<&serde_json::value::RawValue>) -> Result<Option<u64>, DecodeError> {
    match json::code(raw)? {
        None => Ok(None),
        Some(text) => text.parse::<u64>().map(Some).map_err(|_| {
            err(
                Kind::Value,
                "",
                format_args!("not a whole number of minor units: {text}"),
            )
        }),
    }
}

/// An answer's members, or why it is no RBS answer at all (too large, not one JSON object).
#[inline]
fn members<'a>(
    http_status: u16,
    body: &'a [u8],
    vocabulary: &'static [&'static str],
) -> Result<json::Members<'a>, Malformed> {
    if body.len() > MAX_BODY {
        return Err(Malformed::new(
            http_status,
            format!("larger than {MAX_BODY} bytes"),
        ));
    }
    json::members(body, vocabulary)
        .map_err(|e| Malformed::new(http_status, format!("not an RBS answer: {e}")))
}

/// What an answer's members state.
struct Markers<'a> {
    /// A code states success (`errorCode` 0, `ErrorCode` 0, `error.code` 0).
    zero_code: bool,
    /// `success: true`, which no refund.do answer carries.
    success_flag: bool,
    /// How many error markers there are.
    errors: usize,
    /// The first error code among them.
    code: Option<Cow<'a, str>>,
    /// The first message in any spelling.
    message: Option<String>,
}

impl<'a> Markers<'a> {
    fn error(&mut self, code: Option<Cow<'a, str>>) {
        self.errors = self.errors.saturating_add(1);
        if self.code.is_none() {
            self.code = code;
        }
    }
}

fn markers<'a>(m: &json::Members<'a>) -> Result<Markers<'a>, DecodeError> {
    let mut out = Markers {
        zero_code: false,
        success_flag: false,
        errors: 0,
        code: None,
        message: None,
    };
    // One pass, in vocabulary order: errorCode before ErrorCode, errorMessage before
    // ErrorMessage before the error object's message.
    for (name, raw) in m.iter() {
        let at = |e: DecodeError| e.within(name);
        match name {
            "errorCode" | "ErrorCode" => match json::code(Some(raw)).map_err(at)? {
                Some(c) if json::is_zero_code(&c) => out.zero_code = true,
                Some(c) => out.error(Some(c)),
                None => {}
            },
            "errorMessage" | "ErrorMessage" => {
                let text = json::string(Some(raw)).map_err(at)?;
                out.message = out.message.or(text);
            }
            "error" if raw.get() == "null" => {}
            "error" if raw.get().starts_with('"') => {
                out.error(None);
                let text = json::string(Some(raw)).map_err(at)?;
                out.message = out.message.or(text);
            }
            "error" => {
                const ERROR: &[&str] = &["code", "message", "description"];
                let e = json::members(raw.get().as_bytes(), ERROR).map_err(at)?;
                let code =
                    json::code(e.get("code")).map_err(|e| e.within("code").within("error"))?;
                for name in ["message", "description"] {
                    let text =
                        json::string(e.get(name)).map_err(|e| e.within(name).within("error"))?;
                    out.message = out.message.or(text);
                }
                match code {
                    Some(c) if json::is_zero_code(&c) => out.zero_code = true,
                    code => out.error(code.map(|c| Cow::Owned(c.into_owned()))),
                }
            }
            "success" => match json::boolean(Some(raw)).map_err(at)? {
                Some(true) => out.success_flag = true,
                Some(false) => out.error(None),
                None => {}
            },
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
