//! The lockstep-agent layer of an RL cell, written once for every agent and every framework: the cell
//! and param plumbing, the shared start, the policy cell's phases, the lockstep record, the greedy
//! evaluation, the probe actions and the metadata. An agent (DQN in rl.rs, PPO in ppo.rs) plugs in
//! through [`Agent`]: its params, its pre-drawn randoms, its networks and its training loop. Mirrors
//! src/python/pairbench/tasks/rl/agent.py (same names, same shape).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use ndarray::{Array1, Array2};
use ndarray_npy::{ReadNpyExt, WriteNpyExt};
use pairbench_core::cell::{require_params, Cell};
use pairbench_core::dataset::{load_verified, Manifest};
use pairbench_core::runner::Benchmark;
use pairbench_deep::bench::{count_param, device_param, number_param, shared_init};
use pairbench_deep::cli::ExtraDomain;
use pairbench_deep::ops::{AdamWConfig, Engine};
use pairbench_rl_env::cartpole::OBS_DIM;
use pairbench_rl_env::CartPole;
use serde_json::{json, Value};

use crate::ppo::Ppo;
use crate::rl::Dqn;
use crate::rl_eval::{SolveBench, SOLVE_TASK};

pub const DOMAIN: &str = "rl";
pub const POLICY_TASK: &str = "policy";
/// The agents the binaries implement, for both tasks (see [`rl_benchmark`]).
pub const AGENTS: [&str; 2] = [Dqn::NAME, Ppo::NAME];
const PARAM_PROBES: usize = 16;
const N_PROBES: usize = 256;

/// What differs between agents; everything else is this module's.
pub trait Agent: 'static {
    /// The cell's `algorithm`.
    const NAME: &'static str;
    /// The policy cell's phases (`env_steps` only where [`Agent::env_actions`] has the actions).
    const PHASES: &'static [&'static str];
    type Params: Clone;
    type Draws;

    fn params(cell: &Cell) -> Result<Self::Params>;
    fn common(p: &Self::Params) -> &CommonParams;
    /// The pre-drawn randoms and tables Python wrote (`<name>.npy` in `dir`).
    fn draws(dir: &Path) -> Result<Self::Draws>;
    fn probe_obs(d: &Self::Draws) -> &Array2<f32>;
    /// The recorded actions of the `env_steps` phase, where the agent's cell times the env.
    fn env_actions(_d: &Self::Draws) -> Option<&Array1<i64>> {
        None
    }
    /// The tensors the optimiser trains, SB3's state-dict names.
    fn trainable(p: &Self::Params) -> Vec<String>;
    /// Every tensor of the shared start (trainable ones and buffers such as a target copy).
    fn tensors(p: &Self::Params) -> Vec<String> {
        Self::trainable(p)
    }
    /// The name a trained tensor has in Python's `lockstep_params`.
    fn probe_name(name: &str) -> String {
        name.to_string()
    }
    /// Gradient steps the lockstep run must take, where the agent's schedule says.
    fn expected_updates(_p: &Self::Params) -> Option<usize> {
        None
    }
    /// What SB3 fixes in its code and the agent fixes the same way (the result's `fixed_in_code`;
    /// the same list as the agent's FIXED_IN_CODE in Python).
    fn fixed_in_code() -> Value;
    fn greedy<E: Engine>(e: &E, p: &Self::Params, obs: &[f32]) -> Result<Vec<usize>>;
    /// SB3's `learn()` from the shared start until `lockstep_updates` gradient steps are done (the
    /// whole budget if it covers them), with `after_step(env steps so far, engine)` called where SB3
    /// calls a callback's `on_step` (the `solve` task evaluates there: see rl_eval.rs).
    fn train_with_hook<E: Engine>(
        e: &mut E,
        p: &Self::Params,
        d: &Self::Draws,
        starts: &[[f64; OBS_DIM]],
        after_step: &mut dyn FnMut(usize, &E) -> Result<()>,
    ) -> Result<Outcome>;
}

const COMMON_KEYS: [&str; 10] = [
    "learning_rate",
    "max_grad_norm",
    "adam_beta1",
    "adam_beta2",
    "adam_eps",
    "adam_weight_decay",
    "hidden",
    "hidden_layers",
    "lockstep_updates",
    "latency_repeats",
];

/// The settings every agent reads the same way: Adam's (SB3 passes them as the policy's
/// optimizer_kwargs), the network's size and the lockstep and latency budgets.
#[derive(Debug, Clone)]
pub struct CommonParams {
    pub learning_rate: f64,
    pub max_grad_norm: f64,
    pub adam_beta1: f64,
    pub adam_beta2: f64,
    pub adam_eps: f64,
    pub adam_weight_decay: f64,
    pub hidden: usize,
    pub hidden_layers: usize,
    pub lockstep_updates: usize,
    pub latency_repeats: usize,
}

impl CommonParams {
    /// Requires these keys, then the agent's `keys`, first, so one error lists every missing one (in
    /// the order Python's dataclass fields name them: these, then the agent's).
    pub fn from_cell(cell: &Cell, keys: &[&str]) -> Result<Self> {
        require_params(cell, &[&COMMON_KEYS[..], keys].concat())?;
        let u = |k: &str| count_param(cell, k);
        let f = |k: &str| number_param(cell, k);
        let p = Self {
            learning_rate: f("learning_rate")?,
            max_grad_norm: f("max_grad_norm")?,
            adam_beta1: f("adam_beta1")?,
            adam_beta2: f("adam_beta2")?,
            adam_eps: f("adam_eps")?,
            adam_weight_decay: f("adam_weight_decay")?,
            hidden: u("hidden")?,
            hidden_layers: u("hidden_layers")?,
            lockstep_updates: u("lockstep_updates")?,
            latency_repeats: u("latency_repeats")?,
        };
        // SB3's torch.optim.Adam adds weight decay to the gradient; the Rust sides' AdamW decays the
        // weights directly. The two agree only at 0, so any other value is refused, not approximated.
        if p.adam_weight_decay != 0.0 {
            bail!(
                "cell {}: param \"adam_weight_decay\"={} unsupported; allowed: 0 (SB3's Adam couples \
                 weight decay into the gradient, the Rust AdamW decouples it)",
                cell.cell_id,
                p.adam_weight_decay
            );
        }
        Ok(p)
    }

    fn adam(&self) -> AdamWConfig {
        AdamWConfig {
            lr: self.learning_rate,
            beta1: self.adam_beta1,
            beta2: self.adam_beta2,
            eps: self.adam_eps,
            weight_decay: self.adam_weight_decay,
            max_grad_norm: Some(self.max_grad_norm),
        }
    }

    /// Adam's settings as a result records them (the cell's keys).
    fn optimizer_settings(&self) -> Value {
        serde_json::json!({
            "learning_rate": self.learning_rate,
            "adam_beta1": self.adam_beta1,
            "adam_beta2": self.adam_beta2,
            "adam_eps": self.adam_eps,
            "adam_weight_decay": self.adam_weight_decay,
            "max_grad_norm": self.max_grad_norm,
        })
    }
}

/// What one lockstep training run leaves behind.
pub struct Outcome {
    /// The loss of every gradient step (the total loss where the agent has several).
    pub losses: Vec<f64>,
    /// Per-step curves of the loss's parts (PPO: policy, value), compared by name.
    pub components: BTreeMap<String, Vec<f64>>,
    pub env_steps: usize,
}

impl Outcome {
    /// The record of a finished run, once the device's queued work is done (the timer stops after
    /// it). The trained tensors are probed later, outside the timer ([`probe_params`]), as Python
    /// probes them when it writes its metadata.
    pub fn finish<E: Engine, A: Agent>(
        e: &E,
        _p: &A::Params,
        losses: Vec<f64>,
        components: BTreeMap<String, Vec<f64>>,
        env_steps: usize,
    ) -> Result<Self> {
        e.sync()?;
        Ok(Self {
            losses,
            components,
            env_steps,
        })
    }
}

/// The trained tensors probed as Python's `param_probe`, under Python's names.
pub fn probe_params<E: Engine, A: Agent>(
    e: &E,
    p: &A::Params,
) -> Result<BTreeMap<String, Vec<f64>>> {
    let mut params = BTreeMap::new();
    for name in A::trainable(p) {
        let values = e.to_vec_f32(&e.param(&name)?)?;
        params.insert(A::probe_name(&name), param_probe(&values));
    }
    Ok(params)
}

/// Every engine this process has loaded from a weights file ([`load_engine`]): the lockstep bench
/// reads it around its timed calls to show that none loads there.
static ENGINE_LOADS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn engine_loads() -> usize {
    ENGINE_LOADS.load(std::sync::atomic::Ordering::Relaxed)
}

pub fn cell_dir(data_dir: &Path, cell_id: &str) -> PathBuf {
    data_dir.join("_rl").join(cell_id)
}

/// One of the tables Python wrote for the cell (`<name>.npy` in `dir`).
pub fn npy<T: ReadNpyExt>(dir: &Path, name: &str) -> Result<T> {
    let path = dir.join(format!("{name}.npy"));
    let file = File::open(&path)
        .with_context(|| format!("{}: missing (run `pairbench datasets`)", path.display()))?;
    T::read_npy(file).with_context(|| format!("reading {}", path.display()))
}

/// First maximum on ties, as torch.argmax.
pub fn argmax_rows(values: &[f32], k: usize) -> Vec<usize> {
    values
        .chunks_exact(k)
        .map(|row| {
            let mut best = 0;
            for (i, v) in row.iter().enumerate() {
                if *v > row[best] {
                    best = i;
                }
            }
            best
        })
        .collect()
}

/// Per tensor: L2 norm then PARAM_PROBES evenly spaced entries (same rule as Python's param_probe).
pub fn param_probe(values: &[f32]) -> Vec<f64> {
    let n = values.len();
    let norm = values
        .iter()
        .map(|&v| f64::from(v) * f64::from(v))
        .sum::<f64>()
        .sqrt();
    let mut out = vec![norm];
    for k in 0..PARAM_PROBES {
        let pos = (n - 1) as f64 * k as f64 / (PARAM_PROBES - 1) as f64;
        out.push(f64::from(values[pos.round() as usize]));
    }
    out
}

pub fn rows4(x: &Array2<f64>) -> Result<Vec<[f64; OBS_DIM]>> {
    if x.ncols() != OBS_DIM {
        bail!(
            "initial-state table has {} columns, not {OBS_DIM}",
            x.ncols()
        );
    }
    Ok(x.rows()
        .into_iter()
        .map(|r| [r[0], r[1], r[2], r[3]])
        .collect())
}

/// The shared start on this framework, refused unless its tensors are exactly the agent's.
pub fn load_engine<E: Engine, A: Agent>(
    p: &A::Params,
    init: &Path,
    threads: u32,
    device: &str,
) -> Result<E> {
    ENGINE_LOADS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let e = E::load(init, &A::trainable(p), A::common(p).adam(), threads, device)?;
    let mut want = A::tensors(p);
    let mut have: Vec<String> = e.tensor_shapes().into_iter().map(|(n, _)| n).collect();
    want.sort();
    have.sort();
    if want != have {
        bail!(
            "{}: tensors {have:?} != the {} agent's {want:?}",
            init.display(),
            A::NAME
        );
    }
    Ok(e)
}

/// Greedy return of one episode from each state, all stepped together with one batched forward
/// pass per step over every episode (as Python's `evaluate`).
pub fn evaluate<E: Engine, A: Agent>(
    e: &E,
    p: &A::Params,
    states: &[[f64; OBS_DIM]],
) -> Result<Vec<f64>> {
    let mut envs: Vec<CartPole> = states.iter().map(|_| CartPole::new()).collect();
    let mut obs: Vec<[f32; OBS_DIM]> = envs
        .iter_mut()
        .zip(states)
        .map(|(env, s)| env.reset_to(*s))
        .collect();
    let mut returns = vec![0.0; states.len()];
    let mut alive = vec![true; states.len()];
    while alive.iter().any(|&a| a) {
        let flat: Vec<f32> = obs.iter().flatten().copied().collect();
        let actions = A::greedy(e, p, &flat)?;
        for i in 0..envs.len() {
            if alive[i] {
                let step = envs[i].step(actions[i])?;
                obs[i] = step.obs;
                returns[i] += f64::from(step.reward);
                alive[i] = !(step.terminated || step.truncated);
            }
        }
    }
    Ok(returns)
}

pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// What validation compares: the policy's evaluation returns, then its greedy actions on the probes
/// (identical on every side when the start is the same).
pub fn predictions<E: Engine, A: Agent>(
    e: &E,
    p: &A::Params,
    d: &A::Draws,
    eval_states: &[[f64; OBS_DIM]],
) -> Result<Vec<f64>> {
    let mut out = evaluate::<E, A>(e, p, eval_states)?;
    let probe: Vec<f32> = A::probe_obs(d).iter().copied().collect();
    out.extend(A::greedy(e, p, &probe)?.into_iter().map(|a| a as f64));
    Ok(out)
}

pub fn write_npy(path: &Path, values: Vec<f64>) -> Result<()> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    Array1::from(values).write_npy(file)?;
    Ok(())
}

/// The benchmark of an rl cell on framework `E`, by task and algorithm.
pub fn rl_benchmark<'a, E: Engine + 'a>(
    cell: &Cell,
    data_dir: &Path,
    launch: u32,
) -> Result<(Box<dyn Benchmark + 'a>, Manifest)> {
    fn boxed<'a, B: Benchmark + 'a>((b, m): (B, Manifest)) -> (Box<dyn Benchmark + 'a>, Manifest) {
        (Box::new(b), m)
    }
    Ok(match (cell.task.as_str(), cell.algorithm.as_str()) {
        (POLICY_TASK, Dqn::NAME) => boxed(LockstepBench::<E, Dqn>::new(cell, data_dir)?),
        (POLICY_TASK, Ppo::NAME) => boxed(LockstepBench::<E, Ppo>::new(cell, data_dir)?),
        (SOLVE_TASK, Dqn::NAME) => boxed(SolveBench::<E, Dqn>::new(cell, data_dir, launch)?),
        (SOLVE_TASK, Ppo::NAME) => boxed(SolveBench::<E, Ppo>::new(cell, data_dir, launch)?),
        (task, algorithm) => bail!(
            "cell {}: {task}/{algorithm} not implemented; allowed: {POLICY_TASK} or {SOLVE_TASK} / {}",
            cell.cell_id,
            AGENTS.join(", ")
        ),
    })
}

/// The rl domain as a deep-learning binary serves it (candle, tch): both tasks, every agent.
pub fn domain<E: Engine + 'static>() -> ExtraDomain {
    ExtraDomain {
        name: DOMAIN,
        capabilities: json!({POLICY_TASK: AGENTS, SOLVE_TASK: AGENTS}),
        extra_capabilities: json!({}),
        prepare: rl_benchmark::<E>,
    }
}

/// The `policy` task of any agent: env speed (where the agent's cell times it), greedy inference at
/// batch 1 and 256, and the lockstep training run from the shared start.
pub struct LockstepBench<E: Engine, A: Agent> {
    e: E,
    p: A::Params,
    init: PathBuf,
    threads: u32,
    device: String,
    draws: A::Draws,
    train_states: Vec<[f64; OBS_DIM]>,
    eval_states: Vec<[f64; OBS_DIM]>,
    probes: [Vec<f32>; 2],
    env: CartPole,
    outcome: Option<Outcome>,
    trained: Option<E>,
    /// Engines for the next timed `train_lockstep` calls, loaded by `prepare_phase` outside the
    /// timer (agent.py builds its SB3 models there too).
    ready: Vec<E>,
    /// Engines loaded in `prepare_phase` and during timed calls (the result's `model_builds`).
    builds: (usize, usize),
}

impl<E: Engine, A: Agent> LockstepBench<E, A> {
    pub fn new(cell: &Cell, data_dir: &Path) -> Result<(Self, Manifest)> {
        if cell.task != POLICY_TASK || cell.algorithm != A::NAME {
            bail!(
                "cell {}: {}/{} is not {POLICY_TASK}/{}",
                cell.cell_id,
                cell.task,
                cell.algorithm,
                A::NAME
            );
        }
        let p = A::params(cell)?;
        let split = load_verified::<f64>(&data_dir.join(&cell.dataset))?;
        let dir = cell_dir(data_dir, &cell.cell_id);
        let init = shared_init(&dir)?;
        let device = device_param(cell)?;
        let e = load_engine::<E, A>(&p, &init, cell.threads, &device)?;
        let draws = A::draws(&dir)?;
        let probe = A::probe_obs(&draws).iter().copied().collect::<Vec<f32>>();
        if probe.len() < N_PROBES * OBS_DIM {
            bail!("probe_obs.npy holds fewer than {N_PROBES} observations");
        }
        let bench = Self {
            e,
            train_states: rows4(&split.x_train)?,
            eval_states: rows4(&split.x_test)?,
            probes: [
                probe[..OBS_DIM].to_vec(),
                probe[..N_PROBES * OBS_DIM].to_vec(),
            ],
            p,
            init,
            threads: cell.threads,
            device,
            draws,
            env: CartPole::new(),
            outcome: None,
            trained: None,
            ready: Vec::new(),
            builds: (0, 0),
        };
        Ok((bench, split.manifest))
    }

    fn env_steps(&mut self) -> Result<()> {
        let Some(actions) = A::env_actions(&self.draws) else {
            bail!("{}: no recorded env actions", A::NAME);
        };
        let mut done = true;
        let mut k = 0;
        for &a in actions.iter() {
            if done {
                self.env
                    .reset_to(self.train_states[k % self.train_states.len()]);
                k += 1;
            }
            let s = self.env.step(a as usize)?;
            done = s.terminated || s.truncated;
        }
        Ok(())
    }

    fn train(&mut self) -> Result<()> {
        let mut e = self
            .ready
            .pop()
            .context("train_lockstep without a prepared engine (prepare_phase loads it)")?;
        let outcome = A::train_with_hook(
            &mut e,
            &self.p,
            &self.draws,
            &self.train_states,
            &mut |_, _| Ok(()),
        )?;
        if let Some(expected) = A::expected_updates(&self.p) {
            if outcome.losses.len() != expected {
                bail!(
                    "{} gradient steps taken; the schedule says {expected}",
                    outcome.losses.len()
                );
            }
        }
        self.outcome = Some(outcome);
        self.trained = Some(e);
        Ok(())
    }
}

impl<E: Engine, A: Agent> Benchmark for LockstepBench<E, A> {
    fn phases(&self) -> &'static [&'static str] {
        A::PHASES
    }

    fn run_phase(&mut self, phase: &str) -> Result<()> {
        match phase {
            "env_steps" if A::PHASES.contains(&"env_steps") => self.env_steps(),
            "infer_b1" => A::greedy(&self.e, &self.p, &self.probes[0]).map(|_| ()),
            "infer_b256" => A::greedy(&self.e, &self.p, &self.probes[1]).map(|_| ()),
            "train_lockstep" => {
                let before = engine_loads();
                let outcome = self.train();
                self.builds.1 += engine_loads() - before;
                outcome
            }
            other => bail!("unknown phase {other:?}; allowed: {}", A::PHASES.join(", ")),
        }
    }

    /// Outside the timer: the shared start loaded from its safetensors file for each of the next
    /// `calls` lockstep runs (agent.py builds its SB3 models here too).
    fn prepare_phase(&mut self, phase: &str, calls: u32) -> Result<()> {
        if phase == "train_lockstep" {
            self.ready.clear();
            for _ in 0..calls {
                self.ready.push(load_engine::<E, A>(
                    &self.p,
                    &self.init,
                    self.threads,
                    &self.device,
                )?);
            }
            self.builds.0 += calls as usize;
        }
        Ok(())
    }

    fn repeats(&self, phase: &str) -> u32 {
        if phase.starts_with("infer_b") {
            A::common(&self.p).latency_repeats as u32
        } else {
            1
        }
    }

    fn quality(&self) -> Result<BTreeMap<String, Option<f64>>> {
        let preds = predictions::<E, A>(&self.e, &self.p, &self.draws, &self.eval_states)?;
        let n = self.eval_states.len();
        let mut q = BTreeMap::new();
        q.insert("mean_return".into(), Some(mean(&preds[..n])));
        let trained = match &self.trained {
            Some(e) => Some(mean(&evaluate::<E, A>(e, &self.p, &self.eval_states)?)),
            None => None,
        };
        q.insert("trained_mean_return".into(), trained);
        q.insert(
            "lockstep_updates".into(),
            self.outcome.as_ref().map(|o| o.losses.len() as f64),
        );
        let trainable = A::trainable(&self.p);
        let params: usize = self
            .e
            .tensor_shapes()
            .iter()
            .filter(|(name, _)| trainable.contains(name))
            .map(|(_, s)| s.iter().product::<usize>())
            .sum();
        q.insert("param_count".into(), Some(params as f64));
        Ok(q)
    }

    fn write_predictions(&self, path: &Path) -> Result<()> {
        write_npy(
            path,
            predictions::<E, A>(&self.e, &self.p, &self.draws, &self.eval_states)?,
        )
    }

    fn metadata(&self) -> BTreeMap<String, Value> {
        let mut m = BTreeMap::new();
        m.insert("backend".into(), Value::from(self.e.backend()));
        m.insert("optimizer".into(), Value::from("Adam"));
        m.insert(
            "optimizer_settings".into(),
            A::common(&self.p).optimizer_settings(),
        );
        m.insert("fixed_in_code".into(), A::fixed_in_code());
        m.insert("compute_dtype".into(), Value::from("float32"));
        m.insert("task".into(), Value::from(POLICY_TASK));
        if let Some(actions) = A::env_actions(&self.draws) {
            m.insert("env_steps_per_phase".into(), Value::from(actions.len()));
        }
        m.insert("eval_episodes".into(), Value::from(self.eval_states.len()));
        if let Some(o) = &self.outcome {
            m.insert("loss_steps".into(), Value::from(o.losses.clone()));
            if !o.components.is_empty() {
                m.insert(
                    "loss_components".into(),
                    serde_json::to_value(&o.components).unwrap_or(Value::Null),
                );
            }
            m.insert("lockstep_env_steps".into(), Value::from(o.env_steps));
        }
        let probed = self
            .trained
            .as_ref()
            .map(|e| probe_params::<E, A>(e, &self.p))
            .transpose();
        m.insert(
            "lockstep_params".into(),
            match probed {
                Ok(Some(params)) => serde_json::to_value(params).unwrap_or(Value::Null),
                Ok(None) => serde_json::json!({}),
                Err(e) => Value::from(format!("probe failed: {e}")),
            },
        );
        // Where the lockstep runs' engines were loaded: in prepare_phase (untimed), never in a timed call.
        m.insert(
            "model_builds".into(),
            serde_json::json!({"prepared": self.builds.0, "timed": self.builds.1}),
        );
        m
    }
}
