//! The `refundkit robokassa` verbs against testdata, through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

fn testdata(file: &str) -> String {
    common::testdata("robokassa", file)
}

use common::run;

fn key() -> String {
    testdata("sample-password3.txt")
}

#[test]
fn sign_prints_the_token_and_a_newline() {
    let out = run(
        &[
            "robokassa",
            "sign",
            "--password3-file",
            &key(),
            &testdata("tokens/partial-decimals.payload.json"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        out.stdout,
        std::fs::read(testdata("tokens/partial-decimals.HS256.token")).unwrap()
    );
}

#[test]
fn sign_reads_stdin_and_takes_the_algorithm() {
    let payload = std::fs::read(testdata("tokens/escapes.payload.json")).unwrap();
    for (alg, file) in [
        ("HS384", "escapes.HS384.token"),
        ("HS512", "escapes.HS512.token"),
    ] {
        let out = run(
            &[
                "robokassa",
                "sign",
                "--password3-file",
                &key(),
                "--alg",
                alg,
                "-",
            ],
            Some(&payload),
        );
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            out.stdout,
            std::fs::read(testdata(&format!("tokens/{file}"))).unwrap()
        );
    }
}

#[test]
fn sign_accepts_any_whitespace_and_key_order() {
    let out = run(
        &[
            "robokassa",
            "sign",
            "--password3-file",
            &key(),
            &testdata("requests/seed-pretty.json"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let seed = std::fs::read_to_string(testdata("tokens/seed.token")).unwrap();
    let ours = String::from_utf8(out.stdout).unwrap();
    let signing_input = |t: &str| t.rsplit_once('.').unwrap().0.to_owned();
    assert_eq!(signing_input(&ours), signing_input(&seed));
}

#[test]
fn sign_refuses_an_invalid_payload_with_every_violation_on_stderr() {
    let out = run(
        &[
            "robokassa",
            "sign",
            "--password3-file",
            &key(),
            &testdata("requests/every-rule-broken.json"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        11,
        "{err}"
    );
    assert!(err.contains("InvoiceItems[1].Name"), "{err}");
}

#[test]
fn sign_refuses_a_typo_naming_the_field() {
    let out = run(
        &[
            "robokassa",
            "sign",
            "--password3-file",
            &key(),
            &testdata("requests/refundsum-typo.json"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr).unwrap().contains("Refundsum"));
}

#[test]
fn verify_prints_the_payload_exactly_as_carried() {
    let out = run(
        &[
            "robokassa",
            "verify",
            "--password3-file",
            &key(),
            &testdata("tokens/escapes.HS384.token"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let mut expected = std::fs::read(testdata("tokens/escapes.payload.json")).unwrap();
    expected.push(b'\n');
    assert_eq!(out.stdout, expected);
}

#[test]
fn verify_accepts_the_token_as_the_json_string_of_a_create_body() {
    let token = std::fs::read_to_string(testdata("tokens/full-refund.HS256.token")).unwrap();
    let body = format!("\"{}\"", token.trim());
    let out = run(
        &[
            "robokassa",
            "verify",
            "--password3-file",
            &key(),
            "--alg",
            "HS256",
        ],
        Some(body.as_bytes()),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn verify_refuses_tampered_forged_and_malformed_tokens() {
    let token = std::fs::read_to_string(testdata("tokens/full-refund.HS256.token")).unwrap();
    let tampered = token.replacen("eyJPcEtleSI6I", "eyJPcEtleSI6J", 1);
    let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJPcEtleSI6IksifQ.";
    for input in [tampered.as_str(), none, "garbage", ""] {
        let out = run(
            &["robokassa", "verify", "--password3-file", &key()],
            Some(input.as_bytes()),
        );
        assert_eq!(out.status.code(), Some(1), "{input}");
        assert!(out.stdout.is_empty());
    }
    // The seed token is signed with a key we do not have.
    let out = run(
        &[
            "robokassa",
            "verify",
            "--password3-file",
            &key(),
            &testdata("tokens/seed.token"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn verify_refuses_a_token_of_another_pinned_algorithm() {
    let out = run(
        &[
            "robokassa",
            "verify",
            "--password3-file",
            &key(),
            "--alg",
            "HS256",
            &testdata("tokens/full-refund.HS512.token"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn parse_response_exits_0_accepted_3_refused_1_malformed() {
    let cases = [
        (
            "create",
            "200",
            "responses/create-success.json",
            0,
            "accepted 68cd7fa6-1338-4745-ba5c-28d16cbcdb3d\n",
        ),
        (
            "create",
            "200",
            "responses/create-not-enough-funds.json",
            3,
            "refused NotEnoughOperationFunds\n",
        ),
        (
            "create",
            "401",
            "responses/create-401.json",
            3,
            "refused Signature key is not exists\n",
        ),
        (
            "create",
            "502",
            "responses/proxy-error.html",
            1,
            "malformed\n",
        ),
        (
            "state",
            "200",
            "responses/state-finished.json",
            0,
            "found cf15fd52-d2d1-4fc4-b9c0-25310e3bdded 1.000000 finished\n",
        ),
        (
            "state",
            "200",
            "responses/state-not-found.json",
            3,
            "refused Id is invalid or request id does not exist\n",
        ),
        (
            "state",
            "200",
            "responses/proxy-error.html",
            1,
            "malformed\n",
        ),
    ];
    for (kind, status, file, code, stdout) in cases {
        let out = run(
            &[
                "robokassa",
                "parse-response",
                kind,
                "--status",
                status,
                &testdata(file),
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(code), "{file}");
        assert_eq!(String::from_utf8(out.stdout).unwrap(), stdout, "{file}");
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["robokassa", "sign"][..],
        &["robokassa", "sign", "--password3-file", "/nonexistent/key"],
        &[
            "robokassa",
            "sign",
            "--password3-file",
            "x",
            "--alg",
            "RS256",
        ],
        &["robokassa", "parse-response", "refund"],
        &["nobody", "sign"],
    ] {
        assert_eq!(run(args, Some(b"{}")).status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn password3_never_reaches_output_or_diagnostics() {
    let secret = std::fs::read_to_string(key()).unwrap();
    let out = run(
        &[
            "robokassa",
            "verify",
            "--password3-file",
            &key(),
            &testdata("tokens/seed.token"),
        ],
        None,
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains(secret.trim()));
}

#[test]
fn arbitrary_input_never_panics() {
    for input in [
        &b"\xff\xfe"[..],
        b"{",
        b"\"unterminated",
        b"a.b.c",
        &[0u8; 1000],
    ] {
        for verb in [
            &["robokassa", "verify", "--password3-file", &key()][..],
            &["robokassa", "sign", "--password3-file", &key()],
            &["robokassa", "parse-response", "create"],
            &["robokassa", "parse-response", "state"],
        ] {
            let code = run(verb, Some(input)).status.code();
            assert!(matches!(code, Some(1 | 3)), "{verb:?} {input:?}: {code:?}");
        }
    }
}

#[test]
fn op_key_prints_every_user_field_after_the_state_line() {
    let out = run(
        &[
            "robokassa",
            "op-key",
            &common::testdata("robokassa", "op-state/two-user-fields.xml"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "state 100 (Completed: paid) OpKey K\nUserField Shp_a=1\nUserField Shp_b=hello\n"
    );
}
