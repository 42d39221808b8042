//! A git repository as the go command uses one for `direct` fetches
//! (cmd/go `modfetch/codehost/git.go`): a bare mirror in modsnap's cache,
//! one per remote URL, fetched incrementally and shared across versions and
//! runs, read with the `git` binary.
//!
//! git runs as the go command runs it: `GIT_TERMINAL_PROMPT=0` and
//! `GCM_INTERACTIVE=never` unless set (no prompt ever waits for a human),
//! the user's own configuration otherwise (credential helpers, `insteadOf`,
//! `GIT_SSH_COMMAND`, ssh agent). The mirror gets go's
//! `* -export-subst -export-ignore` attributes, so `git archive` yields the
//! committed files whatever `.gitattributes` says; archives are made with
//! `core.autocrlf=input` and `core.eol=lf` as go makes them, so line endings
//! are the repository's.
//!
//! Errors name the git command and the first lines of its stderr, with
//! credentials in URLs masked. Not here: which repository a module lives in
//! ([`crate::vcs`]), which revision a version is, or zipping (the caller's).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::fsutil::FsError;

/// Why a git operation failed.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// git could not be started.
    #[error("running git: {0}; hint: install git (modsnap runs it for modules fetched direct)")]
    Spawn(std::io::Error),
    /// git ran and failed.
    #[error("{command}: {stderr}")]
    Failed {
        /// The command, URLs redacted.
        command: String,
        /// Its first lines of stderr, URLs redacted.
        stderr: String,
    },
    /// Local I/O around git failed.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// `git archive` produced something unreadable.
    #[error("reading git archive output: {0}")]
    Archive(String),
}

/// `scheme://user:password@host/…` with the user information masked.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://xxxxx@{host}/{path}")
            .trim_end_matches('/')
            .to_string(),
        None => url.to_string(),
    }
}

/// A bare mirror of one remote.
#[derive(Debug, Clone)]
pub struct GitRepo {
    dir: PathBuf,
    remote: String,
}

/// A committed file as `git archive` gave it, written under a scratch
/// directory.
#[derive(Debug, Clone)]
pub struct ArchivedFile {
    /// The path inside the archive (below the prefix), slash-separated.
    pub path: String,
    /// Where its bytes are now (`None` for a symbolic link).
    pub file: Option<PathBuf>,
    /// Its size.
    pub size: u64,
}

impl GitRepo {
    /// The mirror of `remote` under `cache` (`<cache>/vcs/<sha256 of the
    /// URL>`), created when missing.
    pub fn open(cache: &Path, remote: &str) -> Result<GitRepo, GitError> {
        let key = hex::encode(crate::dirhash::Sha256::digest(remote.as_bytes()));
        let dir = cache.join("vcs").join(&key[..32]);
        let repo = GitRepo {
            dir: dir.clone(),
            remote: remote.to_string(),
        };
        if !dir.join("HEAD").is_file() {
            std::fs::create_dir_all(&dir).map_err(|e| FsError::new("create directory", &dir, e))?;
            repo.git(&["init", "--bare"])?;
            repo.git(&["remote", "add", "origin", "--", remote])?;
        }
        let info = dir.join("info");
        std::fs::create_dir_all(&info).map_err(|e| FsError::new("create directory", &info, e))?;
        crate::fsutil::write_file(
            &info.join("attributes"),
            b"\n* -export-subst -export-ignore\n",
        )?;
        Ok(repo)
    }

    /// The remote URL, redacted for messages.
    pub fn shown(&self) -> String {
        redact(&self.remote)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = git_command(args);
        c.current_dir(&self.dir);
        c
    }

    fn failed(&self, args: &[&str], stderr: &[u8]) -> GitError {
        let text = String::from_utf8_lossy(stderr);
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(3)
            .collect();
        let stderr = lines
            .iter()
            .map(|l| redact_in(l, &self.remote))
            .collect::<Vec<_>>()
            .join(" / ");
        GitError::Failed {
            command: format!(
                "git {}",
                args.iter()
                    .map(|a| redact_in(a, &self.remote))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            stderr,
        }
    }

    /// Runs git in the mirror; its stdout.
    fn git(&self, args: &[&str]) -> Result<Vec<u8>, GitError> {
        let out = self
            .command(args)
            .stdin(Stdio::null())
            .output()
            .map_err(GitError::Spawn)?;
        if !out.status.success() {
            return Err(self.failed(args, &out.stderr));
        }
        Ok(out.stdout)
    }

    /// Whether the remote answers (`git ls-remote -q`), for choosing a URL
    /// scheme as the go command does; the refusal is the git command and
    /// the first lines of its stderr, URLs redacted.
    pub fn ping(remote: &str) -> Result<(), String> {
        let args = ["ls-remote", "-q", "--end-of-options", remote, "HEAD"];
        let mut c = git_command(&args);
        c.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let out = c.output().map_err(|e| format!("running git: {e}"))?;
        if out.status.success() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<String> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(2)
            .map(|l| redact_in(l, remote))
            .collect();
        Err(format!(
            "git ls-remote -q {}: {}",
            redact(remote),
            lines.join(" / ")
        ))
    }

    /// Fetches every branch and tag (go's `git fetch -f origin
    /// refs/heads/*:refs/heads/* refs/tags/*:refs/tags/*`).
    pub fn fetch_all(&self) -> Result<(), GitError> {
        self.git(&[
            "fetch",
            "-f",
            "--end-of-options",
            "origin",
            "refs/heads/*:refs/heads/*",
            "refs/tags/*:refs/tags/*",
        ])
        .map(drop)
    }

    /// The commit `rev` names and its commit time (Unix seconds), or
    /// `None` when the mirror does not have it.
    pub fn stat(&self, rev: &str) -> Result<Option<(String, i64)>, GitError> {
        let args = [
            "-c",
            "log.showsignature=false",
            "log",
            "--no-decorate",
            "-n1",
            "--format=format:%H %ct",
            "--end-of-options",
            rev,
            "--",
        ];
        let out = self
            .command(&args)
            .stdin(Stdio::null())
            .output()
            .map_err(GitError::Spawn)?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            if err.contains("unknown revision")
                || err.contains("bad revision")
                || err.contains("ambiguous argument")
            {
                return Ok(None);
            }
            return Err(self.failed(&args, &out.stderr));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let mut f = text.split_whitespace();
        match (f.next(), f.next().and_then(|t| t.parse().ok())) {
            (Some(hash), Some(t)) => Ok(Some((hash.to_string(), t))),
            _ => Ok(None),
        }
    }

    /// The tags, as names.
    pub fn tags(&self) -> Result<Vec<String>, GitError> {
        let out = self.git(&["for-each-ref", "--format=%(refname:strip=2)", "refs/tags"])?;
        Ok(String::from_utf8_lossy(&out)
            .lines()
            .map(str::to_string)
            .collect())
    }

    /// The tags on commit `rev`.
    pub fn tags_at(&self, rev: &str) -> Result<Vec<String>, GitError> {
        let out = self.git(&["tag", "--points-at", rev])?;
        Ok(String::from_utf8_lossy(&out)
            .lines()
            .map(str::to_string)
            .collect())
    }

    /// Whether `ancestor` is an ancestor of (or is) `rev`
    /// (`git merge-base --is-ancestor`).
    pub fn descends_from(&self, rev: &str, ancestor: &str) -> Result<bool, GitError> {
        let args = [
            "merge-base",
            "--is-ancestor",
            "--end-of-options",
            ancestor,
            rev,
        ];
        let out = self
            .command(&args)
            .stdin(Stdio::null())
            .output()
            .map_err(GitError::Spawn)?;
        match out.status.code() {
            Some(0) => Ok(true),
            Some(1) => Ok(false),
            _ => Err(self.failed(&args, &out.stderr)),
        }
    }

    /// The content of `file` at commit `rev`, or `None` when it has none.
    pub fn read_file(&self, rev: &str, file: &str) -> Result<Option<Vec<u8>>, GitError> {
        let spec = format!("{rev}:{file}");
        let args = ["cat-file", "--end-of-options", "blob", spec.as_str()];
        let out = self
            .command(&args)
            .stdin(Stdio::null())
            .output()
            .map_err(GitError::Spawn)?;
        if out.status.success() {
            return Ok(Some(out.stdout));
        }
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("does not exist")
            || err.contains("Not a valid object name")
            || err.contains("not a valid object")
            || err.contains("exists on disk, but not in")
        {
            return Ok(None);
        }
        Err(self.failed(&args, &out.stderr))
    }

    /// The files of `subdir` (the whole tree when empty) at commit `rev`,
    /// as `git archive` gives them, written under `dest`.
    pub fn archive(
        &self,
        rev: &str,
        subdir: &str,
        dest: &Path,
    ) -> Result<Vec<ArchivedFile>, GitError> {
        let mut args = vec![
            "-c",
            "core.autocrlf=input",
            "-c",
            "core.eol=lf",
            "archive",
            "--format=tar",
            "--prefix=prefix/",
            "--end-of-options",
            rev,
        ];
        if !subdir.is_empty() {
            args.push(subdir);
        }
        let mut child = self
            .command(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(GitError::Spawn)?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| GitError::Archive("no stdout".into()))?;
        let mut stderr = child.stderr.take();
        let err_thread = std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(s) = stderr.as_mut() {
                let _ = s.read_to_end(&mut buf);
            }
            buf
        });
        let files = read_tar(stdout, dest);
        let status = child.wait().map_err(GitError::Spawn)?;
        let err = err_thread.join().unwrap_or_default();
        // A read error is the cause when git then died of the closed pipe.
        let files = files?;
        if !status.success() {
            if String::from_utf8_lossy(&err).contains("did not match any files") {
                return Ok(Vec::new());
            }
            return Err(self.failed(&args, &err));
        }
        Ok(files)
    }
}

/// `git ARGS` as the go command runs it: no prompt ever waits for a human
/// unless the user asked for one.
pub(crate) fn git_command(args: &[&str]) -> Command {
    let mut c = Command::new("git");
    c.args(args);
    if crate::env::var("GIT_TERMINAL_PROMPT").is_none() {
        c.env("GIT_TERMINAL_PROMPT", "0");
    }
    if crate::env::var("GCM_INTERACTIVE").is_none() {
        c.env("GCM_INTERACTIVE", "never");
    }
    c
}

fn redact_in(text: &str, remote: &str) -> String {
    text.replace(remote, &redact(remote))
}

/// Writes the regular files of a `git archive --format=tar` stream under
/// `dest` (names are checked by the module zip rules later; here they only
/// need to stay inside `dest`).
fn read_tar(r: impl Read, dest: &Path) -> Result<Vec<ArchivedFile>, GitError> {
    let mut out = Vec::new();
    let mut ar = tar::Archive::new(r);
    let bad = |e: std::io::Error| GitError::Archive(e.to_string());
    for (i, entry) in ar.entries().map_err(bad)?.enumerate() {
        let mut entry = entry.map_err(bad)?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(path) = name.strip_prefix("prefix/") else {
            continue;
        };
        let et = entry.header().entry_type();
        if et.is_dir() || path.is_empty() {
            continue;
        }
        if et.is_symlink() {
            out.push(ArchivedFile {
                path: path.to_string(),
                file: None,
                size: 0,
            });
            continue;
        }
        if !et.is_file() {
            continue;
        }
        // Stored by index, never by name: names come from the repository.
        let file = dest.join(format!("{i}"));
        let mut f = std::fs::File::create(&file).map_err(|e| FsError::new("create", &file, e))?;
        let size =
            std::io::copy(&mut entry, &mut f).map_err(|e| FsError::new("write", &file, e))?;
        out.push(ArchivedFile {
            path: path.to_string(),
            file: Some(file),
            size,
        });
    }
    // git pads the archive past its end-of-archive blocks: read it all, or
    // git dies of the closed pipe.
    std::io::copy(&mut ar.into_inner(), &mut std::io::sink()).map_err(bad)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact("https://user:tok3n@git.corp.example/team/repo"),
            "https://xxxxx@git.corp.example/team/repo"
        );
        assert_eq!(
            redact("https://git.corp.example/x"),
            "https://git.corp.example/x"
        );
        assert_eq!(redact("ssh://git@host/x"), "ssh://xxxxx@host/x");
    }
}
