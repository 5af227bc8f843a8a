//! `pairbench-classical`: the Rust side of the classical-ML pairs (linfa).
//!
//! Each invocation is one measured launch of one cell, so every launch is a fresh process.

mod classification;
mod clustering;
mod regression;
mod svm;

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};
use pairbench_core::cell::Cell;
use pairbench_core::dataset::load_verified;
use pairbench_core::runner::{run_cell, Benchmark, RunOptions};
use serde_json::json;

const LINFA_VERSION: &str = env!("PAIRBENCH_LINFA_VERSION");

#[derive(Parser)]
#[command(version, about = "Rust (linfa) side of pairbench's classical-ML benchmarks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one launch of one cell and write its result JSON.
    Run {
        /// Which of the cell's sides this process is (its framework name).
        #[arg(long, default_value = "linfa")]
        framework: String,
        /// Cell spec JSON written by phase 1.
        #[arg(long)]
        cell: PathBuf,
        /// Directory holding <dataset>/manifest.json and the .npy files.
        #[arg(long)]
        data_dir: PathBuf,
        /// Launch index (1-based), recorded in the result.
        #[arg(long, default_value_t = 1)]
        launch: u32,
        /// Result JSON to write.
        #[arg(long)]
        out: PathBuf,
        /// Also save the last test predictions (.npy) for the quality gate.
        #[arg(long)]
        predictions_out: Option<PathBuf>,
        /// Override the cell's timed repetitions.
        #[arg(long)]
        samples: Option<u32>,
        /// Override the cell's warm-up repetitions.
        #[arg(long)]
        warmup: Option<u32>,
    },
    /// Print the algorithms this binary implements, as JSON.
    Capabilities,
    /// Write the kernel matrix K(X, X) linfa's SVMs are trained on, for the parameter-mapping test.
    KernelMatrix {
        /// Records (.npy, float64, n x d).
        #[arg(long)]
        x: PathBuf,
        /// linear, rbf or poly (scikit-learn's names).
        #[arg(long)]
        kernel: String,
        #[arg(long, default_value_t = 1.0)]
        gamma: f64,
        #[arg(long, default_value_t = 3.0)]
        degree: f64,
        #[arg(long, default_value_t = 0.0)]
        coef0: f64,
        /// Output .npy.
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Capabilities => {
            let caps = json!({
                "framework": "linfa",
                "version": LINFA_VERSION,
                "binary_version": env!("CARGO_PKG_VERSION"),
                "domains": {"classical_ml": {
                    "regression": regression::ALGORITHMS.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
                    "classification": classification::ALGORITHMS.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
                    "clustering": clustering::ALGORITHMS.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
                }},
                "unavailable": {"classical_ml": {"clustering": {
                    "gaussian_mixture": "covariance_type diag, tied, spherical (linfa-clustering 0.8.1 has full only)"
                }}},
            });

            println!("{}", serde_json::to_string_pretty(&caps)?);
            Ok(())
        }
        Command::KernelMatrix { x, kernel, gamma, degree, coef0, out } => {
            let records: ndarray::Array2<f64> = ndarray_npy::read_npy(&x)?;
            let lookup = |k: &str| -> Result<f64> {
                match k {
                    "gamma" => Ok(gamma),
                    "degree" => Ok(degree),
                    "coef0" => Ok(coef0),
                    other => bail!("no kernel parameter {other:?}"),
                }
            };
            let spec = svm::KernelSpec::new(&kernel, &lookup)?;
            ndarray_npy::write_npy(&out, &spec.matrix(&records))?;
            Ok(())
        }
        Command::Run { framework, cell, data_dir, launch, out, predictions_out, samples, warmup } => {
            let cell = Cell::read(&cell)?;
            if cell.domain != "classical_ml" {
                bail!("cell {}: domain {:?} is not handled by this binary; allowed: classical_ml", cell.cell_id, cell.domain);
            }
            let opts = RunOptions {
                launch,
                warmup: warmup.unwrap_or(cell.warmup),
                samples: samples.unwrap_or(cell.samples),
                framework: cell.framework(&framework, LINFA_VERSION)?,
            };
            let dir = data_dir.join(&cell.dataset);
            let (doc, bench): (_, Box<dyn Benchmark>) = match cell.task.as_str() {
                "regression" => {
                    let split = load_verified::<f64>(&dir)?;
                    let manifest = split.manifest.clone();
                    let mut bench = regression::RegressionBenchmark::new(&cell, split)?;
                    (run_cell(&cell, &manifest, &mut bench, &opts)?, Box::new(bench))
                }
                "classification" => {
                    let split = load_verified::<i64>(&dir)?;
                    let manifest = split.manifest.clone();
                    let mut bench = classification::ClassificationBenchmark::new(&cell, split)?;
                    (run_cell(&cell, &manifest, &mut bench, &opts)?, Box::new(bench))
                }
                "clustering" => {
                    let split = load_verified::<i64>(&dir)?;
                    let manifest = split.manifest.clone();
                    let mut bench = clustering::ClusteringBenchmark::new(&cell, split)?;
                    (run_cell(&cell, &manifest, &mut bench, &opts)?, Box::new(bench))
                }
                other => bail!(
                    "cell {}: task {other:?} not implemented; allowed: regression, classification, clustering",
                    cell.cell_id
                ),
            };
            if let Some(path) = predictions_out {
                bench.write_predictions(&path)?;
            }
            doc.write(&out)
        }
    }
}
