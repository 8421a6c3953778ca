//! One loader for credentials: each provider's inputs (flag and `REFUNDKIT_*` variable), read
//! by the command line and by `Credentials::from_env` alike; the samples are the files of
//! `testdata/sample-credentials`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::ffi::OsString;
use std::time::{Duration, SystemTime};

use refundkit::Credentials;
use refundkit::credentials::{CredentialError, inputs};
use refundkit::plan::{RefundDescription, build};

fn testdata(path: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(path)
}

/// What each input would hold in an environment pointing at the sample files.
fn sample_inputs(flag: &str) -> Option<OsString> {
    Some(match flag {
        "robokassa-password3-file" => testdata("sample-credentials/robokassa-password3.txt").into(),
        "yandex-pay-api-key-file" => testdata("sample-credentials/yandex-pay-api-key.txt").into(),
        "yookassa-key" => testdata("sample-credentials/yookassa-shop.key").into(),
        "yookassa-cert" => testdata("sample-credentials/yookassa-shop.crt").into(),
        "rbs-user-name" => "sample-rbs-api".into(),
        "rbs-password-file" => testdata("sample-credentials/rbs-password.txt").into(),
        "yookassa-v3-shop-id" => "100500".into(),
        "yookassa-v3-secret-key-file" => {
            testdata("sample-credentials/yookassa-v3-secret-key.txt").into()
        }
        _ => return None,
    })
}

fn requests(credentials: &Credentials) -> Vec<Vec<u8>> {
    let desc =
        RefundDescription::from_json(&std::fs::read(testdata("plan/sample-order.json")).unwrap())
            .unwrap();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_428_000);
    build(&desc, credentials, &[], now)
        .unwrap()
        .providers
        .into_iter()
        .map(|p| p.request.expect("built").into_body())
        .collect()
}

#[test]
fn every_input_is_a_refundkit_variable_beside_its_flag() {
    for input in inputs() {
        let expected = format!("REFUNDKIT_{}", input.flag.replace('-', "_").to_uppercase());
        assert_eq!(input.env, expected, "{}", input.flag);
    }
    // Two at most per provider: a value and a file, or a key and a certificate.
    assert!(inputs().count() <= 2 * refundkit::providers::all().len());
}

#[test]
fn the_sample_credentials_are_the_sample_files_read_by_the_one_loader() {
    let loaded = Credentials::from_inputs(&|input| sample_inputs(input.flag)).unwrap();
    assert_eq!(
        requests(&loaded),
        requests(&refundkit::samples::credentials())
    );
}

#[test]
fn half_a_credential_is_refused_naming_both_inputs() {
    let e = Credentials::from_inputs(&|input| {
        (input.flag == "yookassa-key")
            .then(|| sample_inputs("yookassa-key"))
            .flatten()
    })
    .unwrap_err();
    assert!(
        matches!(
            e,
            CredentialError::Incomplete {
                given: "yookassa-key",
                missing: "yookassa-cert",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn a_file_that_does_not_read_is_named_by_its_flag_and_variable_and_no_value_is_echoed() {
    let e = Credentials::from_inputs(&|input| {
        (input.flag == "robokassa-password3-file").then(|| OsString::from("/no/such/file"))
    })
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("--robokassa-password3-file")
            && e.contains("REFUNDKIT_ROBOKASSA_PASSWORD3_FILE"),
        "{e}"
    );
    let e = Credentials::from_inputs(&|input| match input.flag {
        "yookassa-key" => Some(testdata("sample-credentials/rbs-password.txt").into()),
        "yookassa-cert" => sample_inputs("yookassa-cert"),
        _ => None,
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("--yookassa-key"), "{e}");
    assert!(!e.contains("sample-rbs-password"), "{e}");
}

#[test]
fn no_input_given_is_no_credential_and_fill_samples_says_which_it_filled() {
    let mut none = Credentials::from_inputs(&|_| None).unwrap();
    let filled = none.fill_samples();
    assert_eq!(filled, refundkit::ProviderId::ALL.to_vec());
    assert_eq!(
        requests(&none),
        requests(&refundkit::samples::credentials())
    );
}
