//! The `refundkit yookassa` verbs through the real binary, with openssl on the other side.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

fn testdata(file: &str) -> String {
    common::testdata("yookassa", file)
}

use common::run;

use std::process::{Command, Output};

fn sign(input: &str, extra: &[&str]) -> Output {
    let (key, cert) = (testdata("keys/shop.key"), testdata("keys/shop.crt"));
    let mut args = vec![
        "yookassa",
        "sign",
        "--key",
        &key,
        "--cert",
        &cert,
        "--signing-time",
        "1763800000",
    ];
    args.extend(extra);
    let input = testdata(input);
    args.push(&input);
    run(&args, None)
}

#[test]
fn sign_outputs_pem_that_openssl_verifies_with_sha256_and_sha1() {
    for digest in ["sha256", "sha1"] {
        let out = sign("requests/escaping-valid-receipt.xml", &["--digest", digest]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.starts_with(b"-----BEGIN PKCS7-----\n"));
        let file =
            std::env::temp_dir().join(format!("refundkit-cli-{}-{digest}.pem", std::process::id()));
        std::fs::write(&file, &out.stdout).unwrap();
        let cert = testdata("keys/shop.crt");
        let verified = Command::new("openssl")
            .args([
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "PEM",
                "-in",
                &file.to_string_lossy(),
                "-certfile",
                &cert,
                "-CAfile",
                &cert,
                "-purpose",
                "any",
            ])
            .output()
            .expect("openssl is required");
        assert!(
            verified.status.success(),
            "{}",
            String::from_utf8_lossy(&verified.stderr)
        );
        assert_eq!(
            verified.stdout,
            std::fs::read(testdata("requests/escaping-valid-receipt.canonical.xml")).unwrap()
        );
    }
}

#[test]
fn sign_is_reproducible_for_a_fixed_signing_time() {
    let a = sign("requests/seed-1.xml", &[]);
    let b = sign("requests/seed-1.xml", &[]);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn sign_refuses_invalid_input_and_a_mismatched_key() {
    let out = sign("requests/seed-2-receipt.xml", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("receipt.items")
    );
    let (key, cert) = (testdata("keys/other.key"), testdata("keys/shop.crt"));
    let out = run(
        &[
            "yookassa",
            "sign",
            "--key",
            &key,
            "--cert",
            &cert,
            &testdata("requests/seed-1.xml"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn open_prints_the_content_bytes_exactly() {
    let out = run(
        &[
            "yookassa",
            "open",
            "--insecure-skip-signature",
            &testdata("seed-example.pem"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        out.stdout,
        std::fs::read(testdata("seed-example.content.xml")).unwrap()
    );
    let out = run(
        &[
            "yookassa",
            "open",
            "--cert",
            &testdata("keys/provider.crt"),
            &testdata("pkcs7/openssl-stream-response.pem"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        out.stdout,
        std::fs::read(testdata("responses/refused-405.xml")).unwrap()
    );
}

#[test]
fn open_refuses_bad_signature_digest_or_structure() {
    for (trust, file) in [
        (
            vec!["--cert", "keys/shop.crt"],
            "pkcs7/openssl-stream-response.pem",
        ),
        (
            vec!["--insecure-skip-signature"],
            "seed-example-tampered.pem",
        ),
        (vec!["--insecure-skip-signature"], "requests/seed-1.xml"),
    ] {
        let mut args = vec!["yookassa".to_string(), "open".into()];
        args.extend(trust.iter().map(|t| {
            if t.starts_with("keys/") {
                testdata(t)
            } else {
                (*t).to_string()
            }
        }));
        args.push(testdata(file));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&args, None);
        assert_eq!(out.status.code(), Some(1), "{file}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn open_needs_a_certificate_or_the_explicit_insecure_flag() {
    assert_eq!(
        run(&["yookassa", "open", &testdata("seed-example.pem")], None)
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn check_exits_0_or_1_with_every_violation() {
    assert_eq!(
        run(
            &["yookassa", "check", &testdata("requests/seed-1.xml")],
            None
        )
        .status
        .code(),
        Some(0)
    );
    let out = run(
        &[
            "yookassa",
            "check",
            &testdata("requests/every-rule-broken.xml"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        21,
        "{err}"
    );
}

#[test]
fn parse_response_exits_0_done_3_refused_4_in_progress_1_malformed() {
    for (file, code, line) in [
        ("responses/seed-done.xml", 0, "done\n"),
        (
            "responses/refused-405.xml",
            3,
            "refused 405 clientOrderId reused with other data\n",
        ),
        ("responses/in-progress.xml", 4, "in-progress\n"),
        (
            "responses/refused-unknown-code.xml",
            3,
            "refused 777 unknown error code\n",
        ),
        ("responses/proxy-error.html", 1, "malformed\n"),
    ] {
        let out = run(&["yookassa", "parse-response", &testdata(file)], None);
        assert_eq!(out.status.code(), Some(code), "{file}");
        assert_eq!(String::from_utf8(out.stdout).unwrap(), line, "{file}");
    }
}

#[test]
fn a_signed_response_needs_the_provider_certificate() {
    let file = testdata("pkcs7/openssl-stream-response.pem");
    assert_eq!(
        run(&["yookassa", "parse-response", &file], None)
            .status
            .code(),
        Some(1)
    );
    let out = run(
        &[
            "yookassa",
            "parse-response",
            "--cert",
            &testdata("keys/provider.crt"),
            &file,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn arbitrary_input_never_panics() {
    let (key, cert) = (testdata("keys/shop.key"), testdata("keys/shop.crt"));
    for input in [
        &b"\xff\xfe"[..],
        b"<",
        b"-----BEGIN PKCS7-----\n!!\n-----END PKCS7-----\n",
        &[0x30, 0x80, 0x30, 0x80],
        &[0u8; 100],
    ] {
        for verb in [
            &["yookassa", "sign", "--key", &key, "--cert", &cert][..],
            &["yookassa", "open", "--insecure-skip-signature"],
            &["yookassa", "open", "--cert", &cert],
            &["yookassa", "check"],
            &["yookassa", "parse-response"],
        ] {
            let code = run(verb, Some(input)).status.code();
            assert!(
                matches!(code, Some(1 | 3 | 4)),
                "{verb:?} {input:?}: {code:?}"
            );
        }
    }
}

#[test]
fn open_trusts_every_certificate_of_a_shipped_file_and_says_which_signed() {
    let peer = |f: &str| {
        refundkit_testkit::peer_data(&format!("yookassa/{f}")).map(|_| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/peer-data/yookassa")
                .join(f)
                .to_string_lossy()
                .into_owned()
        })
    };
    let (Some(printed), Some(message), Some(content)) = (
        peer("ym_paymentcenter_2014.print_certs.pem"),
        peer("ym_checkOrder_2015.p7.pem"),
        peer("ym_checkOrder_2015.content.xml"),
    ) else {
        return;
    };
    let out = run(&["yookassa", "open", "--cert", &printed, &message], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, std::fs::read(content).unwrap());
    assert!(String::from_utf8_lossy(&out.stderr).contains("signed by: "));
    // The example's own certificate file holds a later chain: it loads, and does not verify.
    let shipped = peer("ym_yamoney_as_shipped.pem").unwrap();
    let out = run(&["yookassa", "open", "--cert", &shipped, &message], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("signature does not verify"));
}

#[test]
fn parse_response_of_another_methods_answer_is_malformed() {
    let out = run(
        &[
            "yookassa",
            "parse-response",
            &testdata("responses/another-method-done.xml"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "malformed\n");
}
