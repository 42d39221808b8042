//! `.netrc` credentials for https proxy requests (cmd/go `auth/netrc.go`
//! `parseNetrc`, `auth/auth.go` `loadCredential`; `go help goauth`).
//!
//! Parsing follows the go command, including its quirks: the file is read
//! as whitespace-separated *pairs* on each line; `machine` starts an entry,
//! `login` and `password` fill it, and it is recorded as soon as all three
//! are set; a `macdef` skips lines up to the next empty line; a `default`
//! token stops the parse only when it falls on a key position at the end
//! of its line (a `default login x password y` line is read as pairs, yields
//! nothing, and the machines after it still count). When a machine appears
//! twice the first entry wins.
//!
//! Each machine name becomes a credential prefix of GOAUTH's store
//! (`auth.rs`), which does the lookup and attaches credentials to https
//! requests only. Reading the file is the caller's job.

use std::fmt;

/// One usable `machine` entry.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct NetrcEntry {
    pub machine: String,
    pub login: String,
    pub password: String,
}

impl fmt::Debug for NetrcEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NetrcEntry")
            .field("machine", &self.machine)
            .field("login", &super::redact::MASK)
            .field("password", &super::redact::MASK)
            .finish()
    }
}

/// Parsed `.netrc` credentials.
#[derive(Clone, Default, Debug)]
pub(crate) struct Netrc {
    entries: Vec<NetrcEntry>,
}

impl Netrc {
    /// Parses `.netrc` text.
    pub fn parse(text: &str) -> Netrc {
        let mut entries: Vec<NetrcEntry> = Vec::new();
        let (mut machine, mut login, mut password) = (String::new(), String::new(), String::new());
        let mut in_macro = false;
        for line in text.split('\n') {
            if in_macro {
                if line.is_empty() {
                    in_macro = false;
                }
                continue;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            let mut i = 0;
            while i + 1 < fields.len() {
                let value = fields[i + 1];
                match fields[i] {
                    "machine" => {
                        machine = value.to_string();
                        login.clear();
                        password.clear();
                    }
                    "login" => login = value.to_string(),
                    "password" => password = value.to_string(),
                    "macdef" => in_macro = true,
                    _ => {}
                }
                if !machine.is_empty() && !login.is_empty() && !password.is_empty() {
                    if !entries.iter().any(|e| e.machine == machine) {
                        entries.push(NetrcEntry {
                            machine: std::mem::take(&mut machine),
                            login: std::mem::take(&mut login),
                            password: std::mem::take(&mut password),
                        });
                    } else {
                        machine.clear();
                        login.clear();
                        password.clear();
                    }
                }
                i += 2;
            }
            if fields.get(i) == Some(&"default") {
                break;
            }
        }
        Netrc { entries }
    }

    /// The entries, first machine first.
    pub fn entries(&self) -> &[NetrcEntry] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(n: &Netrc) -> Vec<(&str, &str, &str)> {
        n.entries
            .iter()
            .map(|e| (e.machine.as_str(), e.login.as_str(), e.password.as_str()))
            .collect()
    }

    #[test]
    fn go_netrc_test_input() {
        // Input and expectation of cmd/go's auth/netrc_test.go, so that the
        // quirks (pairs per line, macdef, default) match exactly.
        let text = "machine incomplete
password none

machine api.github.com
  login user
  password pwd

machine incomlete.host
  login justlogin

machine test.host
login user2
password pwd2

machine oneline login user3 password pwd3

machine ignore.host macdef ignore
  login nobody
  password nothing

machine hasmacro.too macdef ignore-next-lines login user4 password pwd4
  login nobody
  password nothing

default
login anonymous
password gopher@golang.org

machine after.default
login oops
password too-late-in-file
";
        let n = Netrc::parse(text);
        assert_eq!(
            pairs(&n),
            [
                ("api.github.com", "user", "pwd"),
                ("test.host", "user2", "pwd2"),
                ("oneline", "user3", "pwd3"),
                ("hasmacro.too", "user4", "pwd4"),
            ]
        );
    }

    #[test]
    fn default_stops_only_at_the_end_of_its_line() {
        // Go reads fields in pairs, so `default login x password y` on one
        // line is (default, login) (x, password) y: no stop, and later
        // machines still count.
        let n = Netrc::parse("default login a password b\nmachine m login l password p\n");
        assert_eq!(pairs(&n), [("m", "l", "p")]);
        let n = Netrc::parse("default\nmachine m login l password p\n");
        assert!(pairs(&n).is_empty());
    }

    #[test]
    fn first_machine_wins() {
        let n = Netrc::parse("machine h login a password 1\nmachine h login b password 2\n");
        assert_eq!(pairs(&n), [("h", "a", "1")]);
    }

    #[test]
    fn debug_hides_secrets() {
        let n = Netrc::parse("machine h login alice password hunter2\n");
        let d = format!("{n:?}");
        assert!(!d.contains("hunter2") && !d.contains("alice"), "{d}");
    }
}
