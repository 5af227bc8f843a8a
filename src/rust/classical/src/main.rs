//! `pairbench-classical`: the Rust side of the classical-ML pairs (linfa).
//!
//! Each invocation is one measured launch of one cell, so every launch is a fresh process.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use ndarray::Array1;
use ndarray_npy::ReadNpyExt;
use pairbench_classical::{classification, clustering, regression, svm, LINFA_VERSION};
use pairbench_core::cell::Cell;
use pairbench_core::cli::{RunArgs, Side};
use pairbench_core::dataset::{load_folds, load_verified, Manifest, Split};
use pairbench_core::runner::Benchmark;
use serde_json::json;

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
        #[command(flatten)]
        args: RunArgs,
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
            let mut caps = pairbench_classical::capabilities();
            caps["framework"] = json!("linfa");
            caps["binary_version"] = json!(env!("CARGO_PKG_VERSION"));

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
            ndarray_npy::write_npy(&out, &spec.matrix(records.view()))?;
            Ok(())
        }
        Command::Run {
            args,
            cv_predictions_dir,
        } => {
            let side = Side {
                framework: "linfa",
                version: LINFA_VERSION,
                domain: "classical_ml",
            };
            let cv = cv_predictions_dir.as_deref();
            args.execute(&side, |cell, data_dir| {
                let dir = data_dir.join(&cell.dataset);
                match cell.task.as_str() {
                    "regression" => prepare::<f64, _>(cell, &dir, cv, regression::RegressionBenchmark::new),
                    "classification" => {
                        prepare::<i64, _>(cell, &dir, cv, classification::ClassificationBenchmark::new)
                    }
                    "clustering" => prepare::<i64, _>(cell, &dir, None, clustering::ClusteringBenchmark::new),
                    other => bail!(
                        "cell {}: task {other:?} not implemented; allowed: regression, classification, clustering",
                        cell.cell_id
                    ),
                }
            })
        }
    }
}

/// Load the verified split and build the task's benchmark (untimed). In validation runs with a
/// cross-validation directory, first fit once per fold and save that fold's predictions for the gate:
/// these fits are separate models, and validation runs are never used for timing.
fn prepare<Y, B>(
    cell: &Cell,
    dir: &Path,
    cv_dir: Option<&Path>,
    make: impl Fn(&Cell, Split<Y>) -> Result<B>,
) -> Result<(Box<dyn Benchmark>, Manifest)>
where
    Y: Clone,
    Array1<Y>: ReadNpyExt,
    B: Benchmark + 'static,
{
    let split = load_verified::<Y>(dir)?;
    let manifest = split.manifest.clone();
    let folds = match cv_dir {
        Some(_) => load_folds(dir)?,
        None => None,
    };
    if let (Some(cv_dir), Some(folds)) = (cv_dir, folds) {
        std::fs::create_dir_all(cv_dir)
            .with_context(|| format!("creating {}", cv_dir.display()))?;
        for k in 0..=folds.iter().copied().max().unwrap_or(-1) {
            let mut fold_bench = make(cell, split.fold(&folds, k))?;
            for phase in fold_bench.phases() {
                fold_bench.run_phase(phase)?;
            }
            fold_bench.write_predictions(&cv_dir.join(format!("fold{k}.npy")))?;
        }
    }
    Ok((Box::new(make(cell, split)?), manifest))
}
