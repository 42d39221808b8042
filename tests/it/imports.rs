//! `modsnap::imports` against the real go command: a generated dependency
//! module whose packages carry assorted build constraints, imports and
//! embeds is vendored with `go mod vendor` and listed with `go list -json`;
//! which packages and files go vendored, and which imports and embed
//! patterns go reports, must equal what the `imports` functions predict.
//! Also: the embedded standard-library list against the local GOROOT.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use modsnap::imports::{
    EntryKind, FileTree, NodeKind, RealDir, SourceDir, Tags, embed_patterns, is_metadata_file,
    is_standard_import_path, is_standard_package, match_file, match_potential_source_file,
    package_embeds, read_imports, resolve_embed, scan_dir, should_build, standard_package_dirs,
};
use serde_json::Value;

use crate::support::go::{GoEnv, go_or_skip};

const DEP: &str = "example.com/dep";

/// Leaf packages `p_<name>`: one plain file each.
const LEAVES: &[&str] = &[
    "plain",
    "ign",
    "notlinux",
    "both",
    "malformed",
    "two",
    "plusign",
    "plusnoblank",
    "plusbad",
    "plusnegbad",
    "plusempty",
    "pluslate",
    "win",
    "cgo",
    "hidden",
    "dot",
    "test",
    "xtest",
    "semi",
    "raw",
    "syn",
    "afterstop",
    "nul",
    "orignore",
    "notignore",
    "nested",
];

fn leaf(name: &str) -> String {
    format!("{DEP}/p_{name}")
}

/// Package `a` of the dependency: one file per constraint case, each
/// importing its own leaf.
fn package_a() -> Vec<(String, Vec<u8>)> {
    let imp = |n: &str| format!("import _ \"{}\"\n", leaf(n));
    let mut files: Vec<(String, String)> = vec![
        ("a.go".into(), format!("package a\n\n{}", imp("plain"))),
        (
            "ign.go".into(),
            format!("//go:build ignore\n\npackage a\n\n{}", imp("ign")),
        ),
        (
            "notlinux.go".into(),
            format!("//go:build !linux\n\npackage a\n\n{}", imp("notlinux")),
        ),
        (
            "both.go".into(),
            format!("//go:build linux && !linux\n\npackage a\n\n{}", imp("both")),
        ),
        (
            "plusign.go".into(),
            format!("// +build ignore\n\npackage a\n\n{}", imp("plusign")),
        ),
        (
            "plusnoblank.go".into(),
            format!("// +build ignore\npackage a\n\n{}", imp("plusnoblank")),
        ),
        (
            "plusbad.go".into(),
            format!("// +build a$b\n\npackage a\n\n{}", imp("plusbad")),
        ),
        (
            "plusnegbad.go".into(),
            format!("// +build !a$b\n\npackage a\n\n{}", imp("plusnegbad")),
        ),
        (
            "plusempty.go".into(),
            format!("// +build\n\npackage a\n\n{}", imp("plusempty")),
        ),
        (
            "pluslate.go".into(),
            format!(
                "// Copyright\n\n// +build ignore\npackage a\n\n{}",
                imp("pluslate")
            ),
        ),
        (
            "x_windows.go".into(),
            format!("package a\n\n{}", imp("win")),
        ),
        (
            "cgo.go".into(),
            format!(
                "package a\n\n// #include <stdio.h>\nimport \"C\"\n{}",
                imp("cgo")
            ),
        ),
        (
            "_hidden.go".into(),
            format!("package a\n\n{}", imp("hidden")),
        ),
        (".dot.go".into(), format!("package a\n\n{}", imp("dot"))),
        ("a_test.go".into(), format!("package a\n\n{}", imp("test"))),
        (
            "x_test.go".into(),
            format!("package a_test\n\n{}", imp("xtest")),
        ),
        (
            "semi.go".into(),
            format!(
                "package a; import (/* c */ _ \"{}\"; ); import _ `{}`\nvar _ = 1\n",
                leaf("semi"),
                leaf("raw")
            ),
        ),
        (
            "orignore.go".into(),
            format!(
                "//go:build ignore || linux\n\npackage a\n\n{}",
                imp("orignore")
            ),
        ),
        (
            "notignore.go".into(),
            format!("//go:build !ignore\n\npackage a\n\n{}", imp("notignore")),
        ),
        (
            "nested.go".into(),
            format!(
                "// comment\n/* block\n//go:build ignore\n*/\npackage a\n\n{}",
                imp("nested")
            ),
        ),
        ("notes.txt".into(), "notes\n".into()),
        (".gitignore".into(), "*.o\n".into()),
        ("x_test.go.orig".into(), "old\n".into()),
        ("asm_amd64.s".into(), "//go:build ignore\n\n// asm\n".into()),
        ("go.sum".into(), "\n".into()),
        ("LICENSE".into(), "pkg license\n".into()),
        ("sub/deep.txt".into(), "not copied\n".into()),
    ];
    files.sort();
    files
        .into_iter()
        .map(|(n, c)| (n, c.into_bytes()))
        .collect()
}

/// Package `b`: headers go/build rejects (so `go mod vendor` fails on it
/// with "failed to find embedded files"), plus an import block with a
/// syntax error, which ScanDir reads up to the error.
fn package_b() -> Vec<(String, Vec<u8>)> {
    let imp = |n: &str| format!("import _ \"{}\"\n", leaf(n));
    let files = vec![
        ("b.go".to_string(), format!("package b\n\n{}", imp("plain"))),
        (
            "malformed.go".into(),
            format!("//go:build linux &&\n\npackage b\n\n{}", imp("malformed")),
        ),
        (
            "two.go".into(),
            format!(
                "//go:build linux\n//go:build darwin\n\npackage b\n\n{}",
                imp("two")
            ),
        ),
        (
            "syn.go".into(),
            format!("package b\n\n{}import +\n{}", imp("syn"), imp("afterstop")),
        ),
    ];
    files
        .into_iter()
        .map(|(n, c)| (n, c.into_bytes()))
        .collect()
}

/// Package `e`: embeds in assorted files.
fn package_e() -> Vec<(String, Vec<u8>)> {
    let files: Vec<(&str, &str)> = vec![
        (
            "e.go",
            "package e\n\nimport \"embed\"\n\n//go:embed hello.txt \"sp ace.txt\" `g/*.txt`\nvar s embed.FS\n\n//go:embed static\nvar st embed.FS\n\n//go:embed all:allstatic\nvar al embed.FS\n\nvar str = \"//go:embed nope.txt\"\n\n/*\n//go:embed nope2.txt\n*/\nvar late = 1 //go:embed trailing.txt\n",
        ),
        (
            "ign.go",
            "//go:build ignore\n\npackage main\n\nimport _ \"embed\"\n\n//go:embed ign.txt\nvar s string\n",
        ),
        (
            "_skip.go",
            "package e\n\nimport _ \"embed\"\n\n//go:embed skip.txt\nvar s string\n",
        ),
        (
            "noembed.go",
            "package e\n\n//go:embed noimport.txt\nvar s string\n",
        ),
        (
            "e_test.go",
            "package e\n\nimport _ \"embed\"\n\n//go:embed testonly.txt\nvar t string\n",
        ),
        ("hello.txt", "hi\n"),
        ("sp ace.txt", "space\n"),
        ("g/one.txt", "1\n"),
        ("g/two.txt", "2\n"),
        ("g/three.md", "3\n"),
        ("g/.hidden.txt", "h\n"),
        ("static/a.txt", "a\n"),
        ("static/.h", "h\n"),
        ("static/_u", "u\n"),
        ("static/sub/b.txt", "b\n"),
        ("static/.hd/c.txt", "c\n"),
        ("static/mod/go.mod", "module example.com/dep/e/static/mod\n"),
        ("static/mod/m.txt", "m\n"),
        ("allstatic/.h", "h\n"),
        ("allstatic/_u/x", "x\n"),
        ("allstatic/v.txt", "v\n"),
        ("trailing.txt", "t\n"),
        ("ign.txt", "i\n"),
        ("skip.txt", "s\n"),
        ("noimport.txt", "n\n"),
        ("testonly.txt", "t\n"),
        ("nope.txt", "n\n"),
        ("nope2.txt", "n\n"),
        ("unused.dat", "u\n"),
    ];
    files
        .into_iter()
        .map(|(n, c)| (n.to_string(), c.as_bytes().to_vec()))
        .collect()
}

fn write(root: &Path, rel: &str, content: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

/// Writes the dependency module and returns its package directories.
fn write_dep(dep: &Path) -> Vec<String> {
    write(
        dep,
        "go.mod",
        format!("module {DEP}\n\ngo 1.22\n").as_bytes(),
    );
    write(dep, "LICENSE", b"license\n");
    write(dep, "COPYING.txt", b"copying\n");
    write(dep, "License", b"not a prefix\n");
    write(dep, "README", b"readme\n");
    for l in LEAVES {
        write(
            dep,
            &format!("p_{l}/{l}.go"),
            format!("package p_{l}\n").as_bytes(),
        );
    }
    for (n, c) in package_a() {
        write(dep, &format!("a/{n}"), &c);
    }
    for (n, c) in package_b() {
        write(dep, &format!("b/{n}"), &c);
    }
    for (n, c) in package_e() {
        write(dep, &format!("e/{n}"), &c);
    }
    // A package whose only file is ignore-tagged: not a package under
    // AnyTags, so nothing may import it; it must not be vendored.
    write(
        dep,
        "onlyign/x.go",
        b"//go:build ignore\n\npackage onlyign\n",
    );
    let mut pkgs: Vec<String> = LEAVES.iter().map(|l| format!("p_{l}")).collect();
    pkgs.extend(["a", "b", "e", "onlyign"].map(String::from));
    pkgs.sort();
    pkgs
}

fn write_main(main: &Path, pkgs: &[&str]) {
    let gomod = format!(
        "module example.com/main\n\ngo 1.22\n\nrequire {DEP} v0.0.0\n\nreplace {DEP} => ../dep\n"
    );
    write(main, "go.mod", gomod.as_bytes());
    let imports: String = pkgs
        .iter()
        .map(|p| format!("\t_ \"{DEP}/{p}\"\n"))
        .collect();
    let src = format!("package main\n\nimport (\n{imports}\t_ \"fmt\"\n)\n\nfunc main() {{}}\n");
    write(main, "main.go", src.as_bytes());
}

/// Files under `dir`, relative, slash-separated.
fn list_files(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if !dir.exists() {
        return out;
    }
    for e in walkdir::WalkDir::new(dir) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(dir).unwrap();
            out.insert(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    out
}

/// A [`FileTree`] of a real directory (for embed resolution).
fn tree_of(dir: &Path) -> FileTree {
    let mut entries = Vec::new();
    for e in walkdir::WalkDir::new(dir).min_depth(1) {
        let e = e.unwrap();
        let rel = e
            .path()
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let kind = if e.file_type().is_dir() {
            NodeKind::Dir
        } else if e.file_type().is_file() {
            NodeKind::File
        } else if e.file_type().is_symlink() {
            NodeKind::Symlink
        } else {
            NodeKind::Other
        };
        entries.push((rel, kind));
    }
    FileTree::new(entries)
}

/// The packages `go mod vendor` should vendor from the dependency: the
/// AnyTags import closure of the main module's imports.
fn predicted_vendored(dep: &Path, roots: &[&str]) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = roots.iter().map(|r| format!("{DEP}/{r}")).collect();
    while let Some(p) = todo.pop() {
        if !seen.insert(p.clone()) {
            continue;
        }
        let rel = p.strip_prefix(&format!("{DEP}/")).unwrap();
        let scan = scan_dir(&RealDir::new(dep.join(rel)), &Tags::any())
            .unwrap_or_else(|e| panic!("scan {p}: {e}"));
        for imp in scan.imports {
            if imp == "C" || (is_standard_import_path(&imp) && is_standard_package(&imp)) {
                continue;
            }
            todo.push(imp);
        }
    }
    seen
}

/// The files `go mod vendor` should write for one vendored package.
fn predicted_files(dep: &Path, rel: &str, tree: &FileTree) -> BTreeSet<String> {
    let dir = RealDir::new(dep.join(rel));
    let mut out = BTreeSet::new();
    for e in dir.entries().unwrap() {
        if e.kind != EntryKind::Regular {
            continue;
        }
        let content = dir.read(&e.name).unwrap();
        if match_potential_source_file(&e.name, &content, "1.22") {
            out.insert(e.name);
        }
    }
    match package_embeds(&dir, false) {
        Ok(pe) => {
            let pats = pe.for_vendor("1.22");
            if !pats.is_empty() {
                out.extend(resolve_embed(tree, rel, &pats).unwrap());
            }
        }
        Err(modsnap::imports::PackageEmbedError::NoGo) => {}
        Err(e) => panic!("embeds of {rel}: {e}"),
    }
    out
}

#[test]
fn vendor_tree_matches_go_mod_vendor() {
    let Some(go) = go_or_skip("vendor_tree_matches_go_mod_vendor") else {
        return;
    };
    let env = GoEnv::new(go);
    let work = tempfile::tempdir().unwrap();
    let dep = work.path().join("dep");
    let main = work.path().join("main");
    write_dep(&dep);
    write_main(&main, &["a", "e"]);
    env.run(&main, &["mod", "vendor"]);
    let vendor = main.join("vendor");
    let ctx = env.version();

    // Which packages were vendored.
    let modules_txt = std::fs::read_to_string(vendor.join("modules.txt")).unwrap();
    let got_pkgs: BTreeSet<String> = modules_txt
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(str::to_string)
        .collect();
    let want_pkgs = predicted_vendored(&dep, &["a", "e"]);
    assert_eq!(got_pkgs, want_pkgs, "{ctx}\nmodules.txt:\n{modules_txt}");
    assert!(want_pkgs.contains(&leaf("notlinux")) && !want_pkgs.contains(&leaf("ign")));

    // Which files each vendored package got.
    let tree = tree_of(&dep);
    for pkg in &want_pkgs {
        let rel = pkg.strip_prefix(&format!("{DEP}/")).unwrap();
        let got = list_files(&vendor.join(DEP).join(rel));
        let want = predicted_files(&dep, rel, &tree);
        assert_eq!(got, want, "{ctx}\nfiles of {pkg}");
        let has = |f: &str| got.contains(f);
        if rel == "e" {
            assert!(
                has("ign.txt") && has("trailing.txt") && has("static/a.txt") && has("allstatic/.h")
            );
            assert!(
                // Top-level files are copied anyway; subdirectories only by embeds.
                has("g/one.txt")
                    && !has("g/three.md")
                    && !has("static/.h")
                    && !has("static/_u")
                    && !has("static/mod/m.txt")
            );
        }
        if rel == "a" {
            assert!(
                has("notlinux.go") && has(".gitignore") && has("_hidden.go") && has("asm_amd64.s")
            );
            assert!(!has("ign.go") && !has("plusign.go") && !has("go.sum") && !has("a_test.go"));
        }
    }

    // Metadata from the module root (not itself a package).
    let root_got: BTreeSet<String> = std::fs::read_dir(vendor.join(DEP))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let root_want: BTreeSet<String> = std::fs::read_dir(&dep)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_metadata_file(n))
        .collect();
    assert_eq!(root_got, root_want, "{ctx}");
}

#[test]
fn rejected_headers_fail_vendoring_but_count_for_imports() {
    let Some(go) = go_or_skip("rejected_headers_fail_vendoring_but_count_for_imports") else {
        return;
    };
    let env = GoEnv::new(go);
    let work = tempfile::tempdir().unwrap();
    let dep = work.path().join("dep");
    let main = work.path().join("main");
    write_dep(&dep);
    write_main(&main, &["b"]);
    let ctx = env.version();

    // go/build rejects package b, so vendoring it is fatal; so does ours.
    let out = env.cmd(&main, &["mod", "vendor"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("failed to find embedded files"),
        "{ctx}\n{stderr}"
    );
    let ours = package_embeds(&RealDir::new(dep.join("b")), false).unwrap_err();
    assert!(
        matches!(ours, modsnap::imports::PackageEmbedError::BadFile { .. }),
        "{ours}"
    );

    // The AnyTags import closure still decides which packages are needed:
    // `go mod why` loads it without go/build.
    let want = predicted_vendored(&dep, &["b"]);
    let leaves: Vec<String> = ["plain", "malformed", "two", "syn", "afterstop"]
        .map(leaf)
        .to_vec();
    let mut args = vec!["mod", "why"];
    args.extend(leaves.iter().map(String::as_str));
    let why = String::from_utf8(env.run(&main, &args).stdout).unwrap();
    for (l, block) in leaves.iter().zip(why.split("# ").skip(1)) {
        assert!(block.starts_with(l.as_str()), "{why}");
        let needed = !block.contains("does not need");
        assert_eq!(needed, want.contains(l), "{ctx}\n{l}:\n{block}");
    }
    assert!(want.contains(&leaf("syn")) && !want.contains(&leaf("afterstop")));
}

fn strings(v: &Value, key: &str) -> BTreeSet<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn go_list_imports_and_embeds_match() {
    let Some(go) = go_or_skip("go_list_imports_and_embeds_match") else {
        return;
    };
    let env = GoEnv::new(go).var("GOOS", "linux").var("GOARCH", "amd64");
    let work = tempfile::tempdir().unwrap();
    let dep = work.path().join("dep");
    write_dep(&dep);
    let out = env.run(&dep, &["list", "-e", "-json", "./a", "./e"]);
    let ctx = env.version();
    let tags = Tags::new("linux", "amd64").with_release_tags(26);
    let mut seen = 0;
    for v in serde_json::Deserializer::from_slice(&out.stdout).into_iter::<Value>() {
        let v = v.unwrap();
        let rel = v["ImportPath"]
            .as_str()
            .unwrap()
            .trim_start_matches(&format!("{DEP}/"))
            .to_string();
        let dir = RealDir::new(dep.join(&rel));
        let scan = scan_dir(&dir, &tags).unwrap();
        // go list (go/build) drops a file whose import block has a syntax
        // error; ScanDir keeps its imports. Compare without that file.
        let mut want_imports: BTreeSet<String> = scan.imports.into_iter().collect();
        if rel == "a" {
            want_imports.remove(&leaf("syn"));
        }
        assert_eq!(
            strings(&v, "Imports"),
            want_imports,
            "{ctx}\nImports of {rel}"
        );
        let mut got_tests = strings(&v, "TestImports");
        got_tests.extend(strings(&v, "XTestImports"));
        assert_eq!(
            got_tests,
            scan.test_imports.into_iter().collect(),
            "{ctx}\nTestImports of {rel}"
        );

        // Embed patterns of the files that build on linux/amd64.
        let mut embeds = BTreeSet::new();
        let mut test_embeds = BTreeSet::new();
        for e in dir.entries().unwrap() {
            let n = &e.name;
            if !n.ends_with(".go")
                || n.starts_with('_')
                || n.starts_with('.')
                || !match_file(n, &tags)
            {
                continue;
            }
            let src = dir.read(n).unwrap();
            let Ok(r) = read_imports(&src) else { continue };
            if !should_build(r.header, &tags) {
                continue;
            }
            let Ok(p) = embed_patterns(&src) else {
                continue;
            };
            if n.ends_with("_test.go") {
                test_embeds.extend(p);
            } else {
                embeds.extend(p);
            }
        }
        assert_eq!(
            strings(&v, "EmbedPatterns"),
            embeds,
            "{ctx}\nEmbedPatterns of {rel}"
        );
        let mut got_test_embeds = strings(&v, "TestEmbedPatterns");
        got_test_embeds.extend(strings(&v, "XTestEmbedPatterns"));
        assert_eq!(
            got_test_embeds, test_embeds,
            "{ctx}\nTestEmbedPatterns of {rel}"
        );
        if rel == "e" {
            assert!(embeds.contains("trailing.txt") && !embeds.contains("nope.txt"));
            // EmbedFiles: what resolveEmbed found.
            let pats: Vec<String> = embeds.iter().cloned().collect();
            let files = resolve_embed(&tree_of(&dep), "e", &pats).unwrap();
            let want: BTreeSet<String> = files.into_iter().collect();
            assert_eq!(strings(&v, "EmbedFiles"), want, "{ctx}\nEmbedFiles of e");
        }
        seen += 1;
    }
    assert_eq!(seen, 2, "{ctx}");
}

#[test]
fn embedded_std_list_matches_goroot() {
    let Some(go) = go_or_skip("embedded_std_list_matches_goroot") else {
        return;
    };
    let env = GoEnv::new(go);
    let here = std::env::temp_dir();
    let goroot = String::from_utf8(env.run(&here, &["env", "GOROOT"]).stdout).unwrap();
    let version = String::from_utf8(env.run(&here, &["env", "GOVERSION"]).stdout).unwrap();
    let src = Path::new(goroot.trim()).join("src");

    // `go list std` (any platform) names only listed directories.
    for goos in ["linux", "windows", "darwin", "js"] {
        let goarch = if goos == "js" { "wasm" } else { "amd64" };
        let env = GoEnv::new(env.go.clone())
            .var("GOOS", goos)
            .var("GOARCH", goarch);
        let out = String::from_utf8(env.run(&here, &["list", "std"]).stdout).unwrap();
        for p in out.lines() {
            assert!(
                is_standard_package(p),
                "{p} ({goos}) missing from the embedded list"
            );
        }
    }

    // Exactly the GOROOT directories with .go files, for the same release.
    if !version.trim().starts_with("go1.26") {
        eprintln!("embedded_std_list_matches_goroot: local Go is {version}; exact check skipped");
        return;
    }
    let mut dirs = BTreeMap::new();
    for e in walkdir::WalkDir::new(&src).min_depth(1) {
        let e = e.unwrap();
        if e.file_name().to_string_lossy().ends_with(".go") {
            let parent = e.path().parent().unwrap().strip_prefix(&src).unwrap();
            let rel = parent.to_string_lossy().replace('\\', "/");
            if !rel.is_empty() {
                dirs.insert(rel, ());
            }
        }
    }
    let got: Vec<&str> = standard_package_dirs().to_vec();
    let want: Vec<&str> = dirs.keys().map(String::as_str).collect();
    assert_eq!(
        got,
        want,
        "embedded std list differs from {}",
        src.display()
    );
}
