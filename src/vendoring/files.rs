//! Which files of each vendored package go into `vendor/`
//! (cmd/go/internal/modcmd/vendor.go: `vendorPkg`, `copyDir`,
//! `copyMetadata`, `matchPotentialSourceFile`; embeds via go/build's
//! `ImportDir` with `UseAllFiles` and cmd/go/internal/load `resolveEmbed`).
//!
//! - The package directory's regular files (no symlinks, no
//!   subdirectories) that pass [`match_potential_source_file`].
//! - License and metadata files ([`is_metadata_file`]) from each parent
//!   directory up to the module root, once per (module, directory).
//! - Embedded files: patterns of every `.go` file that does not start with
//!   `_` or `.` (build constraints ignored), test files' patterns too when
//!   the main go version is below 1.22.
//!
//! The result is a plan (destination → source); nothing is written here.

use std::collections::{BTreeMap, BTreeSet};

use crate::imports::{
    EntryKind, PackageEmbedError, is_metadata_file, match_potential_source_file, package_embeds,
    resolve_embed,
};

use super::VendorError;
use super::load::{Loader, Loc, Package};
use super::source::{Tree, TreeDir};

/// What to write under the vendor directory: every directory and file by
/// slash path relative to it.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// Directories to create (parents are implied).
    pub(crate) dirs: BTreeSet<String>,
    /// Destination → (module tree, source path relative to its root).
    pub(crate) files: BTreeMap<String, (Loc, String)>,
    /// The (module path, directory) pairs whose metadata has been handled.
    metadata_seen: BTreeSet<(String, String)>,
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

fn parent(p: &str) -> &str {
    match p.rfind('/') {
        Some(i) => &p[..i],
        None => "",
    }
}

/// What one package contributes to the plan apart from the metadata of
/// its parent directories: worked out where the package was scanned, on
/// the loader's worker, while its file heads are at hand.
pub(crate) struct PackageFiles {
    /// The package directory's files to copy (names in it).
    own: Result<Vec<String>, VendorError>,
    /// The embedded files, relative to the package directory.
    embeds: Result<Vec<String>, VendorError>,
}

/// The files of package `pkg_path` (in directory `dir` of `tree`) that
/// `go mod vendor` copies: the directory's own files and its embeds.
pub(crate) fn package_files(
    tree: &Tree,
    pkg_path: &str,
    dir: &str,
    main_go: &str,
    cgo_enabled: bool,
) -> PackageFiles {
    PackageFiles {
        own: own_files(tree, dir, main_go),
        embeds: embedded_files(tree, pkg_path, dir, main_go, cgo_enabled),
    }
}

fn read_err(tree: &Tree, rel: &str, e: std::io::Error) -> VendorError {
    VendorError::Read {
        path: tree.location().join(rel),
        message: e.to_string(),
    }
}

/// The regular files directly in `dir` that pass
/// [`match_potential_source_file`].
fn own_files(tree: &Tree, dir: &str, main_go: &str) -> Result<Vec<String>, VendorError> {
    let mut out = Vec::new();
    for e in tree.entries(dir).map_err(|e| read_err(tree, dir, e))? {
        if e.kind != EntryKind::Regular {
            continue;
        }
        // (`_test.go` files are never copied; their bytes are not needed.)
        let content = if e.name.ends_with(".go") && !e.name.ends_with("_test.go") {
            crate::imports::read_go_head(&TreeDir { tree, dir }, &e.name, &|_| false)
                .map_err(|err| read_err(tree, &join(dir, &e.name), err))?
        } else {
            Vec::new()
        };
        if match_potential_source_file(&e.name, &content, main_go) {
            out.push(e.name);
        }
    }
    Ok(out)
}

/// The files `dir`'s `//go:embed` patterns match, relative to it.
fn embedded_files(
    tree: &Tree,
    pkg_path: &str,
    dir: &str,
    main_go: &str,
    cgo_enabled: bool,
) -> Result<Vec<String>, VendorError> {
    let embeds = match package_embeds(&TreeDir { tree, dir }, cgo_enabled) {
        Ok(e) => e,
        Err(PackageEmbedError::NoGo) => return Ok(Vec::new()),
        Err(PackageEmbedError::Io { name, source }) => {
            return Err(read_err(tree, &join(dir, &name), source));
        }
        Err(e @ PackageEmbedError::BadFile { .. }) => {
            return Err(VendorError::EmbedScan {
                package: pkg_path.to_string(),
                message: e.to_string(),
            });
        }
    };
    let patterns = embeds.for_vendor(main_go);
    if patterns.is_empty() {
        return Ok(Vec::new());
    }
    let files = tree.file_tree(dir).map_err(|e| read_err(tree, dir, e))?;
    resolve_embed(&files, "", &patterns).map_err(|error| VendorError::Embed {
        package: pkg_path.to_string(),
        error,
    })
}

/// Adds package `pkg` (provided by module path `mod_path`), whose own and
/// embedded files are `files`, to `plan`.
pub(crate) fn add_package(
    plan: &mut Plan,
    loader: &mut Loader<'_>,
    pkg_path: &str,
    mod_path: &str,
    pkg: &Package,
    files: PackageFiles,
) -> Result<(), VendorError> {
    let tree = loader.tree(&pkg.loc)?;
    let mut copied: BTreeSet<String> = BTreeSet::new();

    // The package directory itself.
    plan.dirs.insert(pkg_path.to_string());
    for name in files.own? {
        let dst = join(pkg_path, &name);
        copied.insert(dst.clone());
        plan.files
            .insert(dst, (pkg.loc.clone(), join(&pkg.dir, &name)));
    }

    // Metadata from parent directories up to the module root.
    let (mut dst, mut src) = (pkg_path.to_string(), pkg.dir.clone());
    let mut level = 0;
    loop {
        if !plan
            .metadata_seen
            .insert((mod_path.to_string(), dst.clone()))
        {
            break;
        }
        if level > 0 {
            plan.dirs.insert(dst.clone());
            for e in tree.entries(&src).map_err(|e| read_err(tree, &src, e))? {
                if e.kind == EntryKind::Regular && is_metadata_file(&e.name) {
                    let d = join(&dst, &e.name);
                    copied.insert(d.clone());
                    plan.files.insert(d, (pkg.loc.clone(), join(&src, &e.name)));
                }
            }
        }
        if dst == mod_path || src.is_empty() {
            break;
        }
        dst = parent(&dst).to_string();
        src = parent(&src).to_string();
        level += 1;
    }

    // Embedded files.
    for rel in files.embeds? {
        let d = join(pkg_path, &rel);
        if copied.contains(&d) {
            continue;
        }
        plan.dirs.insert(parent(&d).to_string());
        plan.files
            .insert(d, (pkg.loc.clone(), join(&pkg.dir, &rel)));
    }
    Ok(())
}
