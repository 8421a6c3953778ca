//! The workspace's structure, as the guide draws it (docs/project.md): within each crate, no file imports a
//! file that imports it back (directly or through others). A module's `mod.rs` is the top of
//! its directory (it may name its children; a child never names its parent), so every crate
//! reads as floors: lower files know nothing of the ones above.
//!
//! The graph is read from the sources with the paths they write (`crate::a::b`, `super::x`,
//! `use crate::{a, b}`, a `mod.rs` naming a child it declares), comments left out: what a
//! reader follows, not what the compiler resolves.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src`, by module path (`""` for the crate root, `providers` for
/// `providers/mod.rs`, `providers::rbs`).
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(src).unwrap().with_extension("");
                let mut parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if matches!(
                    parts.last().map(String::as_str),
                    Some("mod" | "lib" | "main")
                ) {
                    parts.pop();
                }
                out.insert(parts.join("::"), path);
            }
        }
    }
    out
}

/// The source without `//` comments (doc comments name other modules in links).
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.find("//").map_or(l, |at| &l[..at]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The identifier path that starts at `text` (`a::b::C` -> `["a", "b", "C"]`).
fn path_at(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = text;
    loop {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        parts.push(&rest[..end]);
        match rest[end..].strip_prefix("::") {
            Some(next) => rest = next,
            None => break,
        }
    }
    parts
}

/// The file a path names: its longest prefix that is a module.
fn target(files: &BTreeMap<String, PathBuf>, parts: &[&str]) -> Option<String> {
    (1..=parts.len())
        .rev()
        .map(|n| parts[..n].join("::"))
        .find(|m| files.contains_key(m))
}

/// Each file's arrows: the other files it names.
fn graph(files: &BTreeMap<String, PathBuf>) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    for (module, path) in files {
        let text = code(path);
        let mut named: Vec<Vec<&str>> = Vec::new();
        for (at, _) in text.match_indices("crate::") {
            let after = &text[at + "crate::".len()..];
            if let Some(group) = after.strip_prefix('{') {
                let inner = &group[..group.find('}').unwrap_or(group.len())];
                named.extend(inner.split(',').map(|item| path_at(item.trim())));
            } else {
                named.push(path_at(after));
            }
        }
        let parent: Vec<&str> = module.split("::").filter(|p| !p.is_empty()).collect();
        let parent = &parent[..parent.len().saturating_sub(1)];
        let mut targets = BTreeSet::new();
        for (at, _) in text.match_indices("super::") {
            let mut parts = parent.to_vec();
            parts.extend(path_at(&text[at + "super::".len()..]));
            if parts.len() == parent.len() {
                continue;
            }
            named.push(parts);
        }
        for parts in &named {
            if let Some(t) = target(files, parts) {
                targets.insert(t);
            }
        }
        // A directory's `mod.rs` naming a child it declares (`rbs::Rbs`).
        for line in text.lines() {
            let line = line.trim();
            let declared = line
                .strip_prefix("pub(crate) mod ")
                .or_else(|| line.strip_prefix("pub mod "))
                .or_else(|| line.strip_prefix("mod "))
                .and_then(|rest| rest.strip_suffix(';'));
            if let Some(child) = declared {
                let full = if module.is_empty() {
                    child.to_owned()
                } else {
                    format!("{module}::{child}")
                };
                let used = text.match_indices(&format!("{child}::")).any(|(at, _)| {
                    !text[..at]
                        .ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':')
                });
                if used && files.contains_key(&full) {
                    targets.insert(full);
                }
            }
        }
        // The crate root is everyone's door (re-exports); a file naming its own submodule
        // or itself is no arrow between floors.
        targets.retain(|t| !t.is_empty() && t != module && !module.starts_with(&format!("{t}::")));
        graph.insert(module.clone(), targets);
    }
    graph
}

/// A circle through `from`, if any: the files on it, in order.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeSet<String>>,
        start: &str,
        at: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(at).into_iter().flatten() {
            if next == start {
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, start, next, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![from.to_owned()];
    walk(graph, from, from, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let crates = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut circles = Vec::new();
    let mut checked = 0;
    for entry in std::fs::read_dir(&crates).unwrap() {
        let src = entry.unwrap().path().join("src");
        if !src.is_dir() {
            continue;
        }
        let files = modules(&src);
        let graph = graph(&files);
        checked += files.len();
        for module in files.keys() {
            if let Some(path) = circle(&graph, module) {
                circles.push(format!("{}: {}", src.display(), path.join(" -> ")));
                break;
            }
        }
    }
    assert!(checked > 50, "read only {checked} files");
    assert!(circles.is_empty(), "circles:\n{}", circles.join("\n"));
}
