//! Keys and certificates as shops keep them, read as OpenSSL reads them; what refundkit cannot
//! use is refused with an error that names the problem. Keys are made by the `openssl` CLI
//! (required; it is on CI) or are committed test material in testdata/yookassa/keys.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

use refundkit_pkcs7::{Certificate, Error, PrivateKey};

fn testdata(file: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/yookassa/keys")
            .join(file),
    )
    .unwrap()
}

/// Runs `openssl` with `args` in a scratch directory and returns the file it wrote.
fn openssl(name: &str, args: &[&str]) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("refundkit-keys-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("in.key"), testdata("shop.key")).unwrap();
    let out = Command::new("openssl")
        .args(args)
        .current_dir(&dir)
        .output()
        .expect("openssl is required for these tests");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(dir.join("out")).unwrap()
}

fn key_error(input: &[u8]) -> String {
    match PrivateKey::from_pem_or_der(input) {
        Err(Error::Key(e)) => e,
        other => panic!("expected a key error, got {other:?}"),
    }
}

#[test]
fn pkcs8_and_pkcs1_keys_load_in_pem_and_der() {
    let cert = Certificate::from_pem_or_der(&testdata("shop.crt")).unwrap();
    for key in [
        testdata("shop.key"),
        testdata("shop.pkcs1.key"),
        openssl(
            "pkcs8-der",
            &["pkey", "-in", "in.key", "-outform", "DER", "-out", "out"],
        ),
        openssl(
            "pkcs1-der",
            &[
                "rsa",
                "-in",
                "in.key",
                "-traditional",
                "-outform",
                "DER",
                "-out",
                "out",
            ],
        ),
    ] {
        assert!(PrivateKey::from_pem_or_der(&key).unwrap().matches(&cert));
    }
}

#[test]
fn a_key_file_with_text_and_a_certificate_beside_the_key_loads() {
    let mut combined = b"Bag Attributes\n    localKeyID: 01\n".to_vec();
    combined.extend(testdata("shop.crt"));
    combined.extend(b"\nsubject=CN = shop\n");
    combined.extend(testdata("shop.key"));
    let crlf = String::from_utf8(combined).unwrap().replace('\n', "\r\n");
    let key = PrivateKey::from_pem_or_der(crlf.as_bytes()).unwrap();
    assert!(key.matches(&Certificate::from_pem_or_der(crlf.as_bytes()).unwrap()));
}

#[test]
fn an_encrypted_key_is_refused_with_what_to_do() {
    let pkcs8 = openssl(
        "enc-pkcs8",
        &[
            "pkcs8",
            "-topk8",
            "-in",
            "in.key",
            "-v2",
            "aes-256-cbc",
            "-passout",
            "pass:x",
            "-out",
            "out",
        ],
    );
    let e = key_error(&pkcs8);
    assert!(e.contains("encrypted") && e.contains("openssl pkey"), "{e}");
    let traditional = openssl(
        "enc-trad",
        &[
            "rsa",
            "-in",
            "in.key",
            "-aes256",
            "-traditional",
            "-passout",
            "pass:x",
            "-out",
            "out",
        ],
    );
    assert!(String::from_utf8_lossy(&traditional).contains("Proc-Type: 4,ENCRYPTED"));
    let e = key_error(&traditional);
    assert!(e.contains("encrypted") && e.contains("Proc-Type"), "{e}");
}

#[test]
fn a_non_rsa_key_is_refused_naming_its_algorithm() {
    let ec = openssl(
        "ec",
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "out",
        ],
    );
    let e = key_error(&ec);
    assert!(e.contains("not an RSA key") && e.contains("EC"), "{e}");
    let ec_traditional = openssl(
        "ec-trad",
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "out",
        ],
    );
    assert!(key_error(&ec_traditional).contains("EC PRIVATE KEY"));
    let ed = openssl(
        "ed25519",
        &["genpkey", "-algorithm", "ED25519", "-out", "out"],
    );
    assert!(key_error(&ed).contains("Ed25519"));
}

#[test]
fn a_certificate_given_as_the_key_is_named() {
    assert!(key_error(&testdata("shop.crt")).contains("certificate but no private key"));
}

#[test]
fn secrets_of_a_refused_key_never_print() {
    let e = key_error(&testdata("shop.crt"));
    let key = PrivateKey::from_pem_or_der(&testdata("shop.key")).unwrap();
    assert_eq!(format!("{key:?}"), "PrivateKey([redacted])");
    assert!(!e.contains("MII"));
}
