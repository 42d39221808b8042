//! Hostile archives and projects on every path that reads module bytes:
//! `modsnap vendor` checks every go.mod and zip against the project's
//! go.sum and the module zip rules whatever the archive format, and
//! untrusted names never reach the terminal raw.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use modsnap::archive::manifest::Manifest;
use modsnap::archive::read::read_manifest;
use modsnap::archive::{ArchiveEntry, write_archive};
use modsnap::dirhash;

use crate::support::cmd::{modsnap, run};
use crate::support::fixture::{Fixture, copy_dir, project};

const FORMATS: [&str; 4] = ["tar", "tar.gz", "tar.zst", "zip"];

/// A project's good archive, restored to a tree the tests forge from.
struct Forge {
    fx: Fixture,
    tree: PathBuf,
    manifest: Manifest,
}

impl Forge {
    fn new(name: &str) -> Forge {
        let fx = Fixture::new();
        let good = fx.out("good.tar");
        let (code, _, stderr) = fx.snapshot(&[&project(name), "-o", good.to_str().unwrap()]);
        assert_eq!(code, 0, "{stderr}");
        Forge::from_archive(fx, &good)
    }

    /// Forgeries of an archive made in `fx`.
    fn from_archive(fx: Fixture, good: &Path) -> Forge {
        let tree = fx.out("tree");
        let (code, _, stderr) = run(&[
            "restore",
            good.to_str().unwrap(),
            "--proxy",
            tree.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{stderr}");
        let manifest = read_manifest(good).expect("manifest");
        Forge { fx, tree, manifest }
    }

    /// The manifest entry of `module`.
    fn module(&self, module: &str) -> &modsnap::archive::manifest::ModuleEntry {
        self.manifest
            .modules
            .iter()
            .find(|m| m.path == module)
            .unwrap_or_else(|| panic!("no {module} in the manifest"))
    }

    /// The archive entry of `module`'s `ext` file.
    fn entry(&self, module: &str, ext: &str) -> String {
        self.manifest
            .modules
            .iter()
            .find(|m| m.path == module)
            .and_then(|m| m.files.get(ext))
            .unwrap_or_else(|| panic!("no {ext} for {module}"))
            .name
            .clone()
    }

    /// Writes `manifest` and the files it lists, taken from `tree`, as
    /// `<label>.<ext>`.
    fn write(&self, label: &str, ext: &str, manifest: &Manifest, tree: &Path) -> PathBuf {
        let out = self.fx.out(&format!("{label}.{ext}"));
        let mut names: std::collections::BTreeSet<String> = manifest
            .modules
            .iter()
            .flat_map(|m| m.files.values())
            .map(|f| f.name.clone())
            .collect();
        // The checksum-database bundle the manifest describes, too.
        names.extend(
            manifest
                .sumdb
                .iter()
                .flat_map(|s| s.files.iter().map(|f| f.name.clone())),
        );
        let lists: Vec<String> = names
            .iter()
            .filter_map(|n| {
                n.rsplit_once("/@v/")
                    .map(|(dir, _)| format!("{dir}/@v/list"))
            })
            .collect();
        names.extend(lists);
        let entries: Vec<ArchiveEntry> = names
            .into_iter()
            .map(|name| ArchiveEntry {
                source: tree.join(&name),
                name,
            })
            .collect();
        let json = serde_json::to_vec_pretty(manifest).expect("json");
        write_archive(&out, &json, &entries, 0).expect("write archive");
        out
    }

    /// A copy of the tree whose file `name` holds `data`, and a manifest
    /// that honestly describes it (size, SHA-256, BLAKE3; `h1` when given).
    fn replaced(
        &self,
        label: &str,
        name: &str,
        data: &[u8],
        h1: Option<String>,
    ) -> (PathBuf, Manifest) {
        let tree = self.fx.out(&format!("tree-{label}"));
        copy_dir(&self.tree, &tree);
        let path = tree.join(name);
        std::fs::remove_file(&path).ok();
        std::fs::write(&path, data).expect("write forged file");
        let mut manifest = self.manifest.clone();
        for m in &mut manifest.modules {
            let mut hit = None;
            for (ext, f) in m.files.iter_mut() {
                if f.name == name {
                    f.size = data.len() as u64;
                    f.sha256 = hex::encode(dirhash::Sha256::digest(data));
                    f.blake3 = Some(blake3::hash(data).to_hex().to_string());
                    hit = Some(ext.clone());
                }
            }
            match (hit.as_deref(), &h1) {
                (Some("zip"), Some(h)) => m.zip_h1 = Some(h.clone()),
                (Some("mod"), Some(h)) => m.mod_h1 = Some(h.clone()),
                _ => {}
            }
        }
        (tree, manifest)
    }
}

/// A project copy with a vendor/ that must survive failed runs.
fn project_copy(forge: &Forge, label: &str) -> PathBuf {
    let dir = forge.fx.out(&format!("p-{label}"));
    copy_dir(Path::new(&project("vendor-go116")), &dir);
    std::fs::create_dir_all(dir.join("vendor/keep")).expect("mkdir");
    std::fs::write(dir.join("vendor/keep/k.go"), "package keep\n").expect("write");
    dir
}

fn listing(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// `modsnap vendor archive --project dir`: (code, stderr), asserting that a
/// failed run left vendor/ exactly as it was and no staging behind.
fn vendor(archive: &Path, dir: &Path) -> (i32, String) {
    let before = listing(&dir.join("vendor"));
    let out = modsnap(&["vendor"])
        .arg(archive)
        .arg("--project")
        .arg(dir)
        .env("CGO_ENABLED", "0")
        .output()
        .expect("run modsnap");
    let code = out.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if code != 0 {
        assert_eq!(
            listing(&dir.join("vendor")),
            before,
            "{}: a failed vendor run changed vendor/: {stderr}",
            archive.display()
        );
    }
    let debris: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("modsnap"))
        .collect();
    assert!(debris.is_empty(), "debris left: {debris:?}");
    (code, stderr)
}

/// `zip` with the file ending in `suffix` replaced by `data`.
fn zip_with(zip: &[u8], suffix: &str, data: &[u8]) -> Vec<u8> {
    let mut r = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("zip");
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    let mut hit = false;
    for i in 0..r.len() {
        let mut e = r.by_index(i).expect("entry");
        let name = e.name().expect("name").to_string();
        let mut body = Vec::new();
        e.read_to_end(&mut body).expect("read");
        if name.ends_with(suffix) && !hit {
            body = data.to_vec();
            hit = true;
        }
        w.start_file(name, opts).expect("start");
        w.write_all(&body).expect("write");
    }
    assert!(hit, "no entry ending in {suffix}");
    w.finish().expect("finish").into_inner()
}

/// A zip of `files` (name, data) as given, no checks.
fn raw_zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_level(Some(1))
        .large_file(true);
    for (name, data) in files {
        w.start_file(*name, opts).expect("start");
        w.write_all(data).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

const EMB: &str = "example.com/v/emb";

/// Rewrites `dir/go.sum`'s zip line for EMB to a hash made of `c`.
fn forge_zip_line(dir: &Path, c: char) {
    let gosum = std::fs::read_to_string(dir.join("go.sum")).unwrap();
    let edited: String = gosum
        .lines()
        .map(|l| {
            if l.starts_with(&format!("{EMB} v1.0.0 h1:")) {
                format!("{EMB} v1.0.0 h1:{}=\n", c.to_string().repeat(43))
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert_ne!(edited, gosum);
    std::fs::write(dir.join("go.sum"), edited).unwrap();
}

/// Items 1 and 2: whatever the archive format, a module whose bytes do not
/// hash to the project's go.sum is refused (exit 3), and a module go.sum
/// does not cover is refused as the go command refuses it; vendor/ stays.
#[test]
fn vendor_checks_go_sum_on_every_archive_format() {
    let forge = Forge::new("vendor-go116");
    let zip_name = forge.entry(EMB, "zip");
    let mod_name = forge.entry(EMB, "mod");
    let good_zip = std::fs::read(forge.tree.join(&zip_name)).unwrap();
    let evil_zip = zip_with(
        &good_zip,
        ".go",
        b"package emb\n\nfunc init() { panic(\"pwned\") }\n",
    );
    let evil_h1 = dirhash::hash_zip(std::io::Cursor::new(&evil_zip), Path::new("z")).unwrap();
    let (zip_tree, zip_manifest) = forge.replaced("zip", &zip_name, &evil_zip, Some(evil_h1));
    let evil_mod = b"module example.com/v/emb\n\ngo 1.16\n\nrequire example.com/evil v1.0.0\n";
    let (mod_tree, mod_manifest) = forge.replaced(
        "mod",
        &mod_name,
        evil_mod,
        Some(dirhash::hash_go_mod(evil_mod)),
    );

    for ext in FORMATS {
        let honest = forge.write("honest", ext, &forge.manifest, &forge.tree);
        let dir = project_copy(&forge, &format!("ok-{ext}"));
        let (code, stderr) = vendor(&honest, &dir);
        assert_eq!(code, 0, "{ext}: {stderr}");
        assert!(dir.join("vendor/modules.txt").is_file(), "{ext}");

        // go.sum disagrees with the archive's zip.
        let dir = project_copy(&forge, &format!("sum-{ext}"));
        forge_zip_line(&dir, 'A');
        let (code, stderr) = vendor(&honest, &dir);
        assert_eq!(code, 3, "{ext}: {stderr}");
        assert!(stderr.contains("checksum mismatch"), "{ext}: {stderr}");
        assert!(stderr.contains(EMB), "{ext}: {stderr}");

        // A zip with injected code and a manifest that honestly describes it.
        let evil_zip_archive = forge.write("evil-zip", ext, &zip_manifest, &zip_tree);
        let dir = project_copy(&forge, &format!("zip-{ext}"));
        let (code, stderr) = vendor(&evil_zip_archive, &dir);
        assert_eq!(code, 3, "{ext}: {stderr}");
        assert!(stderr.contains("SECURITY ERROR"), "{ext}: {stderr}");

        // A go.mod rewritten the same way.
        let forged = forge.write("evil-mod", ext, &mod_manifest, &mod_tree);
        let dir = project_copy(&forge, &format!("mod-{ext}"));
        let (code, stderr) = vendor(&forged, &dir);
        assert_eq!(code, 3, "{ext}: {stderr}");
        assert!(stderr.contains("/go.mod"), "{ext}: {stderr}");

        // go.sum without the zip line, or no go.sum at all: go's refusal.
        let dir = project_copy(&forge, &format!("nozip-{ext}"));
        let gosum = std::fs::read_to_string(dir.join("go.sum")).unwrap();
        let kept: String = gosum
            .lines()
            .filter(|l| !l.starts_with(&format!("{EMB} v1.0.0 h1:")))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(dir.join("go.sum"), kept).unwrap();
        let (code, stderr) = vendor(&evil_zip_archive, &dir);
        assert_ne!(code, 0, "{ext}: {stderr}");
        assert!(stderr.contains("missing go.sum entry"), "{ext}: {stderr}");
        let dir = project_copy(&forge, &format!("nosum-{ext}"));
        std::fs::remove_file(dir.join("go.sum")).unwrap();
        let (code, stderr) = vendor(&honest, &dir);
        assert_ne!(code, 0, "{ext}: {stderr}");
        assert!(stderr.contains("missing go.sum entry"), "{ext}: {stderr}");
    }
}

/// The archive's own digest of a zip is checked by vendor too, on every
/// format: a zip that go.sum vouches for (unchanged) but whose manifest
/// BLAKE3 or SHA-256 differs is an archive that was tampered with or
/// damaged, exit 3 and vendor/ untouched. (From a `.tar`, the check runs
/// beside package loading, before anything is swapped in.)
#[test]
fn vendor_checks_each_zip_against_the_archive_manifest() {
    let forge = Forge::new("vendor-go116");
    let zip_name = forge.entry(EMB, "zip");
    for field in ["blake3", "sha256"] {
        let mut forged = forge.manifest.clone();
        for m in &mut forged.modules {
            for f in m.files.values_mut() {
                if f.name == zip_name {
                    match field {
                        "blake3" => f.blake3 = Some("00".repeat(32)),
                        _ => f.sha256 = "00".repeat(32),
                    }
                }
            }
        }
        for ext in FORMATS {
            let archive = forge.write(&format!("manifest-{field}"), ext, &forged, &forge.tree);
            let dir = project_copy(&forge, &format!("manifest-{field}-{ext}"));
            let (code, stderr) = vendor(&archive, &dir);
            // Vendor checks BLAKE3 where the manifest has it (the fast
            // check); a forged SHA-256 beside a true BLAKE3 is for verify.
            if field == "sha256" {
                assert_eq!(code, 0, "{field} {ext}: {stderr}");
                continue;
            }
            assert_eq!(code, 3, "{field} {ext}: {stderr}");
            assert!(stderr.contains("SECURITY ERROR"), "{field} {ext}: {stderr}");
            assert!(
                stderr.contains(&zip_name) && stderr.contains("blake3"),
                "{field} {ext}: {stderr}"
            );
        }
    }
}

/// Archives keep each zip's entry digests (`zip_files`), and vendor checks
/// the files it uses against them once the list, with the zip's names,
/// hashes to go.sum's line. On every format: a changed file it uses is
/// refused, so is a list made to fit a changed zip, a malformed list and a
/// list of the wrong length; without lists (an older archive) each zip is
/// hashed whole as before; a changed file vendor does not use never
/// reaches vendor/, and `modsnap verify` finds it.
#[test]
fn vendor_checks_each_file_it_uses_against_the_listed_digests() {
    use modsnap::archive::manifest::encode_file_digests;
    let forge = Forge::new("vendor-go116");
    let zip_name = forge.entry(EMB, "zip");
    let emb = forge.module(EMB);
    let listed = emb
        .zip_file_digests()
        .expect("snapshot keeps zip_files")
        .expect("well formed");
    let good_zip = std::fs::read(forge.tree.join(&zip_name)).unwrap();
    let cursor = |z: &[u8]| std::io::Cursor::new(z.to_vec());
    let (h1, digests) = dirhash::hash_zip_listed(cursor(&good_zip), Path::new("z")).unwrap();
    assert_eq!(digests, listed, "the list is the zip's, in entry order");
    assert_eq!(Some(h1), emb.zip_h1);
    let with_list = |manifest: &Manifest, list: Option<String>| {
        let mut m = manifest.clone();
        for e in &mut m.modules {
            if e.path == EMB {
                e.zip_files = list.clone();
            }
        }
        m
    };
    // A file vendor copies, changed; the honest list kept.
    let evil_zip = zip_with(
        &good_zip,
        "/emb.go",
        b"package emb\n\nfunc init() { panic(\"pwned\") }\n",
    );
    let (evil_tree, evil) = forge.replaced("listed-used", &zip_name, &evil_zip, None);
    let (_, evil_list) = dirhash::hash_zip_listed(cursor(&evil_zip), Path::new("z")).unwrap();
    let fitted = with_list(&evil, Some(encode_file_digests(&evil_list)));
    let malformed = with_list(&forge.manifest, Some("not base64!".into()));
    let short = with_list(&forge.manifest, Some(encode_file_digests(&listed[1..])));
    let evil_unlisted = with_list(&evil, None);
    let honest_unlisted = with_list(&forge.manifest, None);
    // A file no package embeds, which vendor never reads, changed. (Test
    // files do not qualify: the go 1.16 loader reads their imports.)
    let quiet_zip = zip_with(&good_zip, "/gendata/other.dat", b"changed\n");
    let (quiet_tree, quiet) = forge.replaced("listed-unused", &zip_name, &quiet_zip, None);
    // A test file the go 1.16 loader reads the head of for its imports and
    // never copies, changed after its head: hashed whole before the swap.
    let mut long_test = b"package emb\n\nimport \"strings\"\n\nvar _ = strings.Repeat\n".to_vec();
    for i in 0..2000 {
        long_test.extend_from_slice(format!("// line {i} of a long test file\n").as_bytes());
    }
    let head_zip = zip_with(&good_zip, "/emb_test.go", &long_test);
    let (head_tree, head) = forge.replaced("listed-head", &zip_name, &head_zip, None);
    // A file vendor copies whose CRC-32 no longer matches it (its contents,
    // and so its digest, unchanged): a broken zip, as the whole-zip check
    // found it, not a read error.
    let crc = zip::ZipArchive::new(cursor(&good_zip))
        .unwrap()
        .by_name(&format!("{EMB}@v1.0.0/emb.go"))
        .unwrap()
        .crc32();
    let mut crc_zip = good_zip.clone();
    let (from, to) = (crc.to_le_bytes(), (crc ^ 1).to_le_bytes());
    let mut patched = 0;
    for i in 0..crc_zip.len() - 4 {
        if crc_zip[i..i + 4] == from {
            crc_zip[i..i + 4].copy_from_slice(&to);
            patched += 1;
        }
    }
    assert_eq!(
        patched, 2,
        "the CRC in the local header and the central directory"
    );
    let (crc_tree, crc_manifest) = forge.replaced("listed-crc", &zip_name, &crc_zip, None);

    for ext in FORMATS {
        let honest = forge.write("listed-honest", ext, &forge.manifest, &forge.tree);
        let dir = project_copy(&forge, &format!("listed-ok-{ext}"));
        let (code, stderr) = vendor(&honest, &dir);
        assert_eq!(code, 0, "{ext}: {stderr}");
        let want = listing(&dir.join("vendor"));

        let refused = |label: &str, manifest: &Manifest, tree: &Path, says: &str| {
            let archive = forge.write(label, ext, manifest, tree);
            let dir = project_copy(&forge, &format!("{label}-{ext}"));
            let (code, stderr) = vendor(&archive, &dir);
            assert_eq!(code, 3, "{label} {ext}: {stderr}");
            assert!(stderr.contains("SECURITY ERROR"), "{label} {ext}: {stderr}");
            assert!(stderr.contains(says), "{label} {ext}: {stderr}");
        };
        refused(
            "listed-used",
            &evil,
            &evil_tree,
            "do not match the digest listed for it",
        );
        refused(
            "listed-fitted",
            &fitted,
            &evil_tree,
            "by the digests the archive lists for its files",
        );
        refused("listed-malformed", &malformed, &forge.tree, "zip_files");
        refused(
            "listed-short",
            &short,
            &forge.tree,
            "the list of file digests has",
        );
        refused(
            "unlisted-evil",
            &evil_unlisted,
            &evil_tree,
            "checksum mismatch",
        );
        refused("listed-head", &head, &head_tree, "emb_test.go");
        refused("listed-crc", &crc_manifest, &crc_tree, "checksum error");

        for (label, manifest, tree) in [
            ("unlisted-honest", &honest_unlisted, &forge.tree),
            ("listed-unused", &quiet, &quiet_tree),
        ] {
            let archive = forge.write(label, ext, manifest, tree);
            let dir = project_copy(&forge, &format!("{label}-{ext}"));
            let (code, stderr) = vendor(&archive, &dir);
            assert_eq!(code, 0, "{label} {ext}: {stderr}");
            assert_eq!(listing(&dir.join("vendor")), want, "{label} {ext}");
        }
        let archive = forge.write("listed-unused", ext, &quiet, &quiet_tree);
        let (code, _, stderr) = run(&["verify", archive.to_str().unwrap()]);
        assert_eq!(
            code, 3,
            "{ext}: verify must find the changed file: {stderr}"
        );
        // And verify finds a list that is not the zip's.
        let archive = forge.write(
            "listed-fitted-honest",
            ext,
            &with_list(&forge.manifest, Some(encode_file_digests(&evil_list))),
            &forge.tree,
        );
        let (code, stdout, stderr) = run(&["verify", archive.to_str().unwrap()]);
        assert_eq!(code, 3, "{ext}: {stdout} {stderr}");
        assert!(
            format!("{stdout}{stderr}").contains("zip_files"),
            "{ext}: {stdout} {stderr}"
        );
    }
}

/// Item 3: a zip that breaks the module zip rules is refused even when the
/// manifest claims go.sum's own hash for it; a zip bomb costs nothing.
#[test]
fn vendor_applies_the_zip_rules_whatever_the_manifest_says() {
    let forge = Forge::new("vendor-go116");
    let zip_name = forge.entry(EMB, "zip");
    let m = forge.module(EMB).clone();
    let claimed = m.zip_h1.clone();
    let prefix = format!("{EMB}@v1.0.0/");
    let twins = raw_zip(&[
        (&format!("{prefix}go.mod"), b"module example.com/v/emb\n"),
        (&format!("{prefix}emb.go"), b"package emb\n"),
        (&format!("{prefix}EMB.go"), b"package emb\n"),
    ]);
    let backslash = raw_zip(&[
        (&format!("{prefix}go.mod"), b"module example.com/v/emb\n"),
        (&format!("{prefix}..\\..\\pwn_bs.go"), b"package emb\n"),
    ]);
    for (label, bytes) in [("twins", &twins), ("backslash", &backslash)] {
        let (tree, manifest) = forge.replaced(label, &zip_name, bytes, claimed.clone());
        for ext in FORMATS {
            let archive = forge.write(label, ext, &manifest, &tree);
            let dir = project_copy(&forge, &format!("{label}-{ext}"));
            let (code, stderr) = vendor(&archive, &dir);
            assert_eq!(code, 3, "{label} {ext}: {stderr}");
            assert!(stderr.contains("zip rules"), "{label} {ext}: {stderr}");
            assert!(!dir.join("vendor/modules.txt").exists());
            // verify finds the same zip, in place (.tar) or unpacked.
            let (code, stdout, stderr) = run(&["verify", archive.to_str().unwrap()]);
            assert_eq!(code, 3, "{label} {ext}: {stderr}");
            assert!(
                stdout.contains(&format!("corrupt {EMB}@v1.0.0 .zip")),
                "{label} {ext}: {stdout}"
            );
        }
    }

    // 520 MiB of zeros in one entry: over the module zip size limit.
    let zeros = vec![0u8; 520 << 20];
    let bomb = raw_zip(&[
        (&format!("{prefix}go.mod"), b"module example.com/v/emb\n"),
        (&format!("{prefix}bomb.go"), &zeros),
    ]);
    drop(zeros);
    let (tree, manifest) = forge.replaced("bomb", &zip_name, &bomb, claimed);
    let archive = forge.write("bomb", "tar.gz", &manifest, &tree);
    let dir = project_copy(&forge, "bomb");
    let (code, stderr) = vendor(&archive, &dir);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("zip rules"), "{stderr}");
    let size: u64 = walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    assert!(size < 1 << 20, "the bomb went to disk: {size} bytes");
}

/// Writes a tar with raw entry names (no path checks).
fn raw_tar(path: &Path, entries: &[(&[u8], &[u8])]) {
    let mut b = tar::Builder::new(std::fs::File::create(path).unwrap());
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name);
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.finish().unwrap();
}

/// Item 4: names from an archive are quoted in every message: an entry
/// cannot erase the line that names it.
#[test]
fn untrusted_names_never_reach_the_terminal_raw() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = serde_json::json!({
        "format": "modsnap/1",
        "modsnap_version": "0",
        "inputs": [],
        "modules": [{
            "path": "example.com/\u{1b}[2K\rm",
            "version": "v1.0.0",
            "files": {"mod": {"name": "example.com/\u{1b}[2K\rm/@v/v1.0.0.mod", "size": 1, "sha256": "00"}}
        }]
    });
    let json = serde_json::to_vec(&manifest).unwrap();
    let evil = tmp.path().join("evil.tar");
    raw_tar(
        &evil,
        &[
            (b"modsnap.json", &json),
            (b"example.com/\x1b[2K\rm/@v/v1.0.0.mod", b"x"),
        ],
    );
    let plain = serde_json::to_vec(&serde_json::json!({
        "format": "modsnap/1", "modsnap_version": "0", "inputs": [], "modules": []
    }))
    .unwrap();
    let named = tmp.path().join("named.tar");
    raw_tar(
        &named,
        &[(b"modsnap.json", &plain), (b"\x1b[2K\rpwned.go", b"x")],
    );
    let project = tmp.path().join("p");
    copy_dir(
        Path::new(&crate::support::fixture::project("vendor-go116")),
        &project,
    );
    for (evil, args) in [&evil, &named].into_iter().flat_map(|e| {
        [
            vec!["restore", "ARCHIVE", "--proxy", "OUT"],
            vec!["verify", "ARCHIVE"],
            vec!["vendor", "ARCHIVE", "--project", "PROJECT"],
        ]
        .map(|a| (e, a))
    }) {
        let args: Vec<String> = args
            .iter()
            .map(|a| match *a {
                "ARCHIVE" => evil.display().to_string(),
                "OUT" => tmp.path().join("out").display().to_string(),
                "PROJECT" => project.display().to_string(),
                a => a.to_string(),
            })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, _, stderr) = run(&args);
        assert_ne!(code, 0, "{args:?}: {stderr}");
        assert!(
            !stderr.contains('\u{1b}') && !stderr.contains('\r'),
            "{args:?}: raw control characters on stderr: {stderr:?}"
        );
        assert!(stderr.contains("\\x1b"), "{args:?}: {stderr:?}");
    }
}

/// A `.tar` archive renamed over while a command has it indexed (vendor,
/// serve and verify read module zips in place this way) is never read
/// from: every entry, verified or read again, comes from the file the
/// index opened, not from whatever the path names now.
#[test]
fn an_indexed_tar_is_read_from_the_file_it_opened() {
    use modsnap::archive::read::{Check, TarIndex};
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("a.tar");
    let other = tmp.path().join("b.tar");
    synthetic(tmp.path(), &archive, 3, "v1.0.0", 10);
    // Same names, other bytes at other offsets.
    synthetic(tmp.path(), &other, 3, "v1.1.0", 4000);
    let index = TarIndex::open(&archive).unwrap().expect("a .tar");
    let name = "example.com/m1/@v/v1.0.0.mod";
    let mut before = Vec::new();
    index
        .open_file(name, Check::Both)
        .unwrap()
        .read_to_end(&mut before)
        .unwrap();
    std::fs::rename(&other, &archive).unwrap();
    let mut again = Vec::new();
    index
        .open_file(name, Check::Both)
        .expect("still the indexed file, which passes its check")
        .read_to_end(&mut again)
        .unwrap();
    assert_eq!(again, before);
    let mut reread = Vec::new();
    index
        .reopen_file(name)
        .unwrap()
        .read_to_end(&mut reread)
        .unwrap();
    assert_eq!(reread, before);
    assert!(String::from_utf8_lossy(&before).starts_with("module example.com/m1\n"));
}

/// Writes a synthetic archive: `paths` modules `example.com/m<i>` at
/// `version`, each with a `.mod` of `pad` extra bytes and its list.
fn synthetic(dir: &Path, out: &Path, paths: usize, version: &str, pad: usize) {
    use modsnap::archive::manifest::{FileEntry, ModuleEntry};
    let tree = dir.join(format!("src-{version}"));
    let mut manifest = Manifest {
        format: "modsnap/1".into(),
        modsnap_version: "0".into(),
        ..Manifest::default()
    };
    let mut entries = Vec::new();
    for i in 0..paths {
        let path = format!("example.com/m{i}");
        let data = format!("module {path}\n// {}\n", "x".repeat(pad));
        let name = format!("{path}/@v/{version}.mod");
        let list = format!("{path}/@v/list");
        std::fs::create_dir_all(tree.join(&path).join("@v")).unwrap();
        std::fs::write(tree.join(&name), &data).unwrap();
        std::fs::write(tree.join(&list), format!("{version}\n")).unwrap();
        let mut files = BTreeMap::new();
        files.insert(
            "mod".to_string(),
            FileEntry {
                name: name.clone(),
                size: data.len() as u64,
                sha256: hex::encode(dirhash::Sha256::digest(&data)),
                blake3: Some(blake3::hash(data.as_bytes()).to_hex().to_string()),
            },
        );
        manifest.modules.push(ModuleEntry {
            path: path.clone(),
            version: version.into(),
            zip_h1: None,
            mod_h1: Some(dirhash::hash_go_mod(data.as_bytes())),
            zip_files: None,
            files,
        });
        for n in [name, list] {
            entries.push(ArchiveEntry {
                source: tree.join(&n),
                name: n,
            });
        }
    }
    let json = serde_json::to_vec(&manifest).unwrap();
    write_archive(out, &json, &entries, 0).expect("write archive");
}

fn restore_cmd(archive: &Path, flag: &str, target: &Path) -> crate::support::cmd::Modsnap {
    let mut c = modsnap(&["restore"]);
    c.arg(archive).arg(flag).arg(target);
    c
}

fn names_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// A tmpfs mounted at `dir` (unmounted on drop), or a loud skip.
struct Mount(PathBuf);

impl Mount {
    fn tmpfs(dir: &Path, size: &str, test: &str) -> Option<Mount> {
        std::fs::create_dir_all(dir).unwrap();
        let root = rustix_is_root();
        let ok = root
            && std::process::Command::new("mount")
                .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
                .arg(dir)
                .status()
                .is_ok_and(|s| s.success());
        if !ok {
            let msg = format!(
                "SKIP {test}: cannot mount a tmpfs (needs root and mount(8)); restore into a mount point is not tested"
            );
            eprintln!("\n!!!!!!!! {msg}\n");
            if std::env::var_os("MODSNAP_REQUIRE_GO").is_some() && root {
                panic!("{msg}");
            }
            return None;
        }
        Some(Mount(dir.to_owned()))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

fn rustix_is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// Item 5: a mount point (a Docker volume, a PVC) is a normal target.
#[test]
fn restore_into_a_mount_point() {
    let forge = Forge::new("vendor-go116");
    let good = forge.write("good", "tar", &forge.manifest, &forge.tree);
    for flag in ["--proxy", "--modcache"] {
        let dir = forge.fx.out(&format!("mnt{flag}"));
        let Some(_m) = Mount::tmpfs(&dir, "64m", "integrity::restore_into_a_mount_point") else {
            return;
        };
        let out = restore_cmd(&good, flag, &dir).output().unwrap();
        assert!(
            out.status.success(),
            "{flag}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let names = names_in(&dir);
        assert!(
            names.contains(&"example.com".to_string()) || names.contains(&"cache".to_string()),
            "{flag}: {names:?}"
        );
        assert!(
            !names.iter().any(|n| n.starts_with(".modsnap")),
            "{flag}: debris {names:?}"
        );
        let beside = names_in(dir.parent().unwrap());
        assert!(
            !beside.iter().any(|n| n.starts_with(".modsnap-restore")),
            "{flag}: debris beside the target {beside:?}"
        );
    }
}

/// Item 6: restores into one tree at once take turns: no list loses a
/// version.
#[test]
fn concurrent_restores_keep_every_version() {
    let tmp = tempfile::tempdir().unwrap();
    let archives: Vec<PathBuf> = (0..4)
        .map(|k| {
            let out = tmp.path().join(format!("v{k}.tar"));
            synthetic(tmp.path(), &out, 200, &format!("v1.{k}.0"), 0);
            out
        })
        .collect();
    for trial in 0..3 {
        let target = tmp.path().join(format!("tree{trial}"));
        let children: Vec<_> = archives
            .iter()
            .map(|a| {
                restore_cmd(a, "--proxy", &target)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        for i in 0..200 {
            let list =
                std::fs::read_to_string(target.join(format!("example.com/m{i}/@v/list"))).unwrap();
            assert_eq!(
                list, "v1.0.0\nv1.1.0\nv1.2.0\nv1.3.0\n",
                "trial {trial}: example.com/m{i}"
            );
        }
        assert!(!names_in(&target).iter().any(|n| n.starts_with(".modsnap")));
    }
}

/// Item 7: what can be checked is checked before the first move: free
/// space, writability, the env file's directory. A failed restore changes
/// nothing.
#[test]
fn a_failed_restore_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big.tar");
    synthetic(tmp.path(), &big, 40, "v1.0.0", 64 << 10);

    // Not enough room on the target's filesystem.
    let small = tmp.path().join("small");
    if let Some(_m) = Mount::tmpfs(&small, "1m", "integrity::a_failed_restore_changes_nothing") {
        let out = restore_cmd(&big, "--proxy", &small).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("not enough free space"), "{stderr}");
        assert!(names_in(&small).is_empty(), "{:?}", names_in(&small));
    }

    // --env-file in a directory that does not exist: nothing restored.
    let target = tmp.path().join("t-env");
    let out = restore_cmd(&big, "--proxy", &target)
        .arg("--env-file")
        .arg(tmp.path().join("no/such/dir/env"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--env-file"), "{stderr}");
    assert!(!target.exists(), "the target was created");

    // A directory a move lands in is immutable.
    let target = tmp.path().join("t-imm");
    let first = tmp.path().join("first.tar");
    synthetic(tmp.path(), &first, 40, "v0.9.0", 0);
    assert!(
        restore_cmd(&first, "--proxy", &target)
            .output()
            .unwrap()
            .status
            .success()
    );
    let before = listing(&target);
    let locked = target.join("example.com/m7/@v");
    let chattr = std::process::Command::new("chattr")
        .arg("+i")
        .arg(&locked)
        .status()
        .is_ok_and(|s| s.success());
    if !chattr {
        eprintln!(
            "\n!!!!!!!! SKIP immutable-directory case: chattr +i failed (needs root on ext4)\n"
        );
        return;
    }
    let out = restore_cmd(&big, "--proxy", &target).output().unwrap();
    let _ = std::process::Command::new("chattr")
        .arg("-i")
        .arg(&locked)
        .status();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not writable"), "{stderr}");
    assert_eq!(listing(&target), before, "files moved before the failure");
    // Fixed, the same restore completes.
    assert!(
        restore_cmd(&big, "--proxy", &target)
            .output()
            .unwrap()
            .status
            .success()
    );
    assert_eq!(
        std::fs::read_to_string(target.join("example.com/m7/@v/list")).unwrap(),
        "v0.9.0\nv1.0.0\n"
    );
}

/// Item 8: debris of dead runs is removed by the next run; an interrupted
/// restore removes its own staging.
#[test]
fn debris_is_cleaned_up() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("a.tar");
    synthetic(tmp.path(), &archive, 5, "v1.0.0", 0);
    let target = tmp.path().join("tree");
    std::fs::create_dir_all(target.join(".modsnap-restore-999999999-dead/x")).unwrap();
    let mine = format!(".modsnap-restore-{}-alive", std::process::id());
    std::fs::create_dir_all(target.join(&mine)).unwrap();
    assert!(
        restore_cmd(&archive, "--proxy", &target)
            .output()
            .unwrap()
            .status
            .success()
    );
    let names = names_in(&target);
    assert!(!names.iter().any(|n| n.contains("dead")), "{names:?}");
    assert!(
        names.contains(&mine),
        "a live process's staging was removed"
    );

    // A restore interrupted by SIGINT leaves no staging behind.
    let big = tmp.path().join("big.tar.gz");
    synthetic(tmp.path(), &big, 400, "v2.0.0", 256 << 10);
    let target = tmp.path().join("interrupted");
    let mut child = restore_cmd(&big, "--proxy", &target)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let mut signalled = false;
    while start.elapsed() < std::time::Duration::from_secs(30) {
        if names_in(&target)
            .iter()
            .any(|n| n.starts_with(".modsnap-restore-"))
        {
            let _ = std::process::Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
            signalled = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let status = child.wait().unwrap();
    assert!(
        signalled,
        "the restore finished before it could be interrupted"
    );
    assert_eq!(status.code(), Some(130));
    let names = names_in(&target);
    assert!(
        !names.iter().any(|n| n.starts_with(".modsnap-restore-")),
        "staging left after SIGINT: {names:?}"
    );

    // vendor: a dead run's staging beside vendor/ is removed.
    let forge = Forge::new("vendor-go116");
    let good = forge.write("good", "tar", &forge.manifest, &forge.tree);
    let dir = project_copy(&forge, "debris");
    std::fs::create_dir_all(dir.join(".vendor.modsnap-new-999999999-0/x")).unwrap();
    let (code, stderr) = vendor(&good, &dir);
    assert_eq!(code, 0, "{stderr}");
}

/// Item 9: a cut compressed archive is "truncated or corrupt at entry X",
/// exit 3, never a local write error.
#[test]
fn truncated_compressed_archives_are_named_as_such() {
    let forge = Forge::new("vendor-go116");
    for ext in ["tar.gz", "tar.zst"] {
        let whole = forge.write("whole", ext, &forge.manifest, &forge.tree);
        let bytes = std::fs::read(&whole).unwrap();
        let cut = forge.fx.out(&format!("cut.{ext}"));
        std::fs::write(&cut, &bytes[..bytes.len() * 3 / 5]).unwrap();
        for flag in ["--proxy", "--modcache"] {
            let target = forge.fx.out(&format!("t-{ext}{flag}"));
            let out = restore_cmd(&cut, flag, &target).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(3), "{ext} {flag}: {stderr}");
            assert!(
                stderr.contains("truncated") && stderr.contains(" entry"),
                "{ext}: {stderr}"
            );
            assert!(!stderr.contains("write `"), "{ext}: {stderr}");
            assert!(!target.exists(), "{ext} {flag}: target created");
        }
    }
}

/// Item 10: `ls` checks the entry index before listing.
#[test]
fn ls_refuses_damaged_archives() {
    let forge = Forge::new("vendor-go116");
    for ext in FORMATS {
        let whole = forge.write("ls", ext, &forge.manifest, &forge.tree);
        let (code, stdout, stderr) = run(&["ls", whole.to_str().unwrap()]);
        assert_eq!(code, 0, "{ext}: {stderr}");
        assert!(stdout.contains(EMB), "{ext}");
        let bytes = std::fs::read(&whole).unwrap();
        let cut = forge.fx.out(&format!("ls-cut.{ext}"));
        std::fs::write(&cut, &bytes[..bytes.len() * 3 / 5]).unwrap();
        let (code, _, stderr) = run(&["ls", cut.to_str().unwrap()]);
        assert_eq!(code, 3, "{ext}: {stderr}");
        if ext == "tar" {
            // The fast path still reads just the manifest.
            let (code, _, stderr) = run(&["ls", "--manifest-only", cut.to_str().unwrap()]);
            assert_eq!(code, 0, "{stderr}");
        }
    }
    // A manifest naming a module the archive lacks.
    let mut manifest = forge.manifest.clone();
    let mut ghost = manifest.modules[0].clone();
    ghost.path = "example.com/ghost".into();
    for f in ghost.files.values_mut() {
        f.name = f
            .name
            .replacen(&forge.manifest.modules[0].path, "example.com/ghost", 1);
    }
    manifest.modules.push(ghost);
    let tmp = forge.fx.out("ghost");
    copy_dir(&forge.tree, &tmp);
    let entries_tree = tmp.clone();
    // Write the archive from the real files only.
    let out = forge.fx.out("ghost.tar");
    let names: Vec<String> = forge
        .manifest
        .modules
        .iter()
        .flat_map(|m| m.files.values().map(|f| f.name.clone()))
        .collect();
    let mut entries: Vec<ArchiveEntry> = names
        .iter()
        .map(|n| ArchiveEntry {
            name: n.clone(),
            source: entries_tree.join(n),
        })
        .collect();
    for n in &names {
        if let Some((dir, _)) = n.rsplit_once("/@v/") {
            let list = format!("{dir}/@v/list");
            if !entries.iter().any(|e| e.name == list) {
                entries.push(ArchiveEntry {
                    source: entries_tree.join(&list),
                    name: list,
                });
            }
        }
    }
    write_archive(&out, &serde_json::to_vec(&manifest).unwrap(), &entries, 0).unwrap();
    let (code, _, stderr) = run(&["ls", out.to_str().unwrap()]);
    // Files missing, nothing present wrong: incomplete, not tampered.
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("example.com/ghost"), "{stderr}");
}

/// Item 11: a failing HTTP proxy is named (without its credentials).
#[test]
fn a_failing_http_proxy_is_named() {
    let fx = Fixture::new();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let out = fx.out("x.tar");
    let (code, _, stderr) = fx.snapshot_with(
        &[&project("vendor-go116"), "-o", out.to_str().unwrap()],
        &[
            ("GOPROXY", "http://proxy.example.test"),
            (
                "HTTP_PROXY",
                &format!("http://user:s3cret@127.0.0.1:{port}"),
            ),
            ("MODSNAP_RETRY_BASE_MS", "1"),
        ],
    );
    assert_ne!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!("HTTP proxy http://127.0.0.1:{port}")),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret"), "{stderr}");
}

/// Item 12: malformed inputs get go's words and a file:line.
#[test]
fn malformed_inputs_name_the_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    // (case, files, expected words)
    type Case<'a> = (&'a str, Vec<(&'a str, Vec<u8>)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "utf8",
            vec![("go.mod", b"module example.com/\xff\n\ngo 1.22\n".to_vec())],
            "invalid UTF-8",
        ),
        (
            "require",
            vec![(
                "go.mod",
                b"module example.com/a\n\ngo 1.22\n\nrequire foo v1.0.0\n".to_vec(),
            )],
            "go.mod:5: malformed module path \"foo\": missing dot in first path element",
        ),
        (
            "gosum-dotdot",
            vec![
                ("go.mod", b"module example.com/a\n\ngo 1.22\n".to_vec()),
                (
                    "go.sum",
                    b"example.com/../x v1.0.0/go.mod h1:AAAA\n".to_vec(),
                ),
            ],
            "go.sum:1: malformed module path",
        ),
        (
            "gosum-nul",
            vec![
                ("go.mod", b"module example.com/a\n\ngo 1.22\n".to_vec()),
                (
                    "go.sum",
                    b"example.com/a\x00b v1.0.0/go.mod h1:AAAA\n".to_vec(),
                ),
            ],
            "go.sum:1: malformed module path",
        ),
        (
            "work-dup",
            vec![
                ("go.work", b"go 1.22\n\nuse ./m\nuse ./m/\n".to_vec()),
                ("m/go.mod", b"module example.com/m\n\ngo 1.22\n".to_vec()),
            ],
            "go.work:4: path",
        ),
    ];
    for (name, files, want) in cases {
        let dir = tmp.path().join(name);
        for (rel, data) in files {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, data).unwrap();
        }
        let (code, _, stderr) = run(&[
            "snapshot",
            dir.to_str().unwrap(),
            "--dry-run",
            "-o",
            tmp.path().join("x.tar").to_str().unwrap(),
        ]);
        assert_eq!(code, 1, "{name}: {stderr}");
        assert!(stderr.contains(want), "{name}: {stderr}");
        assert!(!stderr.contains("internal error"), "{name}: {stderr}");
    }
    // A go.sum that is not a file (here /dev/zero) is refused at once.
    let dir = tmp.path().join("devzero");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("go.mod"), "module example.com/a\n\ngo 1.22\n").unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("go.sum")).unwrap();
    let (code, _, stderr) = run(&["snapshot", dir.to_str().unwrap(), "--dry-run"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
}

/// Item 14: a missing output directory is found before any download.
#[test]
fn snapshot_checks_the_output_location_first() {
    let fx = Fixture::new();
    let out = fx.out("no/such/dir/x.tar");
    let (code, _, stderr) = fx.snapshot(&[&project("vendor-go116"), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("output directory does not exist"),
        "{stderr}"
    );
    assert!(
        fx.server.log().is_empty(),
        "requests were made: {:?}",
        fx.server.log()
    );
}

/// `verify --project A --project B` with go.sum files that disagree is a
/// security error naming both, as in snapshot.
#[test]
fn verify_refuses_projects_whose_sums_disagree() {
    let forge = Forge::new("vendor-go116");
    let a = project_copy(&forge, "sum-a");
    let b = project_copy(&forge, "sum-b");
    forge_zip_line(&b, 'B');
    let (code, _, stderr) = run(&[
        "verify",
        "--proxy",
        forge.tree.to_str().unwrap(),
        "--project",
        a.to_str().unwrap(),
        "--project",
        b.to_str().unwrap(),
    ]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("p-sum-a/go.sum") && stderr.contains("p-sum-b/go.sum"),
        "{stderr}"
    );
}

/// Warnings from the library reach stderr as one line each (an unreadable
/// .netrc is ignored with a warning, as the go command ignores it); a
/// proxy variable that is not a URL is an error, as it is for go.
#[test]
fn warnings_reach_stderr() {
    let fx = Fixture::new();
    let netrc = fx.tmp.path().join("netrc-dir");
    std::fs::create_dir_all(&netrc).unwrap();
    let (code, _, stderr) = fx.snapshot_with(
        &[&project("vendor-go116"), "--dry-run"],
        &[
            ("GOPROXY", fx.server.url().as_str()),
            ("NETRC", netrc.to_str().unwrap()),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("modsnap: warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(warnings[0].contains(".netrc"), "{stderr}");

    let (code, _, stderr) = fx.snapshot_with(
        &[&project("vendor-go116"), "--dry-run"],
        &[
            ("GOPROXY", fx.server.url().as_str()),
            ("HTTPS_PROXY", "not a url"),
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("HTTPS_PROXY=\"not a url\" is not a proxy URL"),
        "{stderr}"
    );
}

/// Partial downloads that a killed snapshot left in the cache are removed
/// by the next snapshot that downloads into the same directory.
#[test]
fn stale_partial_downloads_are_removed() {
    let fx = Fixture::new();
    let dir = fx.tmp.path().join("cache/download").join(EMB).join("@v");
    std::fs::create_dir_all(&dir).unwrap();
    let stale = dir.join(".partial-999999999-abcdef");
    std::fs::write(&stale, b"half a zip").unwrap();
    let mine = dir.join(format!(".partial-{}-abcdef", std::process::id()));
    std::fs::write(&mine, b"in use").unwrap();
    let out = fx.out("x.tar");
    let (code, _, stderr) = fx.snapshot(&[&project("vendor-go116"), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stale.exists(), "stale partial download kept");
    assert!(
        mine.exists(),
        "a live process's partial download was removed"
    );
}

/// Archives, env files and restored `@v/list` files are created as any
/// file the user makes (0666 less the umask), not 0600: a CI job often
/// reads them as another user.
#[test]
fn written_files_follow_the_umask() {
    use std::os::unix::fs::MetadataExt;
    let fx = Fixture::new();
    let probe = fx.out("probe");
    std::fs::write(&probe, "").unwrap();
    let want = std::fs::metadata(&probe).unwrap().mode() & 0o777;
    let archive = fx.out("x.tar");
    let (code, _, stderr) =
        fx.snapshot(&[&project("vendor-go116"), "-o", archive.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let tree = fx.out("tree");
    let env = fx.out("env.sh");
    let (code, _, stderr) = run(&[
        "restore",
        archive.to_str().unwrap(),
        "--proxy",
        tree.to_str().unwrap(),
        "--env-file",
        env.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    for f in [
        archive.clone(),
        env,
        tree.join(EMB).join("@v/list"),
        tree.join(EMB).join("@v/v1.0.0.zip"),
    ] {
        let mode = std::fs::metadata(&f).unwrap().mode() & 0o777;
        assert_eq!(mode, want, "{}: mode {mode:o}", f.display());
    }
}

/// `modsnap vendor -o ''` means the default, as `go mod vendor -o ''` does.
#[test]
fn vendor_empty_output_means_the_default() {
    let forge = Forge::new("vendor-go116");
    let good = forge.write("good", "tar", &forge.manifest, &forge.tree);
    let dir = project_copy(&forge, "empty-o");
    let out = modsnap(&["vendor"])
        .arg(&good)
        .arg("--project")
        .arg(&dir)
        .args(["-o", ""])
        .env("CGO_ENABLED", "0")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("vendor/modules.txt").is_file());
}

/// A dead first GOPROXY entry (nothing listening) is not retried: with `|`
/// the next entry serves the run at once.
#[test]
fn a_refused_proxy_is_not_retried() {
    let fx = Fixture::new();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let out = fx.out("x.tar");
    let goproxy = format!("{dead}|{}", fx.server.url());
    let (code, _, stderr) = fx.snapshot_with(
        &[&project("vendor-go116"), "-o", out.to_str().unwrap()],
        &[("GOPROXY", goproxy.as_str())],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stderr.contains("spurious network error"),
        "a refused connection was retried: {stderr}"
    );
}

/// The checksum-database bundle is re-checked by `verify` against the
/// database key, not only against the manifest (which anyone forging an
/// archive can rewrite): a lookup whose hash was changed — with the
/// manifest's digest made to match — is corrupt (exit 3), in every
/// archive format. Without a key for the bundle's database, verify says
/// it could not check it.
#[test]
fn verify_rechecks_the_sumdb_bundle_with_the_database_key() {
    let forge = Forge::new("vendor-go116");
    let key = Fixture::gosumdb();
    let with_key = |archive: &Path| {
        let ctx = crate::support::cmd::TestContext::new();
        let mut c = ctx.modsnap(&["verify", archive.to_str().unwrap()]);
        c.env("GOSUMDB", &key);
        crate::support::cmd::split(c.output().expect("run modsnap"))
    };
    let lookup = forge
        .manifest
        .sumdb
        .as_ref()
        .expect("a bundle")
        .files
        .iter()
        .find(|f| f.name.contains("/lookup/"))
        .expect("a lookup")
        .name
        .clone();
    for ext in ["tar", "tar.zst", "zip"] {
        let good = forge.write("sumdb-good", ext, &forge.manifest, &forge.tree);
        let (code, stdout, stderr) = with_key(&good);
        assert_eq!(code, 0, "{ext}: {stdout}{stderr}");
        let (code, _, stderr) = run(&["verify", good.to_str().unwrap()]);
        assert_eq!(code, 0, "{ext}: {stderr}");
        assert!(stderr.contains("was not re-checked"), "{ext}: {stderr}");

        let text = std::fs::read_to_string(forge.tree.join(&lookup)).unwrap();
        let i = text.find("h1:").unwrap() + 3;
        let mut bytes = text.into_bytes();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let tree = forge.fx.out(&format!("tree-sumdb-{ext}"));
        copy_dir(&forge.tree, &tree);
        std::fs::write(tree.join(&lookup), &bytes).unwrap();
        let mut manifest = forge.manifest.clone();
        for f in manifest.sumdb.as_mut().unwrap().files.iter_mut() {
            if f.name == lookup {
                f.size = bytes.len() as u64;
                f.sha256 = hex::encode(dirhash::Sha256::digest(&bytes));
                f.blake3 = Some(blake3::hash(&bytes).to_hex().to_string());
            }
        }
        let bad = forge.write("sumdb-bad", ext, &manifest, &tree);
        let (code, stdout, stderr) = with_key(&bad);
        assert_eq!(code, 3, "{ext}: {stdout}{stderr}");
        assert!(
            stdout.contains("sumdb lookup") && stdout.contains("cannot authenticate record data"),
            "{ext}: {stdout}"
        );
    }
}

/// `verify` re-checks a linked head (`snapshot --link`) offline: its note
/// against the database key and its proof as a prefix of the bundle's
/// head through the bundle's tiles. A note changed in the manifest, or a
/// proof tile left out, is corrupt (exit 3), in every archive format.
#[test]
fn verify_rechecks_a_linked_head() {
    let fx = Fixture::new();
    let (_, b) = fx.linked_snapshots();
    let forge = Forge::from_archive(fx, &b);
    let key = Fixture::gosumdb();
    let verify = |archive: &Path| {
        let ctx = crate::support::cmd::TestContext::new();
        let mut c = ctx.modsnap(&["verify", archive.to_str().unwrap()]);
        c.env("GOSUMDB", &key);
        crate::support::cmd::split(c.output().expect("run modsnap"))
    };
    // Every archive format reads the bundle through the same check.
    for ext in ["tar", "tar.zst", "zip"] {
        let good = forge.write("linked", ext, &forge.manifest, &forge.tree);
        let (code, stdout, stderr) = verify(&good);
        assert_eq!(code, 0, "{ext}: {stdout}{stderr}");

        // The linked note, one digit of its tree size changed.
        let mut manifest = forge.manifest.clone();
        let link = &mut manifest.sumdb.as_mut().unwrap().links[0];
        let size = link.tree.to_string();
        link.note =
            link.note
                .replacen(&format!("\n{size}\n"), &format!("\n{}\n", link.tree - 1), 1);
        let bad = forge.write("bad-note", ext, &manifest, &forge.tree);
        let (code, stdout, stderr) = verify(&bad);
        assert_eq!(code, 3, "{ext}: {stdout}{stderr}");
        assert!(
            stdout.contains(&format!("linked head tree#{size}")) && stdout.contains("signature"),
            "{ext}: {stdout}"
        );

        // The tile that only the proof needs (records past the fixture modules'
        // level-0 tile, complete at the new head) left out.
        let proof_tile = "sumdb/modsnap.test/sumdb/tile/8/0/001";
        let mut manifest = forge.manifest.clone();
        let files = &mut manifest.sumdb.as_mut().unwrap().files;
        let before = files.len();
        files.retain(|f| f.name != proof_tile);
        assert_eq!(files.len(), before - 1, "the bundle ships {proof_tile}");
        let bad = forge.write("no-proof", ext, &manifest, &forge.tree);
        let (code, stdout, stderr) = verify(&bad);
        assert_eq!(code, 3, "{ext}: {stdout}{stderr}");
        assert!(
            stdout.contains(&format!("linked head tree#{size}")),
            "{ext}: {stdout}"
        );
    }
}
