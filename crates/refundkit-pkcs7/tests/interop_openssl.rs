//! Interop with the `openssl` CLI in both directions (openssl is required; it is on CI).
//! Keys and certificates are committed test material in testdata/yookassa/keys.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

use refundkit_pkcs7::{Certificate, Digest, Error, PrivateKey, SignOptions, Signer, Trust, open};

fn testdata(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/yookassa")
        .join(file)
}

fn cert(name: &str) -> Certificate {
    Certificate::from_pem_or_der(&std::fs::read(testdata(&format!("keys/{name}.crt"))).unwrap())
        .unwrap()
}

fn signer() -> Signer {
    let key =
        PrivateKey::from_pem_or_der(&std::fs::read(testdata("keys/shop.key")).unwrap()).unwrap();
    Signer::new(key, cert("shop")).unwrap()
}

const CONTENT: &[u8] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<returnPaymentRequest clientOrderId=\"12345\" cause=\"Пользователь отказался &amp; ушёл\"/>\n".as_bytes();

/// A scratch directory of this test's own.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("refundkit-pkcs7-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn openssl(args: &[&str]) -> std::process::Output {
    Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl is required for the interop tests")
}

fn openssl_verifies(message: &Path, signer_cert: &Path) -> Result<Vec<u8>, String> {
    let out = openssl(&[
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "PEM",
        "-in",
        &message.to_string_lossy(),
        "-certfile",
        &signer_cert.to_string_lossy(),
        "-CAfile",
        &signer_cert.to_string_lossy(),
        "-purpose",
        "any",
    ]);
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn sign_with(digest: Digest, include_certificate: bool) -> String {
    signer()
        .sign_pem(
            CONTENT,
            &SignOptions {
                digest,
                include_certificate,
                signing_time: UNIX_EPOCH + Duration::from_secs(1_763_800_000),
            },
        )
        .unwrap()
}

#[test]
fn openssl_cms_verify_accepts_what_refundkit_signs_with_sha256() {
    let dir = scratch("sha256");
    for include in [false, true] {
        let msg = dir.join(format!("msg-{include}.pem"));
        std::fs::write(&msg, sign_with(Digest::Sha256, include)).unwrap();
        assert_eq!(
            openssl_verifies(&msg, &testdata("keys/shop.crt")).unwrap(),
            CONTENT
        );
    }
}

#[cfg(feature = "sha1")]
#[test]
fn openssl_cms_verify_accepts_what_refundkit_signs_with_sha1() {
    let dir = scratch("sha1");
    let msg = dir.join("msg.pem");
    std::fs::write(&msg, sign_with(Digest::Sha1, false)).unwrap();
    assert_eq!(
        openssl_verifies(&msg, &testdata("keys/shop.crt")).unwrap(),
        CONTENT
    );
    let text = openssl(&[
        "cms",
        "-cmsout",
        "-print",
        "-inform",
        "PEM",
        "-in",
        &msg.to_string_lossy(),
    ]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("sha1"));
}

#[test]
fn openssl_rejects_a_refundkit_message_with_a_tampered_byte() {
    let dir = scratch("tamper");
    let der = refundkit_pkcs7::pem::decode(sign_with(Digest::Sha256, false).as_bytes(), &["PKCS7"])
        .unwrap()
        .1;
    let at = der.windows(5).position(|w| w == b"12345").unwrap();
    let mut bad = der.clone();
    bad[at] = b'9';
    let msg = dir.join("bad.pem");
    std::fs::write(&msg, refundkit_pkcs7::pem::encode("PKCS7", &bad)).unwrap();
    assert!(openssl_verifies(&msg, &testdata("keys/shop.crt")).is_err());
}

/// Every way OpenSSL makes a message that YooKassa-style peers send.
fn openssl_made(dir: &Path) -> Vec<(String, PathBuf)> {
    let content = dir.join("content.xml");
    std::fs::write(&content, CONTENT).unwrap();
    let key = testdata("keys/shop.key");
    let crt = testdata("keys/shop.crt");
    let variants: Vec<(&str, Vec<&str>)> = vec![
        (
            "cms-der-sha256",
            vec![
                "cms",
                "-sign",
                "-nodetach",
                "-binary",
                "-outform",
                "PEM",
                "-md",
                "sha256",
            ],
        ),
        (
            "cms-stream-ber",
            vec![
                "cms",
                "-sign",
                "-nodetach",
                "-binary",
                "-stream",
                "-outform",
                "PEM",
            ],
        ),
        (
            "cms-nocerts",
            vec![
                "cms",
                "-sign",
                "-nodetach",
                "-binary",
                "-nocerts",
                "-outform",
                "PEM",
            ],
        ),
        (
            "cms-stream-nocerts-sha1",
            vec![
                "cms",
                "-sign",
                "-nodetach",
                "-binary",
                "-stream",
                "-nocerts",
                "-outform",
                "PEM",
                "-md",
                "sha1",
            ],
        ),
        (
            "smime-nochain-nocerts",
            vec![
                "smime",
                "-sign",
                "-nodetach",
                "-binary",
                "-nochain",
                "-nocerts",
                "-outform",
                "PEM",
            ],
        ),
        (
            "smime-with-cert",
            vec!["smime", "-sign", "-nodetach", "-binary", "-outform", "PEM"],
        ),
        (
            "smime-stream-der",
            vec![
                "smime",
                "-sign",
                "-nodetach",
                "-binary",
                "-stream",
                "-outform",
                "DER",
            ],
        ),
    ];
    variants
        .into_iter()
        .map(|(name, mut args)| {
            let out = dir.join(format!("{name}.p7"));
            let (k, c, i, o) = (
                key.to_string_lossy(),
                crt.to_string_lossy(),
                content.to_string_lossy(),
                out.to_string_lossy(),
            );
            args.extend(["-inkey", &k, "-signer", &c, "-in", &i, "-out", &o]);
            let result = openssl(&args);
            assert!(
                result.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&result.stderr)
            );
            (name.to_string(), out)
        })
        .collect()
}

#[test]
fn refundkit_opens_what_openssl_signs_streamed_or_not_with_or_without_certificate() {
    let dir = scratch("openssl-made");
    let shop = cert("shop");
    for (name, file) in openssl_made(&dir) {
        let bytes = std::fs::read(&file).unwrap();
        let opened =
            open(&bytes, Trust::Certificate(&shop)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(opened.content, CONTENT, "{name}");
        assert!(opened.verified);
        if name.contains("stream") {
            // The streamed ones are really BER with indefinite lengths.
            let der = if bytes.starts_with(b"-----") {
                refundkit_pkcs7::pem::decode(&bytes, &["PKCS7", "CMS"])
                    .unwrap()
                    .1
            } else {
                bytes.clone()
            };
            assert_eq!(der[1], 0x80, "{name} is not BER with an indefinite length");
        }
    }
}

#[test]
fn an_openssl_message_fails_under_another_certificate() {
    let dir = scratch("other-cert");
    let other = cert("other");
    for (name, file) in openssl_made(&dir) {
        let bytes = std::fs::read(&file).unwrap();
        assert_eq!(
            open(&bytes, Trust::Certificate(&other)),
            Err(Error::BadSignature),
            "{name}"
        );
    }
}

#[test]
fn an_openssl_message_with_a_tampered_content_byte_fails() {
    let dir = scratch("openssl-tamper");
    let shop = cert("shop");
    for (name, file) in openssl_made(&dir) {
        let bytes = std::fs::read(&file).unwrap();
        let mut der = if bytes.starts_with(b"-----") {
            refundkit_pkcs7::pem::decode(&bytes, &["PKCS7", "CMS"])
                .unwrap()
                .1
        } else {
            bytes
        };
        let at = der.windows(5).position(|w| w == b"12345").unwrap();
        der[at] = b'9';
        assert_eq!(
            open(&der, Trust::Certificate(&shop)),
            Err(Error::DigestMismatch),
            "{name}"
        );
        assert_eq!(
            open(&der, Trust::InsecureSkipSignature),
            Err(Error::DigestMismatch),
            "{name}"
        );
    }
}

#[test]
fn the_seed_example_opens_in_unverified_mode() {
    let pem = std::fs::read(testdata("seed-example.pem")).unwrap();
    let opened = open(&pem, Trust::InsecureSkipSignature).unwrap();
    assert_eq!(
        opened.content,
        std::fs::read(testdata("seed-example.content.xml")).unwrap()
    );
    assert_eq!(opened.digest, Digest::Sha1);
    assert_eq!(opened.signing_time.as_deref(), Some("101130112355Z"));
    assert!(!opened.verified);
    // Its signer is not ours.
    assert_eq!(
        open(&pem, Trust::Certificate(&cert("provider"))),
        Err(Error::BadSignature)
    );
}

#[test]
fn the_seed_examples_tampered_twin_fails() {
    let pem = std::fs::read(testdata("seed-example-tampered.pem")).unwrap();
    assert_eq!(
        open(&pem, Trust::InsecureSkipSignature),
        Err(Error::DigestMismatch)
    );
}

#[test]
fn refundkit_opens_what_refundkit_signs() {
    for include in [false, true] {
        let pem = sign_with(Digest::Sha256, include);
        let opened = open(pem.as_bytes(), Trust::Certificate(&cert("shop"))).unwrap();
        assert_eq!(opened.content, CONTENT);
        assert_eq!(opened.certificates, usize::from(include));
    }
}

#[test]
fn signing_is_byte_reproducible_for_a_fixed_time() {
    assert_eq!(
        sign_with(Digest::Sha256, false),
        sign_with(Digest::Sha256, false)
    );
}

#[test]
fn a_key_that_does_not_match_the_certificate_is_refused() {
    let key =
        PrivateKey::from_pem_or_der(&std::fs::read(testdata("keys/other.key")).unwrap()).unwrap();
    assert_eq!(
        Signer::new(key, cert("shop")).unwrap_err(),
        Error::KeyMismatch
    );
}

#[test]
fn pkcs1_and_pkcs8_keys_both_load() {
    for file in ["keys/shop.key", "keys/shop.pkcs1.key"] {
        let key = PrivateKey::from_pem_or_der(&std::fs::read(testdata(file)).unwrap()).unwrap();
        assert!(key.matches(&cert("shop")), "{file}");
    }
}

#[test]
fn the_private_key_never_prints() {
    let key =
        PrivateKey::from_pem_or_der(&std::fs::read(testdata("keys/shop.key")).unwrap()).unwrap();
    assert_eq!(format!("{key:?}"), "PrivateKey([redacted])");
}
