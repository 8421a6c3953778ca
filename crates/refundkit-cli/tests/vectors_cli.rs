//! `refundkit vectors export|check`: the portable suite matches its JSON Schema and its own
//! promises (stable ids, counts, every flag explained), and an implementation nobody on this
//! project wrote in Rust (examples/python/refundkit_harness.py, Python's standard library)
//! agrees with every test it runs; a harness that disagrees, answers nothing or fails is
//! caught.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_refundkit");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn export(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("refundkit-vectors-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(BIN)
        .current_dir(root())
        .args(["vectors", "export"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn files(dir: &Path) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The JSON Schema keywords `testdata/vectors/schema.json` uses, checked: type, const, enum,
/// required, properties, additionalProperties, items, minItems, minimum. Any other keyword in
/// the schema fails the test, so that the schema cannot grow past what is checked.
fn violations(schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    const KNOWN: &[&str] = &[
        "$schema",
        "$id",
        "title",
        "description",
        "type",
        "const",
        "enum",
        "required",
        "properties",
        "additionalProperties",
        "items",
        "minItems",
        "minimum",
    ];
    let Some(schema) = schema.as_object() else {
        return;
    };
    for key in schema.keys() {
        assert!(
            KNOWN.contains(&key.as_str()),
            "the schema uses {key}, which is not checked"
        );
    }
    if let Some(ty) = schema.get("type").and_then(Value::as_str) {
        let fits = match ty {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "boolean" => value.is_boolean(),
            other => panic!("type {other}"),
        };
        if !fits {
            out.push(format!("{at}: not {ty}"));
            return;
        }
    }
    if let Some(c) = schema.get("const")
        && c != value
    {
        out.push(format!("{at}: not {c}"));
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        out.push(format!("{at}: {value} is none of {options:?}"));
    }
    if let Some(min) = schema.get("minimum").and_then(Value::as_i64)
        && value.as_i64().is_some_and(|v| v < min)
    {
        out.push(format!("{at}: below {min}"));
    }
    if let Some(object) = value.as_object() {
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !object.contains_key(name.as_str().unwrap()) {
                out.push(format!("{at}: {name} is missing"));
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (name, v) in object {
            let path = format!("{at}.{name}");
            match (
                properties.and_then(|p| p.get(name)),
                schema.get("additionalProperties"),
            ) {
                (Some(s), _) => violations(s, v, &path, out),
                (None, Some(Value::Bool(false))) => out.push(format!("{path}: not allowed")),
                (None, Some(s)) => violations(s, v, &path, out),
                (None, None) => {}
            }
        }
    }
    if let Some(items) = value.as_array() {
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < min
        {
            out.push(format!("{at}: fewer than {min} items"));
        }
        if let Some(s) = schema.get("items") {
            for (i, v) in items.iter().enumerate() {
                violations(s, v, &format!("{at}[{i}]"), out);
            }
        }
    }
}

#[test]
fn every_exported_file_matches_the_json_schema_in_the_repository() {
    let schema: Value = serde_json::from_slice(
        &std::fs::read(root().join("testdata/vectors/schema.json")).unwrap(),
    )
    .unwrap();
    let dir = export("schema");
    let files = files(&dir);
    assert!(files.len() >= 17, "{}", files.len());
    for (name, file) in &files {
        let mut found = Vec::new();
        violations(&schema, file, name, &mut found);
        assert!(found.is_empty(), "{found:#?}");
    }
}

#[test]
fn the_schema_check_refuses_a_file_that_breaks_the_schema() {
    let schema: Value = serde_json::from_slice(
        &std::fs::read(root().join("testdata/vectors/schema.json")).unwrap(),
    )
    .unwrap();
    let dir = export("broken");
    let (name, mut file) = files(&dir).remove(0);
    file["tests"][0]["result"] = "maybe".into();
    file["tests"][0].as_object_mut().unwrap().remove("source");
    file["extra"] = 1.into();
    let mut found = Vec::new();
    violations(&schema, &file, &name, &mut found);
    assert_eq!(found.len(), 3, "{found:#?}");
}

#[test]
fn each_file_counts_its_tests_numbers_them_from_1_and_explains_every_flag_it_uses() {
    let dir = export("promises");
    for (name, file) in files(&dir) {
        let tests = file["tests"].as_array().unwrap();
        assert_eq!(file["numberOfTests"], tests.len(), "{name}");
        let ids: Vec<u64> = tests.iter().map(|t| t["tcId"].as_u64().unwrap()).collect();
        assert_eq!(ids, (1..=tests.len() as u64).collect::<Vec<_>>(), "{name}");
        let notes = file["notes"].as_object().unwrap();
        for test in tests {
            for flag in test["flags"].as_array().unwrap() {
                let text = notes.get(flag.as_str().unwrap());
                assert!(
                    text.is_some_and(|t| !t.as_str().unwrap().is_empty()),
                    "{name}: {flag}"
                );
            }
            assert!(!test["source"].as_str().unwrap().is_empty(), "{name}");
        }
        let prefix = format!(
            "{}_{}_test.json",
            file["provider"].as_str().unwrap().replace('-', "_"),
            file["operation"].as_str().unwrap()
        );
        assert_eq!(name, prefix);
    }
}

#[test]
fn the_export_is_the_same_bytes_every_time() {
    let (a, b) = (export("again-a"), export("again-b"));
    let (fa, fb) = (files(&a), files(&b));
    assert_eq!(fa, fb);
}

fn check(harness: &str, dir: &Path) -> (i32, String) {
    let out = Command::new(BIN)
        .current_dir(root())
        .args(["vectors", "check", "--harness", harness])
        .arg(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn the_python_reference_consumer_agrees_with_every_test_it_runs() {
    let dir = export("python");
    let (exit, table) = check("python3 examples/python/refundkit_harness.py", &dir);
    assert_eq!(exit, 0, "{table}");
    // What it implements is run, not skipped: every RBS answer, every token, the valid forms.
    for (file, at_least) in [
        ("rbs_response_test.json", 30),
        ("robokassa_token_test.json", 10),
        ("rbs_encode_test.json", 2),
    ] {
        let row = table.lines().find(|l| l.starts_with(file)).unwrap();
        let agreed: usize = row.split_whitespace().nth(2).unwrap().parse().unwrap();
        assert!(agreed >= at_least, "{row}");
    }
}

#[test]
fn a_harness_that_reads_every_answer_as_a_success_is_caught() {
    let dir = export("liar");
    let harness = r#"python3 -c 'import json,sys; s=json.load(sys.stdin); json.dump({"results":[{"tcId":t["tcId"],"result":"valid","output":{"verdict":"success"}} if "verdict" in t["expected"] else {"tcId":t["tcId"],"skipped":"-"} for t in s["tests"]]}, sys.stdout)'"#;
    let (exit, table) = check(harness, &dir);
    assert_eq!(exit, 1, "{table}");
    assert!(
        table.contains("verdict: expected \"refused\", got \"success\""),
        "{table}"
    );
}

#[test]
fn a_harness_that_answers_nothing_or_fails_is_caught() {
    let dir = export("silent");
    let (exit, table) = check(r#"cat >/dev/null; echo '{"results": []}'"#, &dir);
    assert_eq!(exit, 1, "{table}");
    let (exit, table) = check("cat >/dev/null; exit 3", &dir);
    assert_eq!(exit, 1, "{table}");
    assert!(table.contains("the harness failed"), "{table}");
}
