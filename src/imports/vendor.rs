//! The file filters of `go mod vendor` (cmd/go/internal/modcmd/vendor.go:
//! `matchPotentialSourceFile`, `metaPrefixes`).

use super::constraint::{Tags, should_build};
use super::read::read_imports;

/// `matchPotentialSourceFile`: whether `go mod vendor` copies the file
/// `name` (with contents `content`) from a vendored package directory.
///
/// `_test.go` files are never copied; `go.mod`/`go.sum` are not copied
/// when `main_go_version` (the main module's `go` line, `1.16` if absent)
/// is 1.17 or later; a `.go` file is left out only when it reads cleanly
/// and fails [`should_build`] under [`Tags::any`] (`ignore`, a malformed
/// or duplicated `//go:build`); everything else is copied. `content` is
/// only looked at for `.go` files.
pub fn match_potential_source_file(name: &str, content: &[u8], main_go_version: &str) -> bool {
    if name.ends_with("_test.go") {
        return false;
    }
    if (name == "go.mod" || name == "go.sum")
        && crate::gover::go_version_at_least(main_go_version, 17)
    {
        return false;
    }
    if name.ends_with(".go") {
        return match read_imports(content) {
            Ok(r) => should_build(r.header, &Tags::any()),
            Err(_) => true,
        };
    }
    true
}

/// The name prefixes of license and metadata files `go mod vendor` copies
/// from a vendored package's parent directories up to the module root.
pub const METADATA_PREFIXES: &[&str] = &[
    "AUTHORS",
    "CONTRIBUTORS",
    "COPYLEFT",
    "COPYING",
    "COPYRIGHT",
    "LEGAL",
    "LICENSE",
    "NOTICE",
    "PATENTS",
];

/// Whether `name` starts with one of [`METADATA_PREFIXES`] (case-sensitive
/// prefix match: `LICENSE.md` yes, `License` and `LICENCE` no).
pub fn is_metadata_file(name: &str) -> bool {
    METADATA_PREFIXES.iter().any(|p| name.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_file_table() {
        let ok = b"package p\n";
        assert!(!match_potential_source_file("a_test.go", ok, "1.21"));
        assert!(!match_potential_source_file("_test.go", ok, "1.21"));
        assert!(!match_potential_source_file("go.mod", b"", "1.17"));
        assert!(!match_potential_source_file("go.sum", b"", "1.21rc1"));
        assert!(match_potential_source_file("go.mod", b"", "1.16"));
        assert!(match_potential_source_file("go.sum", b"", "1.9"));
        assert!(match_potential_source_file("GO.MOD", b"", "1.21"));
        assert!(match_potential_source_file("a.go", ok, "1.21"));
        assert!(!match_potential_source_file(
            "a.go",
            b"//go:build ignore\n\npackage p\n",
            "1.21"
        ));
        assert!(!match_potential_source_file(
            "a.go",
            b"//go:build a b\n\npackage p\n",
            "1.21"
        ));
        assert!(!match_potential_source_file(
            "a.go",
            b"//go:build a\n//go:build b\npackage p\n",
            "1.21"
        ));
        assert!(match_potential_source_file(
            "a.go",
            b"//go:build !linux\n\npackage p\n",
            "1.21"
        ));
        // A read error (NUL) means "copy it".
        assert!(match_potential_source_file(
            "a.go",
            b"//go:build ignore\n\npackage p\x00",
            "1.21"
        ));
        assert!(match_potential_source_file("_x.go", ok, "1.21"));
        assert!(match_potential_source_file(".x.go", ok, "1.21"));
        for n in [
            "x.s",
            "x.c",
            "LICENSE",
            ".gitignore",
            "x_test.go.orig",
            "README",
        ] {
            assert!(
                match_potential_source_file(n, b"//go:build ignore\n\n", "1.21"),
                "{n}"
            );
        }
    }

    #[test]
    fn metadata_prefixes() {
        for n in [
            "LICENSE",
            "LICENSE.md",
            "LICENSE-APACHE",
            "COPYING.txt",
            "NOTICE.txt",
            "AUTHORS",
            "PATENTS",
        ] {
            assert!(is_metadata_file(n), "{n}");
        }
        for n in ["License", "license.txt", "LICENCE", "README", "XLICENSE"] {
            assert!(!is_metadata_file(n), "{n}");
        }
    }
}
