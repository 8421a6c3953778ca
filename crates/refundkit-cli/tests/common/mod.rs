//! What every CLI test needs: the binary, run with arguments and stdin; testdata paths.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// `testdata/<provider>/<file>` as a string.
pub fn testdata(provider: &str, file: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(provider)
        .join(file)
        .to_string_lossy()
        .into_owned()
}

/// Runs `refundkit` with `args`, feeding `stdin`, with no credential variables set.
pub fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_refundkit"));
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in [
        "REFUNDKIT_ROBOKASSA_PASSWORD3_FILE",
        "REFUNDKIT_YANDEX_PAY_API_KEY_FILE",
        "REFUNDKIT_YOOKASSA_KEY",
        "REFUNDKIT_YOOKASSA_CERT",
        "REFUNDKIT_RBS_USER_NAME",
        "REFUNDKIT_RBS_PASSWORD_FILE",
    ] {
        command.env_remove(var);
    }
    let mut child = command.spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    // A command that fails on its flags exits without reading stdin.
    let _ = pipe.write_all(stdin.unwrap_or_default());
    drop(pipe);
    child.wait_with_output().unwrap()
}
