//! Shared test helpers.
#![allow(dead_code)]

pub mod cmd;
pub mod conformance;
pub mod go;
pub mod proxy;
