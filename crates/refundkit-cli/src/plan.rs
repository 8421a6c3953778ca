//! `refundkit plan [--provider P] [INPUT]`: each provider's ready HTTP request for one refund.

use std::path::PathBuf;
use std::time::SystemTime;

use clap::{Args, ValueEnum};
use refundkit::plan::{Credentials, Environment, RefundDescription, build};
use std::ffi::OsString;

use refundkit::credentials::{Input, InputKind};

use crate::Exit;
use crate::io::{self, CliError};

/// The description used when no INPUT is given.
const SAMPLE_ORDER: &str = include_str!("../../../testdata/plan/sample-order.json");

pub use crate::providers::Which;

/// Credentials: a flag, else an environment variable, else (where the command allows) the
/// sample. The flags are each provider adapter's own inputs
/// ([`refundkit::credentials::inputs`]), with the variables beside them.
pub struct CredentialArgs {
    values: Vec<(&'static Input, Option<OsString>)>,
}

impl clap::FromArgMatches for CredentialArgs {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        Ok(CredentialArgs {
            values: refundkit::credentials::inputs()
                .map(|input| (input, matches.get_one::<OsString>(input.flag).cloned()))
                .collect(),
        })
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Args for CredentialArgs {
    fn augment_args(mut command: clap::Command) -> clap::Command {
        for input in refundkit::credentials::inputs() {
            let value_name = match input.kind {
                InputKind::File => "PATH",
                _ => "VALUE",
            };
            command = command.arg(
                clap::Arg::new(input.flag)
                    .long(input.flag)
                    .env(input.env)
                    .hide_env_values(true)
                    .value_name(value_name)
                    .value_parser(clap::value_parser!(OsString))
                    .help(input.help),
            );
        }
        command
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Self::augment_args(command)
    }
}

impl CredentialArgs {
    /// The value of the input with `flag`, when given.
    pub fn get(&self, flag: &str) -> Option<&OsString> {
        self.values
            .iter()
            .find(|(input, _)| input.flag == flag)
            .and_then(|(_, value)| value.as_ref())
    }

    /// The YooKassa key and certificate files given (for MWS's TLS identity).
    pub fn yookassa_files(&self) -> Option<(PathBuf, PathBuf)> {
        self.get("yookassa-key")
            .zip(self.get("yookassa-cert"))
            .map(|(k, c)| (PathBuf::from(k), PathBuf::from(c)))
    }
}

/// The credentials the flags (or their environment variables) give, through refundkit's one
/// loader; with `samples`, the clearly marked sample ones stand in for each provider's that is
/// missing. Whether a sample was used.
pub fn credentials(args: &CredentialArgs, samples: bool) -> Result<(Credentials, bool), CliError> {
    let mut credentials = Credentials::from_inputs(&|input| {
        args.values
            .iter()
            .find(|(i, _)| *i == input)
            .and_then(|(_, value)| value.clone())
    })
    .map_err(|e| CliError::Usage(e.to_string()))?;
    let used = samples && !credentials.fill_samples().is_empty();
    Ok((credentials, used))
}

/// Where the requests go: overrides of the description's `settings`.
#[derive(Args)]
pub struct SettingArgs {
    /// Production hosts, or each provider's test host (sandbox, demo, the bank's test gateway).
    #[arg(long, value_enum)]
    environment: Option<EnvironmentArg>,
    /// A provider's setting, `PROVIDER.NAME=VALUE` (`rbs.gateway=alfa-bank`,
    /// `robokassa.alg=HS512`, `yandex-pay.base_url=http://127.0.0.1:8080`). Repeatable.
    #[arg(long, value_name = "PROVIDER.NAME=VALUE")]
    setting: Vec<String>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum EnvironmentArg {
    Production,
    Test,
}

/// Applies the setting flags to a description.
pub fn apply_settings(
    desc: &mut RefundDescription,
    settings: &SettingArgs,
) -> Result<(), CliError> {
    if let Some(environment) = settings.environment {
        desc.settings.environment = match environment {
            EnvironmentArg::Production => Environment::Production,
            EnvironmentArg::Test => Environment::Test,
        };
    }
    for assignment in &settings.setting {
        desc.settings
            .set(assignment)
            .map_err(|e| CliError::Usage(format!("--setting {e}")))?;
    }
    Ok(())
}

/// Says on stderr that sample credentials were used.
pub fn note_samples() {
    io::diagnose(
        "using SAMPLE credentials from testdata/sample-credentials (not real; see --help)",
    );
}

pub fn run(
    which: Which,
    creds: &CredentialArgs,
    settings: &SettingArgs,
    state: Option<&std::path::Path>,
    now: SystemTime,
    input: Option<PathBuf>,
) -> Result<Exit, CliError> {
    if state.is_some() && which == Which::All {
        return Err(CliError::Usage(
            "--state writes one refund's state: name its --provider".into(),
        ));
    }
    let json = match &input {
        Some(_) => io::read_input(input.as_deref())?,
        None => SAMPLE_ORDER.as_bytes().to_vec(),
    };
    let mut desc: RefundDescription = refundkit_core::json::decode(&json)
        .map_err(|e| CliError::Rejected(format!("refund description: {e}")))?;
    apply_settings(&mut desc, settings)?;
    let (credentials, sample) = credentials(creds, true)?;
    if sample {
        note_samples();
    }
    use refundkit::ProviderId;
    let one;
    let names: &[ProviderId] = match which {
        Which::All => &[],
        Which::One(p) => {
            one = [p];
            &one
        }
    };
    let plan = build(&desc, &credentials, names, now)
        .map_err(|e| CliError::Rejected(format!("refund description: {e}")))?;
    io::emit(plan.to_string().as_bytes())?;
    if let Some(path) = state {
        // Only a request without errors has a refund to start: a rejected plan writes none.
        match plan
            .providers
            .iter()
            .filter(|p| !p.report.has_errors())
            .find_map(|p| p.refund.as_ref())
        {
            Some(refund) => io::write_state(path, refund)?,
            None => {
                return Err(CliError::Rejected(format!(
                    "--state {}: the plan has no refund to start",
                    path.display()
                )));
            }
        }
    }
    // A provider the description gives no references for is skipped, unless it was asked for.
    let bad = plan.providers.iter().any(|p| {
        p.report.has_errors()
            || (p.request.is_none() && (p.skipped.is_none() || which != Which::All))
    });
    Ok(if bad { Exit::Rejected } else { Exit::Ok })
}
