//! `pairbench-calibration`: the Rust side of the calibration kernel (the Python twin is
//! `pairbench.tasks.calibration.spin`). A fixed number of steps of a 31-bit linear congruential
//! generator per call, in the Rust harness: no allocation or I/O, so its cost is steps x a constant. In
//! an A/A run the second arm (`PAIRBENCH_ARM=b`) spins `effect` times as many steps, the known effect
//! the verdicts must find.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};
use ndarray::Array1;
use pairbench_core::cell::{require_params, Cell};
use pairbench_core::cli::{RunArgs, Side};
use pairbench_core::dataset::{load_verified, Split};
use pairbench_core::runner::Benchmark;
use serde_json::{json, Value};

/// The recurrence, as `pairbench.datasets.calibration` (the constants of C's `rand()`).
const LCG_MULTIPLIER: u64 = 1_103_515_245;
const LCG_INCREMENT: u64 = 12_345;
const LCG_MASK: u64 = 0x7FFF_FFFF;
/// Steps from every test start whose end states the quality gate checks against Python's.
const GATE_STEPS: u64 = 1000;
const SECOND_ARM: &str = "b";

#[derive(Parser)]
#[command(version, about = "Rust side of pairbench's calibration kernel")]
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
    },
    /// Print the tasks this binary implements, as JSON.
    Capabilities,
}

fn spin(mut x: u64, steps: u64) -> u64 {
    for _ in 0..steps {
        x = (x.wrapping_mul(LCG_MULTIPLIER).wrapping_add(LCG_INCREMENT)) & LCG_MASK;
    }
    x
}

/// Steps per call of one arm: `steps`, or round(steps x effect) for an A/A run's second arm.
fn arm_steps(steps: u64, effect: f64, arm: Option<&str>) -> u64 {
    if arm == Some(SECOND_ARM) {
        (steps as f64 * effect).round() as u64
    } else {
        steps
    }
}

struct SpinBench {
    steps: u64,
    state: u64,
    starts: Vec<u64>,
}

impl Benchmark for SpinBench {
    fn phases(&self) -> &'static [&'static str] {
        &["spin"]
    }
    fn run_phase(&mut self, _phase: &str) -> Result<()> {
        // black_box: the loop's result must not be computed once and reused, nor the loop removed.
        self.state = std::hint::black_box(spin(std::hint::black_box(self.state), self.steps));
        Ok(())
    }
    fn quality(&self) -> Result<BTreeMap<String, Option<f64>>> {
        Ok(BTreeMap::new())
    }
    fn write_predictions(&self, path: &Path) -> Result<()> {
        let ends: Array1<f64> = self
            .starts
            .iter()
            .map(|s| spin(*s, GATE_STEPS) as f64)
            .collect();
        ndarray_npy::write_npy(path, &ends)?;
        Ok(())
    }
    fn metadata(&self) -> BTreeMap<String, Value> {
        BTreeMap::from([
            ("steps_per_call".to_string(), json!(self.steps)),
            ("items_per_call".to_string(), json!({"spin": self.steps})),
        ])
    }
}

fn prepare(cell: &Cell, data_dir: &Path) -> Result<(SpinBench, pairbench_core::dataset::Manifest)> {
    if cell.task != "known_effect" {
        bail!(
            "cell {}: task {:?} not implemented; allowed: known_effect",
            cell.cell_id,
            cell.task
        );
    }
    require_params(cell, &["rust_steps", "effect"])?;
    let split: Split<f64> = load_verified(&data_dir.join(&cell.dataset))?;
    let steps = arm_steps(
        cell.param_u32("rust_steps").map(u64::from)?,
        cell.param_f64("effect")?,
        std::env::var("PAIRBENCH_ARM").ok().as_deref(),
    );
    let bench = SpinBench {
        steps,
        state: split.x_train[[0, 0]] as u64,
        starts: split.x_test.column(0).iter().map(|v| *v as u64).collect(),
    };
    Ok((bench, split.manifest))
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Capabilities => {
            let caps = json!({
                "framework": "kernel-rust",
                "binary_version": env!("CARGO_PKG_VERSION"),
                "domains": {"calibration": {"known_effect": ["spin"]}},
            });
            println!("{}", serde_json::to_string_pretty(&caps)?);
            Ok(())
        }
        Command::Run { args } => {
            let side = Side {
                framework: "kernel-rust",
                version: env!("CARGO_PKG_VERSION"),
                domain: "calibration",
            };
            args.execute(&side, prepare)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recurrence_matches_pythons_first_steps() {
        // (12345 * 1103515245 + 12345) & 0x7fffffff, by hand: 1406932606; then the next step.
        assert_eq!(spin(12_345, 1), 1_406_932_606);
        assert_eq!(spin(12_345, 2), spin(1_406_932_606, 1));
        assert_eq!(arm_steps(1000, 1.1, Some("b")), 1100);
        assert_eq!(arm_steps(1000, 1.1, Some("a")), 1000);
        assert_eq!(arm_steps(1000, 1.1, None), 1000);
    }
}
