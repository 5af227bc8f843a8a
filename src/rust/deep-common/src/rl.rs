//! The Rust side of an RL cell, generic over the framework: SB3's DQN re-implemented once over
//! [`Engine`], on the Rust CartPole, consuming the randoms Python pre-drew
//! (src/python/pairbench/tasks/rl/spec.py). Phases and bookkeeping mirror
//! src/python/pairbench/tasks/rl/sb3_runner.py.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use ndarray::{Array1, Array2};
use ndarray_npy::{ReadNpyExt, WriteNpyExt};
use pairbench_core::cell::Cell;
use pairbench_core::dataset::{load_verified, Manifest};
use pairbench_core::runner::Benchmark;
use pairbench_rl_env::cartpole::{N_ACTIONS, OBS_DIM};
use pairbench_rl_env::CartPole;
use serde_json::Value;

use crate::bench::{count_param, device_param, number_param, shared_init};
use crate::ops::{AdamWConfig, Engine};

pub const DOMAIN: &str = "rl";
pub const POLICY_TASK: &str = "policy";
/// `ppo` is [`crate::ppo::PpoBench`]; the binaries pick the benchmark by algorithm.
pub const AGENTS: [&str; 2] = ["dqn", crate::ppo::PPO];
const PHASES: &[&str] = &["env_steps", "infer_b1", "infer_b256", "train_lockstep"];
const PARAM_PROBES: usize = 16;
/// SB3's names: the online network is trained, its target copy is a buffer.
const ONLINE: &str = "q_net.q_net";
const TARGET: &str = "q_net_target.q_net";

pub fn cell_dir(data_dir: &Path, cell_id: &str) -> PathBuf {
    data_dir.join("_rl").join(cell_id)
}

/// rl-baselines3-zoo's DQN settings from the cell, Adam's included (SB3 passes them as the policy's
/// optimizer_kwargs); what SB3 hard-codes is fixed in the code below (ReLU, Huber loss, hard target
/// update, exploration from 1.0) and listed in the result's metadata (`fixed_in_code`).
#[derive(Debug, Clone)]
pub struct DqnParams {
    pub total_timesteps: usize,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub buffer_size: usize,
    pub learning_starts: usize,
    pub gamma: f64,
    pub target_update_interval: usize,
    pub train_freq: usize,
    pub gradient_steps: usize,
    pub exploration_fraction: f64,
    pub exploration_final_eps: f64,
    pub hidden: usize,
    pub hidden_layers: usize,
    pub max_grad_norm: f64,
    pub adam_beta1: f64,
    pub adam_beta2: f64,
    pub adam_eps: f64,
    pub adam_weight_decay: f64,
    pub lockstep_updates: usize,
    pub latency_repeats: usize,
}

impl DqnParams {
    pub fn from_cell(cell: &Cell) -> Result<Self> {
        let mut missing = Vec::new();
        for key in [
            "total_timesteps",
            "learning_rate",
            "batch_size",
            "buffer_size",
            "learning_starts",
            "gamma",
            "target_update_interval",
            "train_freq",
            "gradient_steps",
            "exploration_fraction",
            "exploration_final_eps",
            "hidden",
            "hidden_layers",
            "max_grad_norm",
            "adam_beta1",
            "adam_beta2",
            "adam_eps",
            "adam_weight_decay",
            "lockstep_updates",
            "latency_repeats",
        ] {
            if !cell.params.contains_key(key) {
                missing.push(format!("param {key:?} missing"));
            }
        }
        if !missing.is_empty() {
            bail!("cell {}: {}", cell.cell_id, missing.join("; "));
        }
        let u = |k: &str| count_param(cell, k);
        let f = |k: &str| number_param(cell, k);
        let p = Self {
            total_timesteps: u("total_timesteps")?,
            learning_rate: f("learning_rate")?,
            batch_size: u("batch_size")?,
            buffer_size: u("buffer_size")?,
            learning_starts: u("learning_starts")?,
            gamma: f("gamma")?,
            target_update_interval: u("target_update_interval")?,
            train_freq: u("train_freq")?,
            gradient_steps: u("gradient_steps")?,
            exploration_fraction: f("exploration_fraction")?,
            exploration_final_eps: f("exploration_final_eps")?,
            hidden: u("hidden")?,
            hidden_layers: u("hidden_layers")?,
            max_grad_norm: f("max_grad_norm")?,
            adam_beta1: f("adam_beta1")?,
            adam_beta2: f("adam_beta2")?,
            adam_eps: f("adam_eps")?,
            adam_weight_decay: f("adam_weight_decay")?,
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

    /// SB3's LinearSchedule(1.0, final_eps, fraction) at `progress_remaining = 1 - t / total`.
    fn epsilon(&self, t: usize) -> f64 {
        let progress_remaining = 1.0 - t as f64 / self.total_timesteps as f64;
        let done = 1.0 - progress_remaining;
        if done > self.exploration_fraction {
            self.exploration_final_eps
        } else {
            1.0 + done * (self.exploration_final_eps - 1.0) / self.exploration_fraction
        }
    }

    fn layer_names(&self, prefix: &str) -> Vec<(String, String)> {
        (0..=self.hidden_layers)
            .map(|i| {
                (
                    format!("{prefix}.{}.weight", 2 * i),
                    format!("{prefix}.{}.bias", 2 * i),
                )
            })
            .collect()
    }
}

/// The MLP Q-network, SB3's `create_mlp`: Linear, ReLU, ..., Linear.
pub fn q_values<E: Engine>(e: &E, p: &DqnParams, prefix: &str, x: &E::T) -> Result<E::T> {
    let layers = p.layer_names(prefix);
    let mut h = x.clone();
    for (i, (w, b)) in layers.iter().enumerate() {
        h = e.linear(&h, &e.param(w)?, Some(&e.param(b)?))?;
        if i + 1 < layers.len() {
            h = e.relu(&h)?;
        }
    }
    Ok(h)
}

/// First maximum on ties, as torch.argmax.
pub(crate) fn argmax_rows(values: &[f32], k: usize) -> Vec<usize> {
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

pub(crate) fn greedy<E: Engine>(e: &E, p: &DqnParams, obs: &[f32]) -> Result<Vec<usize>> {
    let n = obs.len() / OBS_DIM;
    e.no_grad(|| {
        let x = e.tensor_f32(obs.to_vec(), &[n, OBS_DIM])?;
        let q = q_values(e, p, ONLINE, &x)?;
        Ok(argmax_rows(&e.to_vec_f32(&q)?, N_ACTIONS))
    })
}

/// SB3's ReplayBuffer (one env): a ring of transitions; `done` is termination only (a time-limit
/// truncation bootstraps, as SB3's `handle_timeout_termination`).
struct Replay {
    obs: Vec<[f32; OBS_DIM]>,
    next_obs: Vec<[f32; OBS_DIM]>,
    action: Vec<usize>,
    reward: Vec<f32>,
    done: Vec<f32>,
    size: usize,
    pos: usize,
}

impl Replay {
    fn new(size: usize) -> Self {
        Self {
            obs: Vec::new(),
            next_obs: Vec::new(),
            action: Vec::new(),
            reward: Vec::new(),
            done: Vec::new(),
            size,
            pos: 0,
        }
    }
    fn add(&mut self, o: [f32; OBS_DIM], a: usize, next: [f32; OBS_DIM], r: f32, done: bool) {
        let d = if done { 1.0 } else { 0.0 };
        if self.obs.len() < self.size {
            self.obs.push(o);
            self.next_obs.push(next);
            self.action.push(a);
            self.reward.push(r);
            self.done.push(d);
        } else {
            let i = self.pos;
            (
                self.obs[i],
                self.next_obs[i],
                self.action[i],
                self.reward[i],
                self.done[i],
            ) = (o, next, a, r, d);
        }
        self.pos = (self.pos + 1) % self.size;
    }
}

/// What one lockstep training run leaves behind.
pub struct LockstepOutcome {
    pub losses: Vec<f64>,
    pub params: BTreeMap<String, Vec<f64>>,
    pub env_steps: usize,
}

/// One of the tables Python wrote for the cell (`<name>.npy` in `dir`).
pub(crate) fn npy<T: ReadNpyExt>(dir: &Path, name: &str) -> Result<T> {
    let path = dir.join(format!("{name}.npy"));
    let file = File::open(&path)
        .with_context(|| format!("{}: missing (run `pairbench datasets`)", path.display()))?;
    T::read_npy(file).with_context(|| format!("reading {}", path.display()))
}

/// Randoms and tables Python wrote for the cell.
pub struct Draws {
    pub explore_u: Array1<f64>,
    pub explore_a: Array1<i64>,
    pub batch_idx: Array2<i64>,
    pub env_actions: Array1<i64>,
    pub probe_obs: Array2<f32>,
}

impl Draws {
    pub fn read(dir: &Path) -> Result<Self> {
        Ok(Self {
            explore_u: npy(dir, "explore_u")?,
            explore_a: npy(dir, "explore_a")?,
            batch_idx: npy(dir, "batch_idx")?,
            env_actions: npy(dir, "env_actions")?,
            probe_obs: npy(dir, "probe_obs")?,
        })
    }
}

/// Adam's settings as a result records them (the cell's keys).
fn optimizer_settings(p: &DqnParams) -> Value {
    serde_json::json!({
        "learning_rate": p.learning_rate,
        "adam_beta1": p.adam_beta1,
        "adam_beta2": p.adam_beta2,
        "adam_eps": p.adam_eps,
        "adam_weight_decay": p.adam_weight_decay,
        "max_grad_norm": p.max_grad_norm,
    })
}

/// What SB3's DQN fixes in its code and the Rust agent fixes the same way (not cell params).
/// Same list as sb3_runner.py's FIXED_IN_CODE.
fn fixed_in_code() -> Value {
    serde_json::json!({
        "tau": 1.0,
        "exploration_initial_eps": 1.0,
        "loss": "smooth_l1 (Huber, beta 1)",
        "activation": "ReLU",
        "amsgrad": false,
    })
}

fn trainable(p: &DqnParams) -> Vec<String> {
    p.layer_names(ONLINE)
        .into_iter()
        .flat_map(|(w, b)| [w, b])
        .collect()
}

pub fn load_engine<E: Engine>(p: &DqnParams, init: &Path, threads: u32, device: &str) -> Result<E> {
    let opt = AdamWConfig {
        lr: p.learning_rate,
        beta1: p.adam_beta1,
        beta2: p.adam_beta2,
        eps: p.adam_eps,
        weight_decay: p.adam_weight_decay,
        max_grad_norm: Some(p.max_grad_norm),
    };
    let e = E::load(init, &trainable(p), opt, threads, device)?;
    let mut want: Vec<String> = trainable(p);
    want.extend(p.layer_names(TARGET).into_iter().flat_map(|(w, b)| [w, b]));
    let mut have: Vec<String> = e.tensor_shapes().into_iter().map(|(n, _)| n).collect();
    want.sort();
    have.sort();
    if want != have {
        bail!(
            "{}: tensors {have:?} != the Q-network's {want:?}",
            init.display()
        );
    }
    Ok(e)
}

/// SB3's `learn()` for DQN from the shared start until `lockstep_updates` gradient steps are done:
/// rollouts of `train_freq` steps, epsilon-greedy from the pre-drawn randoms, target copy every
/// `target_update_interval` steps, then `gradient_steps` TD updates on pre-drawn minibatches.
pub fn train_lockstep<E: Engine>(
    e: &mut E,
    p: &DqnParams,
    d: &Draws,
    starts: &[[f64; OBS_DIM]],
) -> Result<LockstepOutcome> {
    train_with_hook(e, p, d, starts, &mut |_, _| Ok(()))
}

/// [`train_lockstep`] with `after_step(env steps so far, engine)` called after every env step, where
/// SB3 calls a callback's `on_step` (the `solve` task evaluates there: see rl_eval.rs).
pub fn train_with_hook<E: Engine>(
    e: &mut E,
    p: &DqnParams,
    d: &Draws,
    starts: &[[f64; OBS_DIM]],
    after_step: &mut dyn FnMut(usize, &E) -> Result<()>,
) -> Result<LockstepOutcome> {
    let mut env = CartPole::new();
    let mut resets = 0usize;
    let mut reset = |env: &mut CartPole| {
        let s = starts[resets % starts.len()];
        resets += 1;
        env.reset_to(s)
    };
    let mut obs = reset(&mut env);
    let mut buffer = Replay::new(p.buffer_size);
    let (mut t, mut updates, mut eps) = (0usize, 0usize, 0.0f64);
    let mut losses = Vec::new();
    let gamma = p.gamma as f32;
    let online = p.layer_names(ONLINE);
    let target = p.layer_names(TARGET);
    // SB3's learn(): whole rollouts while num_timesteps < total_timesteps.
    while t < p.total_timesteps {
        for _ in 0..p.train_freq {
            if t >= d.explore_u.len() {
                bail!("pre-drawn exploration randoms exhausted at step {t}");
            }
            let action = if t < p.learning_starts || d.explore_u[t] < eps {
                d.explore_a[t] as usize
            } else {
                greedy(e, p, &obs)?[0]
            };
            let step = env.step(action)?;
            t += 1;
            buffer.add(obs, action, step.obs, step.reward, step.terminated);
            obs = if step.terminated || step.truncated {
                reset(&mut env)
            } else {
                step.obs
            };
            if t % p.target_update_interval.max(1) == 0 {
                for ((ow, ob), (tw, tb)) in online.iter().zip(&target) {
                    let (w, b) = (e.param(ow)?, e.param(ob)?);
                    e.set_buffer(tw, &w)?;
                    e.set_buffer(tb, &b)?;
                }
            }
            eps = p.epsilon(t);
            after_step(t, e)?;
        }
        if t > p.learning_starts {
            for _ in 0..p.gradient_steps {
                if updates >= d.batch_idx.nrows() {
                    bail!("pre-drawn minibatches exhausted at gradient step {updates}");
                }
                let idx: Vec<usize> = d
                    .batch_idx
                    .row(updates)
                    .iter()
                    .map(|&i| i as usize)
                    .collect();
                losses.push(f64::from(td_step(e, p, &buffer, &idx, gamma)?));
                updates += 1;
            }
            if updates >= p.lockstep_updates {
                break;
            }
        }
    }
    e.sync()?;
    let mut params = BTreeMap::new();
    for (w, b) in &online {
        for name in [w, b] {
            let values = e.to_vec_f32(&e.param(name)?)?;
            params.insert(
                name.strip_prefix("q_net.").unwrap_or(name).to_string(),
                param_probe(&values),
            );
        }
    }
    Ok(LockstepOutcome {
        losses,
        params,
        env_steps: t,
    })
}

/// One TD update, as SB3's DQN.train: target r + (1 - done) * gamma * max_a' Q_target(s', a'),
/// Huber loss against Q(s, a), gradient-norm clip, Adam step.
fn td_step<E: Engine>(
    e: &mut E,
    p: &DqnParams,
    buffer: &Replay,
    idx: &[usize],
    gamma: f32,
) -> Result<f32> {
    let n = idx.len();
    let mut obs = Vec::with_capacity(n * OBS_DIM);
    let mut next = Vec::with_capacity(n * OBS_DIM);
    let mut onehot = vec![0f32; n * N_ACTIONS];
    let (mut reward, mut coef) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for (row, &i) in idx.iter().enumerate() {
        if i >= buffer.obs.len() {
            bail!("minibatch row {i} beyond the {} stored", buffer.obs.len());
        }
        obs.extend(buffer.obs[i]);
        next.extend(buffer.next_obs[i]);
        onehot[row * N_ACTIONS + buffer.action[i]] = 1.0;
        reward.push(buffer.reward[i]);
        // torch: (1 - dones) * gamma in float32, then times the next Q-values.
        coef.push((1.0 - buffer.done[i]) * gamma);
    }
    let target = e.no_grad(|| -> Result<E::T> {
        let next_q = q_values(e, p, TARGET, &e.tensor_f32(next, &[n, OBS_DIM])?)?;
        let best = e.max_last(&next_q)?;
        let discounted = e.mul(&e.tensor_f32(coef, &[n])?, &best)?;
        e.add(&e.tensor_f32(reward, &[n])?, &discounted)
    })?;
    let q = q_values(e, p, ONLINE, &e.tensor_f32(obs, &[n, OBS_DIM])?)?;
    // Gather of the taken action as a one-hot product: exact (x * 1 + y * 0 = x), same gradient.
    let q_taken = e.sum_last(&e.mul(&q, &e.tensor_f32(onehot, &[n, N_ACTIONS])?)?)?;
    let loss = e.huber(&q_taken, &target)?;
    e.step(&loss)
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

/// Greedy return of one episode from each state, all stepped together with one batched forward
/// pass per step over every episode (as Python's `evaluate`).
pub fn evaluate<E: Engine>(e: &E, p: &DqnParams, states: &[[f64; OBS_DIM]]) -> Result<Vec<f64>> {
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
        let actions = greedy(e, p, &flat)?;
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

pub(crate) fn rows4(x: &Array2<f64>) -> Result<Vec<[f64; OBS_DIM]>> {
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

pub struct RlBench<E: Engine> {
    e: E,
    p: DqnParams,
    init: PathBuf,
    threads: u32,
    device: String,
    draws: Draws,
    train_states: Vec<[f64; OBS_DIM]>,
    eval_states: Vec<[f64; OBS_DIM]>,
    probes: [Vec<f32>; 2],
    env: CartPole,
    outcome: Option<LockstepOutcome>,
    trained: Option<E>,
}

impl<E: Engine> RlBench<E> {
    pub fn new(cell: &Cell, data_dir: &Path) -> Result<(Self, Manifest)> {
        if cell.task != POLICY_TASK || !AGENTS.contains(&cell.algorithm.as_str()) {
            bail!(
                "cell {}: {}/{} not implemented; allowed: {POLICY_TASK}/{}",
                cell.cell_id,
                cell.task,
                cell.algorithm,
                AGENTS.join(", ")
            );
        }
        let p = DqnParams::from_cell(cell)?;
        let split = load_verified::<f64>(&data_dir.join(&cell.dataset))?;
        let dir = cell_dir(data_dir, &cell.cell_id);
        let init = shared_init(&dir)?;
        let device = device_param(cell)?;
        let e = load_engine::<E>(&p, &init, cell.threads, &device)?;
        let draws = Draws::read(&dir)?;
        let probe = draws.probe_obs.iter().copied().collect::<Vec<f32>>();
        if probe.len() < 256 * OBS_DIM {
            bail!("probe_obs.npy holds fewer than 256 observations");
        }
        let bench = Self {
            e,
            train_states: rows4(&split.x_train)?,
            eval_states: rows4(&split.x_test)?,
            probes: [probe[..OBS_DIM].to_vec(), probe[..256 * OBS_DIM].to_vec()],
            p,
            init,
            threads: cell.threads,
            device,
            draws,
            env: CartPole::new(),
            outcome: None,
            trained: None,
        };
        Ok((bench, split.manifest))
    }

    fn env_steps(&mut self) -> Result<()> {
        let mut done = true;
        let mut k = 0;
        for &a in self.draws.env_actions.iter() {
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
        let mut e = load_engine::<E>(&self.p, &self.init, self.threads, &self.device)?;
        self.outcome = Some(train_lockstep(
            &mut e,
            &self.p,
            &self.draws,
            &self.train_states,
        )?);
        self.trained = Some(e);
        Ok(())
    }

    fn predictions(&self) -> Result<Vec<f64>> {
        let mut out = evaluate(&self.e, &self.p, &self.eval_states)?;
        let probe: Vec<f32> = self.draws.probe_obs.iter().copied().collect();
        out.extend(
            greedy(&self.e, &self.p, &probe)?
                .into_iter()
                .map(|a| a as f64),
        );
        Ok(out)
    }
}

impl<E: Engine> Benchmark for RlBench<E> {
    fn phases(&self) -> &'static [&'static str] {
        PHASES
    }

    fn run_phase(&mut self, phase: &str) -> Result<()> {
        match phase {
            "env_steps" => self.env_steps(),
            "infer_b1" => greedy(&self.e, &self.p, &self.probes[0]).map(|_| ()),
            "infer_b256" => greedy(&self.e, &self.p, &self.probes[1]).map(|_| ()),
            "train_lockstep" => self.train(),
            other => bail!("unknown phase {other:?}; allowed: {}", PHASES.join(", ")),
        }
    }

    fn repeats(&self, phase: &str) -> u32 {
        if phase.starts_with("infer_b") {
            self.p.latency_repeats as u32
        } else {
            1
        }
    }

    fn quality(&self) -> Result<BTreeMap<String, Option<f64>>> {
        let preds = self.predictions()?;
        let n = self.eval_states.len();
        let mut q = BTreeMap::new();
        q.insert(
            "mean_return".into(),
            Some(preds[..n].iter().sum::<f64>() / n as f64),
        );
        let trained = match &self.trained {
            Some(e) => {
                let r = evaluate(e, &self.p, &self.eval_states)?;
                Some(r.iter().sum::<f64>() / r.len() as f64)
            }
            None => None,
        };
        q.insert("trained_mean_return".into(), trained);
        q.insert(
            "lockstep_updates".into(),
            self.outcome.as_ref().map(|o| o.losses.len() as f64),
        );
        let params: usize = self
            .e
            .tensor_shapes()
            .iter()
            .filter(|(name, _)| name.starts_with("q_net.q_net."))
            .map(|(_, s)| s.iter().product::<usize>())
            .sum();
        q.insert("param_count".into(), Some(params as f64));
        Ok(q)
    }

    fn write_predictions(&self, path: &Path) -> Result<()> {
        let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        Array1::from(self.predictions()?).write_npy(file)?;
        Ok(())
    }

    fn metadata(&self) -> BTreeMap<String, Value> {
        let mut m = BTreeMap::new();
        m.insert("backend".into(), Value::from(self.e.backend()));
        m.insert("optimizer".into(), Value::from("Adam"));
        m.insert("optimizer_settings".into(), optimizer_settings(&self.p));
        m.insert("fixed_in_code".into(), fixed_in_code());
        m.insert("compute_dtype".into(), Value::from("float32"));
        m.insert("task".into(), Value::from(POLICY_TASK));
        m.insert(
            "env_steps_per_phase".into(),
            Value::from(self.draws.env_actions.len()),
        );
        m.insert("eval_episodes".into(), Value::from(self.eval_states.len()));
        if let Some(o) = &self.outcome {
            m.insert("loss_steps".into(), Value::from(o.losses.clone()));
            m.insert(
                "lockstep_params".into(),
                serde_json::to_value(&o.params).unwrap_or(Value::Null),
            );
            m.insert("lockstep_env_steps".into(), Value::from(o.env_steps));
        }
        m
    }
}
