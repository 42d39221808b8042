//! Module versions from version control, for the modules the GOPROXY
//! settings send `direct` (GOPRIVATE, GONOPROXY, a `direct` entry): the
//! `.info`, `.mod` and `.zip` the go command would build itself from the
//! repository (cmd/go `modfetch/coderepo.go`), produced into the fetch
//! store, which verifies them against go.sum like any proxy artifact.
//!
//! - **Repository**: [`crate::vcs::static_repo_root`] (known hosts, and
//!   version-control qualifiers such as `git.corp.example/team/repo.git/sub`,
//!   whose URL scheme is chosen as go chooses it: the first of `https`,
//!   `git+ssh`, `ssh` — and `git`, `http` under GOINSECURE — that answers
//!   `git ls-remote`); otherwise the `?go-get=1` page (https, then http
//!   under GOINSECURE, through the proxy client's TLS, HTTP proxies and
//!   `.netrc`), its go-import tag confirmed on the prefix's own page when
//!   shorter, `file://` roots refused; a `mod` tag names a GOPROXY for the
//!   prefix, asked with the proxy protocol. GOVCS is checked first for git,
//!   with GOPRIVATE deciding private or public. Only git is fetched.
//! - **Version → revision**: a semver tag, prefixed with the module's
//!   directory in the repository (`sub/v1.2.0`); `+incompatible` versions
//!   use the tag without it; a pseudo-version's revision is its commit-hash
//!   prefix, checked as go's `validatePseudoVersion` checks it (short hash,
//!   commit time, the preceding tag an ancestor and not on the commit).
//! - **Directory**: as go's `findDir`: for a `/vN` path the major-version
//!   subdirectory (`sub/v2`) when its go.mod declares the path, else the
//!   module's directory, whose go.mod must declare it; without a go.mod
//!   (`+incompatible`, or a v0/v1 module at the root) the go.mod is
//!   synthesized (`module <path>`).
//! - **Files**: `.info` is `{"Version","Time"}` with the commit time in UTC;
//!   the zip holds the directory's committed files at that revision
//!   (`crate::codehost::GitRepo::archive`) through [`crate::modzip::create`],
//!   plus the repository root's LICENSE when a module below the root has
//!   none.
//!
//! Not yet here (see the README's known gaps): gopkg.in paths, other
//! version-control systems, GOAUTH commands.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::classify::{Classify, ErrorClass};
use crate::codehost::{ArchivedFile, GitError, GitRepo};
use crate::fsutil::FsError;
use crate::goproxy::Artifact;
use crate::module::{self, ModVersion};
use crate::modzip::{self, FileInfo, FileKind, SourceFile};
use crate::vcs::{self, Govcs};

/// The settings `direct` fetches follow.
#[derive(Debug, Clone, Default)]
pub struct VcsConfig {
    /// GOVCS.
    pub govcs: String,
    /// GOPRIVATE (which repositories are private for GOVCS).
    pub goprivate: String,
    /// GOINSECURE (`http` and `git` schemes allowed).
    pub goinsecure: String,
}

/// Why a module version could not be had from version control.
#[derive(Debug, thiserror::Error)]
pub enum VcsError {
    /// GOVCS is malformed or refuses the system.
    #[error(
        "{module}: {detail}; hint: GOVCS decides which version-control systems direct fetches may use (private:all,public:git|hg by default)"
    )]
    Govcs {
        /// `path@version`.
        module: String,
        /// go's words.
        detail: String,
    },
    /// The path names no repository modsnap can find without discovery.
    #[error(
        "{module}: cannot find its repository: {detail}; hint: name the repository in the path (git.corp.example/team/repo.git/…), or serve the module from a GOPROXY listed before `direct`"
    )]
    NoRepository {
        /// `path@version`.
        module: String,
        /// Why.
        detail: String,
    },
    /// git failed.
    #[error(
        "{module}: {source}; hint: check the repository URL, your git credentials (credential helper, .netrc, ssh agent) and url.<base>.insteadOf settings; GOPRIVATE/GOINSECURE decide how it is reached"
    )]
    Git {
        /// `path@version`.
        module: String,
        /// The git error.
        #[source]
        source: GitError,
    },
    /// The repository has no such version, or it is not the module.
    #[error("{module}: {detail}")]
    Version {
        /// `path@version`.
        module: String,
        /// go's words.
        detail: String,
    },
    /// Zipping failed (a file name go refuses, …).
    #[error(transparent)]
    Zip(#[from] modzip::Error),
    /// Local I/O.
    #[error(transparent)]
    Fs(#[from] FsError),
}

impl Classify for VcsError {
    fn class(&self) -> ErrorClass {
        match self {
            VcsError::Govcs { .. } => ErrorClass::Usage,
            _ => ErrorClass::Failure,
        }
    }
}

/// Fetches module versions from their repositories; one per run, shared.
pub struct VcsSource {
    cache: PathBuf,
    cfg: VcsConfig,
    /// The HTTP client for `?go-get=1` pages, and the settings for the
    /// proxies `mod` tags name.
    http: Option<(crate::proxy::Client, crate::proxy::ProxyConfig)>,
    govcs: Result<Govcs, String>,
    repos: Mutex<HashMap<String, Arc<Mutex<Option<GitRepo>>>>>,
}

/// Where a module comes from.
enum Place {
    /// A git repository.
    Git(Located),
    /// The GOPROXY a go-import `mod` tag names.
    Proxy(String),
}

/// Where a module lives in its repository.
struct Located {
    repo: GitRepo,
    /// The repository root path (`git.corp.example/team/repo.git`).
    root: String,
    code_dir: String,
    path_major: String,
}

impl VcsSource {
    /// A source keeping mirrors under `cache`.
    pub fn new(
        cache: &Path,
        cfg: VcsConfig,
        http: Option<(crate::proxy::Client, crate::proxy::ProxyConfig)>,
    ) -> VcsSource {
        VcsSource {
            cache: cache.to_owned(),
            http,
            govcs: Govcs::parse(&cfg.govcs).map_err(|e| e.to_string()),
            cfg,
            repos: Mutex::new(HashMap::new()),
        }
    }

    /// Writes `m`'s `artifact` into `dest`; returns where it came from (for
    /// messages: the redacted URL and commit).
    pub fn fetch(
        &self,
        m: &ModVersion,
        artifact: Artifact,
        dest: &Path,
    ) -> Result<String, VcsError> {
        let at = match self.locate(m)? {
            Place::Git(at) => at,
            Place::Proxy(url) => return self.fetch_from_proxy(m, artifact, dest, &url),
        };
        let who = || m.to_string();
        let version_err = |detail: String| VcsError::Version {
            module: who(),
            detail,
        };
        let git = |source: GitError| VcsError::Git {
            module: who(),
            source,
        };
        let (hash, time, rev) = self.revision(m, &at)?;
        let (dir, gomod) = find_dir(m, &at, &hash, &rev).map_err(version_err)?;
        let from = format!("{} at {}", at.repo.shown(), &hash[..hash.len().min(12)]);
        match artifact {
            Artifact::Info => {
                let info = format!(
                    r#"{{"Version":"{}","Time":"{}"}}"#,
                    m.version,
                    rfc3339(time)
                );
                crate::fsutil::write_file(dest, info.as_bytes())?;
            }
            Artifact::Mod => {
                let data = gomod.unwrap_or_else(|| format!("module {}\n", m.path).into_bytes());
                crate::fsutil::write_file(dest, &data)?;
            }
            Artifact::Zip => {
                let scratch = tempfile::tempdir().map_err(|e| {
                    FsError::new("create a temporary directory in", &std::env::temp_dir(), e)
                })?;
                let mut files: Vec<ZipSource> = at
                    .repo
                    .archive(&hash, &dir, scratch.path())
                    .map_err(git)?
                    .into_iter()
                    .filter_map(|f| {
                        let rel = if dir.is_empty() {
                            Some(f.path.clone())
                        } else {
                            f.path.strip_prefix(&format!("{dir}/")).map(str::to_string)
                        }?;
                        Some(ZipSource { rel, file: f })
                    })
                    .collect();
                if !dir.is_empty()
                    && !files.iter().any(|f| f.rel == "LICENSE")
                    && let Some(data) = at.repo.read_file(&hash, "LICENSE").map_err(git)?
                {
                    let p = scratch.path().join("root-LICENSE");
                    crate::fsutil::write_file(&p, &data)?;
                    files.push(ZipSource {
                        rel: "LICENSE".into(),
                        file: ArchivedFile {
                            path: "LICENSE".into(),
                            file: Some(p),
                            size: data.len() as u64,
                        },
                    });
                }
                let out =
                    std::fs::File::create(dest).map_err(|e| FsError::new("create", dest, e))?;
                modzip::create(std::io::BufWriter::new(out), m, &files)?;
            }
            Artifact::List | Artifact::Latest => {
                return Err(version_err(
                    "version lists are not fetched from version control".into(),
                ));
            }
        }
        Ok(format!("git {from}"))
    }

    /// A go-import `mod` tag's proxy, asked with the GOPROXY protocol.
    fn fetch_from_proxy(
        &self,
        m: &ModVersion,
        artifact: Artifact,
        dest: &Path,
        url: &str,
    ) -> Result<String, VcsError> {
        let who = || m.to_string();
        let Some((_, cfg)) = &self.http else {
            return Err(VcsError::NoRepository {
                module: who(),
                detail: "no HTTP client".into(),
            });
        };
        let client = crate::proxy::Client::new(crate::proxy::ProxyConfig {
            goproxy: url.to_string(),
            gonoproxy: String::new(),
            ..cfg.clone()
        })
        .map_err(|e| VcsError::NoRepository {
            module: who(),
            detail: format!("go-import `mod` proxy {url}: {e}"),
        })?;
        let fetched = tokio::runtime::Handle::current()
            .block_on(client.fetch(&m.path, &m.version, artifact, dest, &|_| {}))
            .map_err(|e| VcsError::NoRepository {
                module: who(),
                detail: e.to_string(),
            })?;
        Ok(fetched.proxy)
    }

    /// The `?go-get=1` page of `path`: https, then http when GOINSECURE
    /// matches (go's `web.Get` with its security level).
    fn page(&self, path: &str) -> Result<String, String> {
        let Some((client, _)) = &self.http else {
            return Err("no HTTP client".into());
        };
        let insecure = module::match_prefix_patterns(&self.cfg.goinsecure, path);
        let get = |scheme: &str| {
            tokio::runtime::Handle::current()
                .block_on(client.get_page(&format!("{scheme}://{path}?go-get=1"), 1 << 20))
        };
        match get("https") {
            Ok(text) => Ok(text),
            Err(e) if insecure => {
                get("http").map_err(|e2| format!("https fetch: {e}; http fetch: {e2}"))
            }
            Err(e) => Err(format!("https fetch: {e}")),
        }
    }

    /// cmd/go `repoRootForImportDynamic`: the go-import tag for `path`,
    /// confirmed on its prefix's own page when the prefix is shorter.
    fn discover(&self, path: &str) -> Result<vcs::RepoRoot, String> {
        let unrecognized =
            |e: String| format!("unrecognized import path {}: {e}", module::quote(path));
        let imports = vcs::parse_meta_go_imports(&self.page(path).map_err(unrecognized)?);
        let mi = vcs::match_go_import(&imports, path)
            .map_err(|e| unrecognized(e.to_string()))?
            .clone();
        if mi.prefix != path {
            let again = vcs::parse_meta_go_imports(&self.page(&mi.prefix).map_err(unrecognized)?);
            let mi2 =
                vcs::match_go_import(&again, path).map_err(|e| unrecognized(e.to_string()))?;
            if *mi2 != mi {
                return Err(format!(
                    "{path}?go-get=1 and {}?go-get=1 disagree about go-import for {}",
                    mi.prefix, mi.prefix
                ));
            }
        }
        vcs::RepoRoot::from_meta(&mi)
    }

    /// The repository of `m`, its mirror opened and fetched once per run.
    fn locate(&self, m: &ModVersion) -> Result<Place, VcsError> {
        let who = || m.to_string();
        let govcs = self.govcs.as_ref().map_err(|e| VcsError::Govcs {
            module: who(),
            detail: e.clone(),
        })?;
        let root = vcs::static_repo_root(&m.path).map_err(|e| VcsError::NoRepository {
            module: who(),
            detail: e.to_string(),
        })?;
        let root = match root {
            Some(r) => r,
            None => self
                .discover(&m.path)
                .map_err(|detail| VcsError::NoRepository {
                    module: who(),
                    detail,
                })?,
        };
        if root.vcs == "mod" {
            // A proxy for the prefix: no version-control system is run,
            // so GOVCS does not apply (as in go).
            return Ok(Place::Proxy(root.repo.unwrap_or_default()));
        }
        govcs
            .check(&root.vcs, &root.root, &self.cfg.goprivate)
            .map_err(|e| VcsError::Govcs {
                module: who(),
                detail: e.to_string(),
            })?;
        if root.vcs != "git" {
            return Err(VcsError::NoRepository {
                module: who(),
                detail: format!(
                    "{} repositories are not supported (modsnap fetches git only)",
                    root.vcs
                ),
            });
        }
        let slot = {
            let mut repos = self.repos.lock().unwrap_or_else(|e| e.into_inner());
            repos.entry(root.root.clone()).or_default().clone()
        };
        // One opener and fetch per repository; other versions wait for it.
        let mut guard = slot.lock().unwrap_or_else(|e| e.into_inner());
        let repo = match &*guard {
            Some(r) => r.clone(),
            None => {
                let url = match (&root.repo, &root.schemeless) {
                    (Some(url), _) => url.clone(),
                    (None, Some(repo)) => {
                        let insecure =
                            module::match_prefix_patterns(&self.cfg.goinsecure, &root.root);
                        let mut refusals = Vec::new();
                        let mut found = None;
                        for s in vcs::schemes(&root.vcs, insecure) {
                            let u = format!("{s}://{repo}");
                            match GitRepo::ping(&u) {
                                Ok(()) => {
                                    found = Some(u);
                                    break;
                                }
                                Err(e) => refusals.push(e),
                            }
                        }
                        found.ok_or_else(|| VcsError::NoRepository {
                            module: who(),
                            detail: format!(
                                "no {}protocol found for repository {repo} ({})",
                                if insecure { "" } else { "secure " },
                                refusals.first().map_or("", String::as_str)
                            ),
                        })?
                    }
                    (None, None) => {
                        return Err(VcsError::NoRepository {
                            module: who(),
                            detail: "internal: no repository".into(),
                        });
                    }
                };
                let git = |source| VcsError::Git {
                    module: who(),
                    source,
                };
                let r = GitRepo::open(&self.cache, &url).map_err(git)?;
                r.fetch_all().map_err(git)?;
                *guard = Some(r.clone());
                r
            }
        };
        drop(guard);
        let (prefix, major) = module::split_path_version(&m.path).unwrap_or((&m.path, ""));
        let rest = if root.root == m.path {
            String::new()
        } else {
            prefix
                .strip_prefix(&root.root)
                .unwrap_or("")
                .trim_matches('/')
                .to_string()
        };
        let code_dir = match (root.subdir.trim_matches('/'), rest.as_str()) {
            ("", r) => r.to_string(),
            (s, "") => s.to_string(),
            (s, r) => format!("{s}/{r}"),
        };
        Ok(Place::Git(Located {
            repo,
            root: root.root.clone(),
            code_dir,
            path_major: major.to_string(),
        }))
    }

    /// The commit `m`'s version names, and its time.
    fn revision(&self, m: &ModVersion, at: &Located) -> Result<(String, i64, String), VcsError> {
        let who = || m.to_string();
        let git = |source| VcsError::Git {
            module: who(),
            source,
        };
        let v = &m.version;
        if module::is_pseudo_version(v) {
            let rev = module::pseudo_version_rev(v).map_err(|e| VcsError::Version {
                module: who(),
                detail: e.to_string(),
            })?;
            let Some((hash, time)) = at.repo.stat(&rev).map_err(git)? else {
                return Err(VcsError::Version {
                    module: who(),
                    detail: format!(
                        "unknown revision {rev}: the pseudo-version names a commit {} does not have",
                        at.repo.shown()
                    ),
                });
            };
            let want = module::pseudo_version_time(v).map_err(|e| VcsError::Version {
                module: who(),
                detail: e.to_string(),
            })?;
            let invalid = |detail: String| VcsError::Version {
                module: who(),
                detail: format!("invalid pseudo-version: {detail}"),
            };
            let short = &hash[..hash.len().min(12)];
            if rev != short {
                return Err(invalid(if short.starts_with(&rev) {
                    format!("revision is shorter than canonical (expected {short})")
                } else if rev.starts_with(short) {
                    format!("revision is longer than canonical (expected {short})")
                } else {
                    format!("does not match short name of revision (expected {short})")
                }));
            }
            let got = rfc3339(time);
            let (y, mo, d, h, mi, s) = want.fields();
            let want_text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z");
            if got != want_text {
                return Err(VcsError::Version {
                    module: who(),
                    detail: format!(
                        "invalid pseudo-version: does not match version-control timestamp (expected {})",
                        got.replace(['-', 'T', ':', 'Z'], "")
                    ),
                });
            }
            self.check_pseudo_base(m, at, &hash, &rev)
                .map_err(invalid)?;
            return Ok((hash, time, rev));
        }
        let base = v.trim_end_matches("+incompatible");
        let tag = if at.code_dir.is_empty() {
            base.to_string()
        } else {
            format!("{}/{base}", at.code_dir)
        };
        match at.repo.stat(&format!("refs/tags/{tag}")).map_err(git)? {
            Some((hash, time)) => Ok((hash, time, tag)),
            None => Err(VcsError::Version {
                module: who(),
                detail: format!(
                    "unknown revision {tag} (no such tag in {})",
                    at.repo.shown()
                ),
            }),
        }
    }
}

impl VcsSource {
    /// go's `validatePseudoVersion` past the revision and time: the tag the
    /// pseudo-version is derived from exists and the commit descends from
    /// it, and is not itself that tag's commit.
    fn check_pseudo_base(
        &self,
        m: &ModVersion,
        at: &Located,
        hash: &str,
        rev: &str,
    ) -> Result<(), String> {
        let prefix = if at.code_dir.is_empty() {
            String::new()
        } else {
            format!("{}/", at.code_dir)
        };
        let base = module::pseudo_version_base(m.version.trim_end_matches("+incompatible"))
            .map_err(|e| e.to_string())?;
        if base.is_empty() {
            if at.path_major.is_empty() && crate::semver::major(&m.version) == "v1" {
                return Err("major version without preceding tag must be v0, not v1".into());
            }
            return Ok(());
        }
        for tag in at.repo.tags_at(hash).map_err(|e| e.to_string())? {
            if tag.strip_prefix(&prefix) == Some(base.as_str()) {
                return Err(format!(
                    "tag ({tag}) found on revision {rev} is already canonical, so should not be replaced with a pseudo-version derived from that tag"
                ));
            }
        }
        let mut last = None;
        for tag in at.repo.tags().map_err(|e| e.to_string())? {
            let Some(v) = tag.strip_prefix(&prefix) else {
                continue;
            };
            if crate::semver::is_valid(v) && crate::semver::compare(v, &base).is_eq() {
                if at
                    .repo
                    .descends_from(hash, &tag)
                    .map_err(|e| e.to_string())?
                {
                    return Ok(());
                }
                last = Some(tag);
            }
        }
        match last {
            None => Err(format!("preceding tag ({base}) not found")),
            Some(tag) => Err(format!(
                "revision {rev} is not a descendent of preceding tag ({tag})"
            )),
        }
    }
}

/// go's `findDir`: the module's directory at `rev` (the tag, or the
/// pseudo-version's revision, as go names it in messages; `hash` is read)
/// and its go.mod (`None`: synthesized), in go's words when there is none.
fn find_dir(
    m: &ModVersion,
    at: &Located,
    hash: &str,
    rev: &str,
) -> Result<(String, Option<Vec<u8>>), String> {
    let join = |a: &str, b: &str| {
        if a.is_empty() {
            b.to_string()
        } else {
            format!("{a}/{b}")
        }
    };
    let read = |file: &str| at.repo.read_file(hash, file).map_err(|e| e.to_string());
    let path_of = |data: &Option<Vec<u8>>| {
        data.as_deref()
            .and_then(crate::modfile::module_path)
            .unwrap_or_default()
    };
    let prefix = module::split_path_version(&m.path).map_or(m.path.as_str(), |(p, _)| p);
    let major = at.path_major.as_str();
    let file1 = join(&at.code_dir, "go.mod");
    let gomod1 = read(&file1)?;
    let mpath1 = path_of(&gomod1);
    let found1 = gomod1.is_some() && is_major(&mpath1, major);
    let mut file2 = None;
    if !major.is_empty() && !major.starts_with('.') && at.root != m.path {
        let dir2 = join(&at.code_dir, &major[1..]);
        let f2 = join(&dir2, "go.mod");
        let gomod2 = read(&f2)?;
        let mpath2 = path_of(&gomod2);
        let found2 = gomod2.is_some() && is_major(&mpath2, major);
        if found1 && found2 {
            return Err(format!(
                "{prefix}/{file1} and ...{major}/go.mod both have ...{major} module paths at revision {rev}"
            ));
        }
        if found2 {
            return Ok((dir2, gomod2));
        }
        if gomod2.is_some() {
            if mpath2.is_empty() {
                return Err(format!(
                    "{}/{f2} is missing module path at revision {rev}",
                    at.root
                ));
            }
            return Err(format!(
                "{}/{f2} has non-...{major} module path {} at revision {rev}",
                at.root,
                module::quote(&mpath2)
            ));
        }
        file2 = Some(f2);
    }
    if found1 {
        if m.version.ends_with("+incompatible") {
            return Err(format!(
                "invalid version: module contains a go.mod file, so module path must match major version ({})",
                module::quote(&format!("{prefix}/{}", crate::semver::major(&m.version)))
            ));
        }
        return Ok((at.code_dir.clone(), gomod1));
    }
    if gomod1.is_some() {
        let suffix = if file2.is_some() {
            format!(" (and ...{major}/go.mod does not exist)")
        } else {
            String::new()
        };
        if mpath1.is_empty() {
            return Err(format!(
                "{file1} is missing module path{suffix} at revision {rev}"
            ));
        }
        if !major.is_empty() {
            return Err(format!(
                "{file1} has non-...{major} module path {}{suffix} at revision {rev}",
                module::quote(&mpath1)
            ));
        }
        if module::split_path_version(&mpath1).is_none() {
            return Err(format!(
                "{file1} has malformed module path {}{suffix} at revision {rev}",
                module::quote(&mpath1)
            ));
        }
        return Err(format!(
            "{file1} has post-{} module path {}{suffix} at revision {rev}",
            crate::semver::major(&m.version),
            module::quote(&mpath1)
        ));
    }
    if at.code_dir.is_empty() && (major.is_empty() || major.starts_with('.')) {
        return Ok((String::new(), None));
    }
    if file2.is_some() {
        return Err(format!(
            "missing {prefix}/go.mod and ...{major}/go.mod at revision {rev}"
        ));
    }
    Err(format!("missing {prefix}/go.mod at revision {rev}"))
}

/// cmd/go `isMajor`: whether a go.mod declaring `mpath` can be the module
/// of a path whose major suffix is `path_major` (`""`, `/v2`, `.v1`).
fn is_major(mpath: &str, path_major: &str) -> bool {
    let Some((_, mpath_major)) = module::split_path_version(mpath).filter(|_| !mpath.is_empty())
    else {
        return false;
    };
    let prefix_of = |m: &str| {
        m.trim_start_matches(['/', '.'])
            .trim_end_matches("-unstable")
            .to_string()
    };
    if path_major.is_empty() {
        return matches!(prefix_of(mpath_major).as_str(), "" | "v0" | "v1");
    }
    if mpath_major.is_empty() {
        return false;
    }
    path_major[1..] == mpath_major[1..]
}

/// Unix seconds as `2006-01-02T15:04:05Z`.
fn rfc3339(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// One file for the zip: its path in the module and where git put it.
struct ZipSource {
    rel: String,
    file: ArchivedFile,
}

impl SourceFile for ZipSource {
    fn path(&self) -> &[u8] {
        self.rel.as_bytes()
    }
    fn lstat(&self) -> std::io::Result<FileInfo> {
        Ok(match &self.file.file {
            Some(_) => FileInfo {
                kind: FileKind::Regular,
                size: self.file.size,
            },
            None => FileInfo {
                kind: FileKind::Symlink,
                size: 0,
            },
        })
    }
    fn open(&self) -> std::io::Result<Box<dyn std::io::Read + '_>> {
        match &self.file.file {
            Some(p) => Ok(Box::new(std::fs::File::open(p)?)),
            None => Err(std::io::Error::other("a symbolic link has no content")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_times_as_go_writes_them() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_572_386_417), "2019-10-29T22:00:17Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
