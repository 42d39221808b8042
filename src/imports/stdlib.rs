//! The standard library without a Go installation: cmd/go's
//! `search.IsStandardImportPath` and `modindex.IsStandardPackage`, the
//! latter answered from an embedded list of GOROOT/src directories.

use std::sync::OnceLock;

/// The Go release whose GOROOT the embedded list was generated from.
pub const STD_GO_VERSION: &str = "go1.26.8";

const STD_LIST: &str = include_str!("std_go1.26.txt");

fn std_dirs() -> &'static [&'static str] {
    static DIRS: OnceLock<Vec<&'static str>> = OnceLock::new();
    DIRS.get_or_init(|| {
        let mut v: Vec<&str> = STD_LIST.lines().filter(|l| !l.is_empty()).collect();
        v.sort_unstable();
        v
    })
}

/// cmd/go's `search.IsStandardImportPath`: the first path element has no
/// dot, so the path could name a standard-library package.
pub fn is_standard_import_path(path: &str) -> bool {
    let first = path.split('/').next().unwrap_or("");
    !first.contains('.')
}

/// cmd/go's `modindex.IsStandardPackage` for the embedded Go 1.26 GOROOT:
/// whether `GOROOT/src/<path>` is a directory with a `.go` file.
///
/// Like Go's check this ignores build constraints and GOOS/GOARCH, and it
/// is true for `cmd/...`, `testdata` directories and GOROOT's own vendored
/// copies (`vendor/golang.org/x/...`), which user code cannot import (the
/// go command reports "use of vendored package not allowed") but which are
/// still resolved to GOROOT, never to a module. Callers normally ask only
/// when [`is_standard_import_path`] holds.
pub fn is_standard_package(path: &str) -> bool {
    std_dirs().binary_search(&path).is_ok()
}

/// Every directory of the embedded list, sorted.
pub fn standard_package_dirs() -> &'static [&'static str] {
    std_dirs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_path_shapes() {
        assert!(is_standard_import_path("fmt"));
        assert!(is_standard_import_path("net/http"));
        assert!(is_standard_import_path("example/x.y"));
        assert!(!is_standard_import_path("example.com/x"));
        assert!(!is_standard_import_path("gopkg.in/yaml.v3"));
    }

    #[test]
    fn embedded_list() {
        for p in [
            "fmt",
            "net/http",
            "embed",
            "runtime/cgo",
            "syscall/js",
            "cmd/go",
            "internal/syscall/windows",
        ] {
            assert!(is_standard_package(p), "{p}");
        }
        assert!(is_standard_package(
            "vendor/golang.org/x/net/dns/dnsmessage"
        ));
        for p in ["", "foo", "net/htt", "example.com/x", "C"] {
            assert!(!is_standard_package(p), "{p}");
        }
        let dirs = standard_package_dirs();
        assert!(dirs.len() > 900, "{}", dirs.len());
        assert!(dirs.windows(2).all(|w| w[0] < w[1]));
    }
}
