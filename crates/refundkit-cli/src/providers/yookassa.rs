//! `refundkit yookassa sign | open | check | parse-response | status | next`.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Args, Subcommand, ValueEnum};
use refundkit_pkcs7::{Certificate, Digest, PrivateKey, SignOptions, Signer, Trust};
use refundkit_yookassa::conformance::response_summary;

use crate::Exit;
use crate::io::{self, CliError};
use crate::lifecycle::{self, NextArgs};

/// What `refundkit --help` says of this provider.
pub const ABOUT: &str = "YooKassa MWS returnPayment (XML in PKCS#7)";

#[derive(Subcommand)]
pub enum Verb {
    /// Validate a returnPaymentRequest XML and sign it: PEM PKCS#7 out (the canonical XML is
    /// what gets signed). Invalid input or a key that is not the certificate's: exit 1.
    Sign {
        /// The shop's private key (PEM PKCS#8 or PKCS#1).
        #[arg(long, value_name = "KEY.pem")]
        key: PathBuf,
        /// The shop's certificate (PEM or DER).
        #[arg(long, value_name = "CERT.pem")]
        cert: PathBuf,
        /// Digest algorithm.
        #[arg(long, value_enum, default_value_t = DigestArg::Sha256)]
        digest: DigestArg,
        /// Embed the signer certificate (YooKassa wants none; off by default).
        #[arg(long)]
        include_certificate: bool,
        /// signingTime as Unix seconds (default: now); a fixed time gives identical output.
        #[arg(long, value_name = "UNIX_SECONDS")]
        signing_time: Option<u64>,
        /// The XML; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// Open a PKCS#7 (PEM, DER or BER) and print its content bytes exactly. Bad signature,
    /// digest or structure: exit 1.
    Open {
        #[command(flatten)]
        trust: TrustArgs,
        /// The message; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// Validate a returnPaymentRequest XML: exit 0, or 1 with every violation on stderr.
    Check {
        /// The XML; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// Read an MWS response (plain XML, or PKCS#7 with --cert): exit 0 done, 3 refused,
    /// 4 in progress (repeat the same request later), 1 malformed.
    ParseResponse {
        /// The provider's certificate, for a signed (PKCS#7) response.
        #[arg(long, value_name = "PROVIDER.pem")]
        cert: Option<PathBuf>,
        /// The HTTP status it came with.
        #[arg(long, default_value_t = 200)]
        status: u16,
        /// The body; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// listReturns, to reconcile by hand. With --shop-id, --from, --till and --request-dt,
    /// print the request (a form POST; mutual TLS authenticates it). Otherwise read its XML
    /// answer and print every entry verbatim (their names are not verified): exit 0, or 1 when
    /// it does not read.
    Status {
        /// shopId.
        #[arg(long, requires_all = ["from", "till", "request_dt"])]
        shop_id: Option<String>,
        /// Start of the period (ISO 8601 with offset).
        #[arg(long)]
        from: Option<String>,
        /// End of the period (ISO 8601 with offset).
        #[arg(long)]
        till: Option<String>,
        /// requestDT (ISO 8601 with offset).
        #[arg(long)]
        request_dt: Option<String>,
        /// Another base of the MWS operations (default: production).
        #[arg(long)]
        base: Option<String>,
        /// The answer; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// The next step after returnPayment got an answer (or none): exit 0 done, 3 refused, 4
    /// resend the identical request (status 1, or a lost answer: clientOrderId makes it safe).
    Next(NextArgs),
}

fn list_returns(
    shop_id: Option<String>,
    from: Option<String>,
    till: Option<String>,
    request_dt: Option<String>,
    base: Option<String>,
    input: Option<PathBuf>,
) -> Result<Exit, CliError> {
    use refundkit_yookassa::http::{Endpoint, list_returns_request};
    if let (Some(shop_id), Some(from), Some(till), Some(request_dt)) =
        (shop_id, from, till, request_dt)
    {
        let endpoint = match base {
            Some(b) => Endpoint::custom(&b).map_err(|e| CliError::Usage(format!("--base: {e}")))?,
            None => Endpoint::production(),
        };
        let list = refundkit_yookassa::ListReturns {
            request_dt,
            shop_id,
            from,
            till,
        };
        let request = list_returns_request(&endpoint, &list)
            .map_err(|e| CliError::Rejected(e.to_string()))?;
        return lifecycle::print_request(&request);
    }
    let list = refundkit_yookassa::read_list_returns(&io::read_input(input.as_deref())?)
        .map_err(|e| CliError::Rejected(format!("not a listReturns answer: {e}")))?;
    let mut out = format!(
        "{} status {} error {}\n",
        list.root.operation,
        list.root.status.code(),
        list.root
            .error
            .map_or_else(|| "-".to_owned(), |e| e.code().to_string())
    );
    for (name, attributes) in &list.entries {
        out.push_str(name);
        for (k, v) in attributes {
            out.push_str(&format!(" {k}={v:?}"));
        }
        out.push('\n');
    }
    io::emit(out.as_bytes())?;
    Ok(Exit::Ok)
}

#[derive(Args)]
#[group(required = true, multiple = false)]
pub struct TrustArgs {
    /// The provider's certificate the signature must verify under.
    #[arg(long, value_name = "PROVIDER.pem")]
    cert: Option<PathBuf>,
    /// Do not check the signature (debugging only); the digest is still checked.
    #[arg(long)]
    insecure_skip_signature: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum DigestArg {
    /// SHA-256 (default).
    Sha256,
    /// SHA-1 (legacy peers; signed by the `rsa` crate, see docs/project.md).
    Sha1,
}

fn read_file(path: &PathBuf, what: &str) -> Result<Vec<u8>, CliError> {
    std::fs::read(path)
        .map_err(|e| CliError::Usage(format!("cannot read {what} {}: {e}", path.display())))
}

fn certificate(path: &PathBuf) -> Result<Certificate, CliError> {
    Certificate::from_pem_or_der(&read_file(path, "certificate")?)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))
}

/// Every certificate of a provider's file: a signature verifies under any of them (the
/// `signed by` line on stderr says which).
fn trust_set(path: &PathBuf) -> Result<Vec<Certificate>, CliError> {
    Certificate::all_from_pem_or_der(&read_file(path, "certificate")?)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))
}

fn trust(set: &[Certificate]) -> Trust<'_> {
    match set {
        [one] => Trust::Certificate(one),
        many => Trust::AnyOf(many),
    }
}

fn read_request(
    input: Option<&std::path::Path>,
) -> Result<refundkit_yookassa::ReturnPaymentRequest, CliError> {
    let xml = io::read_input(input)?;
    refundkit_yookassa::decode_request(&xml).map_err(|e| CliError::Rejected(format!("XML: {e}")))
}

pub fn run(verb: Verb) -> Result<Exit, CliError> {
    match verb {
        Verb::Sign {
            key,
            cert,
            digest,
            include_certificate,
            signing_time,
            input,
        } => {
            let key = PrivateKey::from_pem_or_der(&read_file(&key, "key")?)
                .map_err(|e| CliError::Usage(e.to_string()))?;
            let signer = Signer::new(key, certificate(&cert)?)
                .map_err(|e| CliError::Rejected(e.to_string()))?;
            let valid = match refundkit_yookassa::validate(read_request(input.as_deref())?) {
                Ok(valid) => valid,
                Err(invalid) => {
                    io::report(&invalid.report);
                    return Ok(Exit::Rejected);
                }
            };
            let options = SignOptions {
                digest: match digest {
                    DigestArg::Sha256 => Digest::Sha256,
                    DigestArg::Sha1 => Digest::Sha1,
                },
                include_certificate,
                signing_time: signing_time.map_or_else(SystemTime::now, |s| {
                    UNIX_EPOCH
                        .checked_add(Duration::from_secs(s))
                        .unwrap_or(UNIX_EPOCH)
                }),
            };
            io::report(valid.warnings());
            let signed = refundkit_yookassa::sign_request(&valid, &signer, &options)
                .map_err(|e| CliError::Rejected(e.to_string()))?;
            io::emit(signed.as_str().as_bytes())?;
            Ok(Exit::Ok)
        }
        Verb::Open { trust, input } => {
            let message = io::read_input(input.as_deref())?;
            let set = trust.cert.as_ref().map(trust_set).transpose()?;
            let trust = set
                .as_deref()
                .map_or(Trust::InsecureSkipSignature, self::trust);
            let opened = refundkit_pkcs7::open(&message, trust)
                .map_err(|e| CliError::Rejected(e.to_string()))?;
            match opened.signed_by.and_then(|i| set.as_deref()?.get(i)) {
                Some(cert) => io::diagnose(&format!("signed by: {}", cert.subject())),
                None => io::diagnose(
                    "signature NOT checked (--insecure-skip-signature); digest checked",
                ),
            }
            io::emit(&opened.content)?;
            Ok(Exit::Ok)
        }
        Verb::Check { input } => {
            let request = read_request(input.as_deref())?;
            let report = refundkit_yookassa::check(&request);
            io::report(&report);
            Ok(if report.has_errors() {
                Exit::Rejected
            } else {
                Exit::Ok
            })
        }
        Verb::ParseResponse {
            cert,
            status,
            input,
        } => {
            let body = io::read_input(input.as_deref())?;
            let set = cert.as_ref().map(trust_set).transpose()?;
            let plain = body.trim_ascii_start().starts_with(b"<");
            let outcome = match (&set, plain) {
                (None, false) => {
                    return Err(CliError::Rejected(
                        "not plain XML: a signed response needs --cert to be verified".into(),
                    ));
                }
                (Some(set), _) => refundkit_yookassa::open_response(status, &body, trust(set)),
                (None, true) => refundkit_yookassa::parse_response(status, &body),
            };
            if let Some(m) = outcome
                .success()
                .or(match &outcome {
                    refundkit_core::Outcome::InProgress(r) => Some(r),
                    _ => None,
                })
                .and_then(|r| r.tech_message.as_ref())
            {
                io::diagnose(&format!("techMessage: {m}"));
            }
            io::answer(&outcome, response_summary(&outcome))
        }
        Verb::Status {
            shop_id,
            from,
            till,
            request_dt,
            base,
            input,
        } => list_returns(shop_id, from, till, request_dt, base, input),
        Verb::Next(args) => lifecycle::next(refundkit::ProviderId::Yookassa, args),
    }
}
