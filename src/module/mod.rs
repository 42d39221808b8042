//! Module paths and versions (golang.org/x/mod/module). STUB: helper A replaces this.
#![allow(missing_docs, unused_variables)]

/// A module path paired with a version, Go's `module.Version`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModVersion {
    pub path: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ModuleError(pub String);

pub fn check_path(path: &str) -> Result<(), ModuleError> {
    unimplemented!()
}
pub fn check_import_path(path: &str) -> Result<(), ModuleError> {
    unimplemented!()
}
pub fn check_file_path(path: &str) -> Result<(), ModuleError> {
    unimplemented!()
}
pub fn check(path: &str, version: &str) -> Result<(), ModuleError> {
    unimplemented!()
}
pub fn split_path_version(path: &str) -> Option<(&str, &str)> {
    unimplemented!()
}
pub fn check_path_major(version: &str, path_major: &str) -> Result<(), ModuleError> {
    unimplemented!()
}
pub fn match_path_major(version: &str, path_major: &str) -> bool {
    unimplemented!()
}
pub fn canonical_version(v: &str) -> String {
    unimplemented!()
}
pub fn escape_path(path: &str) -> Result<String, ModuleError> {
    unimplemented!()
}
pub fn escape_version(v: &str) -> Result<String, ModuleError> {
    unimplemented!()
}
pub fn unescape_path(escaped: &str) -> Result<String, ModuleError> {
    unimplemented!()
}
pub fn unescape_version(escaped: &str) -> Result<String, ModuleError> {
    unimplemented!()
}
pub fn match_prefix_patterns(globs: &str, target: &str) -> bool {
    unimplemented!()
}
pub fn sort(list: &mut [ModVersion]) {
    unimplemented!()
}
pub fn is_pseudo_version(v: &str) -> bool {
    unimplemented!()
}
impl std::fmt::Display for ModVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.path, self.version)
    }
}
