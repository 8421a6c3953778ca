//! `POST {base}/returnPayment` with the PKCS#7 PEM as `application/pkcs7-mime`. Mutual TLS
//! with the shop's certificate is the HTTP client's job.

use http::{Method, Request, header};
use refundkit_core::{BaseUrl, DecodeError, DecodeErrorKind, EndpointError};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::types::{ListReturns, SignedRequest};

/// Where MWS lives: the base of its operations (`…/webservice/mws/api`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    base: BaseUrl,
}

impl Endpoint {
    /// Production.
    pub const PRODUCTION: &str = "https://shop.yookassa.ru/webservice/mws/api";
    /// The legacy host.
    pub const LEGACY: &str = "https://penelope.yamoney.ru/webservice/mws/api";
    /// The demo host (currency 10643 there).
    pub const DEMO: &str = "https://penelope-demo.yamoney.ru:8083/webservice/mws/api";

    /// Production.
    pub fn production() -> Self {
        Endpoint {
            base: BaseUrl::known(Self::PRODUCTION),
        }
    }

    /// The demo environment.
    pub fn demo() -> Self {
        Endpoint {
            base: BaseUrl::known(Self::DEMO),
        }
    }

    /// Any base of the MWS operations (an emulator in tests).
    pub fn custom(base: &str) -> Result<Self, EndpointError> {
        Ok(Endpoint {
            base: BaseUrl::parse(base)?,
        })
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        self.base.as_str()
    }

    /// The URL of `listReturns`.
    pub fn list_returns_url(&self) -> String {
        self.base.join("/listReturns")
    }

    /// The URL of `returnPayment`.
    pub fn return_payment_url(&self) -> String {
        self.base.join("/returnPayment")
    }
}

/// The request carrying a signed returnPaymentRequest (from [`crate::sign_request`], which
/// signs only a validated one).
pub fn return_payment_request(
    endpoint: &Endpoint,
    signed: &SignedRequest,
) -> Result<Request<Vec<u8>>, http::Error> {
    Request::builder()
        .method(Method::POST)
        .uri(endpoint.return_payment_url())
        .header(header::CONTENT_TYPE, "application/pkcs7-mime")
        .body(signed.as_str().as_bytes().to_vec())
}

/// Everything but RFC 3986 unreserved characters is percent-encoded in a form value.
const FORM_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `POST {base}/listReturns`, form-encoded (`requestDT`, `outputFormat=XML`, `shopId`, `from`,
/// `till`): the refunds of a period, to reconcile by hand. Mutual TLS authenticates it.
pub fn list_returns_request(
    endpoint: &Endpoint,
    list: &ListReturns,
) -> Result<Request<Vec<u8>>, http::Error> {
    let pairs = [
        ("requestDT", list.request_dt.as_str()),
        ("outputFormat", "XML"),
        ("shopId", list.shop_id.as_str()),
        ("from", list.from.as_str()),
        ("till", list.till.as_str()),
    ];
    let body = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, FORM_VALUE)))
        .collect::<Vec<_>>()
        .join("&");
    Request::builder()
        .method(Method::POST)
        .uri(endpoint.list_returns_url())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body.into_bytes())
}

/// The largest `listReturns` form [`decode_list_returns_request`] reads: five short values.
pub const MAX_LIST_RETURNS_BYTES: usize = 4 * 1024;

/// Reads a `listReturns` form as MWS receives it (the inverse of [`list_returns_request`]):
/// `requestDT`, `shopId`, `from` and `till` required, each once, the dates ISO 8601 with an
/// offset; `outputFormat`, when given, `XML` (the only form refundkit reads). Other names are
/// left alone, as a server leaves a parameter it does not use.
pub fn decode_list_returns_request(body: &[u8]) -> Result<ListReturns, DecodeError> {
    if body.len() > MAX_LIST_RETURNS_BYTES {
        return Err(DecodeError::too_large(body.len(), MAX_LIST_RETURNS_BYTES));
    }
    let text = std::str::from_utf8(body)
        .map_err(|e| DecodeError::new(DecodeErrorKind::Encoding, "", e))?;
    let mut fields: [(&str, Option<String>); 5] = [
        ("requestDT", None),
        ("outputFormat", None),
        ("shopId", None),
        ("from", None),
        ("till", None),
    ];
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let Some((wire, slot)) = fields.iter_mut().find(|(n, _)| *n == name) else {
            continue;
        };
        // A form writes a space as `+`.
        let value = value.replace('+', " ");
        let value = percent_decode_str(&value)
            .decode_utf8()
            .map_err(|e| DecodeError::new(DecodeErrorKind::Encoding, *wire, e))?;
        if slot.is_some() {
            return Err(DecodeError::new(
                DecodeErrorKind::Repeated,
                *wire,
                "given twice",
            ));
        }
        *slot = Some(value.into_owned());
    }
    let [request_dt, output_format, shop_id, from, till] = fields;
    let required = |(wire, value): (&str, Option<String>)| {
        value.ok_or_else(|| DecodeError::new(DecodeErrorKind::MissingField, wire, "required"))
    };
    let date = |(wire, value): (&str, Option<String>)| {
        let value = required((wire, value))?;
        if crate::timing::is_iso8601_with_offset(&value) {
            Ok(value)
        } else {
            Err(DecodeError::new(
                DecodeErrorKind::Value,
                wire,
                "not ISO 8601 with an offset",
            ))
        }
    };
    if let (wire, Some(format)) = output_format {
        if format != "XML" {
            return Err(DecodeError::new(
                DecodeErrorKind::Value,
                wire,
                "only XML is read",
            ));
        }
    }
    let shop_id = required(shop_id)?;
    if !crate::invariants::is_long(&shop_id) {
        // As MWS reads it (error 113): a shop's number, never text a form could grow.
        return Err(DecodeError::new(
            DecodeErrorKind::Value,
            "shopId",
            "not a decimal integer (a long)",
        ));
    }
    Ok(ListReturns {
        request_dt: date(request_dt)?,
        shop_id,
        from: date(from)?,
        till: date(till)?,
    })
}

#[cfg(test)]
mod tests;
