//! Training to the threshold (rl's `solve` task), generic over the agent: the evaluation schedule,
//! the clocks (training time excludes evaluation time) and the learning curve. Mirrors
//! src/python/pairbench/tasks/rl/training.py; an agent plugs in by calling [`EvalTracker::after_step`]
//! from its training loop with a greedy evaluation ([`Agent::train_with_hook`]: DQN in rl.rs, PPO in
//! ppo.rs).
//!
//! Launch k trains seed k from `<data>/_rl/<cell>/seed_k/`: SB3's seeded start and the pre-drawn
//! randoms of that seed, checked against the sha256 Python recorded in model.json.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use pairbench_core::cell::Cell;
use pairbench_core::dataset::{load_verified, sha256_file, Manifest};
use pairbench_core::runner::Benchmark;
use pairbench_deep::bench::device_param;
use pairbench_deep::ops::Engine;
use pairbench_rl_env::cartpole::OBS_DIM;
use serde_json::Value;

use crate::agent::{cell_dir, evaluate, load_engine, mean, predictions, rows4, write_npy, Agent};

pub const SOLVE_TASK: &str = "solve";
const PHASES: &[&str] = &["train"];

pub fn seed_dir(cell_dir: &Path, seed: u32) -> PathBuf {
    cell_dir.join(format!("seed_{seed}"))
}

/// Index of the first evaluation whose mean reaches `threshold` (same rule as training.py).
pub fn first_reaching(means: &[f64], threshold: f64) -> Option<usize> {
    means.iter().position(|&m| m >= threshold)
}

/// The evaluation schedule and the clocks of one training run.
pub struct EvalTracker {
    pub interval: usize,
    pub threshold: f64,
    next_at: usize,
    t0: Instant,
    pub eval_s: f64,
    /// (env step, mean evaluation return, training seconds so far, evaluation excluded)
    pub curve: Vec<(usize, f64, f64)>,
}

impl EvalTracker {
    pub fn new(interval: usize, threshold: f64) -> Self {
        Self {
            interval: interval.max(1),
            threshold,
            next_at: interval.max(1),
            t0: Instant::now(),
            eval_s: 0.0,
            curve: Vec::new(),
        }
    }

    pub fn start(&mut self) {
        self.next_at = self.interval;
        self.t0 = Instant::now();
        self.eval_s = 0.0;
        self.curve.clear();
    }

    pub fn train_s(&self) -> f64 {
        self.t0.elapsed().as_secs_f64() - self.eval_s
    }

    /// Called after every env step; evaluates when the schedule says so.
    pub fn after_step(&mut self, t: usize, evaluate: impl FnOnce() -> Result<f64>) -> Result<()> {
        if t < self.next_at {
            return Ok(());
        }
        let started = Instant::now();
        let train_at = self.t0.elapsed().as_secs_f64() - self.eval_s;
        let mean = evaluate()?;
        self.eval_s += started.elapsed().as_secs_f64();
        self.curve.push((t, mean, train_at));
        while self.next_at <= t {
            self.next_at += self.interval;
        }
        Ok(())
    }

    /// The quality entries of a finished run (same keys as training.py's `summary`).
    pub fn summary(&self, final_mean: f64, train_s: f64) -> BTreeMap<String, Option<f64>> {
        let means: Vec<f64> = self.curve.iter().map(|c| c.1).collect();
        let hit = first_reaching(&means, self.threshold);
        let mut q = BTreeMap::new();
        q.insert("final_mean_return".into(), Some(final_mean));
        q.insert(
            "best_mean_return".into(),
            means.iter().copied().reduce(f64::max),
        );
        q.insert(
            "steps_to_threshold".into(),
            hit.map(|i| self.curve[i].0 as f64),
        );
        q.insert("seconds_to_threshold".into(), hit.map(|i| self.curve[i].2));
        q.insert("train_s".into(), Some(train_s));
        q.insert("eval_s".into(), Some(self.eval_s));
        q.insert("evaluations".into(), Some(self.curve.len() as f64));
        q
    }

    pub fn metadata(&self) -> Value {
        serde_json::json!({
            "eval_interval": self.interval,
            "threshold": self.threshold,
            "learning_curve": self.curve.iter()
                .map(|(t, m, s)| serde_json::json!([t, m, (s * 1e6).round() / 1e6]))
                .collect::<Vec<_>>(),
        })
    }
}

/// Refuse a seed directory whose files differ from the sha256 Python recorded (training.py writes).
pub fn verify_start(dir: &Path) -> Result<()> {
    let meta = dir.join("model.json");
    let text = std::fs::read_to_string(&meta)
        .with_context(|| format!("{}: missing (run `pairbench datasets`)", meta.display()))?;
    let doc: Value = serde_json::from_str(&text).with_context(|| format!("{}", meta.display()))?;
    let Some(want) = doc.get("sha256").and_then(Value::as_object) else {
        bail!("{}: key sha256: missing", meta.display());
    };
    let mut bad = Vec::new();
    for (name, digest) in want {
        if sha256_file(&dir.join(name))? != digest.as_str().unwrap_or_default() {
            bad.push(format!("{name}: sha256 mismatch"));
        }
    }
    if !bad.is_empty() {
        bail!(
            "{}: {}; allowed: the files `pairbench datasets` wrote",
            dir.display(),
            bad.join("; ")
        );
    }
    Ok(())
}

fn solve_settings(cell: &Cell) -> Result<(usize, f64)> {
    let missing: Vec<String> = ["eval_interval", "threshold"]
        .iter()
        .filter(|k| !cell.params.contains_key(**k))
        .map(|k| format!("param {k:?} missing"))
        .collect();
    if !missing.is_empty() {
        bail!("cell {}: {}", cell.cell_id, missing.join("; "));
    }
    let interval = cell.params["eval_interval"].as_u64().unwrap_or(0) as usize;
    if interval < 1 {
        bail!(
            "cell {}: param \"eval_interval\" out of range; allowed: an integer >= 1",
            cell.cell_id
        );
    }
    let threshold = cell.params["threshold"]
        .as_f64()
        .with_context(|| format!("cell {}: param \"threshold\" not a number", cell.cell_id))?;
    Ok((interval, threshold))
}

/// The `solve` task of any agent on one framework: phase `train` runs the whole budget from seed k's start.
pub struct SolveBench<E: Engine, A: Agent> {
    p: A::Params,
    draws: A::Draws,
    seed: u32,
    init: PathBuf,
    threads: u32,
    device: String,
    train_states: Vec<[f64; OBS_DIM]>,
    eval_states: Vec<[f64; OBS_DIM]>,
    tracker: EvalTracker,
    result: BTreeMap<String, Option<f64>>,
    trained: bool,
    /// The engine of the next `train` call, loaded by `prepare_phase` outside the timer.
    ready: Option<E>,
}

impl<E: Engine, A: Agent> SolveBench<E, A> {
    pub fn new(cell: &Cell, data_dir: &Path, launch: u32) -> Result<(Self, Manifest)> {
        if cell.task != SOLVE_TASK || cell.algorithm != A::NAME {
            bail!(
                "cell {}: {}/{} is not {SOLVE_TASK}/{}",
                cell.cell_id,
                cell.task,
                cell.algorithm,
                A::NAME
            );
        }
        let (interval, threshold) = solve_settings(cell)?;
        let split = load_verified::<f64>(&data_dir.join(&cell.dataset))?;
        let dir = seed_dir(&cell_dir(data_dir, &cell.cell_id), launch);
        verify_start(&dir)?;
        let device = device_param(cell)?;
        let bench = Self {
            p: A::params(cell)?,
            draws: A::draws(&dir)?,
            seed: launch,
            init: dir.join("init.safetensors"),
            threads: cell.threads,
            device,
            train_states: rows4(&split.x_train)?,
            eval_states: rows4(&split.x_test)?,
            tracker: EvalTracker::new(interval, threshold),
            result: BTreeMap::new(),
            trained: false,
            ready: None,
        };
        Ok((bench, split.manifest))
    }

    fn load(&self) -> Result<E> {
        load_engine::<E, A>(&self.p, &self.init, self.threads, &self.device)
    }

    fn train(&mut self) -> Result<()> {
        let mut e = self
            .ready
            .take()
            .context("train without a prepared engine (prepare_phase loads it)")?;
        let (p, eval_states, tracker) = (&self.p, &self.eval_states, &mut self.tracker);
        tracker.start();
        let mut hook = |t: usize, e: &E| {
            tracker.after_step(t, || Ok(mean(&evaluate::<E, A>(e, p, eval_states)?)))
        };
        A::train_with_hook(&mut e, p, &self.draws, &self.train_states, &mut hook)?;
        let train_s = self.tracker.train_s();
        let final_mean = mean(&evaluate::<E, A>(&e, &self.p, &self.eval_states)?);
        self.result = self.tracker.summary(final_mean, train_s);
        self.trained = true;
        Ok(())
    }

    /// The seeded start's evaluation returns, then its greedy actions on the probes (validation
    /// requires them identical on every side: the same start).
    fn predictions(&self) -> Result<Vec<f64>> {
        predictions::<E, A>(&self.load()?, &self.p, &self.draws, &self.eval_states)
    }
}

impl<E: Engine, A: Agent> Benchmark for SolveBench<E, A> {
    fn phases(&self) -> &'static [&'static str] {
        PHASES
    }

    fn run_phase(&mut self, phase: &str) -> Result<()> {
        match phase {
            "train" => self.train(),
            other => bail!("unknown phase {other:?}; allowed: {}", PHASES.join(", ")),
        }
    }

    fn stateful(&self) -> bool {
        true
    }

    /// Outside the timer: the seed's start loaded from its safetensors file (sb3_solve.py builds its
    /// model here too).
    fn prepare_phase(&mut self, phase: &str, _calls: u32) -> Result<()> {
        if phase == "train" {
            self.ready = Some(self.load()?);
        }
        Ok(())
    }

    fn quality(&self) -> Result<BTreeMap<String, Option<f64>>> {
        let preds = self.predictions()?;
        let n = self.eval_states.len();
        let mut q = self.result.clone();
        q.insert("mean_return".into(), Some(mean(&preds[..n])));
        q.insert("train_seed".into(), Some(f64::from(self.seed)));
        Ok(q)
    }

    fn write_predictions(&self, path: &Path) -> Result<()> {
        write_npy(path, self.predictions()?)
    }

    fn metadata(&self) -> BTreeMap<String, Value> {
        let mut m = BTreeMap::new();
        m.insert("optimizer".into(), Value::from("Adam"));
        m.insert("compute_dtype".into(), Value::from("float32"));
        m.insert("task".into(), Value::from(SOLVE_TASK));
        m.insert("train_seed".into(), Value::from(self.seed));
        m.insert("eval_episodes".into(), Value::from(self.eval_states.len()));
        m.insert("trained".into(), Value::from(self.trained));
        if let Value::Object(curve) = self.tracker.metadata() {
            m.extend(curve);
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_reaching_finds_the_first_evaluation_at_the_threshold() {
        assert_eq!(first_reaching(&[10.0, 474.9, 475.0, 500.0], 475.0), Some(2));
        assert_eq!(first_reaching(&[10.0, 474.9], 475.0), None);
        assert_eq!(first_reaching(&[], 475.0), None);
    }

    #[test]
    fn tracker_evaluates_on_schedule_and_excludes_evaluation_time() {
        let mut t = EvalTracker::new(100, 2.0);
        t.start();
        let mut calls = 0;
        for step in 1..=350 {
            t.after_step(step, || {
                calls += 1;
                std::thread::sleep(std::time::Duration::from_millis(5));
                Ok(calls as f64)
            })
            .unwrap();
        }
        let steps: Vec<usize> = t.curve.iter().map(|c| c.0).collect();
        assert_eq!(steps, vec![100, 200, 300]);
        assert!(t.eval_s >= 0.015);
        assert!(t.train_s() < t.eval_s);
        let q = t.summary(3.0, t.train_s());
        assert_eq!(q["steps_to_threshold"], Some(200.0));
        assert_eq!(q["evaluations"], Some(3.0));
    }
}
