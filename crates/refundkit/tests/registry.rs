//! One registry: a provider is named in the workspace's code only by its own crate, its files
//! of each layer (`<module>.rs` or `<module>/`), the registry line and the fuzz harness; every
//! other list of providers derives from the registry. A provider named anywhere else fails
//! here, with the file and the line.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::path::{Path, PathBuf};

use refundkit::ProviderId;

/// Lines that name providers and are not lists a new provider must join, with why. Frozen: a
/// provider added later is never here.
const BEFORE_THE_REGISTRY: &[(&str, &str, &str)] = &[
    // The lines `serve` printed before the registry, in the order scripts read them by
    // position; a provider added later follows them in the registry's order.
    ("refundkit-cli/src/serve.rs", "robokassa", "\"robokassa\","),
    (
        "refundkit-cli/src/serve.rs",
        "yandex-pay",
        "\"yandex-pay\",",
    ),
    ("refundkit-cli/src/serve.rs", "yookassa", "\"yookassa\","),
    ("refundkit-cli/src/serve.rs", "rbs", "\"rbs\","),
    // MWS's strict UTC reader, used for the command line's instants.
    (
        "refundkit-cli/src/lifecycle.rs",
        "yookassa",
        "refundkit::yookassa::timing::parse_utc(text)",
    ),
    // YooKassa's RBS gateway: a host of the RBS platform, named as its `gateway` setting.
    (
        "refundkit/src/providers/rbs.rs",
        "yookassa",
        "(\"yookassa\", (Endpoint::YOOKASSA, Endpoint::YOOKASSA)),",
    ),
    // A unit test's entry at some provider.
    (
        "refundkit-cli/src/journal.rs",
        "rbs",
        "provider: refundkit::ProviderId::Rbs,",
    ),
    // The key material of the MWS signer beside the other samples, behind its features.
    (
        "refundkit/src/lib.rs",
        "yookassa",
        "#[cfg(feature = \"yookassa\")]",
    ),
    (
        "refundkit/src/samples/material.rs",
        "yookassa",
        "#[cfg(feature = \"yookassa\")]",
    ),
    (
        "refundkit/src/samples/material.rs",
        "yandex-pay",
        "#[cfg(feature = \"yandex-pay\")]",
    ),
    (
        "refundkit/src/samples/material.rs",
        "robokassa",
        "#[cfg(feature = \"robokassa\")]",
    ),
    (
        "refundkit/src/samples/material.rs",
        "rbs",
        "#[cfg(feature = \"rbs\")]",
    ),
    // A build without the first four providers' features allows unused code (a lint).
    (
        "refundkit/src/refund.rs",
        "robokassa",
        "feature = \"robokassa\",",
    ),
    (
        "refundkit/src/refund.rs",
        "yandex-pay",
        "feature = \"yandex-pay\",",
    ),
    (
        "refundkit/src/refund.rs",
        "yookassa",
        "feature = \"yookassa\",",
    ),
    ("refundkit/src/refund.rs", "rbs", "feature = \"rbs\""),
];

fn crates() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether `needle` occurs in `line` as a whole identifier (not inside a longer one).
fn has_word(line: &str, needle: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    line.match_indices(needle).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + needle.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// The ways code names `provider`: its crate, its variant, its name as a string, its module.
fn names(provider: ProviderId, line: &str) -> bool {
    let module = provider.name().replace('-', "_");
    has_word(line, &format!("refundkit_{module}"))
        || has_word(line, &format!("ProviderId::{provider:?}"))
        || line.contains(&format!("\"{}\"", provider.name()))
        || line.contains(&format!("::{module}::"))
        || has_word(line, &format!("mod {module}"))
}

#[test]
fn a_provider_is_named_only_by_its_crate_its_layer_files_and_its_registry_line() {
    let root = crates();
    let mut stray = Vec::new();
    for krate in std::fs::read_dir(&root).unwrap() {
        let krate = krate.unwrap().path();
        let crate_name = krate.file_name().unwrap().to_string_lossy().into_owned();
        if crate_name == "refundkit-harness" {
            // The fuzz harness: a target per decoder, and the machine's exhaustive matches.
            continue;
        }
        let mut files = Vec::new();
        if krate.join("src").is_dir() {
            sources(&krate.join("src"), &mut files);
        }
        for file in files {
            let relative = file
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&file).unwrap();
            for provider in ProviderId::ALL {
                let module = provider.name().replace('-', "_");
                let own = crate_name == format!("refundkit-{}", provider.name())
                    || file.file_stem().is_some_and(|s| s == module.as_str())
                    || file.components().any(|c| c.as_os_str() == module.as_str())
                    || relative == "refundkit/src/registry.rs";
                if own {
                    continue;
                }
                for (n, line) in text.lines().enumerate() {
                    let code = line.trim_start();
                    if code.starts_with("//") || !names(provider, code) {
                        continue;
                    }
                    let excused = BEFORE_THE_REGISTRY
                        .iter()
                        .any(|(f, p, l)| *f == relative && *p == provider.name() && code == *l);
                    if !excused {
                        stray.push(format!(
                            "{relative}:{}: {} in {code:?}",
                            n + 1,
                            provider.name()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        stray.is_empty(),
        "providers named outside their crate, their files and the registry:\n{}",
        stray.join("\n")
    );
}

#[test]
fn every_exception_still_exists_so_the_list_only_shrinks() {
    for (file, provider, line) in BEFORE_THE_REGISTRY {
        let text = std::fs::read_to_string(crates().join(file)).unwrap();
        assert!(
            text.lines().any(|l| l.trim_start() == *line),
            "{file}: {provider}: {line:?} is gone: take it off the list"
        );
    }
}

#[test]
fn the_registry_names_each_provider_once_and_its_names_agree() {
    let mut seen = Vec::new();
    for provider in ProviderId::ALL {
        assert!(!seen.contains(&provider.name()), "{}", provider.name());
        seen.push(provider.name());
        assert_eq!(provider.name().parse::<ProviderId>().ok(), Some(provider));
        assert!(!provider.title().is_empty());
    }
}
