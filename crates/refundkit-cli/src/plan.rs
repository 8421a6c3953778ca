//! `refundkit plan [--provider P] [INPUT]`: each provider's ready HTTP request for one refund.

use std::path::PathBuf;
use std::time::SystemTime;

use clap::{Args, ValueEnum};
use refundkit::plan::{Credentials, Environment, RefundDescription, build};
use refundkit_core::SecretString;

use crate::Exit;
use crate::io::{self, CliError};

/// The description used when no INPUT is given.
const SAMPLE_ORDER: &str = include_str!("../../../testdata/plan/sample-order.json");

/// Clearly marked sample credentials from testdata/sample-credentials (not real).
mod sample {
    pub const PASSWORD3: &[u8] =
        include_bytes!("../../../testdata/sample-credentials/robokassa-password3.txt");
    pub const YANDEX_KEY: &[u8] =
        include_bytes!("../../../testdata/sample-credentials/yandex-pay-api-key.txt");
    pub const YOOKASSA_KEY: &[u8] =
        include_bytes!("../../../testdata/sample-credentials/yookassa-shop.key");
    pub const YOOKASSA_CERT: &[u8] =
        include_bytes!("../../../testdata/sample-credentials/yookassa-shop.crt");
    pub const RBS_USER: &[u8] =
        include_bytes!("../../../testdata/sample-credentials/rbs-user-name.txt");
    pub const RBS_PASSWORD: &[u8] =
        include_bytes!("../../../testdata/sample-credentials/rbs-password.txt");
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Which {
    Robokassa,
    YandexPay,
    Yookassa,
    Rbs,
    All,
}

/// Credentials: a flag, else an environment variable, else the sample.
#[derive(Args)]
pub struct CredentialArgs {
    /// Robokassa Password3 file.
    #[arg(long, env = "REFUNDKIT_ROBOKASSA_PASSWORD3_FILE", value_name = "PATH")]
    robokassa_password3_file: Option<PathBuf>,
    /// Yandex Pay API key file.
    #[arg(long, env = "REFUNDKIT_YANDEX_PAY_API_KEY_FILE", value_name = "PATH")]
    yandex_pay_api_key_file: Option<PathBuf>,
    /// YooKassa private key (PEM).
    #[arg(long, env = "REFUNDKIT_YOOKASSA_KEY", value_name = "KEY.pem")]
    yookassa_key: Option<PathBuf>,
    /// YooKassa certificate (PEM).
    #[arg(long, env = "REFUNDKIT_YOOKASSA_CERT", value_name = "CERT.pem")]
    yookassa_cert: Option<PathBuf>,
    /// RBS userName.
    #[arg(long, env = "REFUNDKIT_RBS_USER_NAME", value_name = "NAME")]
    rbs_user_name: Option<String>,
    /// RBS password file.
    #[arg(long, env = "REFUNDKIT_RBS_PASSWORD_FILE", value_name = "PATH")]
    rbs_password_file: Option<PathBuf>,
}

/// A credential file's bytes: the flag's (or its environment variable's) file, else the
/// sample's when samples are allowed (noting that one was used), else nothing.
fn file_or(
    path: &Option<PathBuf>,
    sample: &[u8],
    samples: &mut Samples,
) -> Result<Option<Vec<u8>>, CliError> {
    match path {
        Some(p) => std::fs::read(p)
            .map(Some)
            .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", p.display()))),
        None if samples.allowed => {
            samples.used = true;
            Ok(Some(sample.to_vec()))
        }
        None => Ok(None),
    }
}

/// Whether the sample credentials may stand in for missing ones, and whether one did.
struct Samples {
    allowed: bool,
    used: bool,
}

fn secret(bytes: Vec<u8>) -> Result<SecretString, CliError> {
    SecretString::from_file_bytes(bytes)
        .map_err(|_| CliError::Usage("a credential file is not UTF-8".into()))
}

/// The credentials the flags (or their environment variables) give; with `samples`, the
/// clearly marked sample ones stand in for those missing. Whether a sample was used.
pub fn credentials(args: &CredentialArgs, samples: bool) -> Result<(Credentials, bool), CliError> {
    let mut samples = Samples {
        allowed: samples,
        used: false,
    };
    let mut credentials = Credentials::new();
    if let Some(bytes) = file_or(
        &args.robokassa_password3_file,
        sample::PASSWORD3,
        &mut samples,
    )? {
        credentials.insert(
            refundkit_robokassa::Password3::new(secret(bytes)?)
                .map_err(|e| CliError::Usage(e.to_string()))?,
        );
    }
    if let Some(bytes) = file_or(
        &args.yandex_pay_api_key_file,
        sample::YANDEX_KEY,
        &mut samples,
    )? {
        credentials.insert(refundkit_yandex_pay::types::ApiKey(secret(bytes)?));
    }
    let key = file_or(&args.yookassa_key, sample::YOOKASSA_KEY, &mut samples)?;
    let cert = file_or(&args.yookassa_cert, sample::YOOKASSA_CERT, &mut samples)?;
    if let (Some(key), Some(cert)) = (key, cert) {
        let key = refundkit_pkcs7::PrivateKey::from_pem_or_der(&key)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        let cert = refundkit_pkcs7::Certificate::from_pem_or_der(&cert)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        credentials.insert(
            refundkit_pkcs7::Signer::new(key, cert).map_err(|e| CliError::Usage(e.to_string()))?,
        );
    }
    let user_name = match &args.rbs_user_name {
        Some(u) => Some(u.clone()),
        None if samples.allowed => {
            samples.used = true;
            Some(
                String::from_utf8_lossy(sample::RBS_USER)
                    .trim_end()
                    .to_owned(),
            )
        }
        None => None,
    };
    let password = file_or(&args.rbs_password_file, sample::RBS_PASSWORD, &mut samples)?;
    if let (Some(user_name), Some(password)) = (user_name, password) {
        credentials.insert(refundkit_rbs::Auth::Password {
            user_name,
            password: refundkit_rbs::types::Password(secret(password)?),
        });
    }
    Ok((credentials, samples.used))
}

impl CredentialArgs {
    /// The YooKassa key and certificate files given (for MWS's TLS identity).
    pub fn yookassa_files(&self) -> Option<(&PathBuf, &PathBuf)> {
        self.yookassa_key.as_ref().zip(self.yookassa_cert.as_ref())
    }
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
    input: Option<PathBuf>,
) -> Result<Exit, CliError> {
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
    let names: &[ProviderId] = match which {
        Which::All => &[],
        Which::Robokassa => &[ProviderId::Robokassa],
        Which::YandexPay => &[ProviderId::YandexPay],
        Which::Yookassa => &[ProviderId::Yookassa],
        Which::Rbs => &[ProviderId::Rbs],
    };
    let plan = build(&desc, &credentials, names, SystemTime::now())
        .map_err(|e| CliError::Rejected(format!("refund description: {e}")))?;
    io::emit(plan.to_string().as_bytes())?;
    // A provider the description gives no references for is skipped, unless it was asked for.
    let bad = plan.providers.iter().any(|p| {
        p.report.has_errors()
            || (p.request.is_none() && (p.skipped.is_none() || which != Which::All))
    });
    Ok(if bad { Exit::Rejected } else { Exit::Ok })
}
