//! go.mod and go.work files (golang.org/x/mod/modfile). STUB: helper B replaces this.
#![allow(missing_docs, unused_variables)]

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoStmt {
    pub version: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModFile {
    pub go: Option<GoStmt>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// Stub good enough for modzip's vendor rules: finds a `go X` line.
pub fn parse_lax(file: &str, data: &[u8]) -> Result<ModFile, ParseError> {
    let text = std::str::from_utf8(data).map_err(|e| ParseError(e.to_string()))?;
    let go = text.lines().find_map(|l| {
        let mut f = l.split_whitespace();
        (f.next() == Some("go"))
            .then(|| f.next())
            .flatten()
            .map(|v| GoStmt {
                version: v.to_string(),
            })
    });
    Ok(ModFile { go })
}
pub fn parse(file: &str, data: &[u8]) -> Result<ModFile, ParseError> {
    unimplemented!()
}
