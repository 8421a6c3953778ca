//! Robokassa: a JWT signed with Password3, posted to `Refund/Create`.
//!
//! References: `robokassa_op_key` (the payment's `OpKey`). Settings: `alg` (`HS256`, the
//! default, `HS384`, `HS512`), `base_url` (another host, an emulator). Robokassa has no refund
//! sandbox, so the test environment keeps the production host and says so. Credential:
//! [`Password3`].

use std::path::Path;

use refundkit_core::conformance::{self, VectorResult};
use refundkit_core::lifecycle::{Lifecycle as _, Progress};
use refundkit_core::{Coded, Report};
use refundkit_robokassa::http::{CreateBody, Endpoint};
use refundkit_robokassa::lifecycle;
use refundkit_robokassa::{Alg, InvoiceItem, Password3, RefundRequest};

use crate::adapter::{Context, Inspection, Message, Provider, ProviderPlan, not_built, note};
use crate::description::Environment;

// The credentials this provider reads.
crate::credentials::store::credential!(refundkit_robokassa::Password3);

pub(super) struct Robokassa;

const NAME: &str = "robokassa";

impl Provider for Robokassa {
    fn name(&self) -> &'static str {
        NAME
    }

    fn id(&self) -> crate::id::ProviderId {
        crate::id::ProviderId::Robokassa
    }

    fn references(&self) -> &'static [&'static str] {
        &["robokassa_op_key"]
    }

    fn credential_inputs(&self) -> &'static [crate::credentials::store::Input] {
        use crate::credentials::store::{Input, InputKind};
        &[Input {
            provider: crate::id::ProviderId::Robokassa,
            flag: "robokassa-password3-file",
            env: "REFUNDKIT_ROBOKASSA_PASSWORD3_FILE",
            help: "Robokassa Password3 file",
            kind: InputKind::File,
        }]
    }

    fn insert_credentials(
        &self,
        given: &crate::credentials::store::Given<'_>,
        into: &mut crate::credentials::store::Credentials,
    ) -> Result<(), crate::credentials::store::CredentialError> {
        if let Some(secret) = given.secret("robokassa-password3-file")? {
            into.insert(
                Password3::new(secret).map_err(|e| given.invalid("robokassa-password3-file", e))?,
            );
        }
        Ok(())
    }

    fn has_credentials(&self, credentials: &crate::credentials::store::Credentials) -> bool {
        credentials.get::<Password3>().is_some()
    }

    fn insert_samples(&self, into: &mut crate::credentials::store::Credentials) {
        let secret = refundkit_core::SecretString::from_file_bytes(
            crate::samples::material::ROBOKASSA_PASSWORD3
                .as_bytes()
                .to_vec(),
        );
        if let Some(key) = secret.ok().and_then(|s| Password3::new(s).ok()) {
            into.insert(key);
        }
    }

    fn carries_marking_codes(&self) -> bool {
        true
    }

    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("alg", "the JWT algorithm: HS256 (default), HS384, HS512"),
            (
                "base_url",
                "the refund service's base URL instead of production",
            ),
        ]
    }

    fn plan(&self, context: &Context<'_>) -> ProviderPlan {
        let Some(op_key) = context.reference("robokassa_op_key") else {
            return ProviderPlan::skipped(NAME, "no references.robokassa_op_key");
        };
        if !refundkit_robokassa::invariants::is_op_key_form(op_key) {
            return ProviderPlan::failed(
                NAME,
                "references.robokassa_op_key",
                refundkit_core::report::codes::FORMAT,
                "not an OpKey as OpStateExt or Result2 give it: a GUID, '-' and a suffix \
                 (0005F891-8CCD-434B-8455-816AFFFDBF37-0VOisWikFF)",
            );
        }
        let settings = (|| {
            context.only_settings(&["alg", "base_url"])?;
            let algs = Alg::ALL.map(|a| (a.name(), a));
            let alg = context.setting_of("alg", &algs)?.unwrap_or_default();
            let endpoint = context.endpoint(Endpoint::production, Endpoint::custom)?;
            Ok::<_, refundkit_core::DecodeError>((alg, endpoint))
        })();
        let (alg, endpoint) = match settings {
            Ok(s) => s,
            Err(e) => return ProviderPlan::bad_setting(NAME, &e),
        };
        let refund = context.refund;
        let items = refund.sum.is_none().then(|| {
            refund
                .receipt_lines()
                .into_iter()
                .map(|l| InvoiceItem {
                    name: l.name,
                    quantity: l.quantity,
                    cost: l.unit_price,
                    tax: Coded::Known(l.vat),
                    payment_method: Some(Coded::Known(l.method)),
                    payment_object: Some(Coded::Known(l.subject)),
                    nomenclature_code: l.marking_code,
                })
                .collect()
        });
        let request = RefundRequest {
            op_key: op_key.to_owned(),
            refund_sum: Some(refund.total),
            invoice_items: items,
        };
        let mut report = Report::new();
        // Robokassa's own module (cms-opencart `refund_api.php`, 2026) refunds only an invoice
        // whose OpStateExt shows State 100, and so should a shop: said in every plan.
        note(
            &mut report,
            NAME,
            "refund only an invoice OpStateExt shows paid (State 100), as Robokassa's own \
             module does: `refundkit robokassa op-key` reads it",
        );
        if context.environment == Environment::Test {
            note(
                &mut report,
                NAME,
                "Robokassa has no refund sandbox: the production host",
            );
        }
        let (http, refund) = match refundkit_robokassa::validate(request) {
            Err(invalid) => {
                report.merge(invalid.report);
                (None, None)
            }
            Ok(valid) => {
                report.merge(valid.warnings().clone());
                match lifecycle::Refund::new(&endpoint, &valid, alg, CreateBody::default()) {
                    Err(e) => {
                        not_built(&mut report, NAME, e);
                        (None, None)
                    }
                    Ok(refund) => {
                        let key = context.credentials.get::<Password3>();
                        if key.is_none() {
                            note(
                                &mut report,
                                NAME,
                                "no Password3: the payload is validated but not signed",
                            );
                        }
                        let http = key.and_then(|key| {
                            refund
                                .build(
                                    lifecycle::Request::Create,
                                    &Progress::new(context.now),
                                    &Some(key),
                                )
                                .map_err(|e| not_built(&mut report, NAME, e))
                                .ok()
                        });
                        (
                            http,
                            Some(crate::refund::Refund::start(refund, context.now)),
                        )
                    }
                }
            }
        };
        ProviderPlan {
            provider: NAME,
            request: http,
            refund,
            refunded: Some(context.refund.total),
            report,
            skipped: None,
        }
    }

    fn inspect(&self, message: &Message<'_>) -> Option<Inspection> {
        match message {
            Message::JsonString(text) => {
                let mut i = token(text);
                i.details.insert(
                    0,
                    "carried as a JSON string (the Create body's form)".into(),
                );
                Some(i)
            }
            Message::Text(text)
                if text.starts_with("eyJ")
                    && text.bytes().filter(|&b| b == b'.').count() == 2
                    && !es256(text) =>
            {
                Some(token(text))
            }
            Message::Xml(bytes)
                if bytes
                    .windows(b"OperationStateResponse".len())
                    .any(|w| w == b"OperationStateResponse") =>
            {
                let outcome = refundkit_robokassa::parse_op_state_response(200, bytes);
                let summary = match &outcome {
                    refundkit_core::Outcome::Success(state) => format!(
                        "state {}, OpKey {}",
                        state.state.as_str(),
                        state.op_key.as_deref().unwrap_or("-")
                    ),
                    refundkit_core::Outcome::Refused(r) => format!(
                        "refused: Result/Code {}",
                        r.code.as_ref().map_or("-", |c| c.as_str())
                    ),
                    _ => "malformed".into(),
                };
                Some(Inspection::answer(
                    "robokassa OpStateExt answer",
                    &outcome,
                    summary,
                ))
            }
            Message::Json { bytes, .. } if message.has("OpKey") => {
                const KIND: &str = "robokassa refund payload";
                Some(match refundkit_robokassa::decode_request(bytes) {
                    Ok(r) => Inspection::request(KIND, refundkit_robokassa::check(&r)),
                    Err(e) => Inspection::failed(KIND, e),
                })
            }
            Message::Json { bytes, .. }
                if message.has("success") || message.has("Success") || message.has("Error") =>
            {
                let outcome = refundkit_robokassa::parse_response(200, bytes);
                let summary = refundkit_robokassa::conformance::create_summary(&outcome);
                Some(Inspection::answer(
                    "robokassa Create response",
                    &outcome,
                    summary,
                ))
            }
            Message::Json { bytes, members }
                if message.has("label") || (message.has("message") && members.len() == 1) =>
            {
                let outcome = refundkit_robokassa::parse_state_response(200, bytes);
                let summary = refundkit_robokassa::conformance::state_summary(&outcome);
                Some(Inspection::answer(
                    "robokassa GetState response",
                    &outcome,
                    summary,
                ))
            }
            _ => None,
        }
    }

    fn redacted(&self, request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
        // A signed token holds no secret (its signature does not reveal Password3), and
        // Robokassa's requests carry no credential header.
        refundkit_core::copy_request(request)
    }

    fn recorded(&self, request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
        refundkit_robokassa::http::unsigned(request)
    }

    fn export(&self, dir: &Path) -> Result<Vec<conformance::export::Exported>, conformance::Error> {
        refundkit_robokassa::conformance::export_dir(dir)
    }

    fn read_answer(
        &self,
        path: &str,
        http_status: u16,
        body: &[u8],
    ) -> Option<(&'static str, serde_json::Value)> {
        refundkit_robokassa::conformance::answer_reading(path, http_status, body)
    }

    fn conformance(&self, dir: &Path) -> Result<Vec<VectorResult>, conformance::Error> {
        refundkit_robokassa::conformance::run_dir(dir)
    }
}

fn token(text: &str) -> Inspection {
    const KIND: &str = "robokassa token";
    let u = match refundkit_robokassa::decode_unverified(text) {
        Err(e) => return Inspection::failed(KIND, e),
        Ok(u) => u,
    };
    let mut i = Inspection::new(KIND);
    i.details.push(format!(
        "header: {}",
        String::from_utf8_lossy(&u.header_json)
    ));
    match &u.alg {
        Ok(alg) => i.details.push(format!(
            "alg: {alg} (signature not checked: `refundkit robokassa verify` needs Password3)"
        )),
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
        Ok(r) => i.report.merge(refundkit_robokassa::check(&r)),
        Err(e) => {
            i.decoded = false;
            i.details.push(format!("payload does not decode: {e}"));
        }
    }
    i
}

/// Whether a JWT's header names ES256: a notification of another provider, never a refund
/// token (those are HMAC).
fn es256(text: &str) -> bool {
    use base64::Engine as _;
    text.split('.')
        .next()
        .and_then(|h| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(h)
                .ok()
        })
        .and_then(|h| serde_json::from_slice::<serde_json::Value>(&h).ok())
        .is_some_and(|h| h.get("alg").and_then(|a| a.as_str()) == Some("ES256"))
}

impl crate::refund::Keyed for refundkit_robokassa::lifecycle::Refund {
    fn keys(credentials: &crate::credentials::store::Credentials) -> Option<&Password3> {
        credentials.get::<Password3>()
    }
}
