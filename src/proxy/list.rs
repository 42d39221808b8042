//! The GOPROXY list: parsing, validation and which entries a module path
//! goes through (cmd/go `modfetch/proxy.go` `proxyList`, `TryProxies`,
//! `newProxyRepo`; `modfetch/repo.go` `lookup`;
//! <https://go.dev/ref/mod#environment-variables>).
//!
//! Rules, as the go command applies them:
//! - entries are separated by `,` or `|`; the separator *after* an entry
//!   decides whether any error falls through to the next entry (`|`) or only
//!   "not found" (`,`: HTTP 404/410, a missing `file://` file);
//! - entries are trimmed, empty ones skipped; `off` and `direct` end the
//!   list (anything after them is ignored);
//! - an entry containing `.`, `:` or `/` but not `:/`, and not an absolute
//!   path, gets `https://` prepended; a bare absolute path does not, and is
//!   then rejected for its missing scheme;
//! - only `http`, `https` and `file` are accepted, and a `file:` URL may hold
//!   nothing but a path (`file:///srv/proxy`, not `file://host/...`);
//! - when GONOPROXY is set and GOPROXY is not exactly `direct`, an implicit
//!   `noproxy` entry comes first: paths matching GONOPROXY go straight to
//!   `direct`, all others skip it.
//!
//! modsnap never fetches from version control, so every way to `direct`
//! ends in an error that says which setting led there. GOINSECURE only
//! affects direct fetches in Go, so it changes nothing here.

use std::fmt;
use std::path::PathBuf;

use reqwest::Url;

use super::redact::redact;
use crate::module;

/// A GOPROXY / HTTP proxy setting that cannot be used; returned by
/// [`Client::new`](super::Client::new) before any request is made.
#[derive(Debug, thiserror::Error)]
pub enum ProxyConfigError {
    /// GOPROXY held only separators and spaces.
    #[error("GOPROXY list is not the empty string, but contains no entries")]
    Empty,
    /// An entry without a scheme, such as a bare absolute path.
    #[error("invalid proxy URL missing scheme: {entry}{hint}")]
    MissingScheme {
        /// The entry (redacted).
        entry: String,
        /// A suggestion, starting with `; ` (or empty).
        hint: String,
    },
    /// A scheme other than http, https or file.
    #[error("invalid proxy URL scheme (must be https, http, file): {entry}")]
    BadScheme {
        /// The entry (redacted).
        entry: String,
    },
    /// A `file:` URL with a host, user, query or fragment.
    #[error("invalid file:// proxy URL with non-path elements: {entry}")]
    FileNonPath {
        /// The entry (redacted).
        entry: String,
    },
    /// An entry that does not parse as a URL.
    #[error("invalid proxy URL {entry}: {reason}")]
    BadUrl {
        /// The entry (redacted).
        entry: String,
        /// Why it does not parse.
        reason: String,
    },
    /// HTTPS_PROXY or HTTP_PROXY is set to something that is not a URL.
    #[error(
        "{var}={value:?} is not a proxy URL (the go command fails on it too: proxyconnect); set it to http://host:port or unset it"
    )]
    BadHttpProxy {
        /// The variable.
        var: &'static str,
        /// Its value (redacted).
        value: String,
    },
    /// GOAUTH that the go command refuses too.
    #[error("{reason}; fix GOAUTH (`go help goauth`) or unset it")]
    BadGoAuth {
        /// What is wrong with it, in the go command's words.
        reason: String,
    },
    /// A CA bundle that cannot be read or holds no usable certificate.
    #[error("CA certificate file `{}`: {reason}", path.display())]
    CaFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client could not be built (TLS setup).
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
}

/// Where a configured proxy lives.
#[derive(Clone)]
pub(crate) enum Base {
    /// An `http://` or `https://` proxy. `url` has no userinfo and no
    /// trailing `/`; the userinfo, percent-decoded, is in `auth`.
    Http {
        url: Url,
        auth: Option<(String, Option<String>)>,
    },
    /// A `file://` tree rooted at `root`.
    File { root: PathBuf },
}

/// One GOPROXY entry.
#[derive(Clone)]
pub(crate) enum Entry {
    /// A proxy; `fall_back_on_error` is true when `|` follows it.
    Proxy {
        base: Base,
        /// The entry as shown to users: the URL with userinfo masked.
        shown: String,
        fall_back_on_error: bool,
    },
    /// `off`: every lookup fails.
    Off,
    /// `direct`: fetch from version control (unsupported in modsnap).
    Direct,
}

/// The parsed GOPROXY/GONOPROXY settings.
#[derive(Clone)]
pub(crate) struct ProxyList {
    /// Entries in order, without the implicit `noproxy`.
    pub entries: Vec<Entry>,
    /// Whether the implicit `noproxy` entry comes first.
    pub noproxy: bool,
    /// Raw GONOPROXY.
    pub gonoproxy: String,
    /// Raw GOPROXY, redacted, for messages.
    pub goproxy_shown: String,
}

impl ProxyList {
    /// Parses GOPROXY (already defaulted by the caller) the way the go
    /// command does, validating every entry.
    pub fn parse(goproxy: &str, gonoproxy: &str) -> Result<ProxyList, ProxyConfigError> {
        let mut entries = Vec::new();
        let mut rest = goproxy;
        while !rest.is_empty() {
            let (raw, fall_back_on_error) = match rest.find([',', '|']) {
                Some(i) => {
                    let sep = rest.as_bytes()[i];
                    let raw = &rest[..i];
                    rest = &rest[i + 1..];
                    (raw, sep == b'|')
                }
                None => {
                    let raw = rest;
                    rest = "";
                    (raw, false)
                }
            };
            let raw = raw.trim();
            match raw {
                "" => continue,
                "off" => {
                    entries.push(Entry::Off);
                    break;
                }
                "direct" => {
                    entries.push(Entry::Direct);
                    break;
                }
                _ => {}
            }
            let url = if raw.contains(['.', ':', '/']) && !raw.contains(":/") && !is_abs_path(raw) {
                format!("https://{raw}")
            } else {
                raw.to_string()
            };
            let base = parse_base(&url)?;
            entries.push(Entry::Proxy {
                base,
                shown: redact(url.trim_end_matches('/')),
                fall_back_on_error,
            });
        }
        if entries.is_empty() {
            return Err(ProxyConfigError::Empty);
        }
        Ok(ProxyList {
            entries,
            noproxy: !gonoproxy.is_empty() && goproxy != "direct",
            gonoproxy: gonoproxy.to_string(),
            goproxy_shown: redact(goproxy),
        })
    }

    /// The first GONOPROXY pattern matching `path`, when the implicit
    /// `noproxy` entry is active.
    pub fn noproxy_pattern(&self, path: &str) -> Option<String> {
        if !self.noproxy {
            return None;
        }
        self.gonoproxy
            .split(',')
            .find(|glob| !glob.is_empty() && module::match_prefix_patterns(glob, path))
            .map(str::to_string)
    }

    /// How `path` would be fetched.
    pub fn route(&self, path: &str) -> Route {
        if let Some(pattern) = self.noproxy_pattern(path) {
            return Route {
                proxies: Vec::new(),
                end: RouteEnd::Direct(DirectReason::Gonoproxy {
                    pattern,
                    gonoproxy: self.gonoproxy.clone(),
                }),
            };
        }
        let mut proxies = Vec::new();
        let mut end = RouteEnd::Exhausted;
        for e in &self.entries {
            match e {
                Entry::Proxy {
                    shown,
                    fall_back_on_error,
                    ..
                } => proxies.push(RouteProxy {
                    url: shown.clone(),
                    fall_back_on_error: *fall_back_on_error,
                }),
                Entry::Off => end = RouteEnd::Off,
                Entry::Direct => {
                    end = RouteEnd::Direct(DirectReason::Goproxy {
                        goproxy: self.goproxy_shown.clone(),
                    })
                }
            }
        }
        Route { proxies, end }
    }
}

/// Whether `s` is an absolute file path (Go checks both `filepath.IsAbs`
/// and `path.IsAbs`).
fn is_abs_path(s: &str) -> bool {
    s.starts_with('/') || std::path::Path::new(s).is_absolute()
}

/// Validates one (already `https://`-prefixed) entry like `newProxyRepo`.
pub(crate) fn parse_base(entry: &str) -> Result<Base, ProxyConfigError> {
    let shown = redact(entry);
    let Some((scheme, after)) = split_scheme(entry) else {
        let hint = if is_abs_path(entry) {
            format!("; write a local proxy directory as file://{entry}")
        } else {
            String::new()
        };
        return Err(ProxyConfigError::MissingScheme { entry: shown, hint });
    };
    match scheme.to_ascii_lowercase().as_str() {
        "http" | "https" => {}
        "file" => return parse_file(entry, after),
        _ => return Err(ProxyConfigError::BadScheme { entry: shown }),
    }
    let mut url = Url::parse(entry).map_err(|e| ProxyConfigError::BadUrl {
        entry: shown.clone(),
        reason: e.to_string(),
    })?;
    let auth = if !url.username().is_empty() || url.password().is_some() {
        let user = percent_decode(url.username());
        let pass = url.password().map(percent_decode);
        // Cannot fail for http(s) URLs, which always have a host.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        Some((user, pass))
    } else {
        None
    };
    let trimmed = url.path().trim_end_matches('/').to_string();
    url.set_path(&trimmed);
    Ok(Base::Http { url, auth })
}

/// Splits `scheme:rest` when the text before the first `:` is a valid URL
/// scheme (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`).
fn split_scheme(s: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = s.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some((scheme, rest))
}

/// A `file:` entry: only a path is allowed, written `file:///abs` or
/// `file:/abs` (Go rejects any host, even `localhost`, user, query or
/// fragment; the `url` crate would silently drop `localhost`, so the text is
/// checked before parsing).
fn parse_file(entry: &str, after_scheme: &str) -> Result<Base, ProxyConfigError> {
    let non_path = || ProxyConfigError::FileNonPath {
        entry: redact(entry),
    };
    let path = match after_scheme.strip_prefix("//") {
        Some(rest) => {
            let host_end = rest.find('/').unwrap_or(rest.len());
            if host_end != 0 {
                return Err(non_path());
            }
            rest
        }
        None => after_scheme,
    };
    if path.contains(['?', '#']) || !path.starts_with('/') {
        return Err(non_path());
    }
    let decoded = percent_decode(path);
    let decoded = decoded.trim_end_matches('/');
    Ok(Base::File {
        root: file_root(if decoded.is_empty() { "/" } else { decoded }),
    })
}

#[cfg(windows)]
fn file_root(path: &str) -> PathBuf {
    // file:///C:/proxy names C:/proxy.
    let p = path.strip_prefix('/').unwrap_or(path);
    PathBuf::from(p)
}

#[cfg(not(windows))]
fn file_root(path: &str) -> PathBuf {
    PathBuf::from(path)
}

/// Decodes `%XX` escapes; invalid escapes and non-UTF-8 results are kept
/// as close to the input as possible rather than rejected.
pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && b[i + 1].is_ascii_hexdigit()
            && b[i + 2].is_ascii_hexdigit()
        {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
            if let Ok(v) = u8::from_str_radix(hex, 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How a module path would be fetched: [`Client::route`](super::Client::route).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The proxies tried in order (redacted URLs). Empty when the path goes
    /// straight to `direct`.
    pub proxies: Vec<RouteProxy>,
    /// What happens when every proxy said "not found" (or failed, after `|`).
    pub end: RouteEnd,
}

/// One proxy on a [`Route`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteProxy {
    /// The proxy's base URL, userinfo masked.
    pub url: String,
    /// True when `|` follows the entry (any error falls through), false for
    /// `,` (only "not found" falls through).
    pub fall_back_on_error: bool,
}

/// The end of a [`Route`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteEnd {
    /// The list just ends: the last error is reported.
    Exhausted,
    /// `off`: "module lookup disabled by GOPROXY=off".
    Off,
    /// `direct`: version-control fetching, which modsnap does not do.
    Direct(DirectReason),
}

/// Why a module path would be fetched `direct`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectReason {
    /// GOPROXY's `direct` entry was reached.
    Goproxy {
        /// The GOPROXY value (redacted).
        goproxy: String,
    },
    /// The path matches a GONOPROXY (or GOPRIVATE) pattern, so Go's implicit
    /// `noproxy` entry sends it to version control before any proxy.
    Gonoproxy {
        /// The first matching pattern.
        pattern: String,
        /// The whole GONOPROXY value.
        gonoproxy: String,
    },
}

impl fmt::Display for DirectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DirectReason::Goproxy { goproxy } => {
                write!(f, "GOPROXY={goproxy} reaches its `direct` entry")
            }
            DirectReason::Gonoproxy { pattern, gonoproxy } => write!(
                f,
                "it matches pattern `{pattern}` of GONOPROXY={gonoproxy} (GONOPROXY defaults to GOPRIVATE)"
            ),
        }
    }
}

impl DirectReason {
    /// What the user can change so the module comes from a proxy.
    pub fn hint(&self) -> &'static str {
        match self {
            DirectReason::Goproxy { .. } => {
                "list a proxy that serves it before `direct` in GOPROXY"
            }
            DirectReason::Gonoproxy { .. } => {
                "set GONOPROXY=none (use GONOSUMDB for the checksum-database exemption) and list a proxy that serves it in GOPROXY"
            }
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.proxies.iter().enumerate() {
            if i > 0 {
                let sep = if self.proxies[i - 1].fall_back_on_error {
                    " | "
                } else {
                    " , "
                };
                f.write_str(sep)?;
            }
            f.write_str(&p.url)?;
        }
        let tail = match &self.end {
            RouteEnd::Exhausted => return Ok(()),
            RouteEnd::Off => "off".to_string(),
            RouteEnd::Direct(reason) => format!("direct ({reason})"),
        };
        if let Some(last) = self.proxies.last() {
            f.write_str(if last.fall_back_on_error {
                " | "
            } else {
                " , "
            })?;
        }
        f.write_str(&tail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(list: &ProxyList) -> Vec<String> {
        list.entries
            .iter()
            .map(|e| match e {
                Entry::Proxy {
                    shown,
                    fall_back_on_error,
                    ..
                } => format!("{shown}{}", if *fall_back_on_error { "|" } else { "," }),
                Entry::Off => "off".into(),
                Entry::Direct => "direct".into(),
            })
            .collect()
    }

    #[test]
    fn separators_set_fallback_of_the_entry_before_them() {
        let l =
            ProxyList::parse("https://a.example|https://b.example,https://c.example", "").unwrap();
        assert_eq!(
            shown(&l),
            [
                "https://a.example|",
                "https://b.example,",
                "https://c.example,"
            ]
        );
    }

    #[test]
    fn default_list() {
        let l = ProxyList::parse("https://proxy.golang.org,direct", "").unwrap();
        assert_eq!(shown(&l), ["https://proxy.golang.org,", "direct"]);
        assert!(!l.noproxy);
    }

    #[test]
    fn off_and_direct_end_the_list() {
        let l = ProxyList::parse("off,https://a.example", "").unwrap();
        assert_eq!(shown(&l), ["off"]);
        let l = ProxyList::parse("https://a.example,direct,not a url at all", "").unwrap();
        assert_eq!(shown(&l), ["https://a.example,", "direct"]);
    }

    #[test]
    fn spaces_and_empty_entries_are_skipped() {
        let l = ProxyList::parse(" https://a.example , ,|https://b.example ", "").unwrap();
        assert_eq!(shown(&l), ["https://a.example,", "https://b.example,"]);
        assert!(matches!(
            ProxyList::parse(",", ""),
            Err(ProxyConfigError::Empty)
        ));
        assert!(matches!(
            ProxyList::parse(" | ", "x"),
            Err(ProxyConfigError::Empty)
        ));
    }

    #[test]
    fn https_is_prefixed_to_host_paths() {
        let l = ProxyList::parse("proxy.corp.example/go,localhost:8080", "").unwrap();
        assert_eq!(
            shown(&l),
            ["https://proxy.corp.example/go,", "https://localhost:8080,"]
        );
    }

    #[test]
    fn bare_absolute_path_is_missing_a_scheme() {
        let e = ProxyList::parse("/srv/proxy", "").err().unwrap();
        assert!(matches!(e, ProxyConfigError::MissingScheme { .. }));
        let msg = e.to_string();
        assert!(
            msg.starts_with("invalid proxy URL missing scheme: /srv/proxy"),
            "{msg}"
        );
        assert!(msg.contains("file:///srv/proxy"), "{msg}");
        // A single word is reserved for keywords and has no scheme either.
        let e = ProxyList::parse("proxy", "").err().unwrap();
        assert_eq!(e.to_string(), "invalid proxy URL missing scheme: proxy");
    }

    #[test]
    fn schemes_are_checked() {
        let e = ProxyList::parse("ftp://a.example", "").err().unwrap();
        assert_eq!(
            e.to_string(),
            "invalid proxy URL scheme (must be https, http, file): ftp://a.example"
        );
        assert!(ProxyList::parse("HTTPS://a.example", "").is_ok());
        assert!(matches!(
            ProxyList::parse("https://", ""),
            Err(ProxyConfigError::BadUrl { .. })
        ));
    }

    #[test]
    fn file_urls_hold_only_a_path() {
        for bad in [
            "file://localhost/srv/p",
            "file://host/srv/p",
            "file://u@/srv/p",
            "file:///srv/p?x=1",
            "file:///srv/p#f",
            "file:/srv/p?x",
        ] {
            let e = ProxyList::parse(bad, "").err();
            assert!(
                matches!(e, Some(ProxyConfigError::FileNonPath { .. })),
                "{bad}: {e:?}"
            );
        }
        // No `:/`, so Go prefixes https:// and then fails on the "port".
        assert!(matches!(
            ProxyList::parse("file:relative", ""),
            Err(ProxyConfigError::BadUrl { .. })
        ));
        let l = ProxyList::parse("file:///srv/my%20proxy/,file:/other", "").unwrap();
        let roots: Vec<_> = l
            .entries
            .iter()
            .filter_map(|e| match e {
                Entry::Proxy {
                    base: Base::File { root },
                    ..
                } => Some(root.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            roots,
            [PathBuf::from("/srv/my proxy"), PathBuf::from("/other")]
        );
    }

    #[test]
    fn userinfo_is_split_off_and_masked() {
        let l = ProxyList::parse("https://alice:p%40ss@a.example/go/", "").unwrap();
        let Entry::Proxy {
            base: Base::Http { url, auth },
            shown,
            ..
        } = &l.entries[0]
        else {
            panic!("not a proxy")
        };
        assert_eq!(url.as_str(), "https://a.example/go");
        assert_eq!(
            auth.as_ref().unwrap(),
            &("alice".to_string(), Some("p@ss".to_string()))
        );
        assert_eq!(shown, "https://xxxxx@a.example/go");
        let e = ProxyList::parse("ftp://bob:hunter2@a.example", "")
            .err()
            .unwrap();
        assert!(!e.to_string().contains("hunter2"));
        assert!(!format!("{e:?}").contains("hunter2"));
    }

    #[test]
    fn implicit_noproxy_entry() {
        let l = ProxyList::parse("https://a.example", "corp.example").unwrap();
        assert!(l.noproxy);
        // GOPROXY=direct sends everything direct anyway: no noproxy entry.
        let l = ProxyList::parse("direct", "corp.example").unwrap();
        assert!(!l.noproxy);
        // Even `off` gets the implicit entry first (trap 3).
        let l = ProxyList::parse("off", "corp.example").unwrap();
        assert!(l.noproxy);
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b%2"), "a b%2");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%é"), "%é");
        assert_eq!(percent_decode("%+1"), "%+1");
    }
}
