//! Notifications: `POST {callback}/v1/webhook`, the body a JWT signed ES256 (the official page
//! `merchant-api/webhook`). Verified against a JWKS the caller supplies, fetched by its own
//! HTTP client from `https://pay.yandex.ru/api/jwks` (or the sandbox's), keys chosen by `kid`.
//!
//! The checks, in order: size; three base64url segments; a header with `alg` exactly `ES256`
//! (pinned: a token cannot choose its algorithm) and a `kid` the JWKS has (an unknown `kid` is
//! its own error, so the caller knows to refresh the JWKS once); the P-256 signature as raw
//! `r||s` over `header.payload`; `exp` (and `iat`) against the clock the caller passes, with
//! leeway. Only then is the payload read. `iat` and `exp` are taken as numbers or as numeric
//! strings: the docs show strings, the docs' own example token has numbers.

use std::fmt;
use std::time::{Duration, SystemTime};

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use refundkit_core::{DecodeError, DecodeErrorKind, json};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::types::{OperationStatus, OrderStatus};

/// Longest notification accepted.
pub const MAX_TOKEN_LEN: usize = 64 * 1024;
/// Largest JWKS accepted.
pub const MAX_JWKS_LEN: usize = 256 * 1024;
/// Most keys read from a JWKS.
pub const MAX_KEYS: usize = 64;
/// The leeway refundkit suggests for `exp` and `iat` (clock skew between Yandex and the shop).
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

/// The P-256 keys of a JWKS, by `kid`. Keys of another type or curve are skipped (a JWKS may
/// carry keys for other uses); a P-256 key whose coordinates do not decode is an error.
#[derive(Clone, PartialEq, Eq)]
pub struct Jwks {
    keys: Vec<(String, Vec<u8>)>,
}

impl fmt::Debug for Jwks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.keys.iter().map(|(kid, _)| kid))
            .finish()
    }
}

impl Jwks {
    /// Reads a JWKS (`{"keys": [{"kty": "EC", "crv": "P-256", "kid": ..., "x": ..., "y": ...}]}`).
    pub fn from_json(json: &[u8]) -> Result<Jwks, DecodeError> {
        #[derive(Deserialize)]
        struct Key {
            kty: Option<String>,
            crv: Option<String>,
            kid: Option<String>,
            x: Option<String>,
            y: Option<String>,
            alg: Option<String>,
        }
        if json.len() > MAX_JWKS_LEN {
            return Err(DecodeError::too_large(json.len(), MAX_JWKS_LEN));
        }
        let set = json::members(json, &["keys"])?;
        let raw_keys = set
            .get("keys")
            .ok_or_else(|| DecodeError::new(DecodeErrorKind::MissingField, "keys", "absent"))?;
        let raw_keys: Vec<&RawValue> =
            serde_json::from_str(raw_keys.get()).map_err(|e| DecodeError::from_json("keys", &e))?;
        if raw_keys.len() > MAX_KEYS {
            return Err(DecodeError::new(
                DecodeErrorKind::TooLarge,
                "keys",
                format_args!("{} keys, at most {MAX_KEYS} read", raw_keys.len()),
            ));
        }
        let mut keys = Vec::new();
        for (i, raw) in raw_keys.iter().enumerate() {
            let path = format!("keys[{i}]");
            let key: Key = serde_json::from_str(raw.get())
                .map_err(|e| DecodeError::from_json(path.clone(), &e))?;
            let usable = key.kty.as_deref() == Some("EC")
                && key.crv.as_deref() == Some("P-256")
                && key.alg.as_deref().is_none_or(|a| a == "ES256");
            if !usable {
                continue;
            }
            let coordinate = |name: &str, value: Option<String>| -> Result<Vec<u8>, DecodeError> {
                let text = value.ok_or_else(|| {
                    DecodeError::new(
                        DecodeErrorKind::MissingField,
                        format!("{path}.{name}"),
                        "absent",
                    )
                })?;
                match URL_SAFE_NO_PAD.decode(text.as_bytes()) {
                    Ok(bytes) if bytes.len() == 32 => Ok(bytes),
                    _ => Err(DecodeError::new(
                        DecodeErrorKind::Value,
                        format!("{path}.{name}"),
                        "not 32 bytes of base64url",
                    )),
                }
            };
            let kid = key.kid.clone().ok_or_else(|| {
                DecodeError::new(
                    DecodeErrorKind::MissingField,
                    format!("{path}.kid"),
                    "absent",
                )
            })?;
            let mut point = Vec::with_capacity(65);
            point.push(0x04);
            point.extend(coordinate("x", key.x)?);
            point.extend(coordinate("y", key.y)?);
            keys.push((kid, point));
        }
        Ok(Jwks { keys })
    }

    /// The `kid`s of the usable keys.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(kid, _)| kid.as_str())
    }

    fn key(&self, kid: &str) -> Option<&[u8]> {
        self.keys
            .iter()
            .find(|(k, _)| k == kid)
            .map(|(_, point)| point.as_slice())
    }
}

/// Why a notification is not accepted. Nothing in it may be acted on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// Larger than [`MAX_TOKEN_LEN`].
    #[error("notification larger than {MAX_TOKEN_LEN} bytes")]
    TooLarge,
    /// Not a compact JWS: three base64url segments, a JSON header.
    #[error("not a JWT: {0}")]
    Malformed(String),
    /// `alg` is not `ES256`.
    #[error("algorithm {0:?} refused: only ES256 is accepted")]
    Algorithm(String),
    /// The JWKS has no key with this `kid`: fetch the JWKS again (once), then refuse.
    #[error("no key {0:?} in the JWKS: refresh it, then refuse if still unknown")]
    UnknownKey(String),
    /// The signature does not verify.
    #[error("the signature does not verify")]
    BadSignature,
    /// `exp` is past (leeway included).
    #[error("expired at {exp} (now {now})")]
    Expired {
        /// `exp`, Unix seconds.
        exp: u64,
        /// The clock, Unix seconds.
        now: u64,
    },
    /// `iat` is in the future (leeway included).
    #[error("issued at {iat}, in the future (now {now})")]
    NotYetValid {
        /// `iat`, Unix seconds.
        iat: u64,
        /// The clock, Unix seconds.
        now: u64,
    },
    /// No `exp`: the docs tell merchants to check it, so one without it is refused.
    #[error("no exp to check")]
    NoExpiry,
    /// The verified payload is not a notification.
    #[error("payload: {0}")]
    Payload(DecodeError),
    /// Authentic, but about another merchant (or about none): Yandex Pay's own plugin refuses
    /// it ("Merchant id incorrect"), and so does [`verify_for`].
    #[error("merchantId {}: not this shop's", .0.as_deref().unwrap_or("(none)"))]
    Merchant(Option<String>),
}

impl WebhookError {
    /// The answer to send for a notification refused for this reason: `403` with
    /// `{"status":"fail","reasonCode":"FORBIDDEN","reason":…}` ([`refuse`]).
    pub fn response(&self) -> http::Response<Vec<u8>> {
        refuse(&self.to_string())
    }
}

/// What happened, from the payload's `event`. Unknown events are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// `OPERATION_STATUS_UPDATED`: a refund (or another operation) changed status.
    OperationStatusUpdated {
        /// `operation.operationId`.
        operation_id: Option<String>,
        /// `operation.externalOperationId`: the shop's refund id.
        external_operation_id: Option<String>,
        /// `operation.orderId`.
        order_id: Option<String>,
        /// `operation.status`.
        status: OperationStatus,
        /// `operation.operationType` (`REFUND`, ...), as given.
        operation_type: Option<String>,
    },
    /// `ORDER_STATUS_UPDATED`.
    OrderStatusUpdated {
        /// `order.orderId`.
        order_id: Option<String>,
        /// `order.paymentStatus`.
        payment_status: Option<OrderStatus>,
    },
    /// Another event, its name kept.
    Other(String),
}

/// An authentic notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The key that signed it.
    pub kid: String,
    /// `iat`, Unix seconds, when present.
    pub issued_at: Option<u64>,
    /// `exp`, Unix seconds.
    pub expires_at: u64,
    /// `merchantId`.
    pub merchant_id: Option<String>,
    /// `eventTime`, as written.
    pub event_time: Option<String>,
    /// The event.
    pub event: Event,
    /// The payload's JSON, exactly as signed.
    pub payload_json: Vec<u8>,
}

const HEADER: &[&str] = &["alg", "kid", "typ", "iat", "exp"];
const PAYLOAD: &[&str] = &[
    "merchantId",
    "event",
    "eventTime",
    "order",
    "operation",
    "iat",
    "exp",
];

fn unix(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `iat`/`exp`: a number or a numeric string, whole seconds.
fn seconds(raw: Option<&RawValue>, name: &str) -> Result<Option<u64>, WebhookError> {
    let bad = |detail: String| WebhookError::Malformed(format!("{name}: {detail}"));
    match json::code(raw).map_err(|e| bad(e.to_string()))? {
        None => Ok(None),
        Some(text) => text
            .parse::<u64>()
            .map(Some)
            .map_err(|_| bad(format!("{text:?} is not whole seconds"))),
    }
}

fn segment(text: &str, name: &str) -> Result<Vec<u8>, WebhookError> {
    URL_SAFE_NO_PAD
        .decode(text.as_bytes())
        .map_err(|e| WebhookError::Malformed(format!("{name}: {e}")))
}

/// Verifies a notification body as [`verify`] does, and that it is about the shop's merchant
/// (`merchantId`, as Yandex Pay's official WooCommerce plugin checks before reading it). What a
/// shop's handler calls: the merchant's id is in the merchant console.
pub fn verify_for(
    body: &[u8],
    jwks: &Jwks,
    merchant_id: &str,
    now: SystemTime,
    leeway: Duration,
) -> Result<Notification, WebhookError> {
    let notification = verify(body, jwks, now, leeway)?;
    if notification.merchant_id.as_deref() != Some(merchant_id) {
        return Err(WebhookError::Merchant(notification.merchant_id));
    }
    Ok(notification)
}

/// Verifies a notification body against `jwks` at `now`, `exp` and `iat` checked with
/// `leeway`, and reads its event. It does not check the merchant: [`verify_for`] does.
pub fn verify(
    body: &[u8],
    jwks: &Jwks,
    now: SystemTime,
    leeway: Duration,
) -> Result<Notification, WebhookError> {
    if body.len() > MAX_TOKEN_LEN {
        return Err(WebhookError::TooLarge);
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| WebhookError::Malformed("not ASCII".into()))?
        .trim_ascii();
    let mut parts = text.split('.');
    let (Some(h64), Some(p64), Some(s64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(WebhookError::Malformed("not three segments".into()));
    };
    let header_json = segment(h64, "header")?;
    let header = json::members(&header_json, HEADER)
        .map_err(|e| WebhookError::Malformed(format!("header: {e}")))?;
    let alg = json::string(header.get("alg"))
        .map_err(|e| WebhookError::Malformed(format!("alg: {e}")))?
        .unwrap_or_default();
    if alg != "ES256" {
        return Err(WebhookError::Algorithm(alg));
    }
    let kid = json::string(header.get("kid"))
        .map_err(|e| WebhookError::Malformed(format!("kid: {e}")))?
        .ok_or_else(|| WebhookError::Malformed("no kid".into()))?;
    let key = jwks
        .key(&kid)
        .ok_or_else(|| WebhookError::UnknownKey(kid.clone()))?;
    let signature = segment(s64, "signature")?;
    if signature.len() != 64 {
        return Err(WebhookError::Malformed(format!(
            "signature of {} bytes: ES256 is r||s, 64 bytes",
            signature.len()
        )));
    }
    let signed_len = h64.len().saturating_add(1).saturating_add(p64.len());
    let signed = text.get(..signed_len).unwrap_or(text);
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, key)
        .verify(signed.as_bytes(), &signature)
        .map_err(|_| WebhookError::BadSignature)?;

    let payload_json = segment(p64, "payload")?;
    let payload = json::members(&payload_json, PAYLOAD).map_err(WebhookError::Payload)?;
    // The times are in the header (the official page); a payload's are read when it has none.
    let pick = |name: &str| -> Result<Option<u64>, WebhookError> {
        match seconds(header.get(name), name)? {
            Some(v) => Ok(Some(v)),
            None => seconds(payload.get(name), name),
        }
    };
    let (exp, iat) = (pick("exp")?, pick("iat")?);
    let clock = unix(now);
    let slack = leeway.as_secs();
    let exp = exp.ok_or(WebhookError::NoExpiry)?;
    if clock > exp.saturating_add(slack) {
        return Err(WebhookError::Expired { exp, now: clock });
    }
    if let Some(iat) = iat {
        if iat > clock.saturating_add(slack) {
            return Err(WebhookError::NotYetValid { iat, now: clock });
        }
    }
    let event = read_event(&payload).map_err(WebhookError::Payload)?;
    let string = |name: &str| {
        json::string(payload.get(name)).map_err(|e| WebhookError::Payload(e.within(name)))
    };
    Ok(Notification {
        kid,
        issued_at: iat,
        expires_at: exp,
        merchant_id: string("merchantId")?,
        event_time: string("eventTime")?,
        event,
        payload_json,
    })
}

fn read_event(payload: &json::Members<'_>) -> Result<Event, DecodeError> {
    let name = json::string(payload.get("event"))
        .map_err(|e| e.within("event"))?
        .ok_or_else(|| DecodeError::new(DecodeErrorKind::MissingField, "event", "absent"))?;
    let object = |member: &'static str, known: &'static [&'static str]| {
        let raw = payload
            .get(member)
            .ok_or_else(|| DecodeError::new(DecodeErrorKind::MissingField, member, "absent"))?;
        json::members(raw.get().as_bytes(), known).map_err(|e| e.within(member))
    };
    let text = |m: &json::Members<'_>, member: &'static str, name: &'static str| {
        json::string(m.get(name)).map_err(|e| e.within(name).within(member))
    };
    Ok(match name.as_str() {
        "OPERATION_STATUS_UPDATED" => {
            const OP: &[&str] = &[
                "operationId",
                "externalOperationId",
                "orderId",
                "status",
                "operationType",
            ];
            let op = object("operation", OP)?;
            let status = text(&op, "operation", "status")?.ok_or_else(|| {
                DecodeError::new(DecodeErrorKind::MissingField, "operation.status", "absent")
            })?;
            Event::OperationStatusUpdated {
                operation_id: text(&op, "operation", "operationId")?,
                external_operation_id: text(&op, "operation", "externalOperationId")?,
                order_id: text(&op, "operation", "orderId")?,
                status: OperationStatus::from_wire(&status),
                operation_type: text(&op, "operation", "operationType")?,
            }
        }
        "ORDER_STATUS_UPDATED" => {
            let order = object("order", &["orderId", "paymentStatus"])?;
            Event::OrderStatusUpdated {
                order_id: text(&order, "order", "orderId")?,
                payment_status: text(&order, "order", "paymentStatus")?
                    .as_deref()
                    .map(OrderStatus::from_wire),
            }
        }
        _ => Event::Other(name),
    })
}

/// Signs notifications as Yandex Pay does, for tests and emulators: ES256 with a P-256 key
/// (PKCS#8), the times in the header. Never printed.
pub struct NotificationSigner {
    key: aws_lc_rs::signature::EcdsaKeyPair,
    kid: String,
}

impl fmt::Debug for NotificationSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NotificationSigner({:?}, [redacted])", self.kid)
    }
}

/// The key could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a P-256 private key in PKCS#8")]
pub struct KeyError;

impl NotificationSigner {
    /// A signer from a PKCS#8 DER P-256 private key, publishing as `kid`.
    pub fn from_pkcs8(der: &[u8], kid: impl Into<String>) -> Result<Self, KeyError> {
        let key = aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            der,
        )
        .map_err(|_| KeyError)?;
        Ok(NotificationSigner {
            key,
            kid: kid.into(),
        })
    }

    /// The JWKS that verifies this signer's notifications.
    pub fn jwks_json(&self) -> String {
        use aws_lc_rs::signature::KeyPair as _;
        let point = self.key.public_key().as_ref();
        let (x, y) = point
            .get(1..)
            .unwrap_or_default()
            .split_at(32.min(point.len().saturating_sub(1)));
        format!(
            r#"{{"keys":[{{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"{}","x":"{}","y":"{}"}}]}}"#,
            self.kid,
            URL_SAFE_NO_PAD.encode(x),
            URL_SAFE_NO_PAD.encode(y)
        )
    }

    /// The notification body for `payload_json`, issued at `now` and valid for `ttl`.
    pub fn sign(
        &self,
        payload_json: &[u8],
        now: SystemTime,
        ttl: Duration,
    ) -> Result<String, KeyError> {
        let iat = unix(now);
        let header = format!(
            r#"{{"alg":"ES256","exp":{},"iat":{iat},"kid":{},"typ":"JWT"}}"#,
            iat.saturating_add(ttl.as_secs()),
            serde_json::Value::String(self.kid.clone())
        );
        let mut token = URL_SAFE_NO_PAD.encode(header);
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(payload_json));
        let signature = self
            .key
            .sign(&aws_lc_rs::rand::SystemRandom::new(), token.as_bytes())
            .map_err(|_| KeyError)?;
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature.as_ref()));
        Ok(token)
    }
}

/// The answer to an authentic notification: `200` with `{"status":"success"}`. Yandex Pay
/// stops resending on a 200 (any body; this one is the recommended). The merchant API's pages
/// of the shop's endpoints (`merchant-api-hidden/onboard`, beside `/v1/webhook`).
pub fn acknowledge() -> http::Response<Vec<u8>> {
    answer(http::StatusCode::OK, br#"{"status":"success"}"#.to_vec())
}

/// The answer to a notification that is refused (it did not verify, or is another merchant's):
/// `403` with `{"status":"fail","reasonCode":"FORBIDDEN","reason":...}`, as Yandex Pay's official
/// WooCommerce plugin (1.1.2, `webhook()`) answers. Yandex Pay then sends it again with a new
/// JWT: 10 times 5 ms apart, then at growing intervals up to 15 minutes, then every 15 minutes
/// for 24 hours in all. A shop therefore sees the same event more than once, and must read
/// repeats as repeats ([`crate::lifecycle::Refund::notification`] gives the same step for the
/// same event).
pub fn refuse(reason: &str) -> http::Response<Vec<u8>> {
    fail_with(http::StatusCode::FORBIDDEN, "FORBIDDEN", reason)
}

/// The answer to an authentic notification the shop could not take now (its database is
/// down): `500` with `{"status":"fail","reasonCode":"OTHER","reason":...}`, as the official plugin
/// answers; Yandex Pay sends it again.
pub fn fail(reason: &str) -> http::Response<Vec<u8>> {
    fail_with(http::StatusCode::INTERNAL_SERVER_ERROR, "OTHER", reason)
}

fn fail_with(status: http::StatusCode, code: &str, reason: &str) -> http::Response<Vec<u8>> {
    // Written in the plugin's member order (a serde_json map would sort them).
    let body = format!(
        r#"{{"status":"fail","reasonCode":{},"reason":{}}}"#,
        serde_json::Value::String(code.to_owned()),
        serde_json::Value::String(reason.to_owned())
    );
    answer(status, body.into_bytes())
}

fn answer(status: http::StatusCode, body: Vec<u8>) -> http::Response<Vec<u8>> {
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}
