//! Builds the benchmark of one pairbench cell exactly as the `pairbench-classical` binary does, so a
//! criterion bench can time the same `run_phase` calls on the same verified data files.

use std::path::Path;

use anyhow::{bail, Result};
use pairbench_classical::{classification, clustering, regression};
use pairbench_core::cell::Cell;
use pairbench_core::dataset::load_verified;
use pairbench_core::runner::Benchmark;

/// Reads the cell JSON and its dataset (`data_dir/<dataset>`, checksums verified), builds the
/// benchmark, and runs every phase once so that a later phase (predict) has a fitted model.
pub fn prepare(cell_path: &Path, data_dir: &Path) -> Result<(Cell, Box<dyn Benchmark>)> {
    let cell = Cell::read(cell_path)?;
    let dir = data_dir.join(&cell.dataset);
    let mut bench: Box<dyn Benchmark> = match cell.task.as_str() {
        "regression" => Box::new(regression::RegressionBenchmark::new(
            &cell,
            load_verified::<f64>(&dir)?,
        )?),
        "classification" => Box::new(classification::ClassificationBenchmark::new(
            &cell,
            load_verified::<i64>(&dir)?,
        )?),
        "clustering" => Box::new(clustering::ClusteringBenchmark::new(
            &cell,
            load_verified::<i64>(&dir)?,
        )?),
        other => bail!(
            "{}: task: {other:?} not supported; allowed: regression, classification, clustering",
            cell_path.display()
        ),
    };
    for phase in bench.phases() {
        bench.run_phase(phase)?;
    }
    Ok((cell, bench))
}
