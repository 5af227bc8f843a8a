//! Shared building blocks of pairbench's Rust benchmark binaries.
//!
//! Layers mirror the Python package: `cell` (what to run), `dataset` (verified bytes in),
//! `measure` (timer, peak RSS, CPU), `runner` (warm-up + timed repetitions of any [`runner::Benchmark`]),
//! `schema` (the result document, serialised to `schemas/result.schema.json`).

pub mod cell;
pub mod cli;
pub mod dataset;
pub mod measure;
pub mod metrics;
pub mod runner;
pub mod schema;
