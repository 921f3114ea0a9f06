//! Scale Dojo's simulation engine. Pure Rust: no browser, no wall clock, no OS entropy.
pub mod kube;
