//! `refundkit <provider> <verb> [FLAGS] [INPUT]`.
//!
//! INPUT is a path, or `-` or nothing for stdin. Output goes to stdout, diagnostics to stderr
//! naming the field. Exit codes: 0 ok, 1 input rejected (invalid, unverifiable, malformed),
//! 2 usage error, 3 the provider refused (`parse-response`, `next`), 4 in progress: wait or
//! resend (YooKassa status 1; `next`'s wait and resend), 5 outcome unknown: reconcile before
//! any retry (`next`). A panic (101) is a bug.
#![forbid(unsafe_code)]

mod conform;
mod demo;
mod io;
mod journal;
mod lifecycle;
mod plan;
mod providers;
mod serve;
mod vectors;
mod web;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The exit codes of the command-line contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done.
    Ok,
    /// 1: the input was rejected (invalid, unverifiable, malformed).
    Rejected,
    /// 2: the command line was wrong.
    Usage,
    /// 3: the provider refused (a parsed response said no).
    Refused,
    /// 4: the provider is still processing; wait, or repeat the same request later.
    InProgress,
    /// 5: the outcome is unknown; reconcile before any retry.
    Reconcile,
}

impl Exit {
    /// The exit code of what a provider's answer states: 0 success, 4 in progress, 3 refused,
    /// 1 for a server error or a malformed answer (nothing was stated).
    pub fn of(verdict: refundkit_core::Verdict) -> Exit {
        use refundkit_core::Verdict;
        match verdict {
            Verdict::Success => Exit::Ok,
            Verdict::InProgress => Exit::InProgress,
            Verdict::Refused => Exit::Refused,
            _ => Exit::Rejected,
        }
    }
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Rejected => 1,
            Exit::Usage => 2,
            Exit::Refused => 3,
            Exit::InProgress => 4,
            Exit::Reconcile => 5,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e.code())
    }
}

/// Refund messages for Robokassa, Yandex Pay, YooKassa MWS and RBS: built, signed, verified
/// and checked offline.
#[derive(Parser)]
#[command(name = "refundkit", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Provider(providers::Providers),
    /// Exactly once, on screen: the sample refund of every provider through a journal in a
    /// temporary SQLite file and the emulator in process, a fault at every provider (lost
    /// answers, a 500, a proxy page, a delay), one worker killed in the middle of a request
    /// and another started; then each refund beside what its provider booked. Exit 0 only
    /// when every refund happened exactly once. About ten seconds.
    Demo(demo::DemoArgs),
    /// Describe a refund once (JSON; the format is in docs/a-refund-by-hand.md) and print each provider's
    /// ready HTTP request (method, URL, headers with secrets redacted, body) with every
    /// violation. With no INPUT, a built-in sample order; with no credentials, clearly marked
    /// sample ones.
    Plan {
        /// Which providers.
        #[arg(long, value_name = "PROVIDER", value_parser = providers::which(), default_value = "all")]
        provider: plan::Which,
        #[command(flatten)]
        credentials: plan::CredentialArgs,
        #[command(flatten)]
        settings: plan::SettingArgs,
        /// Also write the refund's state to FILE, started now (one `--provider`): the file
        /// `refundkit <provider> next --state FILE` takes from here.
        #[arg(long, value_name = "FILE")]
        state: Option<std::path::PathBuf>,
        #[command(flatten)]
        now: lifecycle::NowArg,
        /// The refund description; `-` for stdin; nothing for the built-in sample.
        input: Option<std::path::PathBuf>,
    },
    /// Recognise a refund message (a Robokassa token, a Yandex Pay body or response, a YooKassa
    /// PKCS#7 or its XML, an RBS form or response), decode it, validate it and print what was
    /// found with every violation: exit 0 when valid, 1 otherwise; for a provider's answer,
    /// what it states: 0 success, 3 refused, 4 in progress, 1 malformed.
    Inspect {
        /// The message; `-` or nothing for stdin.
        input: Option<std::path::PathBuf>,
    },
    /// Run every golden vector under DIR (default testdata/) and print a table per provider;
    /// exit 1 on any failure.
    Conform {
        /// The vectors' root: one directory per provider with a vectors.json.
        dir: Option<std::path::PathBuf>,
    },
    /// The providers' refund endpoints emulated on loopback (HTTP/1.1; MWS over TLS
    /// with a client certificate), answering from a scenario's state: prints each provider's
    /// base URL; Ctrl-C stops it.
    Serve(serve::ServeArgs),
    /// Each refund exactly once, across crashes, restarts and any number of workers: refunds
    /// submitted to a journal (SQLite or PostgreSQL), workers that send them write-ahead, and
    /// a person's answer to a review.
    Journal {
        #[command(subcommand)]
        verb: journal::Verb,
    },
    /// The golden vectors as a suite any implementation can run (one JSON file per provider
    /// and operation, Wycheproof's shape), and a runner of an external implementation over it.
    Vectors {
        #[command(subcommand)]
        verb: vectors::Verb,
    },
}

fn inspect(input: Option<std::path::PathBuf>) -> Result<Exit, io::CliError> {
    let found = refundkit::inspect::inspect(&io::read_input(input.as_deref())?);
    io::emit(format!("{found}\n").as_bytes())?;
    Ok(match found.answer {
        Some(verdict) => Exit::of(verdict),
        None if found.is_valid() => Exit::Ok,
        None => Exit::Rejected,
    })
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with 0; real usage errors exit 2.
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            }
            .into();
        }
    };
    match dispatch(cli.command) {
        Ok(exit) => exit.into(),
        Err(e) => {
            io::diagnose(&e.to_string());
            e.exit().into()
        }
    }
}

/// Runs a parsed command (what `conform` also does with each lifecycle case's command line).
fn dispatch(command: Command) -> Result<Exit, io::CliError> {
    match command {
        Command::Provider(p) => p.run(),
        Command::Conform { dir } => conform::run(dir),
        Command::Plan {
            provider,
            credentials,
            settings,
            state,
            now,
            input,
        } => plan::run(
            provider,
            &credentials,
            &settings,
            state.as_deref(),
            now.instant()?,
            input,
        ),
        Command::Inspect { input } => inspect(input),
        Command::Demo(args) => demo::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Journal { verb } => journal::run(verb),
        Command::Vectors { verb } => vectors::run(verb),
    }
}
