//! `POST {base}/refund.do` with the gateway's body (a form, or Sber ecom's JSON), ready for any
//! HTTP client.

use http::{Method, Request, header};
use refundkit_core::{BaseUrl, EndpointError, Report, Validated};

use crate::codec::{
    decode_ecom_request, decode_ecom_status_request, decode_form, encode_ecom_request,
    encode_ecom_status_request, encode_form, encode_request_text, encode_status_request,
};
use crate::types::{Auth, Dialect, Password, RefundRequest, StatusRequest};

/// The path that tells Sber's ecom gateway: its methods are `{base}/<method>.do` under it.
pub const ECOM_PATH: &str = "/ecomm/gw/partner/api/v1";

/// A gateway: its base URL, ending in `/payment/rest` (the RBS REST API) or in
/// [`ECOM_PATH`] (Sber's ecom API), which tells its [`Dialect`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    base: BaseUrl,
}

impl Endpoint {
    /// Sberbank's legacy acquiring, production (voronkovich/sberbank-acquiring-client's
    /// `API_URI`). Sber is moving its merchants off it, to its ecom gateway or to YooKassa's
    /// RBS-compatible host (that client's issue 31).
    pub const SBERBANK: &str = "https://securepayments.sberbank.ru/payment/rest";
    /// Sberbank's legacy acquiring, test.
    pub const SBERBANK_TEST: &str = "https://3dsec.sberbank.ru/payment/rest";
    /// Sber's ecom gateway, production ("Боевая среда" of its OpenAPI; voronkovich/
    /// sberbank-acquiring-client `ClientFactory::sberbank`).
    pub const SBERBANK_ECOM: &str = "https://ecommerce.sberbank.ru/ecomm/gw/partner/api/v1";
    /// Sber's ecom gateway, test ("Тестовая среда"; `ClientFactory::sberbankTest`).
    pub const SBERBANK_ECOM_TEST: &str = "https://ecomtest.sberbank.ru/ecomm/gw/partner/api/v1";
    /// Alfa-Bank production (`pay.alfabank.ru`, its merchant manual's connection
    /// coordinates as voronkovich/sberbank-acquiring-client `ClientFactory::alfabank` cites them).
    pub const ALFA_BANK: &str = "https://pay.alfabank.ru/payment/rest";
    /// Alfa-Bank production on its other host, `payment.alfabank.ru`: the one shops' code of
    /// 2025-2026 configures (and Alfa's merchant-manual links use beside `pay.alfabank.ru`).
    /// The connection details Alfa-Bank gives the merchant say which.
    pub const ALFA_BANK_PAYMENT: &str = "https://payment.alfabank.ru/payment/rest";
    /// Alfa-Bank test (`ClientFactory::alfabankTest`).
    pub const ALFA_BANK_TEST: &str = "https://alfa.rbsuat.com/payment/rest";
    /// YooKassa's RBS-compatible gateway, where Sber's legacy merchants move (YooKassa's
    /// "yc-program-interface-api-sberbank" guide, as `ClientFactory::yookassa` uses it). It
    /// has no separate test host.
    pub const YOOKASSA: &str = "https://3dsec-payments.yookassa.ru/payment/rest";

    /// One of the documented gateways above, by its constant.
    ///
    /// ```
    /// use refundkit_rbs::http::Endpoint;
    /// assert_eq!(Endpoint::known(Endpoint::SBERBANK_TEST).refund_url(),
    ///            "https://3dsec.sberbank.ru/payment/rest/refund.do");
    /// ```
    pub fn known(base: &'static str) -> Self {
        Endpoint {
            base: BaseUrl::known(base),
        }
    }

    /// Any base URL (another bank on the platform, an emulator in tests).
    pub fn custom(base: &str) -> Result<Self, EndpointError> {
        Ok(Endpoint {
            base: BaseUrl::parse(base)?,
        })
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        self.base.as_str()
    }

    /// The gateway's body form, told by the base URL's path: [`ECOM_PATH`] is Sber's ecom
    /// API, anything else the RBS REST API.
    pub fn dialect(&self) -> Dialect {
        if self.base.as_str().ends_with(ECOM_PATH) {
            Dialect::Ecom
        } else {
            Dialect::Rest
        }
    }

    /// The URL of `refund.do`.
    pub fn refund_url(&self) -> String {
        self.base.join("/refund.do")
    }

    /// The URL of `getOrderStatusExtended.do`.
    pub fn status_url(&self) -> String {
        self.base.join("/getOrderStatusExtended.do")
    }

    /// The gateway a request built here was sent to, from its URL (`…/refund.do` or
    /// `…/getOrderStatusExtended.do`); `None` for another URL.
    pub fn of_request<B>(request: &Request<B>) -> Option<Endpoint> {
        let url = request.uri().to_string();
        let base = url
            .strip_suffix("/refund.do")
            .or_else(|| url.strip_suffix("/getOrderStatusExtended.do"))?;
        Endpoint::custom(base).ok()
    }
}

/// Why a request could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The request breaks a rule of the endpoint's dialect (validated for another gateway).
    #[error("the request does not suit {}: {report}", dialect.describe())]
    Invalid {
        /// The endpoint's dialect.
        dialect: Dialect,
        /// Every violation.
        report: Report,
    },
    /// `http` refused the URL or a header.
    #[error("the request: {0}")]
    Http(#[from] http::Error),
}

impl From<RequestError> for refundkit_core::lifecycle::BuildError {
    fn from(e: RequestError) -> Self {
        match e {
            RequestError::Invalid { report, .. } => {
                refundkit_core::lifecycle::BuildError::Invalid(report)
            }
            RequestError::Http(e) => refundkit_core::lifecycle::BuildError::Http(e),
        }
    }
}

/// The request, its body in the endpoint's dialect (UTF-8): a form for the RBS REST API, one
/// JSON object for Sber's ecom API. Only a validated request is taken: one the gateway would
/// refuse cannot reach the wire. The ecom gateway's own rules are checked here again (a
/// request validated for the REST API may carry what ecom refuses), an error in them an
/// [`RequestError::Invalid`].
///
/// A decoded request passes [`validate`](crate::invariants::validate) first:
///
/// ```
/// use refundkit_rbs::{codec::decode_request, http::{refund_request, Endpoint}, validate};
/// let request = decode_request(b"userName=u&password=p&orderId=o&amount=100").unwrap();
/// let request = validate(request).map_err(|invalid| invalid.report).unwrap();
/// let http = refund_request(&Endpoint::known(Endpoint::SBERBANK), &request).unwrap();
/// assert_eq!(http.uri(), "https://securepayments.sberbank.ru/payment/rest/refund.do");
/// ```
///
/// and handing it over as it is does not compile:
///
/// ```compile_fail
/// use refundkit_rbs::{codec::decode_request, http::{refund_request, Endpoint}};
/// let request = decode_request(b"userName=u&password=p&orderId=o&amount=100").unwrap();
/// let _ = refund_request(&Endpoint::known(Endpoint::SBERBANK), &request);
/// ```
pub fn refund_request(
    endpoint: &Endpoint,
    request: &Validated<RefundRequest>,
) -> Result<Request<Vec<u8>>, RequestError> {
    let dialect = endpoint.dialect();
    let (content_type, body) = match dialect {
        Dialect::Rest => (
            "application/x-www-form-urlencoded",
            encode_request_text(request).into_bytes(),
        ),
        Dialect::Ecom => {
            let report = crate::invariants::check_for(request, dialect);
            if report.has_errors() {
                return Err(RequestError::Invalid { dialect, report });
            }
            ("application/json", encode_ecom_request(request))
        }
    };
    Ok(Request::builder()
        .method(Method::POST)
        .uri(endpoint.refund_url())
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, "application/json")
        .body(body)?)
}

/// `POST {base}/getOrderStatusExtended.do`, the body in the endpoint's dialect: the status
/// source of a refund (no rules to check: credentials and an order id are all it has).
pub fn status_request(
    endpoint: &Endpoint,
    request: &StatusRequest,
) -> Result<Request<Vec<u8>>, http::Error> {
    let (content_type, body) = match endpoint.dialect() {
        Dialect::Rest => (
            "application/x-www-form-urlencoded",
            encode_status_request(request).into_bytes(),
        ),
        Dialect::Ecom => ("application/json", encode_ecom_status_request(request)),
    };
    Request::builder()
        .method(Method::POST)
        .uri(endpoint.status_url())
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, "application/json")
        .body(body)
}

/// A copy of a request built here with its secrets (`password`, `token`) replaced by
/// `[redacted]`, for logs: a form field by field, an ecom body member by member (written
/// again as this crate writes it). A body that is neither is kept as it is: this crate never
/// builds one.
pub fn redacted(request: &Request<Vec<u8>>) -> Request<Vec<u8>> {
    let mut copy = refundkit_core::copy_request(request);
    let body = request.body();
    let redact = |auth: &Auth| match auth {
        Auth::Password { user_name, .. } => Auth::Password {
            user_name: user_name.clone(),
            password: Password(refundkit_core::SecretString::from("[redacted]".to_owned())),
        },
        Auth::Token(_) => Auth::Token(crate::types::Token(refundkit_core::SecretString::from(
            "[redacted]".to_owned(),
        ))),
    };
    if body.first() == Some(&b'{') {
        if let Ok(mut refund) = decode_ecom_request(body) {
            refund.auth = redact(&refund.auth);
            *copy.body_mut() = encode_ecom_request(&refund);
        } else if let Ok(mut status) = decode_ecom_status_request(body) {
            status.auth = redact(&status.auth);
            *copy.body_mut() = encode_ecom_status_request(&status);
        }
    } else if let Ok(fields) = decode_form(body) {
        let body = encode_form(fields.iter().map(|(name, value)| {
            let value = match name.as_str() {
                "password" | "token" => "[redacted]",
                _ => value.as_str(),
            };
            (name.as_str(), value)
        }));
        *copy.body_mut() = body.into_bytes();
    }
    copy
}

/// The parameters of a request as the gateway reads them: a GET's query string, or a POST's
/// form body (requests are "HTTP-запросы (GET или POST)", the REST API's introduction); `None`
/// for any other method.
pub fn parameters(request: &Request<Vec<u8>>) -> Option<&[u8]> {
    match *request.method() {
        Method::GET => Some(request.uri().query().unwrap_or("").as_bytes()),
        Method::POST => Some(request.body()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_gateways_are_valid_base_urls() {
        for base in [
            Endpoint::SBERBANK,
            Endpoint::SBERBANK_TEST,
            Endpoint::SBERBANK_ECOM,
            Endpoint::SBERBANK_ECOM_TEST,
            Endpoint::ALFA_BANK,
            Endpoint::ALFA_BANK_PAYMENT,
            Endpoint::ALFA_BANK_TEST,
            Endpoint::YOOKASSA,
        ] {
            assert_eq!(
                BaseUrl::parse(base).map(|b| b.as_str().to_owned()),
                Ok(base.to_owned())
            );
        }
    }

    #[test]
    fn the_ecom_path_tells_the_ecom_dialect() {
        assert_eq!(
            Endpoint::known(Endpoint::SBERBANK_ECOM).dialect(),
            Dialect::Ecom
        );
        assert_eq!(
            Endpoint::known(Endpoint::SBERBANK_ECOM_TEST).dialect(),
            Dialect::Ecom
        );
        assert_eq!(Endpoint::known(Endpoint::SBERBANK).dialect(), Dialect::Rest);
        assert_eq!(
            Endpoint::custom("http://127.0.0.1:8080/ecomm/gw/partner/api/v1").map(|e| e.dialect()),
            Ok(Dialect::Ecom)
        );
        assert_eq!(
            Endpoint::known(Endpoint::SBERBANK_ECOM_TEST).refund_url(),
            "https://ecomtest.sberbank.ru/ecomm/gw/partner/api/v1/refund.do"
        );
    }
}
