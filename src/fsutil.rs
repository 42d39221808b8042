//! Filesystem helpers that put the path into every error, and atomic writes.
//!
//! Every write modsnap makes to a user's tree goes through a temporary file
//! (or directory) beside the target and a rename at the end, so a failed or
//! interrupted run never leaves half-written output.

use std::io;
use std::path::{Path, PathBuf};

/// A filesystem operation that failed, with the path it was about.
#[derive(Debug, thiserror::Error)]
#[error("{op} `{}`: {source}", path.display())]
pub struct FsError {
    /// What was being done ("read", "write", "create directory", ...).
    pub op: &'static str,
    /// The path involved.
    pub path: PathBuf,
    /// The underlying error.
    pub source: io::Error,
}

impl FsError {
    /// Wraps `source` with `op` and `path`.
    pub fn new(op: &'static str, path: &Path, source: io::Error) -> Self {
        Self {
            op,
            path: path.to_owned(),
            source,
        }
    }
}

/// Writes a whole file that lives in a scratch or staging directory (never
/// a user's file in place: those are renamed into place with [`rename`]
/// once complete).
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), FsError> {
    #[allow(clippy::disallowed_methods)] // the one allowed use
    std::fs::write(path, bytes).map_err(|e| FsError::new("write", path, e))
}

/// Moves a finished file or tree into place (an atomic rename within one
/// file system); `op` names the step in the error.
pub fn rename(from: &Path, to: &Path, op: &'static str) -> Result<(), FsError> {
    #[allow(clippy::disallowed_methods)] // the one allowed use
    std::fs::rename(from, to).map_err(|e| FsError::new(op, to, e))
}

/// The name prefix of partial files written aside ([`partial_in`]).
pub const PARTIAL: &str = ".partial-";

/// A partial file in `dir` (`.partial-<pid>-…`), registered for removal on
/// interrupt; partial files that dead runs left in `dir` are removed the
/// first time this process writes there (once: a directory of 500 cached
/// lookups written one by one was listed 500 times).
pub fn partial_in(dir: &Path) -> Result<tempfile::NamedTempFile, FsError> {
    static SWEPT: std::sync::Mutex<std::collections::BTreeSet<PathBuf>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let first = SWEPT
        .lock()
        .map(|mut s| s.insert(dir.to_owned()))
        .unwrap_or(true);
    if first {
        debris::remove_stale(dir, PARTIAL);
    }
    let tmp = tempfile::Builder::new()
        .prefix(&debris::prefix(PARTIAL))
        .tempfile_in(dir)
        .map_err(|e| FsError::new("create temporary file in", dir, e))?;
    debris::register(tmp.path());
    Ok(tmp)
}

/// Moves a finished partial file ([`partial_in`]) to `target`.
pub fn persist(tmp: tempfile::NamedTempFile, target: &Path) -> Result<(), FsError> {
    debris::unregister(tmp.path());
    tmp.persist(target)
        .map(|_| ())
        .map_err(|e| FsError::new("rename into place", target, e.error))
}

/// Writes `data` to `path` without a half-written file ever being there:
/// into a partial file beside it, then renamed over it (so concurrent
/// writers of the same file each write their own).
pub fn write_aside(path: &Path, data: &[u8]) -> Result<(), FsError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| FsError::new("create directory", dir, e))?;
    let mut tmp = partial_in(dir)?;
    std::io::Write::write_all(&mut tmp, data).map_err(|e| FsError::new("write", tmp.path(), e))?;
    persist(tmp, path)
}

/// Reads a whole file; for small inputs such as go.mod and go.sum.
pub fn read(path: &Path) -> Result<Vec<u8>, FsError> {
    std::fs::read(path).map_err(|e| FsError::new("read", path, e))
}

/// Copies everything from `r` to `w` through a 1 MiB buffer: far fewer
/// system calls than `std::io::copy`'s 8 KiB one when unpacking hundreds of
/// megabytes. Returns the bytes copied.
pub fn copy_large(r: &mut dyn std::io::Read, w: &mut dyn std::io::Write) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        w.write_all(&buf[..n])?;
        total += n as u64;
    }
}

/// Scratch files and directories ("debris" once their process is gone):
/// staging trees, partial downloads. Each carries its process id in its
/// name (`<prefix><pid>-…`), is registered while it lives so an interrupt
/// removes it ([`debris::install_interrupt_cleanup`]), and is removed by a later
/// run when its process is no longer alive ([`debris::remove_stale`]).
pub mod debris {
    use std::path::{Path, PathBuf};
    use std::sync::Mutex;

    static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    /// Held for the whole of a cleanup, so that the main thread, finishing
    /// after an interrupt, waits for the handler's cleanup instead of
    /// exiting in the middle of it (which left a moved-aside staging tree).
    static CLEANUP: Mutex<()> = Mutex::new(());

    /// Whether SIGINT/SIGTERM/SIGHUP arrived.
    pub fn was_interrupted() -> bool {
        INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// `Err` once an interrupt arrived: code that creates files or
    /// directories in scratch paths calls this first, so that nothing is
    /// created again while the interrupt handler removes them.
    pub fn check_interrupted() -> std::io::Result<()> {
        if INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
            Err(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                "interrupted by a signal",
            ))
        } else {
            Ok(())
        }
    }

    /// The name prefix for a scratch path of this process: `<prefix><pid>-`.
    pub fn prefix(prefix: &str) -> String {
        format!("{prefix}{}-", std::process::id())
    }

    /// Keeps `path` on the list an interrupt removes, until dropped.
    #[derive(Debug)]
    pub struct Tracked(PathBuf);

    /// Registers `path` for removal on interrupt, until the guard drops.
    pub fn track(path: &Path) -> Tracked {
        register(path);
        Tracked(path.to_owned())
    }

    impl Drop for Tracked {
        fn drop(&mut self) {
            unregister(&self.0);
        }
    }

    /// Registers `path` for removal on interrupt, until [`unregister`].
    pub fn register(path: &Path) {
        if let Ok(mut live) = LIVE.lock() {
            live.push(path.to_owned());
        }
    }

    /// Takes `path` off the list an interrupt removes.
    pub fn unregister(path: &Path) {
        if let Ok(mut live) = LIVE.lock()
            && let Some(i) = live.iter().rposition(|p| p == path)
        {
            live.swap_remove(i);
        }
    }

    /// On SIGINT, SIGTERM or SIGHUP: removes every tracked path, then exits
    /// with status 130. Called once by the CLI.
    pub fn install_interrupt_cleanup() {
        let _ = ctrlc::set_handler(|| {
            INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
            // Let creations already past their check finish first.
            std::thread::sleep(std::time::Duration::from_millis(50));
            remove_tracked();
            std::process::exit(130);
        });
    }

    /// Removes every tracked path now; waits for a cleanup already under
    /// way in another thread.
    pub fn remove_tracked() {
        let _cleanup = CLEANUP.lock().unwrap_or_else(|e| e.into_inner());
        let paths: Vec<PathBuf> = LIVE.lock().map(|l| l.clone()).unwrap_or_default();
        for p in paths {
            // Other threads may still be writing into a staging directory:
            // moving it aside first makes their next create fail instead
            // of racing the removal. The new name keeps the prefix and pid,
            // so a later run removes whatever this one could not.
            let mut aside = p.clone().into_os_string();
            aside.push("-interrupted");
            let aside = PathBuf::from(aside);
            let target = if crate::fsutil::rename(&p, &aside, "move aside").is_ok() {
                aside
            } else {
                p
            };
            for _ in 0..20 {
                remove_any(&target);
                if std::fs::symlink_metadata(&target).is_err() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
    }

    fn remove_any(p: &Path) {
        match std::fs::symlink_metadata(p) {
            Ok(md) if md.is_dir() => {
                make_writable(p);
                let _ = std::fs::remove_dir_all(p);
            }
            Ok(_) => {
                let _ = std::fs::remove_file(p);
            }
            Err(_) => {}
        }
    }

    /// Read-only directories (extracted modules) cannot be emptied until
    /// they are writable again.
    fn make_writable(dir: &Path) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for e in walkdir::WalkDir::new(dir).into_iter().flatten() {
                if e.file_type().is_dir() {
                    let _ =
                        std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(0o755));
                }
            }
        }
    }

    /// Whether process `pid` is alive (unknown counts as alive).
    fn alive(pid: u32) -> bool {
        #[cfg(unix)]
        {
            let Some(pid) = rustix::process::Pid::from_raw(pid as i32) else {
                return false;
            };
            !matches!(
                rustix::process::test_kill_process(pid),
                Err(rustix::io::Errno::SRCH)
            )
        }
        #[cfg(not(unix))]
        {
            let _ = pid;
            true
        }
    }

    /// Removes the entries of `dir` named `<prefix><pid>-…` whose process
    /// is gone (never this process's own). Returns how many were removed.
    /// Errors are ignored: stale debris is only a waste of space.
    pub fn remove_stale(dir: &Path, prefix: &str) -> usize {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return 0;
        };
        let me = std::process::id();
        let mut removed = 0;
        for e in rd.flatten() {
            let name = e.file_name();
            let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else {
                continue;
            };
            let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
                continue;
            };
            if pid != me && !alive(pid) {
                remove_any(&e.path());
                removed += 1;
            }
        }
        removed
    }
}

/// Bytes free for an unprivileged writer on the filesystem holding `path`
/// (`None` where the platform cannot say).
pub fn available_space(path: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        let st = rustix::fs::statvfs(path).ok()?;
        Some(st.f_bavail.saturating_mul(st.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Whether this process may create entries in directory `dir` (false for
/// read-only mounts and, on Linux, immutable directories).
pub fn can_write_dir(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        rustix::fs::access(
            dir,
            rustix::fs::Access::WRITE_OK | rustix::fs::Access::EXEC_OK,
        )
        .is_ok()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        true
    }
}

/// An advisory lock on a lock file, held until dropped. Whoever holds it may
/// unlink the file ([`LockFile::remove`]): a waiter that then gets the lock
/// on the unlinked file sees that the path no longer names it and tries
/// again, so two holders never coexist.
#[derive(Debug)]
pub struct LockFile {
    path: PathBuf,
    file: std::fs::File,
}

impl LockFile {
    /// Locks `path` (creating it), calling `waiting` once if another
    /// process holds it.
    pub fn acquire(path: &Path, waiting: impl Fn()) -> Result<LockFile, FsError> {
        let mut told = false;
        loop {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(path)
                .map_err(|e| FsError::new("open", path, e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    if !told {
                        waiting();
                        told = true;
                    }
                    file.lock().map_err(|e| FsError::new("lock", path, e))?;
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(FsError::new("lock", path, e)),
            }
            if same_file(&file, path) {
                return Ok(LockFile {
                    path: path.to_owned(),
                    file,
                });
            }
        }
    }

    /// Unlinks the lock file while still holding the lock.
    pub fn remove(&self) {
        if same_file(&self.file, &self.path) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn same_file(file: &std::fs::File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}
