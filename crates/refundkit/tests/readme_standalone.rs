//! The examples of the README and of the guide (docs/) compile pasted into a new crate that depends on `refundkit` alone:
//! each Rust block becomes an example of a scratch crate (its hidden `# ` lines kept, wrapped
//! in `main` as rustdoc wraps it), built offline against the workspace's lock file. The
//! journal's example is left out: it says to add `refundkit-journal`, which it uses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The README's Rust blocks, as rustdoc would compile them.
fn examples(readme: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut block: Option<Vec<&str>> = None;
    for line in readme.lines() {
        match &mut block {
            None if line.starts_with("```rust") => block = Some(Vec::new()),
            None => {}
            Some(lines) if line.starts_with("```") => {
                out.push(lines.join("\n"));
                block = None;
            }
            Some(lines) => lines.push(line),
        }
    }
    out.into_iter()
        .filter(|code| !code.contains("refundkit_journal"))
        .map(|code| {
            let code: Vec<&str> = code
                .lines()
                .map(|l| {
                    if l == "#" {
                        ""
                    } else {
                        l.strip_prefix("# ").unwrap_or(l)
                    }
                })
                .collect();
            let code = code.join("\n");
            let body = if code.contains("fn main") {
                code
            } else if code.trim_end().ends_with("(())") {
                format!("fn main() -> Result<(), Box<dyn std::error::Error>> {{\n{code}\n}}")
            } else {
                format!("fn main() {{\n{code}\n}}")
            };
            format!("#![allow(dead_code, unused)]\n{body}\n")
        })
        .collect()
}

#[test]
fn the_readmes_and_the_guides_examples_compile_in_a_crate_that_depends_on_refundkit_alone() {
    let root = workspace();
    // The README and every chapter of the guide (docs/), in a stable order.
    let mut files = vec![root.join("README.md")];
    let mut chapters: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    chapters.sort();
    files.extend(chapters);
    let examples: Vec<String> = files
        .iter()
        .flat_map(|f| examples(&std::fs::read_to_string(f).unwrap()))
        .collect();
    assert!(examples.len() >= 7, "{} examples", examples.len());
    let dir = root.join("target/readme-standalone");
    let _ = std::fs::remove_dir_all(dir.join("examples"));
    std::fs::create_dir_all(dir.join("examples")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"readme-standalone\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nrefundkit = {{ path = {:?} }}\n\n[workspace]\n",
            root.join("crates/refundkit").display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(dir.join("lib.rs"), "").unwrap();
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let mut manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    manifest.push_str("\n[lib]\npath = \"lib.rs\"\n");
    for (i, code) in examples.iter().enumerate() {
        std::fs::write(dir.join(format!("examples/readme_{i}.rs")), code).unwrap();
        manifest.push_str(&format!(
            "\n[[example]]\nname = \"readme_{i}\"\npath = \"examples/readme_{i}.rs\"\n"
        ));
    }
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    let out = Command::new(env!("CARGO"))
        .current_dir(&dir)
        .args(["build", "--examples", "--offline", "--quiet"])
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
