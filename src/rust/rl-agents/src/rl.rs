//! DQN for an RL cell, generic over the framework: SB3's DQN re-implemented once over [`Engine`], on
//! the Rust CartPole, consuming the randoms Python pre-drew (src/python/pairbench/tasks/rl/spec.py).
//! The cell, phases and bookkeeping are agent.rs's (mirroring tasks/rl/agent.py); this file is the
//! [`Agent`] DQN plugs in: its params, replay buffer, TD update and training loop (sb3_runner.py).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Result};
use ndarray::{Array1, Array2};
use pairbench_core::cell::Cell;
use pairbench_deep::bench::{count_param, number_param};
use pairbench_deep::ops::Engine;
use pairbench_rl_env::cartpole::{N_ACTIONS, OBS_DIM};
use pairbench_rl_env::CartPole;
use serde_json::Value;

use crate::agent::{argmax_rows, npy, Agent, CommonParams, Outcome};

/// SB3's names: the online network is trained, its target copy is a buffer.
const ONLINE: &str = "q_net.q_net";
const TARGET: &str = "q_net_target.q_net";
/// The cell's keys besides [`CommonParams`]'s, in [`DqnParams`]'s order.
const KEYS: [&str; 10] = [
    "total_timesteps",
    "batch_size",
    "buffer_size",
    "learning_starts",
    "gamma",
    "target_update_interval",
    "train_freq",
    "gradient_steps",
    "exploration_fraction",
    "exploration_final_eps",
];

/// rl-baselines3-zoo's DQN settings from the cell, Adam's included (SB3 passes them as the policy's
/// optimizer_kwargs); what SB3 hard-codes is fixed in the code below (ReLU, Huber loss, hard target
/// update, exploration from 1.0) and listed in the result's metadata (`fixed_in_code`).
#[derive(Debug, Clone)]
pub struct DqnParams {
    pub total_timesteps: usize,
    pub batch_size: usize,
    pub buffer_size: usize,
    pub learning_starts: usize,
    pub gamma: f64,
    pub target_update_interval: usize,
    pub train_freq: usize,
    pub gradient_steps: usize,
    pub exploration_fraction: f64,
    pub exploration_final_eps: f64,
    pub common: CommonParams,
}

impl DqnParams {
    pub fn from_cell(cell: &Cell) -> Result<Self> {
        let common = CommonParams::from_cell(cell, &KEYS)?;
        let u = |k: &str| count_param(cell, k);
        let f = |k: &str| number_param(cell, k);
        Ok(Self {
            total_timesteps: u("total_timesteps")?,
            batch_size: u("batch_size")?,
            buffer_size: u("buffer_size")?,
            learning_starts: u("learning_starts")?,
            gamma: f("gamma")?,
            target_update_interval: u("target_update_interval")?,
            train_freq: u("train_freq")?,
            gradient_steps: u("gradient_steps")?,
            exploration_fraction: f("exploration_fraction")?,
            exploration_final_eps: f("exploration_final_eps")?,
            common,
        })
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
        (0..=self.common.hidden_layers)
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

pub fn greedy<E: Engine>(e: &E, p: &DqnParams, obs: &[f32]) -> Result<Vec<usize>> {
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

/// SB3's `learn()` for DQN (see [`Agent::train_with_hook`]): rollouts of `train_freq` steps,
/// epsilon-greedy from the pre-drawn randoms, target copy every `target_update_interval` steps, then
/// `gradient_steps` TD updates on pre-drawn minibatches; the hook runs after every env step.
pub fn train_with_hook<E: Engine>(
    e: &mut E,
    p: &DqnParams,
    d: &Draws,
    starts: &[[f64; OBS_DIM]],
    after_step: &mut dyn FnMut(usize, &E) -> Result<()>,
) -> Result<Outcome> {
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
            if updates >= p.common.lockstep_updates {
                break;
            }
        }
    }
    Outcome::finish::<E, Dqn>(e, p, losses, BTreeMap::new(), t)
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
    let loss = e.step(&loss)?;
    // Read every step, as SB3's DQN.train does (`losses.append(loss.item())`).
    Ok(e.to_vec_f32(&loss)?[0])
}

/// DQN as an [`Agent`].
pub struct Dqn;

impl Agent for Dqn {
    const NAME: &'static str = "dqn";
    const PHASES: &'static [&'static str] =
        &["env_steps", "infer_b1", "infer_b256", "train_lockstep"];
    type Params = DqnParams;
    type Draws = Draws;

    fn params(cell: &Cell) -> Result<DqnParams> {
        DqnParams::from_cell(cell)
    }

    fn common(p: &DqnParams) -> &CommonParams {
        &p.common
    }

    fn draws(dir: &Path) -> Result<Draws> {
        Draws::read(dir)
    }

    fn probe_obs(d: &Draws) -> &Array2<f32> {
        &d.probe_obs
    }

    fn env_actions(d: &Draws) -> Option<&Array1<i64>> {
        Some(&d.env_actions)
    }

    fn trainable(p: &DqnParams) -> Vec<String> {
        p.layer_names(ONLINE)
            .into_iter()
            .flat_map(|(w, b)| [w, b])
            .collect()
    }

    fn tensors(p: &DqnParams) -> Vec<String> {
        let mut all = Self::trainable(p);
        all.extend(p.layer_names(TARGET).into_iter().flat_map(|(w, b)| [w, b]));
        all
    }

    /// Python probes `model.q_net`'s state dict: `q_net.0.weight`, not `q_net.q_net.0.weight`.
    fn probe_name(name: &str) -> String {
        name.strip_prefix("q_net.").unwrap_or(name).to_string()
    }

    /// Same list as spec.py's FIXED_IN_CODE.
    fn fixed_in_code() -> Value {
        serde_json::json!({
            "tau": 1.0,
            "exploration_initial_eps": 1.0,
            "loss": "smooth_l1 (Huber, beta 1)",
            "activation": "ReLU",
            "amsgrad": false,
        })
    }

    fn greedy<E: Engine>(e: &E, p: &DqnParams, obs: &[f32]) -> Result<Vec<usize>> {
        greedy(e, p, obs)
    }

    fn train_with_hook<E: Engine>(
        e: &mut E,
        p: &DqnParams,
        d: &Draws,
        starts: &[[f64; OBS_DIM]],
        after_step: &mut dyn FnMut(usize, &E) -> Result<()>,
    ) -> Result<Outcome> {
        train_with_hook(e, p, d, starts, after_step)
    }
}
