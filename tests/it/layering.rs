//! Dependencies between modsnap's modules point one way: CLI → operations →
//! I/O adapters → formats → pure values. A single crate does not enforce
//! that, so this test reads every `crate::<module>` reference in `src/` and
//! fails on any edge not in the table.

use std::collections::BTreeSet;
use std::path::Path;

/// module → the crate modules it may use.
const ALLOWED: &[(&str, &[&str])] = &[
    // L0: pure values and algorithms.
    ("semver", &[]),
    ("gover", &[]),
    ("slashpath", &[]),
    ("classify", &[]),
    ("module", &["semver"]),
    ("goproxy", &["module", "semver"]),
    ("seekbuf", &[]),
    ("zipentry", &[]),
    ("dirhash", &["seekbuf", "zipentry"]),
    ("parallel", &[]),
    ("toolchain", &["gover"]),
    ("vcs", &["module"]),
    // L1: formats.
    ("modfile", &["module", "semver", "gover"]),
    ("gosum", &[]),
    ("sumdb", &["dirhash", "module"]),
    ("imports", &["module", "gover"]),
    (
        "modzip",
        &[
            "module",
            "semver",
            "modfile",
            "fsutil",
            "gover",
            "slashpath",
            "seekbuf",
            "zipentry",
        ],
    ),
    ("env", &[]),
    // L2: I/O adapters.
    ("fsutil", &[]),
    (
        "proxy",
        &["module", "goproxy", "fsutil", "dirhash", "codehost"],
    ),
    // git, run as the go command runs it.
    ("codehost", &["fsutil", "dirhash", "env"]),
    // The HTTP server of `modsnap serve` (what it serves is `ops::serve`).
    ("serve", &["goproxy", "classify", "module"]),
    // L3: operations.
    (
        "archive",
        &[
            "fsutil", "module", "goproxy", "dirhash", "semver", "parallel", "classify",
        ],
    ),
    (
        "graph",
        &["modfile", "module", "semver", "gover", "slashpath"],
    ),
    (
        "project",
        &[
            "archive",
            "classify",
            "dirhash",
            "fsutil",
            "gosum",
            "graph",
            "modfile",
            "module",
            "slashpath",
        ],
    ),
    (
        "ops",
        &[
            "archive",
            "classify",
            "dirhash",
            "fsutil",
            "goproxy",
            "gosum",
            "gover",
            "graph",
            "imports",
            "modfile",
            "module",
            "modzip",
            "semver",
            "ops",
            "project",
            "proxy",
            "vendoring",
            "parallel",
            "sumdb",
            "toolchain",
            "serve",
            "codehost",
            "vcs",
        ],
    ),
    (
        "vendoring",
        &[
            "classify",
            "graph",
            "gover",
            "goproxy",
            "imports",
            "modfile",
            "module",
            "project",
            "slashpath",
            "vendoring",
            "parallel",
            "seekbuf",
            "zipentry",
            "fsutil",
            "dirhash",
            "gosum",
            "modzip",
        ],
    ),
    // L4: the command line.
    (
        "cli",
        &[
            "ops", "module", "cli", "classify", "env", "proxy", "archive", "fsutil", "serve",
        ],
    ),
];

fn crate_refs(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
    }
    // `use crate::{a, b::c}` groups.
    for (i, _) in text.match_indices("crate::{") {
        let rest = &text[i + "crate::{".len()..];
        let group = rest.split('}').next().unwrap_or("");
        for item in group.split(',') {
            let name: String = item
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn module_dependencies_point_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    let mut seen_modules = BTreeSet::new();
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = entry.path().strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .into_owned();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        seen_modules.insert(module.clone());
        let Some((_, allowed)) = ALLOWED.iter().find(|(m, _)| *m == module) else {
            violations.push(format!(
                "src/{}: module `{module}` is not in the layering table",
                rel.display()
            ));
            continue;
        };
        // Doc links (`[`crate::x`]`) are not dependencies: scan code lines only.
        let text: String = std::fs::read_to_string(entry.path())
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .map(|l| format!("{l}\n"))
            .collect();
        for used in crate_refs(&text) {
            if used != module && !allowed.contains(&used.as_str()) {
                violations.push(format!(
                    "src/{}: `{module}` must not use `crate::{used}`",
                    rel.display()
                ));
            }
        }
    }
    assert!(
        seen_modules.contains("semver") && seen_modules.contains("cli"),
        "scanned {seen_modules:?}"
    );
    assert!(
        violations.is_empty(),
        "layering violations:\n{}",
        violations.join("\n")
    );
}

#[test]
fn main_only_calls_the_library() {
    let main =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/main.rs")).unwrap();
    let code: Vec<&str> = main
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .collect();
    assert!(
        code.len() <= 5,
        "src/main.rs should only call modsnap::cli::main: {code:?}"
    );
    assert!(main.contains("modsnap::cli::main()"));
}
