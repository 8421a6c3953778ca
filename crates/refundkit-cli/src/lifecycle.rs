//! `refundkit <provider> next`: the lifecycle decision on the command line, the same for the
//! providers, and the time flags the lifecycle verbs share.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use refundkit::lifecycle::{Answer, Next, Step};
use refundkit_core::http_text;

use crate::Exit;
use crate::io::{self, CliError};

/// The flags of `next`.
#[derive(clap::Args)]
pub struct NextArgs {
    /// The refund's state as refundkit stores it (`Refund::to_json`, a journal's state): read,
    /// and written back with the step taken (atomically: a new file renamed over it).
    #[arg(long, value_name = "FILE", required_unless_present = "refund")]
    state: Option<PathBuf>,
    /// The request files `next` read before it kept the machine's state: refused, naming the
    /// replacement (a script written for them hears why, not an unknown flag).
    #[arg(long, value_name = "FILE", hide = true)]
    refund: Option<PathBuf>,
    /// Acknowledge the request that is due as leaving now, and print it: send it, then give
    /// its answer with another `next`. Without it, `next` takes the answer to the request in
    /// flight.
    #[arg(long, conflicts_with_all = ["lost", "status", "input"])]
    send: bool,
    /// No answer came back after the request left (a timeout, a reset).
    #[arg(long)]
    lost: bool,
    /// The answer's HTTP status.
    #[arg(long, default_value_t = 200)]
    status: u16,
    #[command(flatten)]
    now: NowArg,
    #[command(flatten)]
    credentials: crate::plan::CredentialArgs,
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

/// One step of the refund whose state is in `--state`: the answer to its request in flight
/// (or, with `--send`, the due request acknowledged as leaving), the state written back, and
/// what comes next printed: the step, why, not before when, and the request to send (its
/// secrets redacted, as `plan` prints it). Exit 0 done, 3 refused, 4 wait or resend, 5
/// reconcile, a person's review or an answer about another refund.
pub fn next(provider: refundkit::ProviderId, args: NextArgs) -> Result<Exit, CliError> {
    let Some(path) = args.state.as_deref().filter(|_| args.refund.is_none()) else {
        return Err(CliError::Usage(format!(
            "next takes the refund's state, no longer its request file: \
             `refundkit plan --provider {provider} --state FILE` writes one, \
             then `refundkit {provider} next --state FILE --send` and `next --state FILE ANSWER`"
        )));
    };
    let bytes = io::read_input(Some(path))?;
    let mut refund = refundkit::Refund::from_json(&bytes)
        .map_err(|e| CliError::Rejected(format!("--state: {e}")))?;
    if refund.provider() != provider {
        return Err(CliError::Usage(format!(
            "--state holds a {} refund, not {provider}'s",
            refund.provider()
        )));
    }
    let (credentials, sample) = crate::plan::credentials(&args.credentials, true)?;
    if sample {
        crate::plan::note_samples();
    }
    let now = args.now.instant()?;
    if args.send {
        return send(provider, path, &mut refund, &credentials, now);
    }
    let refundkit::lifecycle::Action::Awaiting { seq, .. } = refund
        .poll(now, &credentials)
        .map_err(|e| CliError::Rejected(e.to_string()))?
    else {
        return Err(CliError::Rejected(format!(
            "--state: no request is in flight (the refund is {}): `next --send` acknowledges \
             the one due",
            refund.status()
        )));
    };
    let body;
    let answer = if args.lost {
        Answer::Lost
    } else {
        body = io::read_input(args.input.as_deref())?;
        Answer::received(args.status, &body)
    };
    refund
        .on_answer(seq, answer, &credentials, now)
        .map_err(|e| CliError::Rejected(e.to_string()))?;
    let next = refund
        .next(&credentials)
        .map_err(|e| CliError::Rejected(e.to_string()))?;
    io::write_state(path, &refund)?;
    print_next(provider, &next)
}

/// `next --send`: the due request acknowledged as leaving at `now` and printed, the state
/// written back in flight; a sleep or a final outcome printed as it stands.
fn send(
    provider: refundkit::ProviderId,
    path: &Path,
    refund: &mut refundkit::Refund,
    credentials: &refundkit::Credentials,
    now: SystemTime,
) -> Result<Exit, CliError> {
    use refundkit::lifecycle::Action;
    let action = refund
        .poll(now, credentials)
        .map_err(|e| CliError::Rejected(e.to_string()))?;
    match action {
        Action::Send(out) => {
            refund
                .sent(&out, now)
                .map_err(|e| CliError::Rejected(e.to_string()))?;
            io::write_state(path, refund)?;
            let shown = provider.adapter().map_or_else(
                || refundkit_core::copy_request(&out.request),
                |p| p.redacted(&out.request),
            );
            let text = format!(
                "send\n{}\nrequest: {}\n\n{}",
                io::one_line(&out.detail),
                out.seq,
                http_text::to_text(&shown)
            );
            io::emit(text.as_bytes())?;
            Ok(Exit::InProgress)
        }
        Action::Awaiting { seq, since, .. } => Err(CliError::Rejected(format!(
            "request {seq} is in flight since {}: give its answer (or --lost) first",
            seconds(since)
        ))),
        Action::Escalate(why) => {
            refund
                .escalate(why, now)
                .map_err(|e| CliError::Rejected(e.to_string()))?;
            io::write_state(path, refund)?;
            let next = refund
                .next(credentials)
                .map_err(|e| CliError::Rejected(e.to_string()))?;
            print_next(provider, &next)
        }
        Action::Sleep { .. } | Action::Done(_) | Action::Refused(_) | Action::Review(_) => {
            let next = refund
                .next(credentials)
                .map_err(|e| CliError::Rejected(e.to_string()))?;
            print_next(provider, &next)
        }
    }
}

/// Prints a step as `next` does: its name, why, not before when, the request to send.
fn print_next(provider: refundkit::ProviderId, next: &Next) -> Result<Exit, CliError> {
    let mut out = format!("{}\n", next.step());
    let (why, when) = match next {
        Next::Done(done) => (
            format!(
                "{}{}",
                done.detail,
                done.refunded
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
        Next::Refused(refused) => (
            format!(
                "HTTP {} {} {}; {}",
                refused
                    .http_status
                    .map_or_else(|| "-".to_owned(), |s| s.to_string()),
                refused.code.as_deref().unwrap_or("-"),
                refused.text.as_deref().unwrap_or(""),
                if refused.may_correct {
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
        Next::Review(review) => match &review.mismatch {
            Some(m) => (format!("not this refund: {m}; {}", review.how), None),
            None => (review.how.clone(), None),
        },
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
        Step::Reconcile | Step::Review | Step::Mismatch => Exit::Reconcile,
    })
}
