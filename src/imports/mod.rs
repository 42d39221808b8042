//! How `go mod vendor` decides which packages and files exist: the Go
//! concepts of cmd/go/internal/imports, go/build/constraint and parts of
//! go/build, cmd/go/internal/load and cmd/go/internal/modcmd.
//!
//! - Build constraints ([`Expr`], [`should_build`], [`Tags`],
//!   [`match_file`]): `//go:build` and `// +build` parsing
//!   (go/build/constraint/expr.go) and cmd/go's evaluation
//!   (cmd/go/internal/imports/build.go, tags.go), including the
//!   [`Tags::any`] mode `go mod vendor` uses, in which every tag but
//!   `ignore` is both true and false.
//! - Import reading ([`read_imports`]): cmd/go/internal/imports/read.go,
//!   with `reportSyntaxError=false`.
//! - Directory scans ([`scan_dir`]): `imports.ScanDir` (scan.go) over any
//!   [`SourceDir`] (a module zip, or [`RealDir`]).
//! - The standard library ([`is_standard_import_path`],
//!   [`is_standard_package`]): cmd/go/internal/search and
//!   `modindex.IsStandardPackage`, from an embedded directory list.
//! - Embeds ([`read_go_info`], [`embed_patterns`], [`package_embeds`],
//!   [`resolve_embed`]): go/build/read.go (`readGoInfo`) and build.go
//!   (`Import` with `UseAllFiles`), and cmd/go/internal/load/pkg.go
//!   (`resolveEmbed`, `validEmbedPattern`, `isBadEmbedName`) over a
//!   [`FileTree`].
//! - Vendor filters ([`match_potential_source_file`],
//!   [`is_metadata_file`]): cmd/go/internal/modcmd/vendor.go.
//!
//! Not done here: loading the package graph, resolving imports to modules,
//! copying files, cgo `#cgo` directive checks, and go/parser (the header
//! check in [`read_go_info`] is an approximation, documented there).
//!
//! Hand-written because no crate has Go's exact semantics: the `"*"` tag
//! polarity trick, the `+build` placement rule, the import reader's byte
//! quirks (`;` as space, NUL handling, whole-file fallback on syntax
//! errors) and Go's Unicode categories for tags all matter for producing a
//! `vendor/` tree byte-identical to the go command's.
//!
//! The standard-library list `std_go1.26.txt` holds every directory under
//! Go 1.26's `GOROOT/src` containing a `.go` entry, which is exactly what
//! `IsStandardPackage` tests. It was generated with
//!
//! ```text
//! cd "$(go env GOROOT)/src" && find . -name '*.go' -printf '%h\n' \
//!   | sed 's|^\./||' | LC_ALL=C sort -u > std_go1.26.txt
//! ```
//!
//! and the `imports` integration test re-checks it against the local Go
//! installation (and checks that `go list std` is a subset) when `go` is
//! present.

mod constraint;
mod embed;
mod read;
mod scan;
mod stdlib;
mod tagrunes;
mod text;
mod vendor;

pub use constraint::{
    ConstraintError, Expr, KNOWN_ARCH, KNOWN_OS, Tags, UNIX_OS, is_go_build, is_plus_build,
    match_file, should_build,
};
pub use embed::{
    EmbedPatternError, FileTree, GoFileError, GoFileInfo, NodeKind, PackageEmbedError,
    PackageEmbeds, embed_patterns, package_embeds, read_go_info, resolve_embed,
    valid_embed_pattern,
};
pub use read::{ImportsRead, ReadError, read_imports};
pub use scan::{DirEntry, EntryKind, RealDir, Scan, ScanError, SourceDir, read_go_head, scan_dir};
pub use stdlib::{
    STD_GO_VERSION, is_standard_import_path, is_standard_package, standard_package_dirs,
};
pub use vendor::{METADATA_PREFIXES, is_metadata_file, match_potential_source_file};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Bytes biased towards the syntax the parsers care about.
    fn go_ish() -> impl Strategy<Value = Vec<u8>> {
        let atoms = prop_oneof![
            Just(b"package p\n".to_vec()),
            Just(b"import ".to_vec()),
            Just(b"\"embed\"".to_vec()),
            Just(b"//go:build ".to_vec()),
            Just(b"// +build ".to_vec()),
            Just(b"//go:embed ".to_vec()),
            Just(b"/*".to_vec()),
            Just(b"*/".to_vec()),
            Just(b"`".to_vec()),
            Just(b"\"".to_vec()),
            Just(b"'".to_vec()),
            Just(b"\\".to_vec()),
            Just(b"(".to_vec()),
            Just(b")".to_vec()),
            Just(b"!".to_vec()),
            Just(b"&&".to_vec()),
            Just(b"||".to_vec()),
            Just(b"\n".to_vec()),
            Just(b";".to_vec()),
            proptest::collection::vec(any::<u8>(), 0..4),
        ];
        proptest::collection::vec(atoms, 0..40).prop_map(|v| v.concat())
    }

    /// One file, read by prefix, remembering heads like the vendor source.
    struct PrefixDir {
        src: Vec<u8>,
        heads: std::cell::RefCell<Option<(Vec<u8>, bool)>>,
    }

    impl SourceDir for PrefixDir {
        fn entries(&self) -> std::io::Result<Vec<DirEntry>> {
            Ok(vec![DirEntry::new("x.go", EntryKind::Regular)])
        }
        fn read(&self, _: &str) -> std::io::Result<Vec<u8>> {
            Ok(self.src.clone())
        }
        fn read_prefix(&self, _: &str, limit: usize) -> std::io::Result<(Vec<u8>, bool)> {
            let n = limit.min(self.src.len());
            Ok((self.src[..n].to_vec(), n == self.src.len()))
        }
        fn remembered_head(&self, _: &str) -> Option<(Vec<u8>, bool)> {
            self.heads.borrow().clone()
        }
        fn remember_head(&self, _: &str, head: &[u8], whole: bool) {
            *self.heads.borrow_mut() = Some((head.to_vec(), whole));
        }
    }

    /// A Go-ish header, then a long tail so that prefixes matter.
    fn long_go_ish() -> impl Strategy<Value = Vec<u8>> {
        (
            prop_oneof![
                Just(&b"package p\n"[..]),
                Just(&b"package p\nimport \"embed\"\n"[..]),
                Just(&b"//go:build x\n\npackage p; import (\"a\"\n/* c */ \"b\")"[..]),
                Just(&b""[..]),
            ],
            go_ish(),
            prop_oneof![
                Just(&b"\nfunc f() {}\n"[..]),
                Just(&b"\n"[..]),
                Just(&b""[..])
            ],
            0usize..20_000,
            go_ish(),
        )
            .prop_map(|(start, head, stop, pad, tail)| {
                let mut v = start.to_vec();
                v.extend(head);
                v.extend_from_slice(stop);
                v.extend(std::iter::repeat_n(b'x', pad));
                v.extend(tail);
                v
            })
    }

    proptest! {
        /// Reading only a file's head gives what reading all of it gives,
        /// for the import reader and go/build's reader, first time and from
        /// the remembered head.
        #[test]
        fn heads_read_like_whole_files(src in long_go_ish()) {
            let dir = PrefixDir { src: src.clone(), heads: Default::default() };
            let embed = |r: &ImportsRead<'_>| r.paths().iter().any(|p| p == "embed");
            let full_imports = read_imports(&src).map(|r| (r.header.to_vec(), r.quoted));
            let full_info = format!("{:?}", read_go_info(&src));
            for _ in 0..2 {
                let head = read_go_head(&dir, "x.go", &|_| false).unwrap();
                prop_assert_eq!(
                    read_imports(&head).map(|r| (r.header.to_vec(), r.quoted)),
                    full_imports.clone()
                );
                let head = read_go_head(&dir, "x.go", &embed).unwrap();
                prop_assert_eq!(format!("{:?}", read_go_info(&head)), full_info.clone());
                prop_assert_eq!(
                    match_potential_source_file("x.go", &head, "1.22"),
                    match_potential_source_file("x.go", &src, "1.22")
                );
            }
        }

        #[test]
        fn parsers_never_panic(src in go_ish()) {
            let _ = read_imports(&src).map(|r| r.paths());
            let _ = should_build(&src, &Tags::any());
            let _ = should_build(&src, &Tags::new("linux", "amd64"));
            let _ = read_go_info(&src);
            let _ = match_potential_source_file("x.go", &src, "1.22");
            let s = String::from_utf8_lossy(&src);
            let _ = Expr::parse(&s);
            let _ = crate::gover::go_version_at_least(&s, 17);
            let _ = valid_embed_pattern(&s);
            let _ = match_file(&s, &Tags::new("linux", "amd64"));
        }

        #[test]
        fn parsers_never_panic_on_raw_bytes(src in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = read_imports(&src).map(|r| r.paths());
            let _ = should_build(&src, &Tags::any());
            let _ = read_go_info(&src);
            let _ = Expr::parse(&String::from_utf8_lossy(&src));
        }

        #[test]
        fn resolve_never_panics(paths in proptest::collection::vec("[a-c._/]{1,6}", 0..8), pat in "(all:)?[a-c*?._/\\[\\]]{0,6}") {
            let tree = FileTree::new(paths.iter().map(|p| (p.clone(), NodeKind::File)));
            let _ = resolve_embed(&tree, "", std::slice::from_ref(&pat));
            let _ = resolve_embed(&tree, "a", std::slice::from_ref(&pat));
        }
    }
}
