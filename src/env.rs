//! The go command's configuration, read as the go command reads it
//! (cmd/go/internal/cfg `Getenv`, `EnvFile`, `readEnvFile`).
//!
//! A key's value is, in order:
//! 1. the process environment, where **an empty value counts as unset**;
//! 2. the user's go env file (written by `go env -w`): `$GOENV`, or
//!    `$XDG_CONFIG_HOME/go/env` (`~/.config/go/env`); `GOENV=off` disables it;
//! 3. the defaults `$GOROOT/go.env` carries since Go 1.21
//!    (`GOPROXY=https://proxy.golang.org,direct`, `GOSUMDB=sum.golang.org`).
//!
//! The env file holds `KEY=VALUE` lines; lines without `=` or not starting
//! with an upper-case letter are ignored, later lines override earlier ones.
//!
//! This module is the only code that reads the process environment
//! (`clippy.toml` disallows `std::env::var*` elsewhere): the CLI asks it,
//! and everything below the CLI receives the resolved [`GoEnv`] (or parts
//! of it) as plain data. modsnap does not run
//! `go` to learn these values, so a `$GOROOT/go.env` that differs from the
//! standard one is not seen; set the variable explicitly in that case.

#![allow(clippy::disallowed_methods)] // the one place that reads the environment

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A process variable, `None` when unset, empty or not UTF-8 (the go
/// command's rule: an empty value counts as unset).
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Whether a process variable is set at all (even empty).
pub fn is_set(name: &str) -> bool {
    std::env::var_os(name).is_some()
}

/// Whether cgo is enabled, as the go command decides by default: the
/// `CGO_ENABLED` setting, else whether a C compiler (`$CC`, else `gcc`) is
/// on PATH.
pub fn cgo_enabled() -> bool {
    match var("CGO_ENABLED").as_deref() {
        Some("0") => false,
        Some("1") => true,
        _ => {
            let cc = var("CC").unwrap_or_else(|| "gcc".into());
            std::env::var_os("PATH")
                .map(|p| std::env::split_paths(&p).any(|d| d.join(&cc).is_file()))
                .unwrap_or(false)
        }
    }
}

/// The default GOPROXY (from `$GOROOT/go.env`).
pub const DEFAULT_GOPROXY: &str = "https://proxy.golang.org,direct";
/// The default GOSUMDB (from `$GOROOT/go.env`).
pub const DEFAULT_GOSUMDB: &str = "sum.golang.org";

/// Keys modsnap reads from the go configuration.
pub const GO_KEYS: &[&str] = &[
    "GOPROXY",
    "GONOPROXY",
    "GOPRIVATE",
    "GONOSUMDB",
    "GONOSUMCHECK",
    "GOINSECURE",
    "GOSUMDB",
    "GOFLAGS",
    "GOPATH",
    "GOMODCACHE",
    "GOAUTH",
    "GOTOOLCHAIN",
    "GOVCS",
];

/// Where a go setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The process environment.
    Environment,
    /// The user's go env file (`go env -w`).
    EnvFile,
    /// Unset: the go command's default.
    Default,
}

/// The resolved go configuration plus the process variables modsnap's
/// network layer needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoEnv {
    values: BTreeMap<String, String>,
    /// Where each set value came from.
    sources: BTreeMap<String, Source>,
    /// The env file that was read, if any.
    pub env_file: Option<PathBuf>,
}

impl GoEnv {
    /// Reads the process environment and the user's go env file.
    pub fn from_process() -> GoEnv {
        let get = |k: &str| var(k);
        let env_file = env_file_path(&get);
        let file_text = env_file
            .as_deref()
            .and_then(|p| std::fs::read_to_string(p).ok());
        GoEnv::resolve(&get, env_file, file_text.as_deref())
    }

    /// Resolves from a variable lookup (`None` or empty = unset) and the
    /// env file's text.
    pub fn resolve(
        get: &dyn Fn(&str) -> Option<String>,
        env_file: Option<PathBuf>,
        file_text: Option<&str>,
    ) -> GoEnv {
        let mut file_values = BTreeMap::new();
        for line in file_text.unwrap_or("").split('\n') {
            let Some((key, val)) = line.split_once('=') else {
                continue;
            };
            if !key.starts_with(|c: char| c.is_ascii_uppercase()) {
                continue;
            }
            file_values.insert(key.to_string(), val.to_string());
        }
        let mut values = BTreeMap::new();
        let mut sources = BTreeMap::new();
        for key in GO_KEYS {
            let v = get(key)
                .filter(|v| !v.is_empty())
                .map(|v| (v, Source::Environment))
                .or_else(|| {
                    file_values
                        .get(*key)
                        .cloned()
                        .filter(|v| !v.is_empty())
                        .map(|v| (v, Source::EnvFile))
                });
            if let Some((v, src)) = v {
                values.insert(key.to_string(), v);
                sources.insert(key.to_string(), src);
            }
        }
        GoEnv {
            values,
            sources,
            env_file,
        }
    }

    /// Where `key`'s value came from ([`Source::Default`] when unset).
    pub fn source(&self, key: &str) -> Source {
        self.sources.get(key).copied().unwrap_or(Source::Default)
    }

    /// The value of `key`, or "" when unset.
    pub fn get(&self, key: &str) -> &str {
        self.values.get(key).map(String::as_str).unwrap_or("")
    }

    /// GOPROXY, with the go.env default.
    pub fn goproxy(&self) -> &str {
        match self.get("GOPROXY") {
            "" => DEFAULT_GOPROXY,
            v => v,
        }
    }

    /// GOSUMDB, with the go.env default.
    pub fn gosumdb(&self) -> &str {
        match self.get("GOSUMDB") {
            "" => DEFAULT_GOSUMDB,
            v => v,
        }
    }

    /// GOPRIVATE.
    pub fn goprivate(&self) -> &str {
        self.get("GOPRIVATE")
    }

    /// GONOPROXY, defaulting to GOPRIVATE.
    pub fn gonoproxy(&self) -> &str {
        match self.values.get("GONOPROXY") {
            Some(v) => v,
            None => self.goprivate(),
        }
    }

    /// GONOSUMDB, defaulting to GOPRIVATE.
    pub fn gonosumdb(&self) -> &str {
        match self.values.get("GONOSUMDB") {
            Some(v) => v,
            None => self.goprivate(),
        }
    }

    /// GOINSECURE.
    pub fn goinsecure(&self) -> &str {
        self.get("GOINSECURE")
    }

    /// GOMODCACHE: `$GOMODCACHE`, else `$GOPATH[0]/pkg/mod`, else
    /// `~/go/pkg/mod` (the go command's default GOPATH is `~/go`).
    pub fn gomodcache(&self, home: Option<&Path>) -> Option<PathBuf> {
        if !self.get("GOMODCACHE").is_empty() {
            return Some(PathBuf::from(self.get("GOMODCACHE")));
        }
        let gopath = self.get("GOPATH");
        let first = std::env::split_paths(gopath)
            .next()
            .filter(|p| !p.as_os_str().is_empty());
        match first {
            Some(p) => Some(p.join("pkg/mod")),
            None => home.map(|h| h.join("go/pkg/mod")),
        }
    }
}

fn env_file_path(get: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    match get("GOENV").as_deref() {
        Some("off") => return None,
        Some(file) => return Some(PathBuf::from(file)),
        None => {}
    }
    let config = get("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| get("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(config.join("go/env"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)], file: Option<&str>) -> GoEnv {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let get = move |k: &str| {
            vars.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        GoEnv::resolve(&get, None, file)
    }

    #[test]
    fn empty_value_means_default() {
        assert_eq!(env(&[("GOPROXY", "")], None).goproxy(), DEFAULT_GOPROXY);
        assert_eq!(env(&[], None).gosumdb(), "sum.golang.org");
        assert_eq!(env(&[("GOPROXY", "off")], None).goproxy(), "off");
    }

    #[test]
    fn process_env_beats_env_file_beats_default() {
        let file =
            "GOPROXY=https://file.example\n# comment\nbad line\nlower=x\nGOPRIVATE=corp.example\n";
        let e = env(&[], Some(file));
        assert_eq!(e.goproxy(), "https://file.example");
        assert_eq!(e.gonoproxy(), "corp.example");
        assert_eq!(e.gonosumdb(), "corp.example");
        let e = env(
            &[("GOPROXY", "https://env.example"), ("GONOPROXY", "none")],
            Some(file),
        );
        assert_eq!(e.goproxy(), "https://env.example");
        assert_eq!(e.gonoproxy(), "none");
        // An empty process value falls back to the file.
        assert_eq!(
            env(&[("GOPROXY", "")], Some(file)).goproxy(),
            "https://file.example"
        );
    }

    #[test]
    fn env_file_location() {
        let get = |k: &str| match k {
            "HOME" => Some("/home/u".to_string()),
            _ => None,
        };
        assert_eq!(
            env_file_path(&get),
            Some(PathBuf::from("/home/u/.config/go/env"))
        );
        let get = |k: &str| match k {
            "GOENV" => Some("off".to_string()),
            _ => None,
        };
        assert_eq!(env_file_path(&get), None);
        let get = |k: &str| match k {
            "XDG_CONFIG_HOME" => Some("/xdg".to_string()),
            "HOME" => Some("/home/u".to_string()),
            _ => None,
        };
        assert_eq!(env_file_path(&get), Some(PathBuf::from("/xdg/go/env")));
    }

    #[test]
    fn gomodcache_defaults() {
        assert_eq!(
            env(&[("GOPATH", "/gp:/other")], None).gomodcache(None),
            Some(PathBuf::from("/gp/pkg/mod"))
        );
        assert_eq!(
            env(&[], None).gomodcache(Some(Path::new("/h"))),
            Some(PathBuf::from("/h/go/pkg/mod"))
        );
        assert_eq!(
            env(&[("GOMODCACHE", "/mc")], None).gomodcache(None),
            Some(PathBuf::from("/mc"))
        );
    }
}
