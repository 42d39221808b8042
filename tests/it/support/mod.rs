//! Shared test helpers.
#![allow(dead_code)]

pub mod cmd;
pub mod conformance;
pub mod fixture;
pub mod go;
pub mod proxy;
pub mod serve;
pub mod tls;
