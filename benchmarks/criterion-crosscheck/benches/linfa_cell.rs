//! criterion.rs timing of one phase of one pairbench linfa cell: the same `Benchmark::run_phase`
//! call that pairbench's Rust harness times, on the same data files.
//!
//! Environment: `PAIRBENCH_CROSSCHECK_CELL` (cell JSON), `PAIRBENCH_CROSSCHECK_DATA` (materialised
//! datasets), `PAIRBENCH_CROSSCHECK_PHASE` (fit or predict), `PAIRBENCH_CROSSCHECK_ID` (bench id).
//! Run by `benchmarks/crosscheck.py --rust`, pinned to one CPU.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};

fn env(key: &str) -> String {
    std::env::var(key)
        .unwrap_or_else(|_| panic!("environment: {key}: missing; set by crosscheck.py"))
}

fn linfa_cell(c: &mut Criterion) {
    let cell = PathBuf::from(env("PAIRBENCH_CROSSCHECK_CELL"));
    let data = PathBuf::from(env("PAIRBENCH_CROSSCHECK_DATA"));
    let phase = env("PAIRBENCH_CROSSCHECK_PHASE");
    let id = env("PAIRBENCH_CROSSCHECK_ID");
    pairbench_core::measure::pin_threads(1);
    let (_, mut bench) = pairbench_criterion_crosscheck::prepare(&cell, &data)
        .unwrap_or_else(|e| panic!("{}: {e:#}", cell.display()));
    if !bench.phases().contains(&phase.as_str()) {
        panic!(
            "PAIRBENCH_CROSSCHECK_PHASE: {phase:?} not a phase of this cell; allowed: {}",
            bench.phases().join(", ")
        );
    }
    c.bench_function(&id, |b| {
        b.iter(|| bench.run_phase(&phase).expect("run_phase"));
    });
}

criterion_group!(benches, linfa_cell);
criterion_main!(benches);
