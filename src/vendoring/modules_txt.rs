//! `vendor/modules.txt`, byte for byte as cmd/go/internal/modcmd/vendor.go
//! (`RunVendor`, `moduleLine`) writes it, with the go-version thresholds of
//! the writer:
//!
//! | main go | `## explicit` + trailing replaces | `## go X` |
//! |---|---|---|
//! | no `go` line (outside a workspace), or < 1.14 | no | no |
//! | 1.14 – 1.16 | yes | no |
//! | ≥ 1.17 | yes | yes |
//!
//! Module lines are sorted as `gover.ModSort` sorts (byte order of paths,
//! then semver); package lines in byte order.

use crate::gover::go_version_at_least;
use crate::module::ModVersion;

/// Which annotations the writer emits for a main go version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Annotations {
    /// `## explicit` lines and the trailing replacement lines.
    pub explicit: bool,
    /// `## go X` annotations.
    pub go_versions: bool,
}

impl Annotations {
    /// The annotations for main go version `main_go` (go.work's, or the
    /// single go.mod's, with the go command's defaults 1.18 / 1.16 when the
    /// line is missing); `has_go_line` is whether go.mod has an explicit `go`
    /// line or a go.work is in use.
    pub fn for_version(main_go: &str, has_go_line: bool) -> Annotations {
        Annotations {
            explicit: go_version_at_least(main_go, 14) && has_go_line,
            go_versions: go_version_at_least(main_go, 17),
        }
    }
}

/// One module block of modules.txt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleBlock {
    /// The module version (as required, or as selected).
    pub module: ModVersion,
    /// Its replacement as written in the `=>` part (`path` for a directory,
    /// `path version` for a module), if any.
    pub replacement: Option<ModVersion>,
    /// Whether a main go.mod requires exactly this version.
    pub explicit: bool,
    /// The `go` line of the go.mod used for it, when `## go` is emitted.
    pub go: Option<String>,
    /// Its vendored packages (sorted by the writer).
    pub packages: Vec<String>,
}

/// `# path [version] [=> path [version]]` (cmd/go's `moduleLine`).
pub fn module_line(m: &ModVersion, r: Option<&ModVersion>) -> String {
    let mut s = format!("# {}", m.path);
    if !m.version.is_empty() {
        s.push(' ');
        s.push_str(&m.version);
    }
    if let Some(r) = r.filter(|r| !r.path.is_empty()) {
        s.push_str(" => ");
        s.push_str(&r.path);
        if !r.version.is_empty() {
            s.push(' ');
            s.push_str(&r.version);
        }
    }
    s.push('\n');
    s
}

/// Renders modules.txt: the `## workspace` line, each block in the order
/// given (sort them with [`crate::module::sort`], which is `gover.ModSort`
/// for module paths), then the trailing replacement lines.
pub fn render(
    workspace: bool,
    blocks: &[ModuleBlock],
    trailing: &[(ModVersion, ModVersion)],
) -> String {
    let mut out = String::new();
    if workspace {
        out.push_str("## workspace\n");
    }
    for b in blocks {
        out.push_str(&module_line(&b.module, b.replacement.as_ref()));
        match (&b.explicit, &b.go) {
            (true, Some(go)) => out.push_str(&format!("## explicit; go {go}\n")),
            (true, None) => out.push_str("## explicit\n"),
            (false, Some(go)) => out.push_str(&format!("## go {go}\n")),
            (false, None) => {}
        }
        let mut pkgs = b.packages.clone();
        pkgs.sort();
        for p in pkgs {
            out.push_str(&p);
            out.push('\n');
        }
    }
    for (old, new) in trailing {
        out.push_str(&module_line(old, Some(new)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mv(p: &str, v: &str) -> ModVersion {
        ModVersion::new(p, v)
    }

    #[test]
    fn thresholds() {
        let a = |v, line| Annotations::for_version(v, line);
        assert_eq!(
            a("1.16", false),
            Annotations {
                explicit: false,
                go_versions: false
            }
        );
        assert_eq!(
            a("1.13", true),
            Annotations {
                explicit: false,
                go_versions: false
            }
        );
        assert_eq!(
            a("1.14", true),
            Annotations {
                explicit: true,
                go_versions: false
            }
        );
        assert_eq!(
            a("1.16", true),
            Annotations {
                explicit: true,
                go_versions: false
            }
        );
        assert_eq!(
            a("1.17rc1", true),
            Annotations {
                explicit: true,
                go_versions: false
            }
        );
        assert_eq!(
            a("1.17", true),
            Annotations {
                explicit: true,
                go_versions: true
            }
        );
        assert_eq!(
            a("1.23.4", true),
            Annotations {
                explicit: true,
                go_versions: true
            }
        );
    }

    #[test]
    fn module_lines() {
        assert_eq!(
            module_line(&mv("a.com/m", "v1.0.0"), None),
            "# a.com/m v1.0.0\n"
        );
        assert_eq!(
            module_line(&mv("a.com/m", "v1.0.0"), Some(&mv("../m", ""))),
            "# a.com/m v1.0.0 => ../m\n"
        );
        assert_eq!(
            module_line(&mv("a.com/m", ""), Some(&mv("b.com/f", "v1.2.0"))),
            "# a.com/m => b.com/f v1.2.0\n"
        );
    }

    #[test]
    fn render_blocks() {
        let blocks = vec![
            ModuleBlock {
                module: mv("a.com/b", "v1.0.0"),
                replacement: Some(mv("./b", "")),
                explicit: true,
                go: Some("1.21".into()),
                packages: vec!["a.com/b/z".into(), "a.com/b".into()],
            },
            ModuleBlock {
                module: mv("a.com/c", "v1.1.0"),
                replacement: None,
                explicit: false,
                go: Some("1.17".into()),
                packages: vec!["a.com/c".into()],
            },
            ModuleBlock {
                module: mv("a.com/d", "v0.1.0"),
                replacement: None,
                explicit: true,
                go: None,
                packages: vec![],
            },
            ModuleBlock {
                module: mv("a.com/e", "v0.1.0"),
                replacement: None,
                explicit: false,
                go: None,
                packages: vec!["a.com/e".into()],
            },
        ];
        let trailing = vec![(mv("a.com/b", ""), mv("./b", ""))];
        assert_eq!(
            render(true, &blocks, &trailing),
            "## workspace\n# a.com/b v1.0.0 => ./b\n## explicit; go 1.21\na.com/b\na.com/b/z\n\
             # a.com/c v1.1.0\n## go 1.17\na.com/c\n# a.com/d v0.1.0\n## explicit\n\
             # a.com/e v0.1.0\na.com/e\n# a.com/b => ./b\n"
        );
        assert_eq!(render(false, &[], &[]), "");
    }

    #[test]
    fn mod_sort_order() {
        let mut l = vec![
            mv("a/bc", "v1.0.0"),
            mv("a/b/v2", "v2.0.0"),
            mv("a/b-c", "v1.0.0"),
            mv("a/b", "v1.10.0"),
            mv("a/b", "v1.9.0"),
            mv("a/b", "v1.9.0-pre"),
        ];
        crate::module::sort(&mut l);
        let got: Vec<String> = l.iter().map(|m| m.to_string()).collect();
        assert_eq!(
            got,
            [
                "a/b@v1.9.0-pre",
                "a/b@v1.9.0",
                "a/b@v1.10.0",
                "a/b-c@v1.0.0",
                "a/b/v2@v2.0.0",
                "a/bc@v1.0.0"
            ]
        );
    }
}
