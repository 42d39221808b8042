//! Keeping credentials out of every message, log line and `Debug` dump.
//!
//! A GOPROXY entry may carry userinfo (`https://user:token@proxy.corp`), and
//! so may `HTTPS_PROXY`. Go shows such URLs through `url.URL.Redacted`, which
//! masks only the password; tokens are often passed as the *user name*, so
//! modsnap masks the whole userinfo instead (style.md B3 rule 14).
//!
//! The functions work on text rather than on parsed URLs so that they also
//! cover strings that failed to parse (a bad GOPROXY entry is still echoed
//! back in its error).

/// What replaces the userinfo of a URL.
pub(crate) const MASK: &str = "xxxxx";

/// `s` with the userinfo of every `scheme://user:pass@host` URL in it
/// replaced by `xxxxx`; everything else is unchanged.
pub fn redact(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The authority ends at the first `/`, `?`, `#`, whitespace, list
        // separator (`,` `|` in GOPROXY) or quote; its userinfo is
        // everything before the last `@` in it.
        let end = tail
            .find(|c: char| {
                matches!(
                    c,
                    '/' | '?' | '#' | ',' | '|' | '"' | '\'' | '`' | '<' | '>'
                ) || c.is_whitespace()
            })
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str(MASK);
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// The redacted form of an optional URL setting, for `Debug` output.
pub(crate) fn redact_opt(s: &Option<String>) -> Option<String> {
    s.as_deref().map(redact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_user_and_password() {
        assert_eq!(
            redact("https://alice:s3cret@proxy.corp/x"),
            "https://xxxxx@proxy.corp/x"
        );
        assert_eq!(
            redact("https://TOKEN@proxy.corp"),
            "https://xxxxx@proxy.corp"
        );
        assert_eq!(
            redact("http://u:p%40ss@host:8080"),
            "http://xxxxx@host:8080"
        );
    }

    #[test]
    fn leaves_other_text_alone() {
        assert_eq!(
            redact("https://proxy.golang.org,direct"),
            "https://proxy.golang.org,direct"
        );
        assert_eq!(redact("no url here"), "no url here");
        assert_eq!(
            redact("https://h/a@v/list"),
            "https://h/a@v/list",
            "an `@` in the path is not userinfo"
        );
    }

    #[test]
    fn masks_every_url_in_a_list() {
        assert_eq!(
            redact("https://a:b@one.example|https://c:d@two.example,direct"),
            "https://xxxxx@one.example|https://xxxxx@two.example,direct"
        );
        assert_eq!(
            redact("GET https://u:pw@h/x: failed"),
            "GET https://xxxxx@h/x: failed"
        );
    }
}
