//! `modsnap hash` on good and bad input: one-line errors that name the file
//! and the rule, documented exit codes, and never a panic.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::support::cmd::run;

fn write_zip(dir: &Path, name: &str, entries: &[(&str, &[u8])]) -> PathBuf {
    let path = dir.join(name);
    let mut w = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (n, c) in entries {
        w.start_file(*n, opts).unwrap();
        w.write_all(c).unwrap();
    }
    w.finish().unwrap();
    path
}

/// Asserts a failed run: the exit code, one line on stderr, no panic, no stdout.
fn assert_fails(out: (i32, String, String), code: i32, needles: &[&str]) {
    let (got, stdout, stderr) = out;
    assert_eq!(got, code, "exit code; stderr: {stderr}");
    assert_eq!(stdout, "", "nothing on stdout when failing");
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one-line error: {stderr}"
    );
    for n in needles {
        assert!(stderr.contains(n), "stderr lacks {n:?}: {stderr}");
    }
}

#[test]
fn good_zip_prints_gosum_line_and_json() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = write_zip(
        tmp.path(),
        "m.zip",
        &[
            ("example.com/m@v1.0.0/go.mod", b"module example.com/m\n"),
            ("example.com/m@v1.0.0/m.go", b"package m\n"),
        ],
    );
    let (code, stdout, stderr) = run(&[
        "hash",
        "zip",
        zip.to_str().unwrap(),
        "--module",
        "example.com/m@v1.0.0",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let line = stdout.trim_end();
    assert!(
        line.starts_with("example.com/m v1.0.0 h1:")
            && line.len() == "example.com/m v1.0.0 ".len() + 47,
        "{line}"
    );

    let (code, stdout, _) = run(&[
        "hash",
        "zip",
        zip.to_str().unwrap(),
        "--module",
        "example.com/m@v1.0.0",
        "--json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["kind"], "zip");
    assert_eq!(v["path"], "example.com/m");
    assert_eq!(
        format!("example.com/m v1.0.0 {}", v["h1"].as_str().unwrap()),
        line
    );
}

#[test]
fn zip_breaking_a_rule_is_a_verification_failure() {
    let tmp = tempfile::tempdir().unwrap();
    type Entries<'a> = &'a [(&'a str, &'a [u8])];
    let cases: &[(&str, Entries, &str)] = &[
        (
            "sub-gomod.zip",
            &[("example.com/m@v1.0.0/a/go.mod", b"module x\n")],
            "go.mod file not in module root directory",
        ),
        (
            "outside.zip",
            &[("example.com/other@v1.0.0/x.go", b"package x\n")],
            "does not have prefix",
        ),
        (
            "traversal.zip",
            &[("example.com/m@v1.0.0/../../etc/passwd", b"x")],
            "example.com/m@v1.0.0/../../etc/passwd",
        ),
        (
            "dup-case.zip",
            &[
                ("example.com/m@v1.0.0/A.go", b"a"),
                ("example.com/m@v1.0.0/a.go", b"b"),
            ],
            "case-insensitive file name collision",
        ),
        (
            "reserved.zip",
            &[("example.com/m@v1.0.0/aux.go", b"package m\n")],
            "aux.go",
        ),
    ];
    for (name, entries, needle) in cases {
        let zip = write_zip(tmp.path(), name, entries);
        let out = run(&[
            "hash",
            "zip",
            zip.to_str().unwrap(),
            "--module",
            "example.com/m@v1.0.0",
        ]);
        assert_fails(out, 3, &[name, needle]);
    }
}

#[test]
fn not_a_zip_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("garbage.zip");
    std::fs::write(&file, b"this is not a zip archive").unwrap();
    let out = run(&[
        "hash",
        "zip",
        file.to_str().unwrap(),
        "--module",
        "example.com/m@v1.0.0",
    ]);
    assert_fails(out, 3, &["garbage.zip"]);
}

#[test]
fn bad_module_argument_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = write_zip(
        tmp.path(),
        "m.zip",
        &[("example.com/m@v1.0.0/m.go", b"package m\n")],
    );
    let zip = zip.to_str().unwrap();
    assert_fails(
        run(&["hash", "zip", zip, "--module", "example.com/m"]),
        2,
        &["path@version"],
    );
    assert_fails(
        run(&["hash", "zip", zip, "--module", "example.com/m@v1.0"]),
        2,
        &["not canonical", "v1.0.0"],
    );
    assert_fails(
        run(&["hash", "zip", zip, "--module", "example.com/m@v2.0.0"]),
        2,
        &["example.com/m@v2.0.0"],
    );
    assert_fails(
        run(&["hash", "zip", zip, "--module", "Example.com/m@v1.0.0"]),
        2,
        &["Example.com/m"],
    );
    assert_fails(run(&["hash", "dir", ".", "--module", "nope"]), 2, &["nope"]);
}

#[test]
fn missing_files_name_the_path() {
    let out = run(&["hash", "mod", "/nonexistent/dir/go.mod"]);
    assert_fails(out, 1, &["/nonexistent/dir/go.mod"]);
    let out = run(&[
        "hash",
        "zip",
        "/nonexistent/x.zip",
        "--module",
        "example.com/m@v1.0.0",
    ]);
    assert_fails(out, 1, &["/nonexistent/x.zip"]);
    let out = run(&[
        "hash",
        "dir",
        "/nonexistent/dir",
        "--module",
        "example.com/m@v1.0.0",
    ]);
    assert_fails(out, 1, &["/nonexistent/dir"]);
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, stderr) = run(&["hash", "zip"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, _) = run(&["no-such-command"]);
    assert_eq!(code, 2);
    let (code, stdout, _) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("hash"));
}
