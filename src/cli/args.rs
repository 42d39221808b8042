//! The clap definitions: raw flags only. Nothing outside `cli` sees them.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Make Go builds work without the network.
/// The version with the commit it was built from, when known.
pub const VERSION: &str = env!("MODSNAP_VERSION");

#[derive(Debug, Parser)]
#[command(
    name = "modsnap",
    version = VERSION,
    about,
    propagate_version = true,
    after_help = "Exit codes: 0 success; 1 any other failure (network, unreadable or malformed input); 2 usage; 3 verification failure, a security matter (hash mismatch, zip rules, tampered or unsafe archive, restore conflict); 4 incomplete (files missing, nothing present wrong)."
)]
pub struct Cli {
    /// Print each request to a proxy and its outcome on stderr (like go's -x).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// No progress bars and no summary lines (warnings and errors are still printed).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Resolve, download, verify and pack a project's module graph into one archive.
    Snapshot(SnapshotArgs),
    /// Unpack an archive into a GOPROXY tree (--proxy) or a Go module cache (--modcache).
    Restore(RestoreArgs),
    /// Check an archive (or a restored tree) offline, and that it holds everything projects need.
    Verify(VerifyArgs),
    /// List the modules an archive holds.
    Ls(LsArgs),
    /// Write a project's vendor/ from an archive, exactly as `go mod vendor` would.
    Vendor(VendorArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) on stdout.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on stdout: `modsnap man > modsnap.1`.
    Man,
    /// Serve archives and restored trees as one read-only GOPROXY (and checksum-database proxy) over HTTP.
    Serve(ServeArgs),
    /// Diagnose why modules cannot be downloaded: settings, routes, and each proxy probed layer by layer.
    Doctor(DoctorArgs),
    /// Compute the h1: hashes that go.sum records, without `go`.
    Hash {
        #[command(subcommand)]
        command: HashCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum HashCommand {
    /// Check a module zip against Go's module zip rules and print its go.sum line.
    Zip {
        /// The module zip (as a GOPROXY serves it).
        file: PathBuf,
        /// The module the zip holds, as `path@version`.
        #[arg(long, value_name = "PATH@VERSION")]
        module: String,
        /// Print one JSON object instead of the go.sum line.
        #[arg(long)]
        json: bool,
    },
    /// Print the `/go.mod` hash of a go.mod file (its go.sum line with --module).
    Mod {
        /// The go.mod file (the bytes a GOPROXY serves as `.mod`).
        file: PathBuf,
        /// The module this go.mod belongs to, as `path@version`.
        #[arg(long, value_name = "PATH@VERSION")]
        module: Option<String>,
        /// Print one JSON object instead of the hash.
        #[arg(long)]
        json: bool,
    },
    /// Print the hash `go mod verify` computes for an extracted module directory.
    Dir {
        /// The extracted module directory (e.g. `$GOMODCACHE/example.com/m@v1.0.0`).
        dir: PathBuf,
        /// The module the directory holds, as `path@version`.
        #[arg(long, value_name = "PATH@VERSION")]
        module: String,
        /// Print one JSON object instead of the go.sum line.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  modsnap snapshot -o deps.tar.zst              # the module in .
  modsnap snapshot svc-a svc-b -o deps.tar      # several projects, one archive
  GOPROXY=https://goproxy.corp|https://proxy.golang.org modsnap snapshot -o deps.tar")]
pub struct SnapshotArgs {
    /// Project directories: each holds a go.mod (with go.sum) or a go.work. Default: `.`.
    pub dirs: Vec<PathBuf>,
    /// The archive to write; the extension picks the format: .tar, .tar.gz/.tgz, .tar.zst, .zip.
    #[arg(short, long, default_value = "modsnap.tar")]
    pub output: PathBuf,
    /// Resolve the graph and print what would be fetched and how big, without writing.
    #[arg(long, alias = "plan")]
    pub dry_run: bool,
    /// Concurrent downloads.
    #[arg(short, long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,
    /// Print a machine-readable JSON summary on stdout.
    #[arg(long)]
    pub json: bool,
    /// modsnap's download cache [default: $XDG_CACHE_HOME/modsnap or ~/.cache/modsnap].
    #[arg(
        long,
        value_name = "DIR",
        env = "MODSNAP_CACHE",
        hide_env_values = true
    )]
    pub cache_dir: Option<PathBuf>,
    /// Do not reuse artifacts from the go command's module cache ($GOMODCACHE).
    #[arg(long)]
    pub no_gomodcache: bool,
    /// Write the archive even when the main modules' packages cannot all be built from it
    /// (a module providing an imported package has no zip line in go.sum); a warning instead.
    #[arg(long)]
    pub allow_incomplete: bool,
    /// Skip the checksum-database check of go.sum (as GOSUMDB=off does); the manifest records it.
    #[arg(long)]
    pub no_sumdb: bool,
    /// An earlier archive (repeatable): its checksum-database lookups are proved again at this
    /// snapshot's head and shipped with the proofs linking the two heads, so one tree (and a
    /// GOPATH that used the earlier archive) keeps the database working for the modules of both.
    #[arg(long, value_name = "ARCHIVE", conflicts_with = "no_sumdb")]
    pub link: Vec<PathBuf>,
    /// Also capture this Go toolchain (repeatable): a release such as go1.26.11, or a language
    /// version such as go1.26 (its newest release in the proxy's list).
    #[arg(long = "toolchain", value_name = "NAME")]
    pub toolchain: Vec<String>,
    /// The oldest Go the CI runs (go1.22.3 or 1.22.3): a `go` line newer than it makes the go
    /// command switch too, so its toolchain is captured. Without it only `toolchain` lines count.
    #[arg(long, value_name = "VERSION")]
    pub min_go: Option<String>,
    /// Platforms to capture toolchains for, comma-separated GOOS/GOARCH (repeatable)
    /// [default: linux/amd64 and this machine's].
    #[arg(
        long = "platform",
        value_name = "GOOS/GOARCH,...",
        value_delimiter = ','
    )]
    pub platform: Vec<String>,
    /// Capture no toolchains.
    #[arg(long, conflicts_with_all = ["toolchain", "min_go", "platform"])]
    pub no_toolchains: bool,
    /// Retries of a transient network failure (5xx, 429, reset, cut-off body, timeout), per file and proxy.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(0..=20))]
    pub retries: u32,
    /// Connect timeout and stall timeout (bytes must keep arriving), in seconds; each file's
    /// download must also finish within 20 times this.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["proxy", "modcache"])))]
#[command(after_help = "Examples:
  modsnap restore deps.tar --proxy /srv/goproxy --env-file goproxy.env
  . ./goproxy.env && go build ./...
  modsnap restore deps.tar --modcache \"$(go env GOMODCACHE)\"")]
pub struct RestoreArgs {
    /// The archive written by `modsnap snapshot`.
    pub archive: PathBuf,
    /// Write a static GOPROXY tree here (use with GOPROXY=file:///DIR).
    #[arg(long, value_name = "DIR")]
    pub proxy: Option<PathBuf>,
    /// Fill a Go module cache here (use with GOMODCACHE=DIR GOPROXY=off).
    #[arg(long, value_name = "DIR")]
    pub modcache: Option<PathBuf>,
    /// Also write the environment settings as a sourceable shell file.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Print a JSON summary on stdout instead of the environment lines.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  modsnap verify deps.tar --project .
  modsnap verify --proxy /srv/goproxy --project . --json")]
pub struct VerifyArgs {
    /// The archive to check (or use --proxy for a restored tree).
    #[arg(required_unless_present = "proxy", conflicts_with = "proxy")]
    pub archive: Option<PathBuf>,
    /// A restored GOPROXY tree to check instead of an archive (needs --project).
    #[arg(long, value_name = "DIR", requires = "project")]
    pub proxy: Option<PathBuf>,
    /// A project (go.mod or go.work directory) whose needs must be covered; repeatable.
    #[arg(long, value_name = "DIR")]
    pub project: Vec<PathBuf>,
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  modsnap ls deps.tar
  modsnap ls deps.tar --json --manifest-only")]
pub struct LsArgs {
    /// The archive.
    pub archive: PathBuf,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Read the manifest only: fast, but a truncated or damaged archive is
    /// listed as if it were whole.
    #[arg(long)]
    pub manifest_only: bool,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  modsnap vendor deps.tar                       # writes ./vendor as go mod vendor would
  modsnap vendor deps.tar --project svc -o /tmp/vendor")]
pub struct VendorArgs {
    /// The archive written by `modsnap snapshot`.
    pub archive: PathBuf,
    /// The project (go.mod or go.work directory).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub project: PathBuf,
    /// Write here instead of <project>/vendor (only a directory named vendor is used by go);
    /// an empty value means the default, as for `go mod vendor -o ''`.
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<std::ffi::OsString>,
    /// As `go mod vendor -e`: report packages that fail to load (missing, ambiguous, invalid),
    /// leave them out and write the rest. Integrity errors still stop everything.
    #[arg(short = 'e')]
    pub allow_errors: bool,
    /// Print a JSON summary on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  modsnap doctor                                # settings, routes and probes for the project in .
  GOPROXY=https://goproxy.corp modsnap doctor --json")]
pub struct DoctorArgs {
    /// The project (a module or workspace directory) whose routes to show [default: . when it has go.mod or go.work].
    pub dir: Option<PathBuf>,
    /// Print the findings as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Connect timeout for the probes, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  modsnap serve deps.tar --listen 0.0.0.0:8080
  modsnap serve deps-2026-11.tar deps-2026-12.tar /srv/goproxy --listen 0.0.0.0:8443 \\
      --tls-cert cert.pem --tls-key key.pem
Clients: GOPROXY=http://HOST:8080 GONOPROXY=none go build ./...   (GOSUMDB stays at its default)
SIGINT or SIGTERM stops accepting, lets in-flight responses finish, and exits 0.")]
pub struct ServeArgs {
    /// Plain .tar archives (read in place) and restored GOPROXY trees, merged as restore merges them.
    #[arg(required = true, value_name = "ARCHIVE|TREE")]
    pub sources: Vec<PathBuf>,
    /// The address to listen on (0.0.0.0:PORT for every interface; port 0 picks a free one).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Serve HTTPS with this PEM certificate chain (HTTP/2 by ALPN).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key for --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The most client connections open at once (more wait to be accepted).
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
    /// Seconds a client may take to send a request's headers (and the TLS handshake).
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout: u64,
    /// Seconds a connection may move no bytes before it is closed.
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub idle_timeout: u64,
    /// Seconds shutdown waits for in-flight responses.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub drain_timeout: u64,
    /// Print the client set-up as JSON on stdout, and the access log as JSON lines on stderr.
    #[arg(long)]
    pub json: bool,
}
