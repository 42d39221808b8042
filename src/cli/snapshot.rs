//! `modsnap snapshot`: flags and environment → [`SnapshotOptions`], then
//! the summary.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::args::SnapshotArgs;
use super::progress::Bar;
use super::{ExitStatus, fail_json, gowork, human_bytes, print_info, print_json, print_stdout};
use crate::env::GoEnv;
use crate::ops::snapshot::{self, SnapshotOptions};
use crate::proxy::ProxyConfig;

use crate::env::var;

fn home() -> Option<PathBuf> {
    var("HOME").map(PathBuf::from)
}

/// The network settings, from the go env and the process environment.
pub(crate) fn proxy_config(env: &GoEnv) -> ProxyConfig {
    let mut ca_files = Vec::new();
    if let Some(f) = var("SSL_CERT_FILE") {
        ca_files.push(PathBuf::from(f));
    }
    if let Some(dirs) = var("SSL_CERT_DIR") {
        for dir in std::env::split_paths(&dirs) {
            if let Ok(rd) = std::fs::read_dir(&dir) {
                let mut files: Vec<PathBuf> = rd
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file())
                    .collect();
                files.sort();
                ca_files.extend(files);
            }
        }
    }
    let either = |upper: &str, lower: &str| var(upper).or_else(|| var(lower));
    let netrc = var("NETRC")
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".netrc")));
    ProxyConfig {
        goproxy: env.goproxy().to_string(),
        gonoproxy: env.gonoproxy().to_string(),
        goinsecure: env.goinsecure().to_string(),
        goauth: env.get("GOAUTH").to_string(),
        netrc,
        http_proxy: either("HTTP_PROXY", "http_proxy").filter(|_| var("REQUEST_METHOD").is_none()),
        https_proxy: either("HTTPS_PROXY", "https_proxy"),
        no_proxy: either("NO_PROXY", "no_proxy"),
        ca_files,
        connect_timeout: Duration::from_secs(30),
        read_timeout: Duration::from_secs(30),
        user_agent: format!("modsnap/{}", env!("CARGO_PKG_VERSION")),
        // MODSNAP_RETRY_BASE_MS: the first retry's delay (default 500 ms;
        // each retry doubles it, with jitter). Tests set it low.
        retry_base: var("MODSNAP_RETRY_BASE_MS")
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(ProxyConfig::default().retry_base, Duration::from_millis),
        ..ProxyConfig::default()
    }
}

/// GOFLAGS settings that change what the offline go command does with the
/// snapshot.
fn goflags_warnings(env: &GoEnv) -> Vec<String> {
    let goflags = env.get("GOFLAGS");
    let mut out = Vec::new();
    for flag in goflags.split_whitespace() {
        match flag.trim_start_matches('-') {
            "mod=mod" => out.push(format!(
                "GOFLAGS={goflags:?} has -mod=mod: the go command may update go.mod and go.sum and fetch modules the snapshot does not hold; air-gapped builds want the default (-mod=readonly)"
            )),
            "mod=vendor" => out.push(format!(
                "GOFLAGS={goflags:?} has -mod=vendor: the go command will build from vendor/ and ignore the GOPROXY tree; write vendor/ with `modsnap vendor` or drop the flag"
            )),
            _ => {}
        }
    }
    out
}

/// The checksum-database settings from GOSUMDB and GONOSUMDB/GOPRIVATE;
/// `None` for `GOSUMDB=off`.
fn sumdb_options(
    env: &GoEnv,
    link: &[PathBuf],
) -> Result<Option<crate::ops::sumcheck::SumdbOptions>, crate::ops::sumcheck::GoSumDbError> {
    let gosumdb = crate::ops::sumcheck::GoSumDb::parse(env.gosumdb())?;
    if gosumdb == crate::ops::sumcheck::GoSumDb::Off {
        return Ok(None);
    }
    Ok(Some(crate::ops::sumcheck::SumdbOptions {
        gosumdb,
        gonosumdb: env.gonosumdb().to_string(),
        link: link.to_vec(),
    }))
}

/// modsnap's cache: `$XDG_CACHE_HOME/modsnap`, else `~/.cache/modsnap`.
fn default_cache_dir() -> PathBuf {
    var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| home().map(|h| h.join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("modsnap")
}

pub(crate) fn run(rt: &tokio::runtime::Runtime, args: SnapshotArgs) -> ExitStatus {
    let mtime = match var("SOURCE_DATE_EPOCH").map(|v| v.parse::<u64>()) {
        None => 0,
        Some(Ok(t)) => t,
        Some(Err(_)) => {
            print_info("error: SOURCE_DATE_EPOCH must be a whole number of seconds since 1970");
            return ExitStatus::Usage;
        }
    };
    if crate::archive::Format::from_path(&args.output).is_none() {
        print_info(&format!(
            "error: `{}`: unknown archive format; use a name ending in .tar, .tar.gz, .tgz, .tar.zst or .zip",
            args.output.display()
        ));
        return ExitStatus::Usage;
    }
    let env = GoEnv::from_process();
    let dirs = if args.dirs.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.dirs.clone()
    };
    let gowork = match gowork(args.json) {
        Ok(g) => g,
        Err(status) => return status,
    };
    // GOSUMDB as the go command reads it; --no-sumdb or GOSUMDB=off skip.
    let sumdb = if args.no_sumdb {
        Err("--no-sumdb".to_string())
    } else {
        match sumdb_options(&env, &args.link) {
            Ok(Some(o)) => Ok(o),
            Ok(None) if !args.link.is_empty() => {
                print_info("error: --link needs the checksum database, and GOSUMDB=off");
                return ExitStatus::Usage;
            }
            Ok(None) => Err("GOSUMDB=off".to_string()),
            Err(e) => {
                print_info(&format!(
                    "error: {e}; hint: fix GOSUMDB, or pass --no-sumdb"
                ));
                return ExitStatus::Usage;
            }
        }
    };
    let mut platforms = Vec::new();
    for p in &args.platform {
        match crate::ops::toolchains::Platform::parse(p.trim()) {
            Some(p) => platforms.push(p),
            None => {
                print_info(&format!(
                    "error: --platform {p}: not GOOS/GOARCH (for example linux/amd64)"
                ));
                return ExitStatus::Usage;
            }
        }
    }
    if platforms.is_empty() {
        platforms.push(
            crate::ops::toolchains::Platform::parse("linux/amd64")
                .unwrap_or_else(crate::ops::toolchains::Platform::host),
        );
        platforms.push(crate::ops::toolchains::Platform::host());
    }
    platforms.sort();
    platforms.dedup();
    let min_go = match args.min_go.as_deref() {
        None => None,
        Some(v) => match crate::ops::toolchains::parse_min_go(v) {
            Some(name) => Some(name),
            None => {
                print_info(&format!(
                    "error: --min-go {v}: not a Go version (for example 1.22.3)"
                ));
                return ExitStatus::Usage;
            }
        },
    };
    let opts = SnapshotOptions {
        toolchains: crate::ops::toolchains::ToolchainOptions {
            skip: args.no_toolchains,
            min_go,
            extra: args.toolchain.clone(),
            platforms,
        },
        sumdb,
        gowork,
        dirs,
        output: args.output.clone(),
        dry_run: args.dry_run,
        jobs: usize::from(args.jobs),
        proxy: ProxyConfig {
            connect_timeout: Duration::from_secs(args.timeout),
            read_timeout: Duration::from_secs(args.timeout),
            file_deadline: Duration::from_secs(args.timeout.saturating_mul(20)),
            max_retries: args.retries,
            ..proxy_config(&env)
        },
        cache_dir: args.cache_dir.clone().unwrap_or_else(default_cache_dir),
        vcs: Some(crate::ops::coderepo::VcsConfig {
            govcs: env.get("GOVCS").to_string(),
            goprivate: env.get("GOPRIVATE").to_string(),
            goinsecure: env.goinsecure().to_string(),
        }),
        gomodcache: if args.no_gomodcache {
            None
        } else {
            env.gomodcache(home().as_deref())
        },
        mtime,
        allow_incomplete: args.allow_incomplete,
    };
    let bar = Arc::new(Bar::new(args.json));
    let result = snapshot::snapshot(rt, &opts, bar.clone());
    bar.finish();
    match result {
        Ok(report) => {
            if args.json {
                return print_json(&report);
            }
            if args.dry_run {
                let mut out = String::new();
                for p in &report.plan {
                    let mut what = Vec::new();
                    if p.info {
                        what.push("info".to_string());
                    }
                    if p.mod_h1.is_some() {
                        what.push("mod".to_string());
                    }
                    if p.zip_h1.is_some() {
                        what.push(match p.zip_size {
                            Some(n) => format!("zip ({})", human_bytes(n)),
                            None => "zip".to_string(),
                        });
                    }
                    out.push_str(&format!("{} {} {}\n", p.path, p.version, what.join(" ")));
                }
                out.push_str(&format!(
                    "{} modules, {} files, {} of zips\n",
                    report.modules,
                    report.files,
                    human_bytes(report.bytes)
                ));
                return print_stdout(out.trim_end());
            }
            for w in report.warnings.iter().chain(&goflags_warnings(&env)) {
                print_info(&format!("warning: {w}"));
            }
            if !super::quiet() {
                print_info(&format!(
                    "snapshot: {} modules, {} files, {} in {:.1}s ({} downloaded, {} cached) -> {} ({})",
                    report.modules,
                    report.files,
                    human_bytes(report.bytes),
                    report.seconds,
                    report.downloads,
                    report.cache_hits,
                    args.output.display(),
                    human_bytes(report.archive_bytes),
                ));
                if let Some(db) = &report.sumdb
                    && !db.filled.is_empty()
                {
                    let names: Vec<String> =
                        db.filled.iter().map(|f| f.module.to_string()).collect();
                    print_info(&format!(
                        "checksum database {}: {} zip(s) go.sum has no hash for, which offline `go mod download` fetches, were verified with it and stored ({})",
                        db.name,
                        names.len(),
                        names.join(", ")
                    ));
                }
                for (t, size) in &report.toolchains {
                    print_info(&format!(
                        "toolchain: {} {t} ({})",
                        crate::ops::toolchains::MODULE,
                        human_bytes(*size)
                    ));
                }
            }
            ExitStatus::Ok
        }
        Err(e) => fail_json(&e, args.json),
    }
}

/// `modsnap doctor`.
pub(crate) fn run_doctor(
    rt: &tokio::runtime::Runtime,
    args: super::args::DoctorArgs,
) -> ExitStatus {
    use crate::ops::doctor::{self, DoctorOptions, Setting};
    let env = GoEnv::from_process();
    let mut settings = Vec::new();
    for key in [
        "GOPROXY",
        "GONOPROXY",
        "GOPRIVATE",
        "GONOSUMDB",
        "GOSUMDB",
        "GOINSECURE",
        "GOAUTH",
        "GOFLAGS",
        "GOTOOLCHAIN",
        "GOMODCACHE",
    ] {
        let source = match env.source(key) {
            crate::env::Source::Environment => "environment".to_string(),
            crate::env::Source::EnvFile => match &env.env_file {
                Some(f) => format!("go env file {}", f.display()),
                None => "go env file".to_string(),
            },
            crate::env::Source::Default => "default".to_string(),
        };
        let value = match key {
            "GOPROXY" => env.goproxy().to_string(),
            "GOSUMDB" => env.gosumdb().to_string(),
            "GONOPROXY" => env.gonoproxy().to_string(),
            "GONOSUMDB" => env.gonosumdb().to_string(),
            "GOAUTH" if env.get(key).is_empty() => "netrc".to_string(),
            "GOMODCACHE" => env
                .gomodcache(home().as_deref())
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            k => env.get(k).to_string(),
        };
        settings.push(Setting {
            name: key.to_string(),
            value: crate::proxy::redact(&value),
            source,
        });
    }
    for key in [
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "NO_PROXY",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "NETRC",
    ] {
        let lower = key.to_ascii_lowercase();
        let value = var(key).or_else(|| var(&lower));
        settings.push(Setting {
            name: key.to_string(),
            source: if value.is_some() {
                "environment"
            } else {
                "default"
            }
            .to_string(),
            value: value.map(|v| crate::proxy::redact(&v)).unwrap_or_default(),
        });
    }
    let dir = args.dir.clone().or_else(|| {
        let here = PathBuf::from(".");
        (here.join("go.mod").is_file() || here.join("go.work").is_file()).then_some(here)
    });
    let gowork = match gowork(args.json) {
        Ok(g) => g,
        Err(status) => return status,
    };
    let opts = DoctorOptions {
        gowork,
        dir,
        proxy: ProxyConfig {
            connect_timeout: Duration::from_secs(args.timeout),
            read_timeout: Duration::from_secs(args.timeout),
            file_deadline: Duration::from_secs(args.timeout.saturating_mul(3)),
            max_retries: 0,
            ..proxy_config(&env)
        },
        settings,
        gosumdb: env.gosumdb().to_string(),
        gonosumdb: env.gonosumdb().to_string(),
    };
    let report = match doctor::doctor(rt, &opts) {
        Ok(r) => r,
        Err(e) => return fail_json(&e, args.json),
    };
    let status = if report.ok() {
        ExitStatus::Ok
    } else {
        ExitStatus::Error
    };
    if args.json {
        let printed = print_json(&report);
        return if printed == ExitStatus::Ok {
            status
        } else {
            printed
        };
    }
    let mut out = String::from("settings:\n");
    let w = report
        .settings
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(0);
    for s in &report.settings {
        let value = if s.value.is_empty() {
            "(unset)"
        } else {
            s.value.as_str()
        };
        out.push_str(&format!("  {:w$}  {value}  [{}]\n", s.name, s.source));
    }
    if let Some(p) = &report.project {
        out.push_str(&format!("routes of {p}'s requirements:\n"));
        for m in &report.modules {
            let sumdb = if m.checksum_database {
                ""
            } else {
                "; no checksum database"
            };
            out.push_str(&format!("  {}: {}{sumdb}\n", m.module, m.route));
        }
    }
    out.push_str(&format!("probes ({}/@v/list):\n", report.probe_module));
    for p in &report.probes {
        match &p.via {
            Some(v) => out.push_str(&format!("  {} (through HTTP proxy {v})\n", p.proxy)),
            None => out.push_str(&format!("  {}\n", p.proxy)),
        }
        for s in &p.steps {
            let mark = if s.ok { "ok  " } else { "FAIL" };
            out.push_str(&format!(
                "    {:5} {mark} {} ({} ms)\n",
                s.layer, s.detail, s.ms
            ));
        }
    }
    if report.diagnosis.is_empty() {
        out.push_str("diagnosis: every proxy answers");
    } else {
        out.push_str("diagnosis:\n");
        for d in &report.diagnosis {
            out.push_str(&format!("  {d}\n"));
        }
    }
    let printed = print_stdout(out.trim_end());
    if printed == ExitStatus::Ok {
        status
    } else {
        printed
    }
}
