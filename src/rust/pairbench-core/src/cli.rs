//! The `run` verb every benchmark binary shares, so the launcher treats all binaries alike and each
//! binary only says how to build its [`Benchmark`] for a cell.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use crate::cell::Cell;
use crate::dataset::Manifest;
use crate::measure::pin_threads;
use crate::runner::{run_cell, Benchmark, RunOptions};

/// Arguments of `<binary> run`: one launch of one side of one cell.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Which of the cell's sides this process is (its framework name); defaults to this binary's.
    #[arg(long)]
    pub framework: Option<String>,
    /// Cell spec JSON written by phase 1.
    #[arg(long)]
    pub cell: PathBuf,
    /// Directory holding <dataset>/manifest.json and the .npy files (and any per-cell shared start).
    #[arg(long)]
    pub data_dir: PathBuf,
    /// Launch index (1-based), recorded in the result.
    #[arg(long, default_value_t = 1)]
    pub launch: u32,
    /// Result JSON to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Also save the last test predictions (.npy) for the quality gate.
    #[arg(long)]
    pub predictions_out: Option<PathBuf>,
    /// Override the cell's timed repetitions.
    #[arg(long)]
    pub samples: Option<u32>,
    /// Override the cell's warm-up repetitions.
    #[arg(long)]
    pub warmup: Option<u32>,
}

/// What a binary is: the framework it implements, at which version, for which domain.
pub struct Side<'a> {
    pub framework: &'a str,
    pub version: &'a str,
    pub domain: &'a str,
}

impl RunArgs {
    /// Read the cell, pin threads, check that it is this binary's, build the benchmark with `prepare`
    /// (untimed: data loading and checksum verification happen there), run the protocol, write the result.
    pub fn execute<B, F>(self, side: &Side, prepare: F) -> Result<()>
    where
        B: Benchmark,
        F: FnOnce(&Cell, &Path) -> Result<(B, Manifest)>,
    {
        let cell = Cell::read(&self.cell)?;
        pin_threads(cell.threads);
        if cell.domain != side.domain {
            bail!(
                "cell {}: domain {:?} is not handled by this binary; allowed: {}",
                cell.cell_id,
                cell.domain,
                side.domain
            );
        }
        let name = self.framework.unwrap_or_else(|| side.framework.to_string());
        if name != side.framework {
            bail!("this binary is the {:?} side, not {name:?}", side.framework);
        }
        let (mut bench, manifest) = prepare(&cell, &self.data_dir)?;
        let mut framework = cell.framework(&name, side.version)?;
        if framework.backend.is_empty() {
            if let Some(backend) = bench.metadata().get("backend").and_then(|v| v.as_str()) {
                framework.backend = backend.to_string();
            }
        }
        let opts = RunOptions {
            launch: self.launch,
            warmup: self.warmup.unwrap_or(cell.warmup),
            samples: self.samples.unwrap_or(cell.samples),
            framework,
        };
        let doc = run_cell(&cell, &manifest, &mut bench, &opts)?;
        if let Some(path) = &self.predictions_out {
            bench.write_predictions(path)?;
        }
        doc.write(&self.out)
    }
}
