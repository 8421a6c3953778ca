//! `refundkit <provider> next`: the lifecycle decision on the command line, the same for the
//! four providers, and the time flags the lifecycle verbs share.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use refundkit::lifecycle::{Answer, Next, Record, Step};
use refundkit_core::http_text;

use crate::Exit;
use crate::io::{self, CliError};

/// The flags of `next`.
#[derive(clap::Args)]
pub struct NextArgs {
    /// The refund request as it was sent, in the text form `refundkit plan` prints.
    #[arg(long)]
    refund: PathBuf,
    /// The request this answer is to, when it is not the refund (a status request `next`
    /// printed before); same text form.
    #[arg(long)]
    sent: Option<PathBuf>,
    /// No answer came back after the request left (a timeout, a reset).
    #[arg(long)]
    lost: bool,
    /// The answer's HTTP status.
    #[arg(long, default_value_t = 200)]
    status: u16,
    /// How many times the refund has been sent, this time included.
    #[arg(long, default_value_t = 1)]
    attempts: u32,
    /// RBS: paymentAmountInfo.refundedAmount before the refund was sent, in minor units.
    #[arg(long)]
    refunded_before: Option<u64>,
    /// When the refund request last left (Unix seconds or `YYYY-MM-DDThh:mm:ssZ`): RBS sends
    /// a refund again after a status showing no refund only once the gateway has had time to
    /// book it.
    #[arg(long)]
    refund_sent_at: Option<String>,
    #[command(flatten)]
    now: NowArg,
    /// The answer's body; `-` or nothing for stdin (not read with --lost).
    input: Option<PathBuf>,
}

/// `--now`, shared by the verbs that decide in time.
#[derive(clap::Args)]
pub struct NowArg {
    /// The instant to decide at: Unix seconds, or `YYYY-MM-DDThh:mm:ssZ`; the clock when absent.
    #[arg(long)]
    now: Option<String>,
}

impl NowArg {
    /// The instant given, or the clock (the command line reads the clock; the library never
    /// does).
    pub fn instant(&self) -> Result<SystemTime, CliError> {
        match &self.now {
            None => Ok(SystemTime::now()),
            Some(text) => instant("--now", text),
        }
    }
}

/// An instant on the command line: Unix seconds, or `YYYY-MM-DDThh:mm:ssZ` naming a real
/// date and time (`2026-13-01` and `2026-02-30` are refused, never shifted).
pub fn instant(flag: &str, text: &str) -> Result<SystemTime, CliError> {
    let seconds = text
        .parse::<u64>()
        .ok()
        .or_else(|| {
            refundkit::yookassa::timing::parse_utc(text)
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                .map(|d| d.as_secs())
        })
        .ok_or_else(|| {
            CliError::Usage(format!(
                "{flag} {text:?}: Unix seconds or a real YYYY-MM-DDThh:mm:ssZ"
            ))
        })?;
    SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_secs(seconds))
        .ok_or_else(|| CliError::Usage(format!("{flag} {text:?}: out of range")))
}

pub fn read_request(path: &Path, what: &str) -> Result<http::Request<Vec<u8>>, CliError> {
    let bytes = io::read_input(Some(path))?;
    http_text::from_text(&bytes).map_err(|e| CliError::Rejected(format!("{what}: {e}")))
}

/// Prints a request in the text form.
pub fn print_request(request: &http::Request<Vec<u8>>) -> Result<Exit, CliError> {
    io::emit(http_text::to_text(request).as_bytes())?;
    Ok(Exit::Ok)
}

/// Unix seconds of an instant, for printing.
fn seconds(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Decides and prints: the step, why, not before when, and the request to send (its secrets
/// redacted, as `plan` prints it). Exit 0 done, 3 refused, 4 wait or resend, 5 reconcile.
pub fn next(provider: refundkit::ProviderId, args: NextArgs) -> Result<Exit, CliError> {
    let refund = read_request(&args.refund, "--refund")?;
    let sent = match &args.sent {
        Some(path) => read_request(path, "--sent")?,
        None => refundkit_core::copy_request(&refund),
    };
    let body;
    let answer = if args.lost {
        Answer::Lost
    } else {
        body = io::read_input(args.input.as_deref())?;
        Answer::Received {
            http_status: args.status,
            body: &body,
        }
    };
    let refund_sent_at = args
        .refund_sent_at
        .as_deref()
        .map(|t| instant("--refund-sent-at", t))
        .transpose()?;
    let record = Record {
        refund: &refund,
        attempts: args.attempts,
        refunded_before: args.refunded_before,
        refund_sent_at,
    };
    let next = refundkit::lifecycle::decide(provider, &record, &sent, answer, args.now.instant()?)
        .map_err(|e| CliError::Rejected(e.to_string()))?;
    let mut out = format!("{}\n", next.step());
    let (why, when) = match &next {
        Next::Done { refunded, detail } => (
            format!(
                "{detail}{}",
                refunded
                    .map(|a| format!("; refunded {a}"))
                    .unwrap_or_default()
            ),
            None,
        ),
        Next::Wait {
            detail, not_before, ..
        }
        | Next::Resend {
            detail, not_before, ..
        } => (detail.clone(), Some(*not_before)),
        Next::Refused {
            http_status,
            code,
            text,
            may_correct,
        } => (
            format!(
                "HTTP {http_status} {} {}; {}",
                code.as_deref().unwrap_or("-"),
                text.as_deref().unwrap_or(""),
                if *may_correct {
                    "a corrected request may be sent"
                } else {
                    "not correctable as asked"
                }
            ),
            None,
        ),
        Next::Reconcile {
            how, not_before, ..
        } => (how.clone(), Some(*not_before)),
        Next::Mismatch { mismatch, how } => (format!("not this refund: {mismatch}; {how}"), None),
    };
    // Provider text is printed as one line whatever it holds: a requestId with CR LF in it
    // must not add lines of its own to what scripts read.
    out.push_str(&format!("{}\n", io::one_line(&why)));
    if let Some(when) = when {
        out.push_str(&format!("not before: {}\n", seconds(when)));
    }
    if let Some(request) = next.request() {
        let shown = provider.adapter().map_or_else(
            || refundkit_core::copy_request(request),
            |p| p.redacted(request),
        );
        out.push('\n');
        out.push_str(&http_text::to_text(&shown));
    }
    io::emit(out.as_bytes())?;
    Ok(match next.step() {
        Step::Done => Exit::Ok,
        Step::Refused => Exit::Refused,
        Step::Wait | Step::Resend => Exit::InProgress,
        Step::Reconcile | Step::Mismatch => Exit::Reconcile,
    })
}
