//! GOAUTH: the credentials attached to https requests (cmd/go
//! `auth/auth.go`, `auth/gitauth.go`, `auth/userauth.go`, `auth/netrc.go`;
//! `go help goauth`).
//!
//! GOAUTH is a `;`-separated list (default `netrc`) of `off`, `netrc`,
//! `git DIR` and commands. As in the go command:
//! - credentials are stored per URL prefix without its scheme
//!   (`host[:port]/path`) and found by walking up the request URL, so
//!   `machine host:port` is needed for a proxy on another port;
//! - the methods run in reverse order, so where two give a credential for
//!   the same prefix the one earlier in GOAUTH wins; within `.netrc` the
//!   first `machine` wins;
//! - before the first https request every method runs once without a URL
//!   (`netrc` reads the file; commands run with no argument and no input;
//!   `git DIR` has nothing to ask without a URL);
//! - after a 4xx answer to an https request the methods run again for that
//!   URL (commands get it as their last argument and the response's status
//!   line and headers on stdin; `git DIR` runs `git credential fill` in DIR
//!   with `url=<url>`), and the request is sent once more;
//! - a command's output is credential sets: URL lines, a blank line, header
//!   lines (`Name: value`), a blank line;
//! - a bad GOAUTH (an empty entry, `off` combined with others, `git` without
//!   an absolute directory) is a configuration error.
//!
//! Where modsnap differs, on purpose:
//! - the second request is sent only when the credential for the URL
//!   changed; the go command repeats it regardless (on every 404 of a
//!   proxy, with the default `netrc`), which can only get the same answer;
//! - refreshes run one at a time, and a request whose credential another
//!   refresh already replaced is resent with the new one without running
//!   the methods again;
//! - `.netrc` is read once per run, not again after each 4xx;
//! - the lookup ignores the URL's query: a credential for
//!   `https://corp.example/team` serves `…/team?go-get=1` (the go command
//!   matches the text with its query, so only a host-wide credential
//!   serves a discovery page there);
//! - `git credential approve`/`reject` follow the resent request's status
//!   (200 approves, 401 rejects); the go command sends a separate HEAD to
//!   the credential's prefix for that;
//! - `git credential fill` runs with `GIT_TERMINAL_PROMPT=0` (CI must never
//!   wait on a prompt), and a method's failure is logged once as a warning
//!   (the go command prints it only with `-x`).
//!
//! Credentials never appear in output: [`Credential`]'s `Debug` masks them
//! and [`Credential::scrub`] takes them out of server text.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};

use super::netrc::Netrc;

/// One configured GOAUTH method.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Method {
    Netrc,
    Git(PathBuf),
    /// The entry as written, and its words (quotes as `cmd/internal/quoted`).
    Command(String, Vec<String>),
}

/// The headers a request carries for one URL prefix.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Credential {
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        write!(f, "Credential({names:?}: {})", super::redact::MASK)
    }
}

impl Credential {
    /// HTTP basic auth.
    pub fn basic(user: &str, pass: Option<&str>) -> Credential {
        use base64::Engine as _;
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("{user}:{}", pass.unwrap_or("")));
        let mut value = HeaderValue::from_str(&format!("Basic {token}"))
            .unwrap_or_else(|_| HeaderValue::from_static(""));
        value.set_sensitive(true);
        Credential {
            headers: vec![(AUTHORIZATION, value)],
        }
    }

    /// The request with these headers added.
    pub fn apply(&self, mut req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        for (name, value) in &self.headers {
            req = req.header(name, value.clone());
        }
        req
    }

    /// The secrets a server might echo: every header value, the part after
    /// an auth scheme (`Basic`, `Bearer`…), and a basic-auth password.
    fn secrets(&self) -> Vec<String> {
        use base64::Engine as _;
        let mut out = Vec::new();
        for (_, value) in &self.headers {
            let Ok(v) = value.to_str() else { continue };
            out.push(v.to_string());
            if let Some((scheme, token)) = v.split_once(' ') {
                out.push(token.trim().to_string());
                if scheme.eq_ignore_ascii_case("basic")
                    && let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(token.trim())
                    && let Some((_, pass)) = String::from_utf8_lossy(&raw).split_once(':')
                {
                    out.push(pass.to_string());
                }
            }
        }
        out.retain(|s| s.len() >= 3);
        out.sort_by_key(|s| std::cmp::Reverse(s.len()));
        out
    }

    /// `text` (a server's error body) with these credentials taken out, and
    /// whatever follows an `Authorization:` the server echoed back.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in self.secrets() {
            out = out.replace(&secret, "***");
        }
        let mut from = 0;
        while let Some(i) = out[from..].to_ascii_lowercase().find("authorization:") {
            let start = from + i + "authorization:".len();
            let end = out[start..]
                .find(['\n', '\r', ',', ';', '"'])
                .map_or(out.len(), |j| start + j);
            out.replace_range(start..end, " ***");
            from = start + 4;
        }
        out
    }
}

/// The methods of `goauth` in the order they run (reversed), or why it
/// cannot be used, in the go command's words.
fn parse(goauth: &str) -> Result<Vec<Method>, String> {
    let goauth = if goauth.trim().is_empty() {
        "netrc"
    } else {
        goauth
    };
    let entries: Vec<&str> = goauth.split(';').map(str::trim).collect();
    let mut methods = Vec::new();
    for entry in &entries {
        let words: Vec<&str> = entry.split_whitespace().collect();
        match words.first().copied() {
            None => {
                return Err(format!(
                    "GOAUTH encountered an empty command (GOAUTH={goauth})"
                ));
            }
            Some("off") => {
                if entries.len() != 1 {
                    return Err(format!(
                        "GOAUTH=off cannot be combined with other authentication commands (GOAUTH={goauth})"
                    ));
                }
            }
            Some("netrc") => methods.push(Method::Netrc),
            Some("git") => {
                let need =
                    "GOAUTH=git dir method requires an absolute path to the git working directory";
                let [_, dir] = words[..] else {
                    return Err(need.to_string());
                };
                let dir = Path::new(dir);
                if !dir.is_absolute() {
                    return Err(format!("{need}, dir is not absolute"));
                }
                match std::fs::metadata(dir) {
                    Err(e) => {
                        return Err(format!(
                            "GOAUTH=git encountered an error; cannot stat {}: {e}",
                            dir.display()
                        ));
                    }
                    Ok(m) if !m.is_dir() => return Err(format!("{need}, dir is not a directory")),
                    Ok(_) => methods.push(Method::Git(dir.to_path_buf())),
                }
            }
            Some(_) => {
                let words = split_quoted(entry)
                    .map_err(|e| format!("cannot parse GOAUTH command {entry}: {e}"))?;
                methods.push(Method::Command(entry.to_string(), words));
            }
        }
    }
    methods.reverse();
    Ok(methods)
}

/// Splits a command line as the go command's `quoted.Split`: fields
/// separated by white space, a field may be wrapped in `'…'` or `"…"`
/// (no escapes inside).
fn split_quoted(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        if let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
            let body = &rest[1..];
            let end = body
                .find(q)
                .ok_or_else(|| format!("unterminated {q} string"))?;
            out.push(body[..end].to_string());
            rest = &body[end + 1..];
        } else {
            let end = rest
                .find(|c: char| c.is_ascii_whitespace())
                .unwrap_or(rest.len());
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
        rest = rest.trim_start();
    }
    Ok(out)
}

/// Parses a GOAUTH command's output into prefix → credential (go's
/// `parseUserAuth`). URLs must be absolute with a host; prefixes lose
/// `https://` and a trailing `/`.
fn parse_command_output(data: &str) -> Result<Vec<(String, Credential)>, String> {
    fn cut<'a>(rest: &mut &'a str, what: &str) -> Result<&'a str, String> {
        let (line, after) = rest
            .split_once('\n')
            .ok_or_else(|| format!("invalid format: missing empty line after {what}"))?;
        *rest = after;
        Ok(line)
    }
    let bad_header = || "invalid format: invalid header line".to_string();
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let mut urls = Vec::new();
        loop {
            let line = cut(&mut rest, "URLs")?;
            if line.is_empty() {
                break;
            }
            let url = reqwest::Url::parse(line)
                .ok()
                .filter(|u| u.has_host())
                .ok_or_else(|| format!("could not parse URL {line}"))?;
            urls.push(url.to_string());
        }
        let mut headers = Vec::new();
        loop {
            let line = cut(&mut rest, "headers")?;
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(": ").ok_or_else(bad_header)?;
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad_header())?;
            let mut value = HeaderValue::from_str(value.trim()).map_err(|_| bad_header())?;
            value.set_sensitive(true);
            headers.push((name, value));
        }
        for url in urls {
            let credential = Credential {
                headers: headers.clone(),
            };
            out.push((prefix_of(&url), credential));
        }
    }
    Ok(out)
}

fn prefix_of(url: &str) -> String {
    let p = url.strip_prefix("https://").unwrap_or(url);
    p.strip_suffix('/').unwrap_or(p).to_string()
}

/// What a `git credential fill` gave, kept to approve or reject it.
#[derive(Clone)]
pub(crate) struct GitFill {
    dir: PathBuf,
    output: Vec<u8>,
}

impl fmt::Debug for GitFill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GitFill({})", self.dir.display())
    }
}

/// A refreshed credential for a URL, to resend the request with.
#[derive(Debug)]
pub(crate) struct Refreshed {
    pub credential: Option<Arc<Credential>>,
    fills: Vec<GitFill>,
    settled: std::sync::atomic::AtomicBool,
}

impl Refreshed {
    /// Whether [`GoAuth::settle`] ran for it.
    pub fn settled(&self) -> bool {
        self.settled.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// The credential store of one client.
pub(crate) struct GoAuth {
    methods: Vec<Method>,
    /// `.netrc`'s machines, read when the client is made.
    netrc: Vec<(String, Credential)>,
    cache: Mutex<HashMap<String, Arc<Credential>>>,
    started: tokio::sync::OnceCell<()>,
    refreshing: tokio::sync::Mutex<()>,
    warned: Mutex<HashSet<String>>,
}

impl fmt::Debug for GoAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefixes = self.cache.lock().map(|c| c.len()).unwrap_or(0);
        f.debug_struct("GoAuth")
            .field("methods", &self.methods.len())
            .field("prefixes", &prefixes)
            .finish()
    }
}

impl GoAuth {
    /// The store for `goauth` (empty means `netrc`), reading `.netrc` from
    /// `netrc` when the list has `netrc`.
    pub fn new(goauth: &str, netrc: Option<PathBuf>) -> Result<GoAuth, String> {
        let methods = parse(goauth)?;
        let netrc = match netrc {
            Some(path) if methods.contains(&Method::Netrc) => read_netrc(&path),
            _ => Vec::new(),
        };
        Ok(GoAuth {
            methods,
            netrc,
            cache: Mutex::new(HashMap::new()),
            started: tokio::sync::OnceCell::new(),
            refreshing: tokio::sync::Mutex::new(()),
            warned: Mutex::new(HashSet::new()),
        })
    }

    /// Whether any method is configured (not `off`).
    pub fn is_on(&self) -> bool {
        !self.methods.is_empty()
    }

    /// The credential for an https request to `url` (its text without
    /// `https://`), after the first run of every method.
    pub async fn lookup(&self, url: &str) -> Option<Arc<Credential>> {
        if !self.is_on() {
            return None;
        }
        self.started
            .get_or_init(|| async {
                self.run(None, None).await;
            })
            .await;
        self.find(url)
    }

    fn find(&self, url: &str) -> Option<Arc<Credential>> {
        let cache = self.cache.lock().ok()?;
        let mut prefix = url.strip_prefix("https://").unwrap_or(url);
        prefix = prefix.split(['?', '#']).next().unwrap_or(prefix);
        prefix = prefix.strip_suffix('/').unwrap_or(prefix);
        loop {
            if let Some(c) = cache.get(prefix) {
                return Some(c.clone());
            }
            prefix = &prefix[..prefix.rfind('/')?];
        }
    }

    /// After a 4xx answer to `url` sent with `sent`: runs the methods for
    /// the URL (unless another refresh already changed its credential) and
    /// returns the credential to resend with, or `None` when it is the same
    /// as `sent` and resending would get the same answer.
    pub async fn refresh(
        &self,
        url: &str,
        response_head: &str,
        sent: Option<&Arc<Credential>>,
    ) -> Option<Refreshed> {
        // `.netrc` is read once: with nothing else, a refresh cannot give
        // another credential.
        if !self.methods.iter().any(|m| *m != Method::Netrc) {
            return None;
        }
        let _one = self.refreshing.lock().await;
        let same = |c: &Option<Arc<Credential>>| match (c, sent) {
            (None, None) => true,
            (Some(a), Some(b)) => a == b,
            _ => false,
        };
        let now = self.find(url);
        if !same(&now) {
            return Some(Refreshed {
                credential: now,
                fills: Vec::new(),
                settled: Default::default(),
            });
        }
        let fills = self.run(Some(url), Some(response_head)).await;
        let now = self.find(url);
        (!same(&now)).then_some(Refreshed {
            credential: now,
            fills,
            settled: Default::default(),
        })
    }

    /// Tells the git credential helpers whether a filled credential worked
    /// (`status` of the resent request: 200 approves, 401 rejects).
    pub async fn settle(&self, refreshed: &Refreshed, status: Option<u16>) {
        refreshed
            .settled
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let action = match status {
            Some(200) => "approve",
            Some(401) => "reject",
            _ => return,
        };
        for fill in &refreshed.fills {
            let fill = fill.clone();
            let _ = tokio::task::spawn_blocking(move || {
                let mut cmd = crate::codehost::git_command(&["credential", action]);
                cmd.current_dir(&fill.dir);
                let _ = run_with_input(cmd, Some(&fill.output));
            })
            .await;
        }
    }

    /// Runs every method (in reverse GOAUTH order), storing what each
    /// gives; returns the git fills to settle later.
    async fn run(&self, url: Option<&str>, head: Option<&str>) -> Vec<GitFill> {
        let mut fills = Vec::new();
        for method in &self.methods {
            let got = match method {
                Method::Netrc => {
                    if url.is_some() {
                        continue;
                    }
                    Ok(self.netrc.clone())
                }
                Method::Git(dir) => {
                    let Some(url) = url else { continue };
                    match run_git(dir.clone(), url.to_string()).await {
                        Ok((prefix, cred, fill)) => {
                            fills.push(fill);
                            Ok(vec![(prefix, cred)])
                        }
                        Err(e) => Err(format!("GOAUTH=git {}: {e}", dir.display())),
                    }
                }
                Method::Command(text, words) => run_command(
                    words.clone(),
                    url.map(str::to_string),
                    head.map(str::to_string),
                )
                .await
                .map_err(|e| format!("GOAUTH={text}: {e}")),
            };
            match got {
                Ok(list) => {
                    if let Ok(mut cache) = self.cache.lock() {
                        // Within one method's output the first set for a
                        // prefix wins, as later methods' sets do over
                        // earlier ones (insert in reverse).
                        for (prefix, cred) in list.into_iter().rev() {
                            cache.insert(prefix, Arc::new(cred));
                        }
                    }
                }
                Err(e) => self.warn_once(e),
            }
        }
        fills
    }

    fn warn_once(&self, message: String) {
        let first_line = message.lines().take(3).collect::<Vec<_>>().join("; ");
        if let Ok(mut warned) = self.warned.lock()
            && warned.insert(first_line.clone())
        {
            tracing::warn!("{first_line}");
        }
    }
}

/// `.netrc`'s machines as credentials; a missing file is none, and an
/// unreadable one is ignored with a warning, as the go command ignores it.
fn read_netrc(path: &Path) -> Vec<(String, Credential)> {
    let netrc = match crate::fsutil::read(path) {
        Ok(bytes) => Netrc::parse(&String::from_utf8_lossy(&bytes)),
        Err(e) if e.source.kind() == std::io::ErrorKind::NotFound => Netrc::default(),
        Err(e) => {
            tracing::warn!("ignoring .netrc: {e}");
            Netrc::default()
        }
    };
    netrc
        .entries()
        .iter()
        .map(|e| {
            (
                e.machine.clone(),
                Credential::basic(&e.login, Some(&e.password)),
            )
        })
        .collect()
}

/// Runs `cmd` with `input` on its stdin (none: no stdin) and returns its
/// stdout, or why it failed: the spawn error, or its exit status and the
/// first line of its stderr.
fn run_with_input(mut cmd: std::process::Command, input: Option<&[u8]>) -> Result<Vec<u8>, String> {
    use std::io::Write as _;
    use std::process::Stdio;
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
        let _ = stdin.write_all(input);
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr.lines().next().unwrap_or("").trim();
        let sep = if first.is_empty() { "" } else { ": " };
        return Err(format!("{}{sep}{first}", out.status));
    }
    Ok(out.stdout)
}

/// `git credential fill` in `dir` for `url`: the prefix it answers for and
/// its basic credential.
async fn run_git(dir: PathBuf, url: String) -> Result<(String, Credential, GitFill), String> {
    tokio::task::spawn_blocking(move || {
        let mut cmd = crate::codehost::git_command(&["credential", "fill"]);
        cmd.current_dir(&dir);
        let shown = super::redact(&url);
        let stdout = run_with_input(cmd, Some(format!("url={url}\n").as_bytes()))
            .map_err(|e| format!("'git credential fill' failed (url={shown}): {e}"))?;
        let (prefix, user, pass) = parse_git_fill(&String::from_utf8_lossy(&stdout));
        let prefix = prefix.ok_or_else(|| {
            format!("'git credential fill' failed for url={shown}, could not parse url")
        })?;
        if !url.starts_with(&prefix) {
            return Err(format!(
                "requested a credential for {shown}, but 'git credential fill' provided one for {}",
                super::redact(&prefix)
            ));
        }
        let cred = Credential::basic(&user, Some(&pass));
        Ok((
            prefix_of(&prefix),
            cred,
            GitFill {
                dir,
                output: stdout,
            },
        ))
    })
    .await
    .map_err(|e| format!("'git credential fill' did not finish: {e}"))?
}

/// The URL prefix (`protocol://host/path`, or `url=`), username and
/// password of `git credential fill` output (go's `parseGitAuth`).
fn parse_git_fill(text: &str) -> (Option<String>, String, String) {
    let (mut scheme, mut host, mut path) = (String::new(), String::new(), String::new());
    let (mut user, mut pass) = (String::new(), String::new());
    let mut whole: Option<String> = None;
    for line in text.lines() {
        let Some((key, value)) = line.trim().split_once('=') else {
            continue;
        };
        match key {
            "protocol" => scheme = value.to_string(),
            "host" => host = value.to_string(),
            "path" => path = value.to_string(),
            "username" => user = value.to_string(),
            "password" => pass = value.to_string(),
            "url" => {
                if let Ok(u) = reqwest::Url::parse(value) {
                    whole = Some(u.to_string());
                }
            }
            _ => {}
        }
    }
    let prefix = whole.or_else(|| {
        (!scheme.is_empty() && !host.is_empty()).then(|| {
            let path = path.trim_start_matches('/');
            if path.is_empty() {
                format!("{scheme}://{host}")
            } else {
                format!("{scheme}://{host}/{path}")
            }
        })
    });
    (prefix, user, pass)
}

/// Runs a GOAUTH command (with `url` as its last argument and the response
/// head on stdin, when given) and parses its output.
async fn run_command(
    words: Vec<String>,
    url: Option<String>,
    head: Option<String>,
) -> Result<Vec<(String, Credential)>, String> {
    tokio::task::spawn_blocking(move || {
        let Some((program, args)) = words.split_first() else {
            return Err("empty command".to_string());
        };
        let mut cmd = std::process::Command::new(program);
        cmd.args(args);
        if let Some(url) = &url {
            cmd.arg(url);
        }
        let stdout = run_with_input(cmd, head.as_deref().map(str::as_bytes))
            .map_err(|e| format!("could not run command: {e}"))?;
        parse_command_output(&String::from_utf8_lossy(&stdout))
            .map_err(|e| format!("cannot parse output of GOAUTH command: {e}"))
    })
    .await
    .map_err(|e| format!("the command did not finish: {e}"))?
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests set up their own files
mod tests {
    use super::*;

    fn value(c: &Credential, name: &str) -> Vec<String> {
        c.headers
            .iter()
            .filter(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.to_str().unwrap().to_string())
            .collect()
    }

    fn check(goauth: &str) -> Result<(), String> {
        parse(goauth).map(|_| ())
    }

    #[test]
    fn goauth_errors_are_go_s() {
        assert!(check("").is_ok());
        assert!(check("netrc").is_ok());
        assert!(check("off").is_ok());
        assert_eq!(parse("off").unwrap(), vec![]);
        assert!(
            check("netrc;;x")
                .unwrap_err()
                .contains("GOAUTH encountered an empty command (GOAUTH=netrc;;x)")
        );
        assert!(
            check("off;netrc")
                .unwrap_err()
                .contains("GOAUTH=off cannot be combined")
        );
        assert!(
            check("git")
                .unwrap_err()
                .contains("requires an absolute path")
        );
        assert!(
            check("git rel/dir")
                .unwrap_err()
                .contains("dir is not absolute")
        );
        assert!(
            check("git /no/such/dir/here")
                .unwrap_err()
                .contains("cannot stat /no/such/dir/here")
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "").unwrap();
        assert!(
            check(&format!("git {}", file.display()))
                .unwrap_err()
                .contains("dir is not a directory")
        );
        assert!(
            check("cmd 'unterminated")
                .unwrap_err()
                .contains("unterminated ' string")
        );
        // Reverse order: the first entry runs last, so it wins.
        assert_eq!(
            parse("netrc; my-helper --flag 'a b'").unwrap(),
            vec![
                Method::Command(
                    "my-helper --flag 'a b'".into(),
                    vec!["my-helper".into(), "--flag".into(), "a b".into()]
                ),
                Method::Netrc
            ]
        );
    }

    #[test]
    fn quoted_split_is_go_s() {
        assert_eq!(split_quoted("a  b").unwrap(), ["a", "b"]);
        assert_eq!(
            split_quoted(" 'a b' \"c d\" e").unwrap(),
            ["a b", "c d", "e"]
        );
        // Quotes inside a field do not count.
        assert_eq!(split_quoted("a'b c'").unwrap(), ["a'b", "c'"]);
        assert_eq!(split_quoted("\"x").unwrap_err(), "unterminated \" string");
    }

    #[test]
    fn command_output_as_go_parses_it() {
        // cmd/go auth/userauth_test.go TestParseUserAuth.
        let data = "https://example.com\n\nAuthorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l\nAuthorization: Basic jpvcGVuc2VzYW1lYWxhZGRpb\n\nhttps://hello.com\n\nAuthorization: Basic GVuc2VzYW1lYWxhZGRpbjpvc\nAuthorization: Basic 1lYWxhZGRplW1lYWxhZGRpbs\nData: Test567\n\n";
        let got = parse_command_output(data).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, "example.com");
        assert_eq!(
            value(&got[0].1, "authorization"),
            [
                "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
                "Basic jpvcGVuc2VzYW1lYWxhZGRpb"
            ]
        );
        assert_eq!(got[1].0, "hello.com");
        assert_eq!(value(&got[1].1, "data"), ["Test567"]);
        // Two URLs share one header set; paths are kept.
        let got = parse_command_output(
            "https://a.example/team/\nhttps://b.example\n\nX-Token: t0ken\n\n",
        )
        .unwrap();
        let prefixes: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(prefixes, ["a.example/team", "b.example"]);
        assert!(parse_command_output("").unwrap().is_empty());
        // TestParseUserAuthInvalid.
        for bad in [
            "https://example.com\nAuthorization: Basic AVuc2VzYW1lYWxhZGRpbjpvc\n\n",
            "Authorization: Basic AVuc2VzYW1lYWxhZGRpbjpvc\n\n",
            "https://example.com\n\nAuthorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l\n\nAuthorization: Basic GVuc2VzYW1lYWxhZGRpbjpvc\nData: Test567\n\n",
            "Authorization: Basic AVuc2VzYW1lYWxhZGRpbjpvc\n\nhttps://example.com\n\n",
            "https://example.com\n\nAuthorization: Basic x\n",
            "https://example.com\n",
            "https://example.com\n\nno colon\n\n",
        ] {
            assert!(parse_command_output(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn git_fill_output() {
        let (p, u, pw) =
            parse_git_fill("protocol=https\nhost=git.corp.example\nusername=ci\npassword=s3cret\n");
        assert_eq!(p.as_deref(), Some("https://git.corp.example"));
        assert_eq!((u.as_str(), pw.as_str()), ("ci", "s3cret"));
        let (p, ..) = parse_git_fill("protocol=https\nhost=h.example:8443\npath=team/repo\n");
        assert_eq!(p.as_deref(), Some("https://h.example:8443/team/repo"));
        let (p, ..) = parse_git_fill("url=https://u.example/x\nprotocol=http\nhost=other\n");
        assert_eq!(p.as_deref(), Some("https://u.example/x"));
        assert_eq!(parse_git_fill("username=a\n").0, None);
    }

    #[tokio::test]
    async fn first_in_goauth_wins_and_lookup_walks_up() {
        let dir = tempfile::tempdir().unwrap();
        let netrc = dir.path().join("netrc");
        std::fs::write(
            &netrc,
            "machine p.example login alice password s3cret\nmachine q.example:8443 login bob password pw2\nmachine p.example login late password no\nmachine deep.example/team login c password 3\n",
        )
        .unwrap();
        let script = dir.path().join("helper");
        std::fs::write(
            &script,
            "#!/bin/sh\nprintf 'https://p.example/\\n\\nAuthorization: Bearer from-command\\n\\nhttps://r.example/team\\n\\nX-Token: tok\\n\\n'\n",
        )
        .unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let a = GoAuth::new(&format!("netrc;{}", script.display()), Some(netrc.clone())).unwrap();
        let got = a.lookup("p.example/m/@v/list").await.unwrap();
        assert_eq!(
            value(&got, "authorization"),
            [Credential::basic("alice", Some("s3cret")).headers[0]
                .1
                .to_str()
                .unwrap()]
        );
        assert!(a.lookup("q.example:8443/x").await.is_some());
        assert!(a.lookup("q.example/x").await.is_none());
        assert!(a.lookup("deep.example/team/m/@v/list").await.is_some());
        assert!(a.lookup("deep.example/elsewhere").await.is_none());
        assert_eq!(
            value(
                &a.lookup("r.example/team/m/@v/v1.0.0.zip").await.unwrap(),
                "x-token"
            ),
            ["tok"]
        );
        assert!(a.lookup("r.example/other").await.is_none());
        let b = GoAuth::new(&format!("{};netrc", script.display()), Some(netrc.clone())).unwrap();
        assert_eq!(
            value(&b.lookup("p.example/m").await.unwrap(), "authorization"),
            ["Bearer from-command"]
        );
        let off = GoAuth::new("off", Some(netrc)).unwrap();
        assert!(off.lookup("p.example/m").await.is_none());
        assert!(off.refresh("p.example/m", "", None).await.is_none());
    }

    #[test]
    fn secrets_are_scrubbed_and_never_debug_printed() {
        let c = Credential::basic("ci", Some("hunter2"));
        let body = format!(
            "denied for {} (password hunter2)\nAuthorization: Basic whatever\n",
            value(&c, "authorization")[0]
        );
        let got = c.scrub(&body);
        assert!(!got.contains("hunter2") && !got.contains("Y2k6"), "{got}");
        assert_eq!(c.scrub("plain 403"), "plain 403");
        let d = format!("{c:?}");
        assert!(!d.contains("Basic") && d.contains("authorization"), "{d}");
        let t = parse_command_output("https://a.example\n\nX-Token: sup3rsecret\n\n").unwrap();
        assert_eq!(t[0].1.scrub("bad token sup3rsecret"), "bad token ***");
    }
}
