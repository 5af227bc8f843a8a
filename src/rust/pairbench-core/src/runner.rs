//! The measurement protocol shared by every Rust benchmark binary: verify, warm up, time, record.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use serde_json::Value;

use crate::cell::{Cell, Protocol};
use crate::dataset::Manifest;
use crate::measure::{
    cpu_model, hostname, peak_rss_mb, process_cpu_ns, time_secs, utc_now, CpuMeter,
};
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
    /// Untimed preparation before each timed batch of `calls` calls of `phase` (and before each call
    /// of a stateful benchmark), as Python's `prepare_phase`: e.g. a fresh KV cache for a generation,
    /// so that both sides time the same work.
    fn prepare_phase(&mut self, _phase: &str, _calls: u32) -> Result<()> {
        Ok(())
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
    fn prepare_phase(&mut self, phase: &str, calls: u32) -> Result<()> {
        (**self).prepare_phase(phase, calls)
    }
}

pub struct RunOptions {
    pub launch: u32,
    pub warmup: u32,
    pub samples: u32,
    pub framework: Framework,
}

/// One phase's measurement: warm-up calls and seconds, calls per sample, seconds per call, and CPU
/// seconds per call (one per sample).
pub struct PhaseRun {
    pub warmup: u32,
    pub warmup_s: f64,
    pub batch: u32,
    pub samples: Vec<f64>,
    pub cpu_samples: Vec<f64>,
}

/// Calls per sample so that one sample lasts at least the floor (1 when a call already does).
pub fn batch_size(per_call_s: f64, protocol: &Protocol) -> u32 {
    if per_call_s.is_nan() || per_call_s <= 0.0 {
        return protocol.max_batch;
    }
    ((protocol.sample_floor_s / per_call_s).ceil() as u32).clamp(1, protocol.max_batch)
}

/// Whether the warm-up takes another call after `done` calls that took `spent_s` in all.
pub fn warmup_continues(done: u32, spent_s: f64, warmup: u32, protocol: &Protocol) -> bool {
    if done > 0 && spent_s >= protocol.warmup_max_s {
        return false;
    }
    done < warmup
        || (warmup > 0 && spent_s < protocol.warmup_min_s && done < protocol.warmup_max_calls)
}

/// Whether a phase takes another repetition after `repetitions` that measured `measured_s`.
pub fn sampling_continues(
    repetitions: u32,
    measured_s: f64,
    samples: u32,
    protocol: &Protocol,
) -> bool {
    if repetitions >= samples {
        return false;
    }
    repetitions < samples.min(protocol.min_samples) || measured_s < protocol.phase_budget_s
}

/// `calls` calls of `phase` after its untimed preparation: (wall seconds, CPU seconds). The CPU clock
/// is read just outside the wall-clock reads, so the wall interval holds only the calls.
fn timed(bench: &mut dyn Benchmark, phase: &str, calls: u32) -> Result<(f64, f64)> {
    bench.prepare_phase(phase, calls)?;
    let mut outcome = Ok(());
    let cpu0 = process_cpu_ns();
    let secs = time_secs(|| {
        for _ in 0..calls {
            outcome = bench.run_phase(phase);
            if outcome.is_err() {
                break;
            }
        }
    });
    let cpu = process_cpu_ns().saturating_sub(cpu0) as f64 / 1e9;
    outcome.map(|()| (secs, cpu))
}

/// The protocol of harness/protocol.py for one phase, phase-major: time-based warm-up with a cap,
/// then up to `samples * repeats` samples of `batch` calls each (batch 1 for latency phases), fewer
/// repetitions (never under `min_samples`) once the samples add up to the phase budget.
pub fn run_phase_protocol(
    bench: &mut dyn Benchmark,
    phase: &str,
    warmup: u32,
    samples: u32,
    protocol: &Protocol,
) -> Result<PhaseRun> {
    let repeats = bench.repeats(phase);
    let (mut done, mut spent) = (0u32, 0.0f64);
    let mut recent: Vec<f64> = Vec::with_capacity(10);
    while warmup_continues(done, spent, warmup, protocol) {
        let (secs, _) = timed(bench, phase, 1)?;
        if recent.len() == 10 {
            recent.remove(0);
        }
        recent.push(secs);
        spent += secs;
        done += 1;
    }
    let adaptive = repeats == 1;
    let mut out = Vec::with_capacity((samples * repeats) as usize);
    let mut cpu = Vec::with_capacity((samples * repeats) as usize);
    let mut measured = 0.0f64;
    if adaptive && recent.is_empty() && samples > 0 {
        // No warm-up asked for: the first call sizes the batch. It is the first sample when it lasts
        // the floor (warm-up 0 asks for the cold call); else it is discarded.
        let (first, first_cpu) = timed(bench, phase, 1)?;
        recent.push(first);
        if first >= protocol.sample_floor_s {
            out.push(first);
            cpu.push(first_cpu);
            measured = first;
        }
    }
    // The median of the last (up to 10) warm-up calls: one preempted call must not size the batch.
    recent.sort_by(f64::total_cmp);
    let batch = if adaptive && !recent.is_empty() {
        batch_size(recent[recent.len() / 2], protocol)
    } else {
        1
    };
    let mut rep = out.len() as u32;
    while sampling_continues(rep, measured, samples, protocol) {
        for _ in 0..repeats {
            let (secs, cpu_secs) = timed(bench, phase, batch)?;
            measured += secs;
            out.push(secs / f64::from(batch));
            cpu.push(cpu_secs / f64::from(batch));
        }
        rep += 1;
    }
    Ok(PhaseRun {
        warmup: done,
        warmup_s: (spent * 1e6).round() / 1e6,
        batch,
        samples: out,
        cpu_samples: cpu,
    })
}

/// Every phase: phase-major, or per repetition for a stateful benchmark (see `Benchmark::stateful`).
pub fn run_protocol(
    bench: &mut dyn Benchmark,
    warmup: u32,
    samples: u32,
    protocol: &Protocol,
) -> Result<(&'static str, BTreeMap<String, PhaseRun>)> {
    let phases = bench.phases();
    let mut runs = BTreeMap::new();
    if !bench.stateful() {
        for phase in phases {
            let run = run_phase_protocol(bench, phase, warmup, samples, protocol)?;
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
                cpu_samples: Vec::with_capacity(samples as usize),
            },
        );
    }
    for rep in 0..warmup + samples {
        for phase in phases {
            for _ in 0..bench.repeats(phase) {
                let (secs, cpu_secs) = timed(bench, phase, 1)?;
                let run = runs.get_mut(*phase).expect("phase registered above");
                if rep < warmup {
                    run.warmup_s += secs;
                } else {
                    run.samples.push(secs);
                    run.cpu_samples.push(cpu_secs);
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
    let protocol = cell.protocol()?;
    let (order, runs) = run_protocol(bench, opts.warmup, opts.samples, &protocol)?;
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
    metadata.insert("protocol".into(), {
        let mut protocol_doc = serde_json::json!({
            "order": order,
            "warmup_min": opts.warmup,
            "samples_requested": opts.samples,
            "cpu_percent_covers": "warm-up and timed calls",
        });
        if let (Value::Object(doc), Value::Object(settings)) =
            (&mut protocol_doc, serde_json::to_value(protocol)?)
        {
            doc.extend(settings);
        }
        protocol_doc
    });
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
                            cpu_samples: Some(run.cpu_samples),
                        },
                    )
                })
                .collect(),
        },
        resources: Resources {
            peak_rss_mb: Some((peak_rss_mb() * 1000.0).round() / 1000.0),
            cpu_percent: Some((cpu_percent * 100.0).round() / 100.0),
            cpu_user_s: None,
            cpu_sys_s: None,
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

    /// The shared test vectors (tests/fixtures/protocol_vectors.json): the protocol phase 1 writes and
    /// the decisions both harnesses must take with it; pytest checks the Python harness on the same file.
    fn vectors() -> Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../tests/fixtures/protocol_vectors.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).expect("protocol vectors")).unwrap()
    }

    fn protocol() -> Protocol {
        serde_json::from_value(vectors()["protocol"].clone()).unwrap()
    }

    #[test]
    fn both_harnesses_take_the_same_decisions_on_the_shared_vectors() {
        let v = vectors();
        let p = protocol();
        for case in v["batch"].as_array().unwrap() {
            let call = case["per_call_s"].as_f64().unwrap();
            assert_eq!(
                u64::from(batch_size(call, &p)),
                case["batch"].as_u64().unwrap(),
                "batch for a {call} s call"
            );
        }
        for case in v["warmup_continues"].as_array().unwrap() {
            let got = warmup_continues(
                case["done"].as_u64().unwrap() as u32,
                case["spent_s"].as_f64().unwrap(),
                case["warmup"].as_u64().unwrap() as u32,
                &p,
            );
            assert_eq!(got, case["continues"].as_bool().unwrap(), "{case}");
        }
        for case in v["sampling_continues"].as_array().unwrap() {
            let got = sampling_continues(
                case["repetitions"].as_u64().unwrap() as u32,
                case["measured_s"].as_f64().unwrap(),
                case["samples"].as_u64().unwrap() as u32,
                &p,
            );
            assert_eq!(got, case["continues"].as_bool().unwrap(), "{case}");
        }
    }

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
        fn prepare_phase(&mut self, phase: &str, calls: u32) -> Result<()> {
            self.log.push(format!("prepare {phase} x{calls}"));
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
        let p = protocol();
        let (order, runs) = run_protocol(&mut t, 1, 4, &p).unwrap();
        assert_eq!(order, "phase-major");
        let fit = &runs["fit"];
        assert!(fit.batch > 1, "a ~50 ns call must be batched");
        assert_eq!(fit.samples.len(), 4);
        assert_eq!(fit.cpu_samples.len(), 4);
        assert!(fit.samples.iter().all(|s| *s < p.sample_floor_s));
        // time-based warm-up: at least warmup_min_s or the cap
        assert!(fit.warmup_s >= p.warmup_min_s || fit.warmup == p.warmup_max_calls);
        // latency phase: one call per sample, repeats samples per repetition
        assert_eq!(runs["infer"].batch, 1);
        assert_eq!(runs["infer"].samples.len(), 12);
        // every timed batch is prepared first, outside the timer
        let prepared = t
            .log
            .iter()
            .filter(|l| l.starts_with("prepare fit"))
            .count();
        assert_eq!(prepared, fit.warmup as usize + 4);
        assert!(t.log.contains(&format!("prepare fit x{}", fit.batch)));
    }

    #[test]
    fn stateful_benchmarks_keep_the_per_repetition_order() {
        let mut t = Tiny {
            stateful: true,
            log: Vec::new(),
        };
        let (order, runs) = run_protocol(&mut t, 1, 2, &protocol()).unwrap();
        assert_eq!(order, "per-repetition");
        let calls: Vec<_> = t.log.iter().filter(|l| !l.starts_with("prepare")).collect();
        assert_eq!(calls.len(), 3 * 4);
        assert_eq!(&calls[..4], &["fit", "infer", "infer", "infer"]);
        assert_eq!(&t.log[..2], &["prepare fit x1", "fit"]);
        assert_eq!(runs["fit"].warmup, 1);
        assert_eq!(runs["fit"].samples.len(), 2);
        assert_eq!(runs["infer"].samples.len(), 6);
        assert_eq!(runs["infer"].cpu_samples.len(), 6);
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
        let p = protocol();
        let short_budget = Protocol {
            phase_budget_s: 0.05,
            ..p
        };
        // 30 ms calls against a 50 ms budget: min_samples samples, not the 10 asked for.
        let mut s = Sleepy { ms: 30, calls: 0 };
        let run = run_phase_protocol(&mut s, "fit", 3, 10, &short_budget).unwrap();
        assert_eq!(run.samples.len(), p.min_samples as usize);
        // 30 ms calls stay under warmup_max_s: every requested warm-up, and on to warmup_min_s
        assert!(run.warmup >= 3 && run.warmup_s >= p.warmup_min_s);
        // a sleeping call spends wall time, not CPU time
        assert!(
            run.cpu_samples.iter().all(|c| *c < 0.01),
            "{:?}",
            run.cpu_samples
        );
        // under the budget: every sample
        let mut s = Sleepy { ms: 1, calls: 0 };
        let run = run_phase_protocol(&mut s, "fit", 1, 10, &p).unwrap();
        assert_eq!(run.samples.len(), 10);
        // no warm-up: a first call over the floor is the first sample, not a discarded probe
        let mut s = Sleepy { ms: 1, calls: 0 };
        let run = run_phase_protocol(&mut s, "fit", 0, 1, &p).unwrap();
        assert_eq!((run.warmup, run.samples.len(), s.calls), (0, 1, 1));
    }
}
