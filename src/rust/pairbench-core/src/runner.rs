//! The measurement protocol shared by every Rust benchmark binary: verify, warm up, time, record.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use serde_json::Value;

use crate::cell::Cell;
use crate::dataset::Manifest;
use crate::measure::{cpu_model, hostname, peak_rss_mb, time_secs, utc_now, CpuMeter};
use crate::schema::{
    DatasetInfo, Framework, PhaseTiming, Resources, ResultDoc, Status, Timing, SCHEMA_VERSION,
};

/// One algorithm on one prepared dataset. Phases run in order in every repetition; only
/// `run_phase` is inside the timed region.
pub trait Benchmark {
    fn phases(&self) -> &'static [&'static str];
    fn run_phase(&mut self, phase: &str) -> Result<()>;
    fn quality(&self) -> Result<BTreeMap<String, Option<f64>>>;
    /// The last test-set predictions, saved in validation runs so the gate can recompute quality.
    fn write_predictions(&self, path: &Path) -> Result<()>;
    fn metadata(&self) -> BTreeMap<String, Value> {
        BTreeMap::new()
    }
    /// Timed runs of `phase` per repetition, each its own sample: a latency phase lasting
    /// microseconds needs many samples for p99, while a training epoch is one sample per repetition.
    fn repeats(&self, _phase: &str) -> u32 {
        1
    }
}

/// A binary that picks its benchmark type at run time (by task) hands the protocol a box.
impl<T: Benchmark + ?Sized> Benchmark for Box<T> {
    fn phases(&self) -> &'static [&'static str] {
        (**self).phases()
    }
    fn run_phase(&mut self, phase: &str) -> Result<()> {
        (**self).run_phase(phase)
    }
    fn quality(&self) -> Result<BTreeMap<String, Option<f64>>> {
        (**self).quality()
    }
    fn write_predictions(&self, path: &Path) -> Result<()> {
        (**self).write_predictions(path)
    }
    fn metadata(&self) -> BTreeMap<String, Value> {
        (**self).metadata()
    }
    fn repeats(&self, phase: &str) -> u32 {
        (**self).repeats(phase)
    }
}

pub struct RunOptions {
    pub launch: u32,
    pub warmup: u32,
    pub samples: u32,
    pub framework: Framework,
}

/// Run warm-up (discarded) then `samples` timed repetitions, and build the result document.
pub fn run_cell(
    cell: &Cell,
    manifest: &Manifest,
    bench: &mut dyn Benchmark,
    opts: &RunOptions,
) -> Result<ResultDoc> {
    let started_at = utc_now();
    for _ in 0..opts.warmup {
        for phase in bench.phases() {
            for _ in 0..bench.repeats(phase) {
                bench.run_phase(phase)?;
            }
        }
    }
    let mut timings: BTreeMap<String, Vec<f64>> = bench
        .phases()
        .iter()
        .map(|p| ((*p).to_string(), Vec::with_capacity(opts.samples as usize)))
        .collect();
    let meter = CpuMeter::start();
    for _ in 0..opts.samples {
        for phase in bench.phases() {
            for _ in 0..bench.repeats(phase) {
                let mut outcome = Ok(());
                let secs = time_secs(|| outcome = bench.run_phase(phase));
                outcome?;
                timings
                    .get_mut(*phase)
                    .expect("phase registered above")
                    .push(secs);
            }
        }
    }
    let cpu_percent = meter.percent();
    let quality = bench.quality()?;

    let mut metadata = bench.metadata();
    metadata.insert("rustc".into(), Value::from(env!("PAIRBENCH_RUSTC_VERSION")));
    metadata.insert(
        "profile".into(),
        Value::from(if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }),
    );
    metadata.insert(
        "target_features".into(),
        Value::from(env!("PAIRBENCH_TARGET_FEATURES")),
    );
    let thread_env: BTreeMap<String, Value> = std::env::vars()
        .filter(|(k, _)| k.ends_with("_THREADS"))
        .map(|(k, v)| (k, Value::from(v)))
        .collect();
    metadata.insert("thread_env".into(), serde_json::to_value(thread_env)?);
    metadata.insert(
        "argv".into(),
        serde_json::to_value(std::env::args().collect::<Vec<_>>())?,
    );

    Ok(ResultDoc {
        schema_version: SCHEMA_VERSION.into(),
        run_id: cell.run_id.clone(),
        cell_id: cell.cell_id.clone(),
        launch: opts.launch,
        language: "rust".into(),
        framework: opts.framework.clone(),
        domain: cell.domain.clone(),
        task: cell.task.clone(),
        algorithm: cell.algorithm.clone(),
        dataset: DatasetInfo {
            name: cell.dataset.clone(),
            n_train: manifest.n_train,
            n_test: manifest.n_test,
            n_features: manifest.n_features,
            sha256: manifest.sha256.clone(),
        },
        params: cell.params.clone(),
        seed: cell.seed,
        dtype: cell.dtype.clone(),
        threads: cell.threads,
        quality,
        timing: Timing {
            phases: timings
                .into_iter()
                .map(|(p, samples)| {
                    (
                        p,
                        PhaseTiming {
                            unit: "s".into(),
                            warmup: opts.warmup,
                            samples,
                        },
                    )
                })
                .collect(),
        },
        resources: Resources {
            peak_rss_mb: Some((peak_rss_mb() * 1000.0).round() / 1000.0),
            cpu_percent: Some((cpu_percent * 100.0).round() / 100.0),
        },
        status: Status::Ok,
        error: None,
        started_at,
        finished_at: utc_now(),
        host: hostname(),
        cpu_model: Some(cpu_model()),
        metadata,
    })
}
