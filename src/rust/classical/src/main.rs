//! `pairbench-classical`: the Rust side of the classical-ML pairs (linfa).
//!
//! Each invocation is one measured launch of one cell, so every launch is a fresh process.

mod classification;
mod clustering;
mod regression;
mod svm;

use std::path::PathBuf;

use std::path::Path;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use ndarray::Array1;
use ndarray_npy::ReadNpyExt;
use pairbench_core::cell::Cell;
use pairbench_core::dataset::{load_folds, load_verified, Split};
use pairbench_core::measure::pin_threads;
use pairbench_core::runner::{run_cell, Benchmark, RunOptions};
use pairbench_core::schema::ResultDoc;
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
        /// Also fit once per cross-validation fold and save each fold's predictions here (foldK.npy).
        #[arg(long)]
        cv_predictions_dir: Option<PathBuf>,
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
        Command::KernelMatrix {
            x,
            kernel,
            gamma,
            degree,
            coef0,
            out,
        } => {
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
        Command::Run {
            framework,
            cell,
            data_dir,
            launch,
            out,
            predictions_out,
            samples,
            warmup,
            cv_predictions_dir,
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
            let cv = cv_predictions_dir.as_deref();
            let doc = match cell.task.as_str() {
                "regression" => run_task::<f64, _>(&cell, &dir, &opts, predictions_out.as_deref(), cv, |c, s| {
                    regression::RegressionBenchmark::new(c, s)
                })?,
                "classification" => run_task::<i64, _>(&cell, &dir, &opts, predictions_out.as_deref(), cv, |c, s| {
                    classification::ClassificationBenchmark::new(c, s)
                })?,
                "clustering" => run_task::<i64, _>(&cell, &dir, &opts, predictions_out.as_deref(), None, |c, s| {
                    clustering::ClusteringBenchmark::new(c, s)
                })?,
                other => bail!(
                    "cell {}: task {other:?} not implemented; allowed: regression, classification, clustering",
                    cell.cell_id
                ),
            };
            doc.write(&out)
        }
    }
}

/// One launch of one cell: the timed run, its predictions, and (in validation runs) one untimed fit per
/// cross-validation fold whose predictions the quality gate scores.
fn run_task<Y, B>(
    cell: &Cell,
    dir: &Path,
    opts: &RunOptions,
    predictions_out: Option<&Path>,
    cv_dir: Option<&Path>,
    make: impl Fn(&Cell, Split<Y>) -> Result<B>,
) -> Result<ResultDoc>
where
    Y: Clone,
    Array1<Y>: ReadNpyExt,
    B: Benchmark,
{
    let split = load_verified::<Y>(dir)?;
    let manifest = split.manifest.clone();
    let folds = match cv_dir {
        Some(_) => load_folds(dir)?,
        None => None,
    };
    let fold_splits: Vec<Split<Y>> = match &folds {
        Some(f) => (0..=f.iter().copied().max().unwrap_or(-1))
            .map(|k| split.fold(f, k))
            .collect(),
        None => Vec::new(),
    };
    let mut bench = make(cell, split)?;
    let doc = run_cell(cell, &manifest, &mut bench, opts)?;
    if let Some(path) = predictions_out {
        bench.write_predictions(path)?;
    }
    if let Some(cv_dir) = cv_dir {
        std::fs::create_dir_all(cv_dir)
            .with_context(|| format!("creating {}", cv_dir.display()))?;
        for (k, fold) in fold_splits.into_iter().enumerate() {
            let mut fold_bench = make(cell, fold)?;
            for phase in fold_bench.phases() {
                fold_bench.run_phase(phase)?;
            }
            fold_bench.write_predictions(&cv_dir.join(format!("fold{k}.npy")))?;
        }
    }
    Ok(doc)
}
