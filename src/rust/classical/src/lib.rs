//! The linfa side of the classical-ML pairs, as a library: the `pairbench-classical` binary and the
//! `linfa_py` extension module (src/rust/linfa-py) call these same functions, so the native and the
//! Python-bound linfa run one implementation of every algorithm.

pub mod classification;
pub mod clustering;
pub mod regression;
pub mod svm;

use serde_json::{json, Value};

/// The linfa version resolved in Cargo.lock (embedded by build.rs).
pub const LINFA_VERSION: &str = env!("PAIRBENCH_LINFA_VERSION");

/// The algorithms implemented here and the variants linfa lacks, as JSON (the `capabilities` verb).
pub fn capabilities() -> Value {
    json!({
        "version": LINFA_VERSION,
        "domains": {"classical_ml": {
            "regression": regression::ALGORITHMS.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            "classification": classification::ALGORITHMS.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            "clustering": clustering::ALGORITHMS.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        }},
        "unavailable": {"classical_ml": {"clustering": {
            "gaussian_mixture": "covariance_type diag, tied, spherical (linfa-clustering 0.8.1 has full only)"
        }}},
    })
}
