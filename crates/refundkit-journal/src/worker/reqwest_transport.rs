//! A [`Transport`] over reqwest's async client (rustls with aws-lc-rs, the platform's roots
//! plus any given): the shop's own client for the providers, and one with the shop's TLS
//! client certificate for YooKassa MWS.

use std::time::Duration;

use refundkit::ProviderId;
use tracing::warn;
use zeroize::Zeroizing;

use super::{BoxFuture, Delivery, Transport};

/// The largest answer read: far above any refund answer; a longer one is cut there and its
/// reader calls it too large.
const MAX_ANSWER: usize = 4 * 1024 * 1024;

/// The default longest a request may take, from connecting to the end of the answer.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A TLS client identity: a certificate chain and its private key, two PEMs (the key wiped
/// on drop). What MWS authenticates a shop by, beside the signature of its requests.
#[derive(Clone)]
pub struct TlsIdentity {
    cert_pem: Vec<u8>,
    key_pem: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsIdentity([certificate], [key])")
    }
}

impl TlsIdentity {
    /// A certificate (PEM, the chain after it when there is one) and its private key (PEM:
    /// PKCS#8, RSA or EC). Each is checked for what it must hold: a key given for a
    /// certificate, or the reverse, is refused saying which.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, TransportError> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TransportError::Identity(format!("the certificate: {e}")))?;
        if certs.is_empty() {
            return Err(TransportError::Identity(
                "the certificate: no PEM certificate in it".into(),
            ));
        }
        PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|_| TransportError::Identity("the key: no PEM private key in it".into()))?;
        Ok(TlsIdentity {
            cert_pem: cert_pem.to_vec(),
            key_pem: Zeroizing::new(key_pem.to_vec()),
        })
    }

    fn reqwest(&self) -> Result<reqwest::Identity, TransportError> {
        let mut pem = Zeroizing::new(Vec::with_capacity(
            self.cert_pem
                .len()
                .saturating_add(self.key_pem.len())
                .saturating_add(1),
        ));
        pem.extend_from_slice(&self.cert_pem);
        pem.push(b'\n');
        pem.extend_from_slice(&self.key_pem);
        reqwest::Identity::from_pem(&pem).map_err(|e| TransportError::Identity(chain(&e)))
    }
}

/// How [`ReqwestTransport::new`] builds its clients.
#[derive(Default)]
pub struct TransportOptions {
    /// The longest a request may take, from connecting to the end of the answer (default 30 s).
    pub timeout: Option<Duration>,
    /// Trust roots added to the platform's, PEM (the emulator's test CA).
    pub extra_roots_pem: Vec<Vec<u8>>,
    /// MWS's TLS client identity; without it MWS is not served ([`Transport::serves`]).
    pub mws_identity: Option<TlsIdentity>,
}

impl std::fmt::Debug for TransportOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportOptions")
            .field("timeout", &self.timeout)
            .field("extra_roots", &self.extra_roots_pem.len())
            .field("mws_identity", &self.mws_identity.is_some())
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

/// An error with its causes: reqwest's own text is often only "builder error" or "error
/// sending request".
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Whether a failed request never reached the provider's application: no connection was
/// made, or the TLS handshake was refused (a fatal alert from the server, a certificate
/// that did not verify). A TLS 1.3 server refuses a missing or unknown client certificate
/// only after the client's handshake is done, so the refusal arrives where an answer would:
/// the alert, not the moment, tells that the request was never read.
fn never_left(e: &reqwest::Error) -> bool {
    if e.is_connect() {
        return true;
    }
    let refused = |tls: &rustls::Error| {
        matches!(
            tls,
            rustls::Error::AlertReceived(_)
                | rustls::Error::InvalidCertificate(_)
                | rustls::Error::NoCertificatesPresented
        )
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            return refused(tls);
        }
        // An io::Error's `source` skips the error it wraps (rustls' among them): look in it.
        if let Some(tls) = cause
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return refused(tls);
        }
        source = cause.source();
    }
    false
}

/// Requests over reqwest: cheap to clone (the clients are shared).
#[derive(Clone)]
pub struct ReqwestTransport {
    plain: reqwest::Client,
    mws: Option<reqwest::Client>,
    timeout: Duration,
}

impl std::fmt::Debug for ReqwestTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ReqwestTransport(timeout {:?}, MWS {})",
            self.timeout,
            if self.mws.is_some() {
                "served"
            } else {
                "not served"
            }
        )
    }
}

fn builder(timeout: Duration, roots: &[reqwest::Certificate]) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        // A 3xx is an answer, and a payment request is never re-sent elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .tls_certs_merge(roots.to_vec())
}

impl ReqwestTransport {
    /// Builds the clients: no redirects followed, `options`' roots added to the platform's.
    pub fn new(options: TransportOptions) -> Result<Self, TransportError> {
        let timeout = options.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let mut roots = Vec::new();
        for pem in &options.extra_roots_pem {
            roots.push(
                reqwest::Certificate::from_pem(pem).map_err(|e| TransportError::Root(chain(&e)))?,
            );
        }
        let plain = builder(timeout, &roots)
            .build()
            .map_err(|e| TransportError::Client(chain(&e)))?;
        let mws = options
            .mws_identity
            .map(|identity| {
                builder(timeout, &roots)
                    .identity(identity.reqwest()?)
                    .build()
                    .map_err(|e| TransportError::Client(chain(&e)))
            })
            .transpose()?;
        Ok(ReqwestTransport {
            plain,
            mws,
            timeout,
        })
    }

    /// The shop's own client (its proxies, timeouts, middleware, roots) for every provider
    /// but MWS, which needs a TLS client identity ([`ReqwestTransport::with_mws_identity`]).
    /// Give the client no redirect policy of its own: a 3xx must come back as an answer.
    pub fn from_client(client: reqwest::Client) -> Self {
        ReqwestTransport {
            plain: client,
            mws: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// MWS served with `identity` (a client of refundkit's own: reqwest cannot add an
    /// identity to a client already built), trusting the platform's roots and `extra_roots_pem`.
    pub fn with_mws_identity(
        mut self,
        identity: &TlsIdentity,
        extra_roots_pem: &[Vec<u8>],
    ) -> Result<Self, TransportError> {
        let mut roots = Vec::new();
        for pem in extra_roots_pem {
            roots.push(
                reqwest::Certificate::from_pem(pem).map_err(|e| TransportError::Root(chain(&e)))?,
            );
        }
        self.mws = Some(
            builder(self.timeout, &roots)
                .identity(identity.reqwest()?)
                .build()
                .map_err(|e| TransportError::Client(chain(&e)))?,
        );
        Ok(self)
    }

    /// The longest a request may take (a worker's lease must cover it): default 30 s.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn client(&self, provider: ProviderId) -> Option<&reqwest::Client> {
        if provider
            .adapter()
            .is_some_and(|a| a.needs_client_certificate())
        {
            self.mws.as_ref()
        } else {
            Some(&self.plain)
        }
    }

    async fn deliver(&self, provider: ProviderId, request: &http::Request<Vec<u8>>) -> Delivery {
        let Some(client) = self.client(provider) else {
            warn!(%provider, "no TLS client identity: the request is not sent");
            return Delivery::NotSent;
        };
        let mut builder = client
            .request(request.method().clone(), request.uri().to_string())
            .timeout(self.timeout);
        for (name, value) in request.headers() {
            builder = builder.header(name, value);
        }
        match builder.body(request.body().clone()).send().await {
            Ok(mut response) => {
                let http_status = response.status().as_u16();
                let headers = response.headers().clone();
                let mut body = Vec::new();
                loop {
                    match response.chunk().await {
                        Ok(Some(chunk)) => {
                            let room = MAX_ANSWER.saturating_add(1).saturating_sub(body.len());
                            body.extend_from_slice(
                                chunk.get(..room.min(chunk.len())).unwrap_or(&chunk),
                            );
                            if body.len() > MAX_ANSWER {
                                break;
                            }
                        }
                        Ok(None) => break,
                        // The status came, the body did not: nothing the answer states is known.
                        Err(e) => {
                            warn!(%provider, cause = %chain(&e), "the answer was cut off");
                            return Delivery::Lost;
                        }
                    }
                }
                Delivery::Answered {
                    http_status,
                    headers,
                    body,
                }
            }
            Err(e) if never_left(&e) => {
                warn!(%provider, cause = %chain(&e), "the request never left");
                Delivery::NotSent
            }
            Err(e) => {
                warn!(%provider, cause = %chain(&e), "the request left and no answer came");
                Delivery::Lost
            }
        }
    }
}

impl Transport for ReqwestTransport {
    fn send<'a>(
        &'a self,
        provider: ProviderId,
        request: &'a http::Request<Vec<u8>>,
    ) -> BoxFuture<'a, Delivery> {
        Box::pin(self.deliver(provider, request))
    }

    fn timeout(&self) -> Duration {
        self.timeout
    }

    fn serves(&self, provider: ProviderId) -> Result<(), String> {
        match self.client(provider) {
            Some(_) => Ok(()),
            None => Err(
                "MWS needs the shop's TLS client certificate and key, and this transport has none"
                    .into(),
            ),
        }
    }
}
