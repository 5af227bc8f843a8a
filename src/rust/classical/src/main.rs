//! `pairbench-classical`: the Rust side of the classical-ML pairs (linfa).
//!
//! Each invocation is one measured launch of one cell, so every launch is a fresh process.

mod regression;

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};
use pairbench_core::cell::Cell;
use pairbench_core::dataset::load_verified;
use pairbench_core::measure::pin_threads;
use pairbench_core::runner::{run_cell, Benchmark, RunOptions};
use serde_json::json;

const LINFA_VERSION: &str = env!("PAIRBENCH_LINFA_VERSION");

#[derive(Parser)]
#[command(
    version,
    about = "Rust (linfa) side of pairbench's classical-ML benchmarks"
)]
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
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Capabilities => {
            let names: Vec<_> = regression::ALGORITHMS.iter().map(|(n, _)| *n).collect();
            let caps = json!({
                "framework": "linfa",
                "version": LINFA_VERSION,
                "binary_version": env!("CARGO_PKG_VERSION"),
                "domains": {"classical_ml": {"regression": names}},
            });
            println!("{}", serde_json::to_string_pretty(&caps)?);
            Ok(())
        }
        Command::Run {
            framework,
            cell,
            data_dir,
            launch,
            out,
            predictions_out,
            samples,
            warmup,
        } => {
            let cell = Cell::read(&cell)?;
            pin_threads(cell.threads);
            if cell.domain != "classical_ml" {
                bail!(
                    "cell {}: domain {:?} is not handled by this binary; allowed: classical_ml",
                    cell.cell_id,
                    cell.domain
                );
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
                    (
                        run_cell(&cell, &manifest, &mut bench, &opts)?,
                        Box::new(bench),
                    )
                }
                other => bail!(
                    "cell {}: task {other:?} not implemented; allowed: regression",
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
