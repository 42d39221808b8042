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
use super::source::TreeDir;

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

/// Adds package `pkg` (provided by module path `mod_path`) to `plan`.
pub(crate) fn add_package(
    plan: &mut Plan,
    loader: &mut Loader<'_>,
    pkg_path: &str,
    mod_path: &str,
    pkg: &Package,
    main_go: &str,
    cgo_enabled: bool,
) -> Result<(), VendorError> {
    let tree = loader.tree(&pkg.loc)?;
    let read_err = |rel: &str, e: std::io::Error| VendorError::Read {
        path: tree.location().join(rel),
        message: e.to_string(),
    };
    let mut copied: BTreeSet<String> = BTreeSet::new();

    // The package directory itself.
    plan.dirs.insert(pkg_path.to_string());
    for e in tree.entries(&pkg.dir).map_err(|e| read_err(&pkg.dir, e))? {
        if e.kind != EntryKind::Regular {
            continue;
        }
        let src = join(&pkg.dir, &e.name);
        // (`_test.go` files are never copied; their bytes are not needed.)
        let content = if e.name.ends_with(".go") && !e.name.ends_with("_test.go") {
            crate::imports::read_go_head(
                &TreeDir {
                    tree,
                    dir: &pkg.dir,
                },
                &e.name,
                &|_| false,
            )
            .map_err(|err| read_err(&src, err))?
        } else {
            Vec::new()
        };
        if match_potential_source_file(&e.name, &content, main_go) {
            let dst = join(pkg_path, &e.name);
            copied.insert(dst.clone());
            plan.files.insert(dst, (pkg.loc.clone(), src));
        }
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
            for e in tree.entries(&src).map_err(|e| read_err(&src, e))? {
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
    let embeds = match package_embeds(
        &TreeDir {
            tree,
            dir: &pkg.dir,
        },
        cgo_enabled,
    ) {
        Ok(e) => e,
        Err(PackageEmbedError::NoGo) => return Ok(()),
        Err(PackageEmbedError::Io { name, source }) => {
            return Err(read_err(&join(&pkg.dir, &name), source));
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
        return Ok(());
    }
    let files = tree
        .file_tree(&pkg.dir)
        .map_err(|e| read_err(&pkg.dir, e))?;
    let resolved = resolve_embed(&files, "", &patterns).map_err(|error| VendorError::Embed {
        package: pkg_path.to_string(),
        error,
    })?;
    for rel in resolved {
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
