//! Recognise a refund message, decode it, validate it, and say what was found.
//!
//! For an operator holding a failed refund, this is the first thing to run: it takes a
//! Robokassa token (or the JSON string a Create body carries), a Yandex Pay body or response,
//! a YooKassa PKCS#7 (PEM, DER or BER: opened without a signature check, the digest still
//! checked) or its XML, an RBS form body or response, and reports every violation.

use refundkit_core::{Outcome, Report, Severity, Verdict};

/// What was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// What the input is (`robokassa token`, `yookassa returnPaymentRequest`, ...).
    pub kind: String,
    /// What was decoded, one fact a line.
    pub details: Vec<String>,
    /// Every violation found.
    pub report: Report,
    /// Whether the input decoded (a refusal from a provider decodes fine).
    pub decoded: bool,
    /// For a provider's answer, what it states: a success only when the body says so in that
    /// method's documented shape.
    pub answer: Option<Verdict>,
}

impl Inspection {
    fn new(kind: &str) -> Self {
        Inspection {
            kind: kind.to_owned(),
            details: Vec::new(),
            report: Report::new(),
            decoded: true,
            answer: None,
        }
    }

    /// An answer: its one-line summary, and why it is malformed when it is.
    fn answer<T, C>(kind: &str, outcome: &Outcome<T, C>, summary: String) -> Self {
        let mut i = Inspection::new(kind);
        i.details.push(summary);
        match outcome {
            Outcome::Malformed(m) => i.details.push(format!("not a documented answer: {m}")),
            Outcome::Refused(r) => {
                if let Some(text) = &r.text {
                    i.details.push(format!("text: {text}"));
                }
            }
            _ => {}
        }
        i.answer = Some(outcome.verdict());
        i
    }

    fn failed(kind: &str, why: impl std::fmt::Display) -> Self {
        let mut i = Inspection::new(kind);
        i.decoded = false;
        i.details.push(format!("does not decode: {why}"));
        i
    }

    /// Decoded and without errors; for an answer, a stated success.
    pub fn is_valid(&self) -> bool {
        self.decoded
            && !self.report.has_errors()
            && self.answer.is_none_or(|v| v == Verdict::Success)
    }
}

/// Largest input looked at.
pub const MAX_INPUT: usize = 16 * 1024 * 1024;

/// Inspects `input`. Never panics; anything unrecognised is said to be so.
pub fn inspect(input: &[u8]) -> Inspection {
    if input.len() > MAX_INPUT {
        return Inspection::failed("input", format!("larger than {MAX_INPUT} bytes"));
    }
    let trimmed = input.trim_ascii();
    let first = trimmed.first().copied();
    #[cfg(feature = "yookassa")]
    if trimmed.starts_with(b"-----BEGIN") || (first == Some(0x30) && !trimmed.is_ascii()) {
        return pkcs7(trimmed);
    }
    match first {
        #[cfg(feature = "yookassa")]
        Some(b'<') => return xml(trimmed),
        Some(b'{') => return json(trimmed),
        #[cfg(feature = "robokassa")]
        Some(b'"') => {
            if let Ok(text) = serde_json::from_slice::<String>(trimmed) {
                let mut i = token(&text);
                i.details.insert(
                    0,
                    "carried as a JSON string (the Create body's form)".into(),
                );
                return i;
            }
        }
        _ => {}
    }
    let text = std::str::from_utf8(trimmed).unwrap_or("");
    #[cfg(feature = "robokassa")]
    if text.starts_with("eyJ") && text.bytes().filter(|&b| b == b'.').count() == 2 {
        return token(text);
    }
    #[cfg(feature = "rbs")]
    if text.contains('=') && (text.contains("orderId=") || text.contains("amount=")) {
        return form(trimmed);
    }
    let _ = text;
    Inspection::failed("unrecognised input", "not a refund message refundkit knows")
}

fn push_report(i: &mut Inspection, report: Report) {
    i.report.merge(report);
}

#[cfg(feature = "robokassa")]
fn token(text: &str) -> Inspection {
    use refundkit_robokassa::decode_unverified;
    match decode_unverified(text) {
        Err(e) => Inspection::failed("robokassa token", e),
        Ok(u) => {
            let mut i = Inspection::new("robokassa token");
            i.details.push(format!(
                "header: {}",
                String::from_utf8_lossy(&u.header_json)
            ));
            match &u.alg {
                Ok(alg) => i.details.push(format!("alg: {alg} (signature not checked: `refundkit robokassa verify` needs Password3)")),
                Err(e) => {
                    i.decoded = false;
                    i.details.push(format!("alg refused: {e}"));
                }
            }
            i.details.push(format!(
                "payload: {}",
                String::from_utf8_lossy(&u.payload_json)
            ));
            match u.request {
                Ok(r) => push_report(&mut i, refundkit_robokassa::validate(&r)),
                Err(e) => {
                    i.decoded = false;
                    i.details.push(format!("payload does not decode: {e}"));
                }
            }
            i
        }
    }
}

fn json(bytes: &[u8]) -> Inspection {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(bytes)
    else {
        return Inspection::failed("JSON", "not a JSON object");
    };
    let has = |k: &str| map.contains_key(k);
    #[cfg(all(
        feature = "robokassa",
        feature = "yandex-pay",
        feature = "yookassa",
        feature = "rbs"
    ))]
    if has("order") && has("refund") {
        return match serde_json::from_slice::<crate::plan::RefundDescription>(bytes)
            .map_err(|e| e.to_string())
            .and_then(|d| d.typed())
        {
            Ok(t) => {
                let mut i = Inspection::new("refundkit refund description");
                i.details.push(format!(
                    "{} order lines, {} refunded, refund total {}",
                    t.lines.len(),
                    t.refunded.len(),
                    t.total
                ));
                i
            }
            Err(e) => Inspection::failed("refundkit refund description", e),
        };
    }
    #[cfg(feature = "robokassa")]
    if has("OpKey") {
        return match refundkit_robokassa::decode_payload(bytes) {
            Ok(r) => {
                let mut i = Inspection::new("robokassa refund payload");
                push_report(&mut i, refundkit_robokassa::validate(&r));
                i
            }
            Err(e) => Inspection::failed("robokassa refund payload", e),
        };
    }
    #[cfg(feature = "robokassa")]
    if has("success") || has("Success") || has("Error") {
        let outcome = refundkit_robokassa::parse_create_response(200, bytes);
        let summary = refundkit_robokassa::conformance::create_summary(&outcome);
        return Inspection::answer("robokassa Create response", &outcome, summary);
    }
    #[cfg(feature = "robokassa")]
    if has("label") || (has("message") && map.len() == 1) {
        let outcome = refundkit_robokassa::parse_state_response(200, bytes);
        let summary = refundkit_robokassa::conformance::state_summary(&outcome);
        return Inspection::answer("robokassa GetState response", &outcome, summary);
    }
    #[cfg(feature = "yandex-pay")]
    if has("refundAmount") || has("orderAmount") {
        return match refundkit_yandex_pay::decode_request(bytes) {
            Ok(r) => {
                let mut i = Inspection::new("yandex-pay refund body");
                i.details.push(format!(
                    "refundAmount {}, orderAmount {}, {} items in the final cart",
                    r.refund_amount,
                    r.order_amount,
                    r.final_cart().items.len()
                ));
                push_report(
                    &mut i,
                    refundkit_yandex_pay::invariants::validate(&r, &Default::default()),
                );
                i
            }
            Err(e) => Inspection::failed("yandex-pay refund body", e),
        };
    }
    #[cfg(feature = "yandex-pay")]
    if has("status") && (has("data") || has("reasonCode")) {
        let outcome =
            refundkit_yandex_pay::parse_response(if has("data") { 200 } else { 400 }, bytes);
        let summary = refundkit_yandex_pay::conformance::response_summary(&outcome);
        return Inspection::answer("yandex-pay response", &outcome, summary);
    }
    #[cfg(feature = "rbs")]
    if has("orderId") && has("amount") {
        return match refundkit_rbs::request_from_json(bytes) {
            Ok(r) => {
                let mut i = Inspection::new("rbs refund request (JSON form fields)");
                push_report(&mut i, refundkit_rbs::validate(&r));
                i
            }
            Err(e) => Inspection::failed("rbs refund request (JSON form fields)", e),
        };
    }
    #[cfg(feature = "rbs")]
    if [
        "errorCode",
        "errorMessage",
        "ErrorCode",
        "ErrorMessage",
        "error",
    ]
    .iter()
    .any(|k| has(k))
        || map.is_empty()
    {
        let outcome = refundkit_rbs::parse_response(200, bytes);
        let summary = refundkit_rbs::conformance::response_summary(&outcome);
        return Inspection::answer("rbs response", &outcome, summary);
    }
    let _ = has;
    Inspection::failed("JSON", "no refund message refundkit knows has these fields")
}

#[cfg(feature = "yookassa")]
fn xml(bytes: &[u8]) -> Inspection {
    let head = String::from_utf8_lossy(bytes.get(..bytes.len().min(512)).unwrap_or_default())
        .to_lowercase();
    if head.contains("<html") || head.contains("<!doctype html") {
        return Inspection::failed(
            "HTML page",
            "an HTML page (a proxy's error page?), not a provider message",
        );
    }
    if head.contains("returnpaymentrequest") {
        return match refundkit_yookassa::read_request(bytes) {
            Ok(r) => {
                let mut i = Inspection::new("yookassa returnPaymentRequest");
                i.details.push(format!(
                    "clientOrderId {}, invoiceId {}, amount {}",
                    r.client_order_id, r.invoice_id, r.amount
                ));
                push_report(&mut i, refundkit_yookassa::validate(&r));
                i
            }
            Err(e) => Inspection::failed("yookassa returnPaymentRequest", e),
        };
    }
    match refundkit_yookassa::read_response(bytes) {
        Ok(r) if r.operation == "returnPaymentResponse" => {
            let outcome = refundkit_yookassa::parse_response(200, bytes);
            let summary = refundkit_yookassa::conformance::response_summary(&outcome);
            Inspection::answer("yookassa returnPaymentResponse", &outcome, summary)
        }
        Ok(r) => {
            let mut i = Inspection::new(&format!("yookassa {}", r.operation));
            i.decoded = false;
            i.details.push(format!(
                "an MWS {}, not an answer to returnPayment: it states nothing about a refund",
                r.operation
            ));
            i
        }
        Err(e) => Inspection::failed("XML", e),
    }
}

#[cfg(feature = "yookassa")]
fn pkcs7(bytes: &[u8]) -> Inspection {
    match refundkit_pkcs7::open(bytes, refundkit_pkcs7::Trust::InsecureSkipSignature) {
        Err(e) => Inspection::failed("yookassa PKCS#7", e),
        Ok(opened) => {
            let mut inner = xml(&opened.content);
            inner.kind = format!("yookassa PKCS#7 containing {}", inner.kind);
            inner.details.insert(
                0,
                format!(
                    "digest {:?} checked, signature NOT checked (`refundkit yookassa open --cert`), signingTime {}, {} certificate(s)",
                    opened.digest,
                    opened.signing_time.as_deref().unwrap_or("(none)"),
                    opened.certificates
                ),
            );
            inner
        }
    }
}

#[cfg(feature = "rbs")]
fn form(bytes: &[u8]) -> Inspection {
    match refundkit_rbs::decode_request(bytes) {
        Ok(r) => {
            let mut i = Inspection::new("rbs refund.do form body");
            i.details.push(format!(
                "orderId {}, amount {} (minor units)",
                r.order_id, r.amount
            ));
            push_report(&mut i, refundkit_rbs::validate(&r));
            i
        }
        Err(e) => Inspection::failed("rbs refund.do form body", e),
    }
}

impl std::fmt::Display for Inspection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "kind: {}", self.kind)?;
        for d in &self.details {
            writeln!(f, "  {d}")?;
        }
        for v in self.report.violations() {
            writeln!(f, "  {v}")?;
        }
        let verdict = if let Some(answer) = self.answer {
            answer.as_str()
        } else if !self.decoded {
            "malformed"
        } else if self.report.has_errors() {
            "invalid"
        } else if self
            .report
            .violations()
            .iter()
            .any(|v| v.severity == Severity::Warning)
        {
            "valid, with warnings"
        } else {
            "valid"
        };
        write!(f, "verdict: {verdict}")
    }
}
