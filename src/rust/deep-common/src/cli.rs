//! The command line every deep-learning binary shares (`run`, `capabilities`, `forward`), the
//! same verbs and flags as `pairbench-classical` so the launcher treats all binaries alike.

use std::fs::File;
use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};
use ndarray::Array2;
use ndarray_npy::{ReadNpyExt, WriteNpyExt};
use pairbench_core::cell::Cell;
use pairbench_core::runner::{run_cell, Benchmark, RunOptions};
use serde_json::json;

use crate::bench::{DeepBench, TASKS};
use crate::models::{CNN_MODELS, RNN_MODELS};
use crate::ops::Engine;

#[derive(Parser)]
#[command(version, about = "Rust side of pairbench's deep-learning benchmarks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one launch of one cell and write its result JSON.
    Run {
        /// Which of the cell's sides this process is (its framework name); defaults to this binary's.
        #[arg(long)]
        framework: Option<String>,
        /// Cell spec JSON written by phase 1.
        #[arg(long)]
        cell: PathBuf,
        /// Directory holding <dataset>/manifest.json and _deep/<cell_id>/ (shared initial weights).
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
        /// Override the cell's timed repetitions (one training epoch each).
        #[arg(long)]
        samples: Option<u32>,
        /// Override the cell's warm-up repetitions.
        #[arg(long)]
        warmup: Option<u32>,
    },
    /// Print the models and tasks this binary implements, as JSON.
    Capabilities,
    /// Forward pass (eval mode) of the cell's initial weights on rows of an .npy (N, features),
    /// written as float32 (N, outputs): the cross-framework agreement check in the tests.
    Forward {
        #[arg(long)]
        cell: PathBuf,
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn main<E: Engine>() -> Result<()> {
    match Cli::parse().command {
        Command::Capabilities => {
            let caps = json!({
                "framework": E::NAME,
                "version": E::version(),
                "binary_version": env!("CARGO_PKG_VERSION"),
                "domains": {"deep_learning": {
                    "image_classification": CNN_MODELS,
                    "sequence_classification": RNN_MODELS,
                    "forecasting": RNN_MODELS,
                }},
            });
            println!("{}", serde_json::to_string_pretty(&caps)?);
            Ok(())
        }
        Command::Forward {
            cell,
            data_dir,
            input,
            out,
        } => {
            let cell = Cell::read(&cell)?;
            let (bench, _) = DeepBench::<E>::new(&cell, &data_dir)?;
            let x = Array2::<f64>::read_npy(File::open(&input)?)?;
            let (y, n_out) = bench.forward_rows(&x)?;
            Array2::from_shape_vec((x.nrows(), n_out), y)?.write_npy(File::create(&out)?)?;
            println!("{}", json!({"param_count": bench.param_count()}));
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
            if cell.domain != "deep_learning" {
                bail!(
                    "cell {}: domain {:?} is not handled by this binary; allowed: deep_learning",
                    cell.cell_id,
                    cell.domain
                );
            }
            if !TASKS.contains(&cell.task.as_str()) {
                bail!(
                    "cell {}: task {:?} not implemented; allowed: {}",
                    cell.cell_id,
                    cell.task,
                    TASKS.join(", ")
                );
            }
            let (mut bench, manifest) = DeepBench::<E>::new(&cell, &data_dir)?;
            let name = framework.unwrap_or_else(|| E::NAME.to_string());
            if name != E::NAME {
                bail!("this binary is the {:?} side, not {name:?}", E::NAME);
            }
            let mut framework = cell.framework(&name, &E::version())?;
            if framework.backend.is_empty() {
                framework.backend = bench_backend(&bench);
            }
            let opts = RunOptions {
                launch,
                warmup: warmup.unwrap_or(cell.warmup),
                samples: samples.unwrap_or(cell.samples),
                framework,
            };
            let doc = run_cell(&cell, &manifest, &mut bench, &opts)?;
            if let Some(path) = predictions_out {
                bench.write_predictions(&path)?;
            }
            doc.write(&out)
        }
    }
}

fn bench_backend<E: Engine>(bench: &DeepBench<E>) -> String {
    bench
        .metadata()
        .get("backend")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}
