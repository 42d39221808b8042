//! `modsnap restore`, `modsnap verify` and `modsnap ls`.

use std::io::Write;

use super::args::{LsArgs, RestoreArgs, VendorArgs, VerifyArgs};
use super::progress::Bar;
use super::{
    ExitStatus, fail_json, gowork, human_bytes, print_info, print_json, print_stdout, print_summary,
};
use crate::ops::restore;
use crate::ops::verify::{self, VerifyOptions};

/// Single-quotes a value for POSIX shells.
fn shell_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', r"'\''"))
}

pub(crate) fn run_restore(args: RestoreArgs) -> ExitStatus {
    // The env file's directory is checked before anything is restored: a
    // failure there must not come after a complete restore.
    let env_file = match &args.env_file {
        Some(file) => {
            let dir = match file.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
                _ => std::path::PathBuf::from("."),
            };
            let mut builder = tempfile::Builder::new();
            builder.prefix(".modsnap-env-");
            // As File::create would: 0666 less the umask, not 0600.
            #[cfg(unix)]
            builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
            match builder.tempfile_in(&dir) {
                Ok(tmp) => Some((file.clone(), tmp)),
                Err(e) => {
                    print_info(&format!(
                        "error: --env-file `{}`: cannot write in `{}`: {e}; nothing was restored",
                        file.display(),
                        dir.display()
                    ));
                    return ExitStatus::Error;
                }
            }
        }
        None => None,
    };
    let bar = Bar::new(args.json);
    let result = match (&args.proxy, &args.modcache) {
        (Some(dir), _) => restore::restore_proxy(&args.archive, dir, &bar),
        (None, Some(dir)) => restore::restore_modcache(&args.archive, dir, &bar),
        (None, None) => {
            print_info("error: give --proxy DIR or --modcache DIR");
            return ExitStatus::Usage;
        }
    };
    bar.finish();
    let report = match result {
        Ok(r) => r,
        Err(e) => return fail_json(&e, args.json),
    };
    for w in &report.warnings {
        print_info(&format!("warning: {w}"));
    }
    if let Some((file, mut tmp)) = env_file {
        let mut text =
            String::from("# written by modsnap restore; source this file before running go\n");
        for (k, v) in &report.env {
            text.push_str(&format!("export {k}={}\n", shell_quote(v)));
        }
        let write = tmp
            .write_all(text.as_bytes())
            .and_then(|_| tmp.persist(&file).map(|_| ()).map_err(|e| e.error));
        if let Err(e) = write {
            print_info(&format!("error: write `{}`: {e}", file.display()));
            return ExitStatus::Error;
        }
    }
    print_summary(&format!(
        "restore: {} modules into {} ({} files written, {} already present)",
        report.modules,
        report.target.display(),
        report.written,
        report.kept
    ));
    if args.json {
        return print_json(&report);
    }
    let lines: Vec<String> = report.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    print_stdout(&lines.join("\n"))
}

pub(crate) fn run_verify(rt: &tokio::runtime::Runtime, args: VerifyArgs) -> ExitStatus {
    let gowork = match gowork(args.json) {
        Ok(g) => g,
        Err(status) => return status,
    };
    let env = crate::env::GoEnv::from_process();
    let gosumdb = match crate::ops::sumcheck::GoSumDb::parse(env.gosumdb()) {
        Ok(g) => g,
        Err(e) => {
            print_info(&format!("error: {e}; hint: fix GOSUMDB"));
            return ExitStatus::Usage;
        }
    };
    let opts = VerifyOptions {
        archive: args.archive.clone(),
        proxy: args.proxy.clone(),
        projects: args.project.clone(),
        gowork,
        gosumdb,
    };
    let bar = Bar::new(args.json);
    let result = verify::verify(rt, &opts, &bar);
    bar.finish();
    let report = match result {
        Ok(r) => r,
        Err(e) => return fail_json(&e, args.json),
    };
    for w in &report.warnings {
        print_info(&format!("warning: {w}"));
    }
    let status = if args.json {
        print_json(&report)
    } else {
        let mut lines = Vec::new();
        lines.extend(report.missing.iter().map(|m| format!("missing {m}")));
        lines.extend(report.corrupt.iter().map(|c| format!("corrupt {c}")));
        if lines.is_empty() {
            ExitStatus::Ok
        } else {
            print_stdout(&lines.join("\n"))
        }
    };
    let what = match (&args.archive, &args.proxy) {
        (Some(a), _) => a.display().to_string(),
        (_, Some(p)) => p.display().to_string(),
        _ => String::new(),
    };
    if report.ok() {
        let projects = if report.projects.is_empty() {
            String::new()
        } else {
            format!("; complete for {}", report.projects.join(", "))
        };
        let counts = if report.files > 0 {
            format!(" ({} modules, {} files)", report.modules, report.files)
        } else {
            String::new()
        };
        print_summary(&format!("verify: {what}: ok{counts}{projects}"));
        status
    } else {
        print_info(&format!(
            "verify: {what}: FAILED: {} missing, {} corrupt",
            report.missing.len(),
            report.corrupt.len()
        ));
        if report.corrupt.is_empty() {
            ExitStatus::Incomplete
        } else {
            ExitStatus::VerifyFailed
        }
    }
}

pub(crate) fn run_ls(args: LsArgs) -> ExitStatus {
    let (manifest, rows) = match verify::ls(&args.archive, args.manifest_only) {
        Ok(x) => x,
        Err(e) => return fail_json(&e, args.json),
    };
    if args.json {
        let inputs: Vec<&str> = manifest
            .inputs
            .iter()
            .flat_map(|i| i.modules.iter().map(String::as_str))
            .collect();
        let sumdb = manifest.sumdb.as_ref().map(sumdb_coverage);
        return print_json(
            &serde_json::json!({ "modules": rows, "inputs": inputs, "sumdb": sumdb }),
        );
    }
    let wp = rows.iter().map(|r| r.path.len()).max().unwrap_or(4).max(4);
    let wv = rows
        .iter()
        .map(|r| r.version.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let mut out = format!(
        "{:wp$}  {:wv$}  {:13}  {:>10}\n",
        "PATH", "VERSION", "FILES", "SIZE"
    );
    for r in &rows {
        out.push_str(&format!(
            "{:wp$}  {:wv$}  {:13}  {:>10}\n",
            r.path,
            r.version,
            r.files.join(","),
            human_bytes(r.bytes)
        ));
    }
    if let Some(cov) = manifest.sumdb.as_ref().map(sumdb_coverage) {
        out.push_str(&match &cov.skipped {
            Some(why) => format!("checksum database: not checked ({why})\n"),
            None => format!(
                "checksum database {}: {} module versions checked, {} lookups and {} tiles shipped ({}){}{}\n",
                cov.name,
                cov.checked,
                cov.lookups,
                cov.tiles,
                human_bytes(cov.bytes),
                cov.head.map(|h| format!(", signed at tree#{h}")).unwrap_or_default(),
                cov.links
                    .iter()
                    .map(|l| format!("; proves tree#{} of {} ({} lookups)", l.tree, l.archive, l.lookups))
                    .collect::<String>()
            ),
        });
    }
    let total: u64 = rows.iter().map(|r| r.bytes).sum();
    out.push_str(&format!(
        "{} modules, {} files, {} (inputs: {})",
        rows.len(),
        rows.iter().map(|r| r.files.len()).sum::<usize>(),
        human_bytes(total),
        manifest
            .inputs
            .iter()
            .flat_map(|i| i.modules.iter().cloned())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    print_stdout(&out)
}

pub(crate) fn run_vendor(args: VendorArgs) -> ExitStatus {
    let gowork = match gowork(args.json) {
        Ok(g) => g,
        Err(status) => return status,
    };
    let bar = Bar::new(args.json);
    let opts = crate::ops::vendor::VendorOptions {
        project_dir: args.project.clone(),
        out_dir: args
            .output
            .clone()
            .filter(|o| !o.is_empty())
            .map(std::path::PathBuf::from),
        cgo_enabled: crate::env::cgo_enabled(),
        gowork,
        allow_errors: args.allow_errors,
    };
    let result = crate::ops::vendor::vendor_from_archive(&args.archive, &opts, &bar);
    bar.finish();
    match result {
        Ok(report) => {
            for w in &report.warnings {
                print_info(&format!("warning: {w}"));
            }
            if report.wrote {
                print_summary(&format!(
                    "vendor: {} modules, {} packages, {} files -> {}",
                    report.modules,
                    report.packages,
                    report.files,
                    report.out_dir.display()
                ));
            } else {
                print_summary("vendor: no dependencies to vendor");
            }
            if args.json {
                let v = serde_json::json!({
                    "out_dir": report.out_dir,
                    "modules": report.modules,
                    "packages": report.packages,
                    "files": report.files,
                    "wrote": report.wrote,
                    "warnings": report.warnings,
                });
                return print_json(&v);
            }
            ExitStatus::Ok
        }
        Err(e) => fail_json(&e, args.json),
    }
}

/// What an archive's checksum-database bundle covers, for `ls`.
#[derive(Debug, serde::Serialize)]
struct SumdbCoverage {
    name: String,
    checked: usize,
    private: usize,
    lookups: usize,
    tiles: usize,
    bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    head: Option<i64>,
    links: Vec<LinkCoverage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<String>,
}

/// An earlier archive's bundle that an archive's bundle proves, for `ls`.
#[derive(Debug, serde::Serialize)]
struct LinkCoverage {
    archive: String,
    tree: i64,
    lookups: usize,
}

fn sumdb_coverage(r: &crate::archive::manifest::SumdbRecord) -> SumdbCoverage {
    SumdbCoverage {
        name: r.name.clone().unwrap_or_default(),
        checked: r.checked,
        private: r.private,
        lookups: r
            .files
            .iter()
            .filter(|f| f.name.contains("/lookup/"))
            .count(),
        tiles: r.files.iter().filter(|f| f.name.contains("/tile/")).count(),
        bytes: r.files.iter().map(|f| f.size).sum(),
        head: r.head,
        links: r
            .links
            .iter()
            .map(|l| LinkCoverage {
                archive: l.archive.clone(),
                tree: l.tree,
                lookups: l.lookups,
            })
            .collect(),
        skipped: r.skipped.clone(),
    }
}
