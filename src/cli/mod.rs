//! The command line: the only code that knows clap, the terminal and exit
//! codes. Each subcommand turns its flags into plain inputs, calls one
//! operation in [`crate::ops`], and renders the returned data.

mod args;
mod exit;
mod progress;
mod restore;
mod serve;
mod snapshot;

use std::io::Write;

use clap::Parser;

pub use exit::ExitStatus;

use crate::classify::Classify;

use crate::ops;
use args::{Cli, Command, HashCommand};

/// Runs modsnap with the process's arguments and returns its exit code.
pub fn main() -> std::process::ExitCode {
    limit_malloc_arenas();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout and usage errors to stderr.
            let _ = e.print();
            return if e.use_stderr() {
                ExitStatus::Usage.into()
            } else {
                ExitStatus::Ok.into()
            };
        }
    };
    // Staging trees and partial downloads are removed on SIGINT/SIGTERM;
    // serve writes nothing and shuts down gracefully on them instead.
    if !matches!(cli.command, Command::Serve(_)) {
        crate::fsutil::debris::install_interrupt_cleanup();
    }
    install_log(cli.verbose);
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    let status = run(cli);
    if crate::fsutil::debris::was_interrupted() {
        // The run stopped because of the signal: finish the cleanup and
        // exit as an interrupted process does.
        crate::fsutil::debris::remove_tracked();
        return std::process::ExitCode::from(130);
    }
    status.into()
}

fn run(cli: Cli) -> ExitStatus {
    match cli.command {
        Command::Hash { command } => run_hash(command),
        Command::Snapshot(args) => with_runtime(|rt| snapshot::run(rt, args)),
        Command::Restore(args) => restore::run_restore(args),
        Command::Verify(args) => with_runtime(|rt| restore::run_verify(rt, args)),
        Command::Ls(args) => restore::run_ls(args),
        Command::Vendor(args) => restore::run_vendor(args),
        Command::Doctor(args) => with_runtime(|rt| snapshot::run_doctor(rt, args)),
        Command::Serve(args) => with_runtime(|rt| serve::run(rt, args)),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "modsnap", &mut std::io::stdout());
            ExitStatus::Ok
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            match clap_mangen::Man::new(cmd).render(&mut out) {
                Ok(()) => print_stdout(String::from_utf8_lossy(&out).trim_end()),
                Err(e) => {
                    print_error(&e);
                    ExitStatus::Error
                }
            }
        }
    }
}

fn run_hash(command: HashCommand) -> ExitStatus {
    let (result, json) = match command {
        HashCommand::Zip { file, module, json } => (
            ops::hash::parse_module_spec(&module).and_then(|m| ops::hash::hash_zip(&file, &m)),
            json,
        ),
        HashCommand::Mod { file, module, json } => (
            module
                .as_deref()
                .map(ops::hash::parse_module_spec)
                .transpose()
                .and_then(|m| ops::hash::hash_mod(&file, m.as_ref())),
            json,
        ),
        HashCommand::Dir { dir, module, json } => (
            ops::hash::parse_module_spec(&module).and_then(|m| ops::hash::hash_dir(&dir, &m)),
            json,
        ),
    };
    match result {
        Ok(out) => {
            let text = if json {
                serde_json::to_string(&json_document(&out)).unwrap_or_default()
            } else {
                out.gosum.clone().unwrap_or_else(|| out.h1.clone())
            };
            print_stdout(&text)
        }
        Err(e) => fail_json(&e, json),
    }
}

/// Runs `f` on the async runtime, built here once for the commands that
/// use the network or the fetch store.
fn with_runtime(f: impl FnOnce(&tokio::runtime::Runtime) -> ExitStatus) -> ExitStatus {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => f(&rt),
        Err(e) => {
            print_error(&e);
            ExitStatus::Error
        }
    }
}

/// Writes one line of data to stdout; a closed pipe is not an error.
fn print_stdout(line: &str) -> ExitStatus {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{line}").and_then(|_| out.flush()) {
        Ok(()) => ExitStatus::Ok,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitStatus::Ok,
        Err(_) => ExitStatus::Error,
    }
}

/// Sends the library's log events to stderr, one line each:
/// `modsnap: warning: …` (warnings and errors by default; `-v` adds the
/// request log; `MODSNAP_LOG=info` or `debug` shows more, in tracing's
/// filter syntax, and wins over `-v`).
fn install_log(verbose: bool) {
    use tracing_subscriber::fmt::{self, FormatEvent, FormatFields};
    use tracing_subscriber::registry::LookupSpan;

    struct Line;
    impl<S, N> FormatEvent<S, N> for Line
    where
        S: tracing::Subscriber + for<'a> LookupSpan<'a>,
        N: for<'a> FormatFields<'a> + 'static,
    {
        fn format_event(
            &self,
            ctx: &fmt::FmtContext<'_, S, N>,
            mut w: fmt::format::Writer<'_>,
            event: &tracing::Event<'_>,
        ) -> std::fmt::Result {
            let level = match *event.metadata().level() {
                tracing::Level::ERROR => "error: ",
                tracing::Level::WARN => "warning: ",
                _ => "",
            };
            write!(w, "modsnap: {level}")?;
            let mut text = String::new();
            ctx.format_fields(fmt::format::Writer::new(&mut text), event)?;
            writeln!(w, "{}", terminal_safe(&text))
        }
    }

    let filter = tracing_subscriber::EnvFilter::try_from_env("MODSNAP_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(if verbose {
            format!("warn,{}=info", crate::proxy::REQUEST_LOG)
        } else {
            "warn".to_string()
        })
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .event_format(Line)
        .try_init();
}

/// Prints an error as one line on stderr.
fn print_error(e: &dyn std::error::Error) {
    let line = terminal_safe(&e.to_string().replace('\n', " "));
    let _ = writeln!(std::io::stderr(), "modsnap: error: {line}");
}

/// `s` with every control character (C0, DEL, C1) written as a Go escape,
/// so that text from archives or servers inside a message cannot move the
/// cursor, erase the line that names it, or hide behind a NUL. Messages
/// already quote untrusted names (`%q`-style); this is the last guard.
pub(crate) fn terminal_safe(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            let u = u32::from(c);
            if u < 0x100 {
                out.push_str(&format!("\\x{u:02x}"));
            } else {
                out.push_str(&format!("\\u{u:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Prints `e` and returns the exit status of its class.
pub(crate) fn fail<E: std::error::Error + Classify>(e: &E) -> ExitStatus {
    print_error(e);
    e.class().into()
}

/// The version of every `--json` document's shape; each carries it as
/// `"schema"`.
pub(crate) const JSON_SCHEMA: u64 = 1;

/// `v` as a `--json` document: an object with `"schema"` added.
fn json_document<T: serde::Serialize>(v: &T) -> serde_json::Value {
    let mut value = serde_json::to_value(v).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(map) = &mut value {
        map.insert("schema".into(), JSON_SCHEMA.into());
    }
    value
}

/// Prints `v` as a pretty `--json` document on stdout.
pub(crate) fn print_json<T: serde::Serialize>(v: &T) -> ExitStatus {
    print_stdout(&serde_json::to_string_pretty(&json_document(v)).unwrap_or_default())
}

/// [`fail`], and with `--json` also an error document on stdout:
/// `{"schema", "error": {"kind", "message", "module", "url"}}`.
pub(crate) fn fail_json<E: std::error::Error + Classify>(e: &E, json: bool) -> ExitStatus {
    if json {
        let doc = serde_json::json!({
            "error": {
                "kind": e.class().name(),
                "message": e.to_string(),
                "module": e.module(),
                "url": e.url(),
            }
        });
        let _ = print_json(&doc);
    }
    fail(e)
}

/// `-q`: no progress bars, no summary lines.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether `-q` was given.
pub(crate) fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// `GOWORK` from the environment (the go command does not take it from
/// its env file either); a relative path is a usage error.
fn gowork(json: bool) -> Result<crate::ops::GoWork, ExitStatus> {
    crate::ops::GoWork::parse(crate::env::var("GOWORK").as_deref()).map_err(|e| fail_json(&e, json))
}

/// Prints a summary line on stderr, unless `-q`.
fn print_summary(line: &str) {
    if !quiet() {
        print_info(line);
    }
}

/// Prints a log line on stderr.
fn print_info(line: &str) {
    let _ = writeln!(std::io::stderr(), "modsnap: {}", terminal_safe(line));
}

/// `1.2 MiB`-style sizes for humans.
pub(crate) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Caps glibc's per-thread malloc arenas at 2. Downloads, hashing and
/// decompression run on many short-lived threads; with glibc's default of
/// 8 arenas per core, freed memory stays parked in arenas and peak RSS grows
/// with the module graph (measured: 186 MiB for 474 module versions, 80-93
/// MiB with 2 arenas at the same wall time; bench/README.md).
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        const M_ARENA_MAX: std::ffi::c_int = -8;
        // SAFETY: mallopt only adjusts allocator tuning; called first thing
        // in main, before any thread exists.
        unsafe {
            mallopt(M_ARENA_MAX, 2);
        }
    }
}
