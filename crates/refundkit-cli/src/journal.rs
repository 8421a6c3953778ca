//! `refundkit journal submit|run|show|resolve`: each refund exactly once, through the journal
//! (refundkit-journal) in SQLite or PostgreSQL.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use clap::{Args, Subcommand};
use refundkit::ProviderId;
use refundkit::plan::RefundDescription;
use refundkit_journal::blocking::Journal;
use refundkit_journal::worker::{
    Config, Ended, HostIdentity, ReqwestTransport, TlsIdentity, Transport, TransportOptions, Until,
    Workers,
};
use refundkit_journal::{
    Entry, Filter, JournalError, Location, Resolution, SubmitError, Submitted,
};

use crate::Exit;
use crate::io::{self, CliError};
use crate::plan::{self, CredentialArgs, SettingArgs};

/// Where the journal is.
#[derive(Args)]
pub struct DbArg {
    /// The journal: `sqlite:PATH` (a file, created when missing) or `postgres://…` /
    /// `postgresql://…` (a fleet). The environment variable keeps a password out of the
    /// process list.
    #[arg(
        long,
        env = "REFUNDKIT_JOURNAL_DB",
        default_value = "sqlite:refundkit.db",
        hide_env_values = true,
        value_name = "URL"
    )]
    db: String,
}

/// What a command does with a journal it opens.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Opening {
    /// Records refunds: a journal that is not there yet is made.
    Submit,
    /// Works on the refunds there: a journal made now has none, which is said.
    Work,
}

fn journal_error(e: JournalError) -> CliError {
    match e {
        JournalError::Url(_) => CliError::Usage(format!("--db: {e}")),
        e => CliError::Rejected(format!("the journal: {e}")),
    }
}

/// A journal this command opened, its connections closed (each on its thread) when the
/// command is done with it: a process that exits leaves nothing half done.
pub(crate) struct Opened(Journal);

impl std::ops::Deref for Opened {
    type Target = Journal;
    fn deref(&self) -> &Journal {
        &self.0
    }
}

impl Drop for Opened {
    fn drop(&mut self) {
        self.0.close();
    }
}

impl DbArg {
    /// Opens the journal to write it (made, or brought up to date, when needed), saying so
    /// when it was made from nothing where the command expected one: an empty file a typo or
    /// another program left, or no file at all for a worker.
    pub(crate) fn open(&self, opening: Opening) -> Result<Opened, CliError> {
        let location: Location = self.db.parse().map_err(journal_error)?;
        let was_empty_file = match &location {
            Location::Sqlite(path) => std::fs::metadata(path).ok().map(|m| m.len() == 0),
            _ => None,
        };
        let journal = Journal::connect(&self.db).map_err(journal_error)?;
        let migration = journal.migrate().map_err(journal_error)?;
        if migration.created() {
            match (was_empty_file, opening) {
                (Some(true), _) => io::diagnose(&format!(
                    "note: {location:?} was an empty file: it is now a new, empty journal"
                )),
                (_, Opening::Work) => io::diagnose(&format!(
                    "note: there was no journal at {location:?}: a new, empty one was made \
                     (is --db the journal refunds were submitted to?)"
                )),
                _ => {}
            }
        }
        Ok(Opened(journal))
    }

    /// Opens the journal to read it only: nothing written, nothing made.
    pub(crate) fn open_read_only(&self) -> Result<Opened, CliError> {
        Journal::connect_read_only(&self.db)
            .map(Opened)
            .map_err(journal_error)
    }
}

#[derive(Subcommand)]
pub enum Verb {
    /// Plan a refund description (plan's format) at one provider, validate it and record it
    /// under the shop's id: prints the id. The same id with the same request again adds
    /// nothing (exit 0); with another request, exit 1. References the description leaves out
    /// are filled: refund_id with --id, MWS's clientOrderId from the journal's sequence.
    Submit {
        #[command(flatten)]
        db: DbArg,
        /// The provider.
        #[arg(long, value_name = "PROVIDER", value_parser = crate::providers::provider_id())]
        provider: ProviderId,
        /// The shop's id of this refund (1 to 256 bytes): what makes a submission idempotent.
        #[arg(long)]
        id: String,
        #[command(flatten)]
        credentials: CredentialArgs,
        #[command(flatten)]
        settings: SettingArgs,
        /// The refund description; `-` or nothing for stdin.
        input: Option<PathBuf>,
    },
    /// A worker: claims the refunds that are due, sends their requests and records the
    /// answers, write-ahead; any number may run at once on one journal. Credentials by
    /// plan's flags and environment variables; never the samples unless
    /// --sample-credentials.
    Run(RunArgs),
    /// One line per refund (or only ID): id, provider, state, amount, attempts, reason.
    Show {
        #[command(flatten)]
        db: DbArg,
        /// One JSON object per line: id, provider, payment, state (pending, in-flight,
        /// waiting, done, refused, review), amount (a decimal string), attempts, sends,
        /// reason (for refused and review), detail, created_at, updated_at, due_at,
        /// resolution, note, settled_at, hold, resolved_by (who answered a review).
        #[arg(long)]
        json: bool,
        /// Only this refund.
        id: Option<String>,
    },
    /// The operator's console: the refunds, each one's requests and answers as a timeline,
    /// the review queue with a form to resolve each (recorded with who and when), and
    /// /metrics (Prometheus' text format). Server-rendered, loopback by default, signed in with
    /// the token of --token-file.
    Web {
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        web: crate::web::WebArgs,
    },
    /// A person's answer to a refund in review: --done (the money went back) or
    /// --not-refunded (it did not: refused, and a new refund may be submitted).
    Resolve {
        #[command(flatten)]
        db: DbArg,
        /// The refund.
        id: String,
        /// The money went back.
        #[arg(
            long,
            conflicts_with = "not_refunded",
            required_unless_present = "not_refunded"
        )]
        done: bool,
        /// No money moved for this refund.
        #[arg(long)]
        not_refunded: bool,
        /// What the person checked, and where (kept with the refund).
        #[arg(long)]
        note: String,
        /// Who answers (kept with the refund); default: the login name ($USER, $LOGNAME).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
}

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    db: DbArg,
    #[command(flatten)]
    credentials: CredentialArgs,
    /// Stand the clearly marked sample credentials in for missing ones (tests against
    /// `refundkit serve`; never against a real provider).
    #[arg(long)]
    sample_credentials: bool,
    /// Return once no refund is pending, waiting or in flight (exit 0).
    #[arg(long)]
    until_settled: bool,
    /// Return after this many seconds; with refunds still open, exit 4.
    #[arg(long, value_name = "N")]
    max_seconds: Option<u64>,
    /// Multiply every wait of the providers' schedules by F (0 < F <= 1), for tests against
    /// `refundkit serve`.
    #[arg(long, value_name = "F")]
    time_scale: Option<String>,
    /// A trust root to add (PEM): the emulator's test CA.
    #[arg(long, value_name = "PEM")]
    ca: Vec<PathBuf>,
    /// MWS's TLS client certificate (PEM); default: the YooKassa signing certificate.
    #[arg(long, value_name = "PEM", requires = "yookassa_tls_key")]
    yookassa_tls_cert: Option<PathBuf>,
    /// Its private key (PEM); default: the YooKassa signing key.
    #[arg(long, value_name = "PEM", requires = "yookassa_tls_cert")]
    yookassa_tls_key: Option<PathBuf>,
    /// How long a worker holds a refund it claimed, in seconds (longer than --timeout; at
    /// most a day).
    #[arg(long, value_name = "SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(2..=86_400))]
    lease: u64,
    /// The longest a request may take, in seconds (1 to 600).
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    timeout: u64,
    /// The retry budget: sends of a refund (each lost or unanswered one counts) before it
    /// goes to review instead (1 to 1000).
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    max_attempts: u32,
    /// The retry budget in time: seconds since a refund's first request (scaled by
    /// --time-scale) before it goes to review (at least 1; at most ten years).
    #[arg(long, value_name = "SECONDS", default_value_t = 7 * 24 * 3600,
          value_parser = clap::value_parser!(u64).range(1..=10 * 366 * 86_400))]
    max_age: u64,
    /// The workers' name (their identity in the journal: the same after a restart takes back
    /// at once the refunds its earlier self held). Default: this host's first name no running
    /// `journal run` holds (`{host}-{i}`, locked while it runs).
    #[arg(long, value_name = "NAME")]
    worker_id: Option<String>,
    /// Serve the journal's metrics at http://ADDR/metrics (Prometheus' text format: refunds by
    /// state and provider, sends and their outcomes, send latency, reviews open, the oldest
    /// open refund's age), read from the journal at each scrape.
    #[arg(long, value_name = "ADDR")]
    metrics: Option<std::net::SocketAddr>,
    /// Workers in this process (tasks, named `{worker-id}-{i}`; 1 to 256).
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=256))]
    workers: u32,
}

pub fn run(verb: Verb) -> Result<Exit, CliError> {
    match verb {
        Verb::Submit {
            db,
            provider,
            id,
            credentials,
            settings,
            input,
        } => submit(&db, provider, &id, &credentials, &settings, input),
        Verb::Run(args) => work(&args),
        Verb::Show { db, json, id } => show(&db, json, id.as_deref()),
        Verb::Web { db, web } => {
            let opened = if web.read_only {
                db.open_read_only()?
            } else {
                db.open(Opening::Work)?
            };
            crate::web::run(&web, opened.nonblocking().clone())
        }
        Verb::Resolve {
            db,
            id,
            done,
            not_refunded: _,
            note,
            by,
        } => {
            let resolution = if done {
                Resolution::Done
            } else {
                Resolution::NotRefunded
            };
            // A journal that is not there is not made to resolve nothing in it.
            drop(db.open_read_only()?);
            let entry = db
                .open(Opening::Submit)?
                .resolve(&id, resolution, &note, who(by).as_deref())
                .map_err(|e| CliError::Rejected(e.to_string()))?;
            io::emit(format!("{}\n", line(&entry)).as_bytes())?;
            Ok(Exit::Ok)
        }
    }
}

/// Who answers a review: `--by`, else the login name the environment gives.
fn who(by: Option<String>) -> Option<String> {
    by.or_else(|| {
        ["USER", "LOGNAME"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|n| !n.is_empty()))
    })
}

fn submit(
    db: &DbArg,
    provider: ProviderId,
    id: &str,
    credentials: &CredentialArgs,
    settings: &SettingArgs,
    input: Option<PathBuf>,
) -> Result<Exit, CliError> {
    let json = io::read_input(input.as_deref())?;
    let mut desc: RefundDescription = refundkit::core::json::decode(&json)
        .map_err(|e| CliError::Rejected(format!("refund description: {e}")))?;
    plan::apply_settings(&mut desc, settings)?;
    let (credentials, sample) = plan::credentials(credentials, true)?;
    if sample {
        plan::note_samples();
    }
    let journal = db.open(Opening::Submit)?;
    let shown = io::one_line(id);
    match journal.submit(id, provider, &desc, &credentials, SystemTime::now()) {
        Ok(submitted) => {
            if let Submitted::Existing(_) = submitted {
                io::diagnose(&format!(
                    "{shown}: submitted before with the same request: nothing added"
                ));
            }
            io::emit(format!("{id}\n").as_bytes())?;
            Ok(Exit::Ok)
        }
        Err(SubmitError::Invalid(report)) => {
            io::report(&report);
            Err(CliError::Rejected(format!(
                "{shown}: the refund does not validate: nothing recorded"
            )))
        }
        Err(SubmitError::Journal(e)) => Err(CliError::Rejected(format!("the journal: {e}"))),
        Err(e) => Err(CliError::Rejected(e.to_string())),
    }
}

/// `F` (`0.01`) as an exact fraction: no float ever touches it.
fn time_scale(text: &str) -> Result<(u32, u32), CliError> {
    let bad = || CliError::Usage(format!("--time-scale {text:?}: a decimal F, 0 < F <= 1"));
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty()
        || fraction.len() > 9
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let denominator = 10u32.pow(u32::try_from(fraction.len()).map_err(|_| bad())?);
    let whole: u32 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let fraction: u32 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().map_err(|_| bad())?
    };
    let numerator = whole
        .checked_mul(denominator)
        .and_then(|w| w.checked_add(fraction))
        .ok_or_else(bad)?;
    if numerator == 0 || numerator > denominator {
        return Err(bad());
    }
    Ok((numerator, denominator))
}

/// Refuses a file given as `flag` that holds no PEM certificate, or anything that is not one
/// (a key given for a certificate, DER, a typo's empty file): said at start, naming the flag.
fn pem_certificates(pem: &[u8], flag: &str, path: &std::path::Path) -> Result<(), CliError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let bad = |why: &str| CliError::Usage(format!("{flag} {}: {why}", path.display()));
    let mut n = 0usize;
    for cert in CertificateDer::pem_slice_iter(pem) {
        cert.map_err(|e| bad(&format!("not a PEM certificate ({e})")))?;
        n = n.saturating_add(1);
    }
    if n == 0 {
        return Err(bad(
            "holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
        ));
    }
    Ok(())
}

/// Refuses a file given as `flag` that holds no PEM private key (a certificate given for the
/// key, most often), naming the flag; never the key's bytes.
fn pem_private_key(pem: &[u8], flag: &str, path: &std::path::Path) -> Result<(), CliError> {
    use rustls::pki_types::PrivateKeyDer;
    use rustls::pki_types::pem::PemObject;
    PrivateKeyDer::from_pem_slice(pem).map(drop).map_err(|_| {
        CliError::Usage(format!(
            "{flag} {}: holds no PEM private key (-----BEGIN PRIVATE KEY----- or RSA/EC)",
            path.display()
        ))
    })
}

fn read(path: &PathBuf, what: &str) -> Result<Vec<u8>, CliError> {
    std::fs::read(path)
        .map_err(|e| CliError::Usage(format!("cannot read {what} {}: {e}", path.display())))
}

fn work(args: &RunArgs) -> Result<Exit, CliError> {
    let scale = args.time_scale.as_deref().map(time_scale).transpose()?;
    if args.lease <= args.timeout {
        return Err(CliError::Usage(format!(
            "--lease ({} s) must be longer than --timeout ({} s)",
            args.lease, args.timeout
        )));
    }
    let (credentials, sample) = plan::credentials(&args.credentials, args.sample_credentials)?;
    if sample {
        plan::note_samples();
    }
    let mws_identity = mws_identity(args, sample)?;
    let mut extra_roots_pem = Vec::new();
    for path in &args.ca {
        let pem = read(path, "--ca")?;
        pem_certificates(&pem, "--ca", path)?;
        extra_roots_pem.push(pem);
    }
    if sample && args.ca.is_empty() {
        // The samples are `refundkit serve`'s: trust its test CA as well.
        extra_roots_pem.push(refundkit::samples::EMULATOR_CA.as_bytes().to_vec());
    }
    // Made or brought up to date once, before the workers start, saying so if it was made.
    let journal = args.db.open(Opening::Work)?;
    init_tracing();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Usage(format!("the runtime: {e}")))?;
    runtime.block_on(async {
        let transport = ReqwestTransport::new(TransportOptions {
            timeout: Some(Duration::from_secs(args.timeout)),
            extra_roots_pem,
            mws_identity,
        })
        .map_err(|e| CliError::Usage(e.to_string()))?;
        let journal = journal.nonblocking().clone();
        if let Some(addr) = args.metrics {
            let bound = crate::web::serve_metrics(journal.clone(), addr).await?;
            io::diagnose(&format!("metrics: http://{bound}/metrics"));
        }
        // A worker that cannot send to a provider leaves its refunds to others; with refunds
        // of it open and no other worker told, say so at start.
        for provider in ProviderId::ALL {
            if let Err(why) = transport.serves(provider) {
                let open = journal
                    .list(&Filter {
                        provider: Some(provider),
                        ..Filter::default()
                    })
                    .await
                    .map_err(journal_error)?
                    .iter()
                    .any(|e| !e.status.is_final());
                if open {
                    return Err(CliError::Usage(format!(
                        "--yookassa-tls-cert/--yookassa-tls-key: {provider} refunds are open and \
                         {why}"
                    )));
                }
            }
        }
        // The workers' names: --worker-id, or this host's first free one (the same after a
        // restart, so the refunds a killed worker held come back at once).
        let identity = match &args.worker_id {
            Some(_) => None,
            None => Some(
                HostIdentity::acquire(journal.location())
                    .map_err(|e| CliError::Usage(format!("--worker-id: no free name: {e}")))?,
            ),
        };
        let name = args
            .worker_id
            .clone()
            .or_else(|| identity.as_ref().map(|i| i.name().to_owned()))
            .unwrap_or_default();
        let deadline = args
            .max_seconds
            .and_then(|s| SystemTime::now().checked_add(Duration::from_secs(s)));
        let config = Config {
            lease: Duration::from_secs(args.lease),
            max_attempts: args.max_attempts,
            max_age: Duration::from_secs(args.max_age),
            time_scale: scale,
            idle: if scale.is_some() {
                Duration::from_millis(50)
            } else {
                Duration::from_secs(1)
            },
            ..Config::new(name)
        };
        let workers = Workers::new(journal.clone(), transport, credentials)
            .workers(usize::try_from(args.workers).unwrap_or(1))
            .config(config)
            .until(Until {
                settled: args.until_settled,
                deadline,
            })
            .spawn()
            .map_err(|e| CliError::Usage(e.to_string()))?;
        let ended = tokio::select! {
            ended = workers.join() => ended,
            _ = tokio::signal::ctrl_c() => workers.shutdown().await.map(|()| Ended::Stopped),
        }
        .map_err(|e| CliError::Rejected(format!("the journal: {e}")))?;
        drop(identity);
        let open = journal.open_count().await.map_err(journal_error)?;
        if matches!(ended, Ended::Settled) || open == 0 {
            return Ok(Exit::Ok);
        }
        let behind = journal.waiting_for_review().await.map_err(journal_error)?;
        if behind > 0 {
            io::diagnose(&format!(
                "{behind} of the {open} open refunds wait behind a review of an earlier refund \
                 of their payment: journal resolve it, then run again (exit 4)"
            ));
        } else {
            io::diagnose("refunds are still open: run again (exit 4)");
        }
        Ok(Exit::InProgress)
    })
}

/// MWS's TLS identity: --yookassa-tls-cert and --yookassa-tls-key, else the signing
/// certificate and key, else (with the samples) the client certificate `refundkit serve`
/// accepts. Each PEM checked, naming its flag.
fn mws_identity(args: &RunArgs, sample: bool) -> Result<Option<TlsIdentity>, CliError> {
    let files = match (&args.yookassa_tls_cert, &args.yookassa_tls_key) {
        (Some(cert), Some(key)) => Some((
            cert.clone(),
            key.clone(),
            "--yookassa-tls-cert",
            "--yookassa-tls-key",
        )),
        _ => args
            .credentials
            .yookassa_files()
            .map(|(key, cert)| (cert, key, "--yookassa-cert", "--yookassa-key")),
    };
    let Some((cert, key, cert_flag, key_flag)) = files else {
        if !sample {
            return Ok(None);
        }
        return TlsIdentity::from_pem(
            refundkit::samples::EMULATOR_CLIENT_CERT.as_bytes(),
            refundkit::samples::EMULATOR_CLIENT_KEY.as_bytes(),
        )
        .map(Some)
        .map_err(|e| CliError::Usage(e.to_string()));
    };
    let cert_pem = read(&cert, cert_flag)?;
    let key_pem = zeroize::Zeroizing::new(read(&key, key_flag)?);
    pem_certificates(&cert_pem, cert_flag, &cert)?;
    pem_private_key(&key_pem, key_flag, &key)?;
    TlsIdentity::from_pem(&cert_pem, &key_pem)
        .map(Some)
        .map_err(|e| CliError::Usage(format!("{cert_flag}/{key_flag}: {e}")))
}

fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(false)
        .try_init();
}

fn show(db: &DbArg, json: bool, id: Option<&str>) -> Result<Exit, CliError> {
    let journal = db.open_read_only()?;
    let entries = match id {
        Some(id) => vec![
            journal
                .get(id)
                .map_err(|e| CliError::Rejected(e.to_string()))?
                .ok_or_else(|| {
                    CliError::Rejected(format!("no refund {} in the journal", io::one_line(id)))
                })?,
        ],
        None => journal
            .list(&Filter::default())
            .map_err(|e| CliError::Rejected(e.to_string()))?,
    };
    let mut out = String::new();
    for entry in &entries {
        out.push_str(&if json {
            serde_json::to_string(entry).map_err(|e| CliError::Rejected(e.to_string()))?
        } else {
            line(entry)
        });
        out.push('\n');
    }
    io::emit(out.as_bytes())?;
    Ok(Exit::Ok)
}

fn line(entry: &Entry) -> String {
    // One line per refund: text from outside (an id, a provider's reason, a person's note)
    // has its control characters escaped, so it can neither break the line nor forge one.
    let mut line = format!(
        "{}  {}  {}  {}  attempts={}",
        io::one_line(&entry.id),
        entry.provider,
        entry.status,
        entry
            .amount
            .map_or_else(|| "-".to_owned(), |a| a.to_string()),
        entry.attempts
    );
    if let Some(reason) = entry.reason() {
        line.push_str("  ");
        line.push_str(&io::one_line(reason));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::{line, time_scale};

    #[test]
    fn a_line_of_show_escapes_control_characters_in_text_from_outside() {
        let t = std::time::UNIX_EPOCH;
        let entry = refundkit_journal::Entry {
            id: "r-1\nr-2  rbs  done".into(),
            provider: refundkit::ProviderId::Rbs,
            payment: "p".into(),
            status: refundkit::core::lifecycle::Status::Refused,
            amount: Some(refundkit::core::Amount::parse_decimal("10.00").unwrap()),
            attempts: 1,
            sends: 2,
            detail: Some("HTTP 200 5 \u{1b}[2JДоступ\r\nзапрещён".into()),
            created_at: t,
            updated_at: t,
            due_at: None,
            lease: None,
            resolution: None,
            settled_at: None,
            hold: None,
        };
        let shown = line(&entry);
        assert!(!shown.contains(['\n', '\r', '\u{1b}']), "{shown}");
        assert_eq!(
            shown,
            "r-1\\nr-2  rbs  done  rbs  refused  10.00  attempts=1  HTTP 200 5 \\u{1b}[2JДоступ\\r\\nзапрещён"
        );
    }

    #[test]
    fn a_time_scale_is_an_exact_fraction_above_0_and_at_most_1() {
        assert_eq!(time_scale("0.01").ok(), Some((1, 100)));
        assert_eq!(time_scale("1").ok(), Some((1, 1)));
        assert_eq!(time_scale(".5").ok(), Some((5, 10)));
        assert_eq!(time_scale("0.005").ok(), Some((5, 1000)));
        for bad in [
            "0",
            "0.0",
            "1.5",
            "2",
            "-0.1",
            "1e-3",
            "",
            ".",
            "0.0000000001",
        ] {
            assert!(time_scale(bad).is_err(), "{bad}");
        }
    }
}
