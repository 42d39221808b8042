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
    /// The files among `files` already in the staging directory (written
    /// by the loader's workers), with their lengths: the copy skips them.
    pub(crate) written: BTreeMap<String, u64>,
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
    /// Those of them already written to the staging directory, with their
    /// lengths.
    written: Vec<(String, u64)>,
    /// The embedded files, relative to the package directory.
    embeds: Result<Vec<String>, VendorError>,
}

/// Reads the `.go` files directly in `dir` whole (not `_test.go` ones
/// unless `tests`, nor names starting with `_` or `.`, which no step
/// reads) and keeps them in `tree` ([`Tree::keep_whole`]): a vendor run
/// copies most of them, and reading each once, whole, saves inflating its
/// head first. Each is checked as it is read, when the zip is checked file
/// by file. A file that does not read is left for the steps that read it
/// to report.
pub(crate) fn read_go_files_whole(tree: &Tree, dir: &str, tests: bool) {
    let Ok(entries) = tree.entries(dir) else {
        return;
    };
    let mut budget = WHOLE_DIR_LIMIT;
    for e in entries {
        let n = &e.name;
        if e.kind != EntryKind::Regular
            || !n.ends_with(".go")
            || n.starts_with('_')
            || n.starts_with('.')
            || (!tests && n.ends_with("_test.go"))
        {
            continue;
        }
        let rel = join(dir, n);
        // Sizes as the zip declares them (a zip's entries inflate to no
        // more, see `zipentry`): larger files are read as before, a head
        // at a time and streamed by the copy.
        match tree.declared_size(&rel) {
            Some(size) if size <= WHOLE_FILE_LIMIT && size <= budget => budget -= size,
            _ => continue,
        }
        if let Ok(data) = tree.read(&rel) {
            tree.keep_whole(rel, data);
        }
    }
}

/// The largest Go file [`read_go_files_whole`] keeps in memory, and the
/// most it keeps for one directory: what a package holds in memory while
/// a worker scans it is not the zip's to choose (a hostile zip can declare
/// a file of gigabytes; its zip rules and hash are checked on other
/// threads, and may not have failed yet). Generated files past these are
/// rare; they are read as any other file.
const WHOLE_FILE_LIMIT: u64 = 2 << 20;
const WHOLE_DIR_LIMIT: u64 = 8 << 20;

/// The files of package `pkg_path` (in directory `dir` of `tree`) that
/// `go mod vendor` copies: the directory's own files and its embeds. With
/// `staging`, the own `.go` files read whole ([`read_go_files_whole`]) are
/// written there now, under `pkg_path`.
pub(crate) fn package_files(
    tree: &Tree,
    pkg_path: &str,
    dir: &str,
    main_go: &str,
    cgo_enabled: bool,
    staging: Option<&std::path::Path>,
) -> PackageFiles {
    let embeds = embedded_files(tree, pkg_path, dir, main_go, cgo_enabled);
    let mut written = Vec::new();
    let own = own_files(tree, dir, main_go).and_then(|own| {
        if let Some(root) = staging {
            write_whole(tree, dir, &root.join(pkg_path), &own, &mut written)?;
        }
        Ok(own)
    });
    PackageFiles {
        own,
        written,
        embeds,
    }
}

/// Writes those of `names` (files in `dir`) that are held whole into
/// `out`, made if need be; each written file's name and length go to
/// `written`.
fn write_whole(
    tree: &Tree,
    dir: &str,
    out: &std::path::Path,
    names: &[String],
    written: &mut Vec<(String, u64)>,
) -> Result<(), VendorError> {
    let write_err =
        |op: &'static str, path: &std::path::Path, e: std::io::Error| VendorError::Write {
            op,
            path: path.to_owned(),
            message: e.to_string(),
        };
    let mut made = false;
    for name in names {
        let Some(data) = tree.take_whole(&join(dir, name)) else {
            continue;
        };
        let p = out.join(name);
        // Before the directory too: once interrupted, the staging tree has
        // been moved aside, and nothing may be made where it was.
        crate::fsutil::debris::check_interrupted().map_err(|e| write_err("create", &p, e))?;
        if !made {
            std::fs::create_dir_all(out).map_err(|e| write_err("create directory", out, e))?;
            made = true;
        }
        let mut f = std::fs::File::create_new(&p).map_err(|e| write_err("create", &p, e))?;
        std::io::Write::write_all(&mut f, &data).map_err(|e| write_err("write", &p, e))?;
        written.push((name.clone(), data.len() as u64));
    }
    Ok(())
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
    for (name, len) in files.written {
        plan.written.insert(join(pkg_path, &name), len);
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::ModVersion;
    use crate::vendoring::source::OpenedZip;
    use std::io::Write;

    fn zip_tree(files: &[(&str, usize)]) -> Tree {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, size) in files {
            w.start_file(format!("example.com/m@v1.0.0/{name}"), opts)
                .unwrap();
            let mut body = b"package p\n".to_vec();
            body.resize(*size, b'/');
            w.write_all(&body).unwrap();
        }
        let bytes = w.finish().unwrap().into_inner();
        let m = ModVersion::new("example.com/m", "v1.0.0");
        let zip = OpenedZip::new("m.zip".into(), Box::new(std::io::Cursor::new(bytes)));
        Tree::open_zip(&m, zip).unwrap()
    }

    /// A zip declares its files' sizes: one larger than the limit, or past
    /// the directory's budget, is not held in memory whole, and still
    /// reads in full the ordinary way.
    #[test]
    fn only_files_within_the_limits_are_read_whole() {
        let big = WHOLE_FILE_LIMIT as usize + 1;
        let tree = zip_tree(&[("p/a.go", 100), ("p/big.go", big)]);
        read_go_files_whole(&tree, "p", false);
        assert_eq!(tree.take_whole("p/a.go").map(|d| d.len()), Some(100));
        assert!(tree.take_whole("p/big.go").is_none());
        assert_eq!(tree.read("p/big.go").unwrap().len(), big);

        let each = WHOLE_FILE_LIMIT as usize;
        let names: Vec<String> = (0..6).map(|i| format!("q/f{i}.go")).collect();
        let files: Vec<(&str, usize)> = names.iter().map(|n| (n.as_str(), each)).collect();
        let tree = zip_tree(&files);
        read_go_files_whole(&tree, "q", false);
        let kept = names
            .iter()
            .filter(|n| tree.take_whole(n).is_some())
            .count();
        assert_eq!(kept as u64, WHOLE_DIR_LIMIT / WHOLE_FILE_LIMIT);
    }
}
