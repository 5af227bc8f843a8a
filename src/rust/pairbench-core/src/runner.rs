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
    /// True when a phase changes the benchmark's state (a training epoch): the protocol then keeps
    /// the per-repetition order with exactly `warmup` repetitions and no batching.
    fn stateful(&self) -> bool {
        false
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
    fn stateful(&self) -> bool {
        (**self).stateful()
    }
}

pub struct RunOptions {
    pub launch: u32,
    pub warmup: u32,
    pub samples: u32,
    pub framework: Framework,
}

/// Warm-up: at least this long (seconds) when the cell asks for any warm-up (pyperf: 100 ms).
pub const WARMUP_MIN_S: f64 = 0.1;
/// Warm-up: at most this many calls per phase.
pub const WARMUP_MAX: u32 = 1000;
/// Warm-up ends early once it has run this long (after at least one call): a long call has paid its
/// one-off costs.
pub const WARMUP_MAX_S: f64 = 1.0;
/// A phase stops taking samples once they add up to this and it has `MIN_SAMPLES` repetitions
/// (criterion's measurement time); only calls of a second or more reach it.
pub const PHASE_BUDGET_S: f64 = 10.0;
pub const MIN_SAMPLES: u32 = 5;
/// A sample shorter than this is dominated by timer and scheduling jitter (`Instant` costs ~20 ns).
pub const SAMPLE_FLOOR_S: f64 = 20e-6;
pub const MAX_BATCH: u32 = 10_000;

/// One phase's measurement: warm-up calls and seconds, calls per sample, seconds per call.
pub struct PhaseRun {
    pub warmup: u32,
    pub warmup_s: f64,
    pub batch: u32,
    pub samples: Vec<f64>,
}

/// Calls per sample so that one sample lasts at least `floor_s` (1 when a call already does).
pub fn batch_size(per_call_s: f64, floor_s: f64) -> u32 {
    if per_call_s.is_nan() || per_call_s <= 0.0 {
        return MAX_BATCH;
    }
    ((floor_s / per_call_s).ceil() as u32).clamp(1, MAX_BATCH)
}

fn timed(bench: &mut dyn Benchmark, phase: &str, calls: u32) -> Result<f64> {
    let mut outcome = Ok(());
    let secs = time_secs(|| {
        for _ in 0..calls {
            outcome = bench.run_phase(phase);
            if outcome.is_err() {
                break;
            }
        }
    });
    outcome.map(|()| secs)
}

/// The protocol of harness/protocol.py for one phase, phase-major: time-based warm-up with a cap,
/// then up to `samples * repeats` samples of `batch` calls each (batch 1 for latency phases), fewer
/// repetitions (never under `MIN_SAMPLES`) once the samples add up to `budget_s`.
pub fn run_phase_protocol(
    bench: &mut dyn Benchmark,
    phase: &str,
    warmup: u32,
    samples: u32,
    floor_s: f64,
    budget_s: f64,
) -> Result<PhaseRun> {
    let repeats = bench.repeats(phase);
    let (mut done, mut spent) = (0u32, 0.0f64);
    let mut recent: Vec<f64> = Vec::with_capacity(10);
    while (done < warmup || (warmup > 0 && spent < WARMUP_MIN_S && done < WARMUP_MAX))
        && !(done > 0 && spent >= WARMUP_MAX_S)
    {
        let secs = timed(bench, phase, 1)?;
        if recent.len() == 10 {
            recent.remove(0);
        }
        recent.push(secs);
        spent += secs;
        done += 1;
    }
    let adaptive = repeats == 1;
    let mut out = Vec::with_capacity((samples * repeats) as usize);
    let (mut measured, least) = (0.0f64, samples.min(MIN_SAMPLES));
    if adaptive && recent.is_empty() && samples > 0 {
        // No warm-up asked for: the first call sizes the batch. It is the first sample when it lasts
        // the floor (warm-up 0 asks for the cold call); else it is discarded.
        let first = timed(bench, phase, 1)?;
        recent.push(first);
        if first >= floor_s {
            out.push(first);
            measured = first;
        }
    }
    // The median of the last (up to 10) warm-up calls: one preempted call must not size the batch.
    recent.sort_by(f64::total_cmp);
    let batch = if adaptive && !recent.is_empty() {
        batch_size(recent[recent.len() / 2], floor_s)
    } else {
        1
    };
    for rep in out.len() as u32..samples {
        if rep >= least && measured >= budget_s {
            break;
        }
        for _ in 0..repeats {
            let secs = timed(bench, phase, batch)?;
            measured += secs;
            out.push(secs / f64::from(batch));
        }
    }
    Ok(PhaseRun {
        warmup: done,
        warmup_s: (spent * 1e6).round() / 1e6,
        batch,
        samples: out,
    })
}

/// Every phase: phase-major, or per repetition for a stateful benchmark (see `Benchmark::stateful`).
pub fn run_protocol(
    bench: &mut dyn Benchmark,
    warmup: u32,
    samples: u32,
) -> Result<(&'static str, BTreeMap<String, PhaseRun>)> {
    let phases = bench.phases();
    let mut runs = BTreeMap::new();
    if !bench.stateful() {
        for phase in phases {
            let run = run_phase_protocol(
                bench,
                phase,
                warmup,
                samples,
                SAMPLE_FLOOR_S,
                PHASE_BUDGET_S,
            )?;
            runs.insert((*phase).to_string(), run);
        }
        return Ok(("phase-major", runs));
    }
    for phase in phases {
        runs.insert(
            (*phase).to_string(),
            PhaseRun {
                warmup,
                warmup_s: 0.0,
                batch: 1,
                samples: Vec::with_capacity(samples as usize),
            },
        );
    }
    for rep in 0..warmup + samples {
        for phase in phases {
            for _ in 0..bench.repeats(phase) {
                let secs = timed(bench, phase, 1)?;
                let run = runs.get_mut(*phase).expect("phase registered above");
                if rep < warmup {
                    run.warmup_s += secs;
                } else {
                    run.samples.push(secs);
                }
            }
        }
    }
    Ok(("per-repetition", runs))
}

/// Warm up and time every phase (see `run_protocol`), and build the result document.
pub fn run_cell(
    cell: &Cell,
    manifest: &Manifest,
    bench: &mut dyn Benchmark,
    opts: &RunOptions,
) -> Result<ResultDoc> {
    let started_at = utc_now();
    let meter = CpuMeter::start();
    let (order, runs) = run_protocol(bench, opts.warmup, opts.samples)?;
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
        "protocol".into(),
        serde_json::json!({
            "order": order,
            "warmup_min": opts.warmup,
            "warmup_min_s": WARMUP_MIN_S,
            "warmup_max": WARMUP_MAX,
            "warmup_max_s": WARMUP_MAX_S,
            "sample_floor_s": SAMPLE_FLOOR_S,
            "samples_requested": opts.samples,
            "phase_budget_s": PHASE_BUDGET_S,
            "min_samples": MIN_SAMPLES,
            "cpu_percent_covers": "warm-up and timed calls",
        }),
    );
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
            phases: runs
                .into_iter()
                .map(|(p, run)| {
                    (
                        p,
                        PhaseTiming {
                            unit: "s".into(),
                            warmup: run.warmup,
                            samples: run.samples,
                            batch: Some(run.batch),
                            warmup_s: Some((run.warmup_s * 1e6).round() / 1e6),
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

#[cfg(test)]
mod tests {
    use super::*;

    struct Tiny {
        stateful: bool,
        log: Vec<String>,
    }

    impl Benchmark for Tiny {
        fn phases(&self) -> &'static [&'static str] {
            &["fit", "infer"]
        }
        fn run_phase(&mut self, phase: &str) -> Result<()> {
            self.log.push(phase.to_string());
            std::hint::black_box((0..50u64).sum::<u64>());
            Ok(())
        }
        fn quality(&self) -> Result<BTreeMap<String, Option<f64>>> {
            Ok(BTreeMap::new())
        }
        fn write_predictions(&self, _path: &Path) -> Result<()> {
            Ok(())
        }
        fn repeats(&self, phase: &str) -> u32 {
            if phase == "infer" {
                3
            } else {
                1
            }
        }
        fn stateful(&self) -> bool {
            self.stateful
        }
    }

    #[test]
    fn sub_floor_calls_are_batched_and_divided_back() {
        let mut t = Tiny {
            stateful: false,
            log: Vec::new(),
        };
        let (order, runs) = run_protocol(&mut t, 1, 4).unwrap();
        assert_eq!(order, "phase-major");
        let fit = &runs["fit"];
        assert!(fit.batch > 1, "a ~50 ns call must be batched");
        assert_eq!(fit.samples.len(), 4);
        assert!(fit.samples.iter().all(|s| *s < SAMPLE_FLOOR_S));
        // time-based warm-up: at least 0.1 s or the cap
        assert!(fit.warmup_s >= WARMUP_MIN_S || fit.warmup == WARMUP_MAX);
        // latency phase: one call per sample, repeats samples per repetition
        assert_eq!(runs["infer"].batch, 1);
        assert_eq!(runs["infer"].samples.len(), 12);
    }

    #[test]
    fn stateful_benchmarks_keep_the_per_repetition_order() {
        let mut t = Tiny {
            stateful: true,
            log: Vec::new(),
        };
        let (order, runs) = run_protocol(&mut t, 1, 2).unwrap();
        assert_eq!(order, "per-repetition");
        assert_eq!(t.log.len(), 3 * 4);
        assert_eq!(&t.log[..4], &["fit", "infer", "infer", "infer"]);
        assert_eq!(runs["fit"].warmup, 1);
        assert_eq!(runs["fit"].samples.len(), 2);
        assert_eq!(runs["infer"].samples.len(), 6);
    }

    /// Sleeps `ms` per call: the budget is real time in Rust (no clock injection), so the test scales
    /// the budget down instead.
    struct Sleepy {
        ms: u64,
        calls: u32,
    }

    impl Benchmark for Sleepy {
        fn phases(&self) -> &'static [&'static str] {
            &["fit"]
        }
        fn run_phase(&mut self, _phase: &str) -> Result<()> {
            self.calls += 1;
            std::thread::sleep(std::time::Duration::from_millis(self.ms));
            Ok(())
        }
        fn quality(&self) -> Result<BTreeMap<String, Option<f64>>> {
            Ok(BTreeMap::new())
        }
        fn write_predictions(&self, _path: &Path) -> Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_time_budget_stops_long_calls_at_min_samples() {
        // 30 ms calls against a 50 ms budget: MIN_SAMPLES samples, not the 10 asked for.
        let mut s = Sleepy { ms: 30, calls: 0 };
        let run = run_phase_protocol(&mut s, "fit", 3, 10, SAMPLE_FLOOR_S, 0.05).unwrap();
        assert_eq!(run.samples.len(), MIN_SAMPLES as usize);
        // 30 ms calls stay under WARMUP_MAX_S: every requested warm-up, and on to WARMUP_MIN_S
        assert!(run.warmup >= 3 && run.warmup_s >= WARMUP_MIN_S);
        // under the budget: every sample
        let mut s = Sleepy { ms: 1, calls: 0 };
        let run = run_phase_protocol(&mut s, "fit", 1, 10, SAMPLE_FLOOR_S, 10.0).unwrap();
        assert_eq!(run.samples.len(), 10);
        // no warm-up: a first call over the floor is the first sample, not a discarded probe
        let mut s = Sleepy { ms: 1, calls: 0 };
        let run = run_phase_protocol(&mut s, "fit", 0, 1, SAMPLE_FLOOR_S, 10.0).unwrap();
        assert_eq!((run.warmup, run.samples.len(), s.calls), (0, 1, 1));
    }

    #[test]
    fn batch_size_reaches_the_floor() {
        assert_eq!(batch_size(1e-3, 20e-6), 1);
        assert_eq!(batch_size(5e-6, 20e-6), 4);
        assert_eq!(batch_size(0.0, 20e-6), MAX_BATCH);
    }
}
