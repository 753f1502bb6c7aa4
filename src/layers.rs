//! The library's layer order, checked: a module may use only modules on an
//! earlier layer (or its own). Import circles make a module impossible to
//! read or test alone; this test names the edge that would close one.

/// Top-level modules from the bottom up; a module may depend on any module
/// listed before it. Modules on one line (one layer) must not use each other.
const LAYERS: &[&[&str]] = &[
    &["expr", "rng", "stats", "erlang", "heap"],
    &["scenario"],
    &["arrivals", "routing", "workforce", "metrics", "import"],
    &["engine", "cost"],
    &["summary"],
    &["replications"],
    &["report"],
    &["shard"],
    &["experiment"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Every `crate::<module>` a source file names in code (imports and paths
/// alike; comments, where doc links may point anywhere, are skipped).
fn crate_refs(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.push(name);
        }
    }
    out
}

/// The source files of a top-level module (`src/x.rs` or `src/x/**.rs`).
fn files_of(src: &std::path::Path, module: &str) -> Vec<std::path::PathBuf> {
    let single = src.join(format!("{module}.rs"));
    if single.exists() {
        return vec![single];
    }
    let mut out = Vec::new();
    let mut dirs = vec![src.join(module)];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("module folder").flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn every_module_uses_only_earlier_layers() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let modules: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .filter_map(|l| l.strip_suffix(';'))
        .collect();
    let mut wrong = Vec::new();
    for m in &modules {
        let Some(mine) = layer_of(m) else {
            wrong.push(format!("{m} is in no layer: add it to LAYERS"));
            continue;
        };
        for file in files_of(&src, m) {
            let text = std::fs::read_to_string(&file).expect("source file");
            for used in crate_refs(&text) {
                if used == *m || !modules.contains(&used.as_str()) {
                    continue;
                }
                match layer_of(&used) {
                    Some(theirs) if theirs < mine => {}
                    _ => wrong.push(format!(
                        "{} uses crate::{used}, which is not on an earlier layer than {m}",
                        file.strip_prefix(&src).unwrap_or(&file).display()
                    )),
                }
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "layer order broken:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn refs_are_found_in_paths_and_imports() {
    let text = "use crate::scenario::X;\n/// [`crate::report`]\nlet y = crate::cost::Usage::new();";
    assert_eq!(crate_refs(text), ["scenario", "cost"]);
}
