//! Slash-separated paths with the exact semantics of Go's `path` package
//! (`Clean`, `Split`), used for zip entry names, module-relative file names
//! and replacement directories, which Go handles as slash paths on every
//! OS. One place, because a clean that differs by one `..` rule changes
//! which files a module zip may hold.
//!
//! Not here: OS paths (`std::path`), and `filepath.Join`'s OS separator.

/// Whether `p` equals Go's `path.Clean(p)`.
pub fn is_clean(p: &[u8]) -> bool {
    clean_bytes(p) == p
}

/// Go's `path.Clean` over bytes (only `/` and `.` matter, so bytes suffice).
pub fn clean_bytes(p: &[u8]) -> Vec<u8> {
    if p.is_empty() {
        return b".".to_vec();
    }
    let rooted = p[0] == b'/';
    let mut parts: Vec<&[u8]> = Vec::new();
    for elem in p.split(|&b| b == b'/') {
        match elem {
            b"" | b"." => {}
            b".." => {
                if parts.last().is_some_and(|last| *last != b"..") {
                    parts.pop();
                } else if !rooted {
                    parts.push(elem);
                }
            }
            _ => parts.push(elem),
        }
    }
    let mut out = Vec::with_capacity(p.len());
    if rooted {
        out.push(b'/');
    }
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        out.extend_from_slice(part);
    }
    if out.is_empty() {
        out.push(b'.');
    }
    out
}

/// Go's `path.Split`: everything up to and including the last `/`, and the rest.
pub fn split(p: &[u8]) -> (&[u8], &[u8]) {
    match p.iter().rposition(|&b| b == b'/') {
        Some(i) => p.split_at(i + 1),
        None => (&[], p),
    }
}

/// Go's `path.Clean` for a string.
pub fn clean(p: &str) -> String {
    // Only `/` and `.` bytes are rewritten, so the result is valid UTF-8.
    String::from_utf8(clean_bytes(p.as_bytes()))
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Joins a relative slash path onto a base directory without cleaning
/// (`rel` stays as written when it is absolute or `base` is `.`/empty).
pub fn join_unclean(base: &str, rel: &str) -> String {
    if rel.starts_with('/') || base.is_empty() || base == "." {
        return rel.to_string();
    }
    format!("{}/{}", base.trim_end_matches('/'), rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_matches_go() {
        for (input, want) in [
            ("", "."),
            ("a/b", "a/b"),
            ("a//b", "a/b"),
            ("a/./b", "a/b"),
            ("a/../b", "b"),
            ("../a", "../a"),
            ("/../a", "/a"),
            ("a/", "a"),
            ("/", "/"),
            ("a/..", "."),
            ("..", ".."),
            ("../..", "../.."),
        ] {
            assert_eq!(
                clean_bytes(input.as_bytes()),
                want.as_bytes(),
                "clean({input:?})"
            );
        }
    }

    #[test]
    fn clean_strings() {
        assert_eq!(clean("app/../lib"), "lib");
        assert_eq!(clean("./app/../../x"), "../x");
        assert_eq!(clean("./vendor/x"), "vendor/x");
        assert_eq!(clean("."), ".");
        assert_eq!(clean("/a/../b"), "/b");
        assert_eq!(clean("/.."), "/");
        assert_eq!(join_unclean(".", "../x"), "../x");
        assert_eq!(join_unclean("a/", "../x"), "a/../x");
        assert_eq!(join_unclean("a", "/abs"), "/abs");
    }
}
