//! A [`Transport`] over reqwest's blocking client (rustls with aws-lc-rs, the platform's
//! roots plus any given): one client for the providers, one with the shop's client
//! certificate for YooKassa MWS.

use std::io::Read as _;
use std::time::Duration;

use refundkit::ProviderId;
use zeroize::Zeroizing;

use super::{Delivery, Transport};

/// The largest answer read: far above any refund answer; a longer one is cut there and its
/// reader calls it too large.
const MAX_ANSWER: u64 = 4 * 1024 * 1024;

/// How the transport connects.
#[derive(Default)]
pub struct TransportOptions {
    /// The longest a request may take, from connecting to the end of the answer (default 30 s).
    pub timeout: Option<Duration>,
    /// Trust roots added to the platform's, PEM (the emulator's test CA).
    pub extra_roots_pem: Vec<Vec<u8>>,
    /// MWS's client certificate and its private key, PEM, concatenated; wiped on drop.
    pub mws_identity_pem: Option<Zeroizing<Vec<u8>>>,
}

impl std::fmt::Debug for TransportOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportOptions")
            .field("timeout", &self.timeout)
            .field("extra_roots", &self.extra_roots_pem.len())
            .field("mws_identity", &self.mws_identity_pem.is_some())
            .finish()
    }
}

/// The transport could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// A trust root is not a PEM certificate.
    #[error("a trust root is not a PEM certificate: {0}")]
    Root(String),
    /// The client certificate and key are not usable.
    #[error("the MWS client certificate and key: {0}")]
    Identity(String),
    /// The HTTP client could not be built.
    #[error("the HTTP client: {0}")]
    Client(String),
}

/// Requests over reqwest.
pub struct ReqwestTransport {
    plain: reqwest::blocking::Client,
    mws: reqwest::blocking::Client,
    timeout: Duration,
}

impl std::fmt::Debug for ReqwestTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReqwestTransport(timeout {:?})", self.timeout)
    }
}

/// An error with its causes: reqwest's own text for a bad identity is only "builder error".
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl ReqwestTransport {
    /// Builds the clients. Redirects are not followed (a 3xx is an answer, and a payment
    /// request is never re-sent elsewhere).
    pub fn new(options: TransportOptions) -> Result<Self, TransportError> {
        let timeout = options.timeout.unwrap_or(Duration::from_secs(30));
        let mut roots = Vec::new();
        for pem in &options.extra_roots_pem {
            roots.push(
                reqwest::Certificate::from_pem(pem).map_err(|e| TransportError::Root(chain(&e)))?,
            );
        }
        let builder = || {
            reqwest::blocking::Client::builder()
                .timeout(timeout)
                .connect_timeout(timeout.min(Duration::from_secs(10)))
                .redirect(reqwest::redirect::Policy::none())
                .tls_certs_merge(roots.clone())
        };
        let plain = builder()
            .build()
            .map_err(|e| TransportError::Client(chain(&e)))?;
        let mws = match &options.mws_identity_pem {
            Some(pem) => builder().identity(
                reqwest::Identity::from_pem(pem)
                    .map_err(|e| TransportError::Identity(chain(&e)))?,
            ),
            None => builder(),
        }
        .build()
        .map_err(|e| TransportError::Client(chain(&e)))?;
        Ok(ReqwestTransport {
            plain,
            mws,
            timeout,
        })
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, provider: ProviderId, request: &http::Request<Vec<u8>>) -> Delivery {
        let client = if provider == ProviderId::Yookassa {
            &self.mws
        } else {
            &self.plain
        };
        let mut builder = client.request(request.method().clone(), request.uri().to_string());
        for (name, value) in request.headers() {
            builder = builder.header(name, value);
        }
        match builder.body(request.body().clone()).send() {
            Ok(response) => {
                let http_status = response.status().as_u16();
                let mut body = Vec::new();
                match response.take(MAX_ANSWER + 1).read_to_end(&mut body) {
                    Ok(_) => Delivery::Answered { http_status, body },
                    // The status came, the body did not: nothing the answer states is known.
                    Err(_) => Delivery::Lost,
                }
            }
            // Connecting failed (refused, DNS, the TLS handshake): nothing was written.
            Err(e) if e.is_connect() => Delivery::NotSent,
            Err(_) => Delivery::Lost,
        }
    }

    fn timeout(&self) -> Duration {
        self.timeout
    }
}
