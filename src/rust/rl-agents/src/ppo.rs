//! PPO for an RL cell, generic over the framework: SB3's PPO re-implemented once over [`Engine`], on
//! n_envs Rust CartPoles, consuming the randoms Python pre-drew (src/python/pairbench/tasks/rl/ppo_spec.py).
//! The cell, phases and bookkeeping are agent.rs's (mirroring tasks/rl/agent.py); this file is the
//! [`Agent`] PPO plugs in: its params, rollouts, GAE and clipped-surrogate update (sb3_ppo.py).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Result};
use ndarray::Array2;
use pairbench_core::cell::Cell;
use pairbench_deep::bench::{count_param, number_param};
use pairbench_deep::ops::Engine;
use pairbench_rl_env::cartpole::{N_ACTIONS, OBS_DIM};
use pairbench_rl_env::CartPole;
use serde_json::Value;

use crate::agent::{argmax_rows, npy, Agent, CommonParams, Outcome};

/// SB3's advantage normalisation: (a - mean) / (std + 1e-8), std unbiased.
const ADV_EPS: f64 = 1e-8;

/// rl-baselines3-zoo's PPO settings from the cell, Adam's included; what SB3 hard-codes is fixed in
/// the code below and listed in the result's metadata (`fixed_in_code`).
#[derive(Debug, Clone)]
pub struct PpoParams {
    pub total_timesteps: usize,
    pub n_envs: usize,
    pub n_steps: usize,
    pub batch_size: usize,
    pub n_epochs: usize,
    pub gamma: f64,
    pub gae_lambda: f64,
    pub clip_range: f64,
    pub ent_coef: f64,
    pub vf_coef: f64,
    pub common: CommonParams,
}

/// The cell's keys besides [`CommonParams`]'s, in [`PpoParams`]'s order.
const KEYS: [&str; 10] = [
    "total_timesteps",
    "n_envs",
    "n_steps",
    "batch_size",
    "n_epochs",
    "gamma",
    "gae_lambda",
    "clip_range",
    "ent_coef",
    "vf_coef",
];

impl PpoParams {
    pub fn from_cell(cell: &Cell) -> Result<Self> {
        let common = CommonParams::from_cell(cell, &KEYS)?;
        let u = |k: &str| count_param(cell, k);
        let f = |k: &str| number_param(cell, k);
        let p = Self {
            total_timesteps: u("total_timesteps")?,
            n_envs: u("n_envs")?,
            n_steps: u("n_steps")?,
            batch_size: u("batch_size")?,
            n_epochs: u("n_epochs")?,
            gamma: f("gamma")?,
            gae_lambda: f("gae_lambda")?,
            clip_range: f("clip_range")?,
            ent_coef: f("ent_coef")?,
            vf_coef: f("vf_coef")?,
            common,
        };
        for (key, v) in [
            ("n_envs", p.n_envs),
            ("n_steps", p.n_steps),
            ("batch_size", p.batch_size),
        ] {
            if v == 0 {
                bail!("cell {}: param {key:?}=0; allowed: >= 1", cell.cell_id);
            }
        }
        Ok(p)
    }

    fn rollout_size(&self) -> usize {
        self.n_steps * self.n_envs
    }

    /// (rollouts, gradient steps) of the lockstep run, as ppo_spec.py's `lockstep_schedule`.
    pub fn lockstep_schedule(&self) -> (usize, usize) {
        let per_rollout = self.n_epochs * self.rollout_size().div_ceil(self.batch_size);
        let max_rollouts = self.total_timesteps.div_ceil(self.rollout_size());
        let rollouts = max_rollouts.min(self.common.lockstep_updates.div_ceil(per_rollout.max(1)));
        (rollouts, rollouts * per_rollout)
    }

    /// (weight, bias) names of one of SB3's MlpExtractor towers and its head.
    fn tower(&self, net: &str, head: &str) -> Vec<(String, String)> {
        let mut layers: Vec<(String, String)> = (0..self.common.hidden_layers)
            .map(|i| {
                (
                    format!("mlp_extractor.{net}.{}.weight", 2 * i),
                    format!("mlp_extractor.{net}.{}.bias", 2 * i),
                )
            })
            .collect();
        layers.push((format!("{head}.weight"), format!("{head}.bias")));
        layers
    }

    fn actor(&self) -> Vec<(String, String)> {
        self.tower("policy_net", "action_net")
    }

    fn critic(&self) -> Vec<(String, String)> {
        self.tower("value_net", "value_net")
    }
}

/// An MLP tower: Linear + Tanh per hidden layer, then the linear head.
fn tower<E: Engine>(e: &E, layers: &[(String, String)], x: &E::T) -> Result<E::T> {
    let mut h = x.clone();
    for (i, (w, b)) in layers.iter().enumerate() {
        h = e.linear(&h, &e.param(w)?, Some(&e.param(b)?))?;
        if i + 1 < layers.len() {
            h = e.tanh(&h)?;
        }
    }
    Ok(h)
}

fn greedy<E: Engine>(e: &E, p: &PpoParams, obs: &[f32]) -> Result<Vec<usize>> {
    let n = obs.len() / OBS_DIM;
    e.no_grad(|| {
        let logits = tower(e, &p.actor(), &e.tensor_f32(obs.to_vec(), &[n, OBS_DIM])?)?;
        Ok(argmax_rows(&e.to_vec_f32(&logits)?, N_ACTIONS))
    })
}

/// State values V(obs) of n observations.
fn state_values<E: Engine>(e: &E, p: &PpoParams, obs: &[f32]) -> Result<Vec<f32>> {
    let n = obs.len() / OBS_DIM;
    e.no_grad(|| {
        let v = tower(e, &p.critic(), &e.tensor_f32(obs.to_vec(), &[n, OBS_DIM])?)?;
        e.to_vec_f32(&v)
    })
}

/// Inverse CDF of the categorical with these logits at `u`: the first k with u < P(a <= k), as
/// sb3_ppo.py's DrawnCategorical (which compares against torch's f32 probabilities in f64).
fn inverse_cdf(logits: &[f32], u: f64) -> usize {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let w: Vec<f64> = logits.iter().map(|&l| f64::from(l - max).exp()).collect();
    let total: f64 = w.iter().sum();
    let mut cdf = 0.0;
    for (k, wk) in w.iter().enumerate().take(logits.len() - 1) {
        cdf += wk / total;
        if u < cdf {
            return k;
        }
    }
    logits.len() - 1
}

/// Randoms and tables Python wrote for a PPO cell.
pub struct PpoDraws {
    pub action_u: Array2<f64>,
    pub perm: Array2<i64>,
    pub probe_obs: Array2<f32>,
}

impl PpoDraws {
    pub fn read(dir: &Path) -> Result<Self> {
        Ok(Self {
            action_u: npy(dir, "action_u")?,
            perm: npy(dir, "perm")?,
            probe_obs: npy(dir, "probe_obs")?,
        })
    }
}

/// One rollout as SB3's RolloutBuffer holds it after `swap_and_flatten`: sample `env * n_steps + step`.
struct Rollout {
    obs: Vec<f32>,
    actions: Vec<usize>,
    log_probs: Vec<f32>,
    advantages: Vec<f32>,
    returns: Vec<f32>,
}

/// n_envs CartPoles, env i starting its episodes from rows i, i + n_envs, ... of the training starts
/// (sb3_ppo.py's make_ppo), auto-reset on done as SB3's DummyVecEnv.
struct VecCartPole {
    envs: Vec<CartPole>,
    starts: Vec<Vec<[f64; OBS_DIM]>>,
    resets: Vec<usize>,
}

impl VecCartPole {
    fn new(n: usize, states: &[[f64; OBS_DIM]]) -> Result<Self> {
        let starts: Vec<Vec<[f64; OBS_DIM]>> = (0..n)
            .map(|i| states.iter().skip(i).step_by(n).copied().collect())
            .collect();
        if starts.iter().any(Vec::is_empty) {
            bail!("{} training starts for {n} envs", states.len());
        }
        Ok(Self {
            envs: (0..n).map(|_| CartPole::new()).collect(),
            starts,
            resets: vec![0; n],
        })
    }

    fn reset(&mut self, i: usize) -> [f32; OBS_DIM] {
        let s = self.starts[i][self.resets[i] % self.starts[i].len()];
        self.resets[i] += 1;
        self.envs[i].reset_to(s)
    }
}

/// SB3's `learn()` for PPO (see [`Agent::train_with_hook`]): rollouts of n_steps x n_envs with actions
/// from the pre-drawn uniforms, GAE, then n_epochs passes over pre-drawn permutations in minibatches of
/// batch_size; the hook runs after every vectorised env step, where SB3 calls its callback.
pub fn train_with_hook<E: Engine>(
    e: &mut E,
    p: &PpoParams,
    d: &PpoDraws,
    starts: &[[f64; OBS_DIM]],
    after_step: &mut dyn FnMut(usize, &E) -> Result<()>,
) -> Result<Outcome> {
    let mut venv = VecCartPole::new(p.n_envs, starts)?;
    let mut obs: Vec<[f32; OBS_DIM]> = (0..p.n_envs).map(|i| venv.reset(i)).collect();
    let mut episode_starts = vec![1f32; p.n_envs];
    let (mut t, mut rollouts) = (0usize, 0usize);
    let mut out = Losses::default();
    while t < p.total_timesteps {
        let rollout = collect_rollout(
            e,
            p,
            d,
            &mut venv,
            (&mut obs, &mut episode_starts),
            (rollouts, t),
            after_step,
        )?;
        t += p.rollout_size();
        rollouts += 1;
        let progress_remaining = 1.0 - t as f64 / p.total_timesteps as f64;
        train_rollout(
            e,
            p,
            d,
            &rollout,
            progress_remaining,
            rollouts - 1,
            &mut out,
        )?;
        if p.common.lockstep_updates > 0 && out.total.len() >= p.common.lockstep_updates {
            break;
        }
    }
    let components = BTreeMap::from([
        ("policy".to_string(), out.policy),
        ("value".to_string(), out.value),
    ]);
    Outcome::finish::<E, Ppo>(e, p, out.total, components, t)
}

/// The per-gradient-step losses of a run: the total, and the parts the gate compares by name.
#[derive(Default)]
struct Losses {
    total: Vec<f64>,
    policy: Vec<f64>,
    value: Vec<f64>,
}

/// SB3's `collect_rollouts` and `compute_returns_and_advantage`, float32 where SB3's buffers are.
fn collect_rollout<E: Engine>(
    e: &E,
    p: &PpoParams,
    d: &PpoDraws,
    venv: &mut VecCartPole,
    (obs, episode_starts): (&mut [[f32; OBS_DIM]], &mut [f32]),
    (rollout, t0): (usize, usize),
    after_step: &mut dyn FnMut(usize, &E) -> Result<()>,
) -> Result<Rollout> {
    let (n, m) = (p.n_steps, p.n_envs);
    let gamma = p.gamma as f32;
    // Indexed [step][env] while collecting, as SB3's buffer.
    let mut b_obs = vec![[0f32; OBS_DIM]; n * m];
    let mut b_actions = vec![0usize; n * m];
    let mut b_rewards = vec![0f32; n * m];
    let mut b_starts = vec![0f32; n * m];
    let mut b_values = vec![0f32; n * m];
    let mut b_logp = vec![0f32; n * m];
    for step in 0..n {
        let row = rollout * n + step;
        if row >= d.action_u.nrows() || d.action_u.ncols() != m {
            bail!("pre-drawn action uniforms exhausted at rollout {rollout}, step {step}");
        }
        let flat: Vec<f32> = obs.iter().flatten().copied().collect();
        let (logits, logp, values) = e.no_grad(|| -> Result<_> {
            let x = e.tensor_f32(flat.clone(), &[m, OBS_DIM])?;
            let logits = tower(e, &p.actor(), &x)?;
            let logp = e.log_softmax_last(&logits)?;
            let v = tower(e, &p.critic(), &x)?;
            Ok((
                e.to_vec_f32(&logits)?,
                e.to_vec_f32(&logp)?,
                e.to_vec_f32(&v)?,
            ))
        })?;
        for i in 0..m {
            let a = inverse_cdf(
                &logits[i * N_ACTIONS..(i + 1) * N_ACTIONS],
                d.action_u[[row, i]],
            );
            let s = venv.envs[i].step(a)?;
            let mut reward = s.reward;
            // SB3 bootstraps a time-limit truncation with the value of the terminal observation.
            if s.truncated && !s.terminated {
                reward += gamma * state_values(e, p, &s.obs)?[0];
            }
            let k = step * m + i;
            (b_obs[k], b_actions[k], b_rewards[k]) = (obs[i], a, reward);
            (b_starts[k], b_values[k]) = (episode_starts[i], values[i]);
            b_logp[k] = logp[i * N_ACTIONS + a];
            let done = s.terminated || s.truncated;
            obs[i] = if done { venv.reset(i) } else { s.obs };
            episode_starts[i] = if done { 1.0 } else { 0.0 };
        }
        // SB3 counts num_timesteps by n_envs per step, then calls the callback.
        after_step(t0 + (step + 1) * m, e)?;
    }
    let flat: Vec<f32> = obs.iter().flatten().copied().collect();
    let last_values = state_values(e, p, &flat)?;
    // GAE exactly as SB3's numpy float32 loop: gamma and gamma * lambda rounded to f32 first.
    let gl = (p.gamma * p.gae_lambda) as f32;
    let mut advantages = vec![0f32; n * m];
    for i in 0..m {
        let mut last_gae = 0f32;
        for step in (0..n).rev() {
            let (next_non_terminal, next_value) = if step == n - 1 {
                (1.0 - episode_starts[i], last_values[i])
            } else {
                let k = (step + 1) * m + i;
                (1.0 - b_starts[k], b_values[k])
            };
            let k = step * m + i;
            let delta = b_rewards[k] + gamma * next_value * next_non_terminal - b_values[k];
            last_gae = delta + gl * next_non_terminal * last_gae;
            advantages[k] = last_gae;
        }
    }
    // swap_and_flatten: sample env * n_steps + step.
    let mut r = Rollout {
        obs: Vec::with_capacity(n * m * OBS_DIM),
        actions: Vec::with_capacity(n * m),
        log_probs: Vec::with_capacity(n * m),
        advantages: Vec::with_capacity(n * m),
        returns: Vec::with_capacity(n * m),
    };
    for i in 0..m {
        for step in 0..n {
            let k = step * m + i;
            r.obs.extend(b_obs[k]);
            r.actions.push(b_actions[k]);
            r.log_probs.push(b_logp[k]);
            r.advantages.push(advantages[k]);
            r.returns.push(advantages[k] + b_values[k]);
        }
    }
    Ok(r)
}

/// SB3's `PPO.train` over one rollout: learning rate and clip range from the linear schedules, then
/// n_epochs passes in the pre-drawn order, one clipped-surrogate + value-loss step per minibatch.
fn train_rollout<E: Engine>(
    e: &mut E,
    p: &PpoParams,
    d: &PpoDraws,
    r: &Rollout,
    progress_remaining: f64,
    rollout: usize,
    out: &mut Losses,
) -> Result<()> {
    e.set_lr(progress_remaining * p.common.learning_rate);
    let clip = progress_remaining * p.clip_range;
    let size = p.rollout_size();
    let (actor, critic) = (p.actor(), p.critic());
    for epoch in 0..p.n_epochs {
        let row = rollout * p.n_epochs + epoch;
        if row >= d.perm.nrows() || d.perm.ncols() != size {
            bail!("pre-drawn permutations exhausted at rollout {rollout}, epoch {epoch}");
        }
        let order: Vec<usize> = d.perm.row(row).iter().map(|&i| i as usize).collect();
        for idx in order.chunks(p.batch_size) {
            let b = idx.len();
            let mut obs = Vec::with_capacity(b * OBS_DIM);
            let mut onehot = vec![0f32; b * N_ACTIONS];
            let (mut old_logp, mut adv, mut ret) = (Vec::new(), Vec::new(), Vec::new());
            for (row, &i) in idx.iter().enumerate() {
                if i >= size {
                    bail!("permutation entry {i} beyond the rollout's {size} samples");
                }
                obs.extend_from_slice(&r.obs[i * OBS_DIM..(i + 1) * OBS_DIM]);
                onehot[row * N_ACTIONS + r.actions[i]] = 1.0;
                old_logp.push(r.log_probs[i]);
                adv.push(r.advantages[i]);
                ret.push(r.returns[i]);
            }
            if b > 1 {
                normalise(&mut adv);
            }
            let x = e.tensor_f32(obs, &[b, OBS_DIM])?;
            let logp_all = e.log_softmax_last(&tower(e, &actor, &x)?)?;
            // The taken action's log-probability as a one-hot product: exact, same gradient as gather.
            let logp = e.sum_last(&e.mul(&logp_all, &e.tensor_f32(onehot, &[b, N_ACTIONS])?)?)?;
            let values = tower(e, &critic, &x)?;
            let ratio = e.exp(&e.sub(&logp, &e.tensor_f32(old_logp, &[b])?)?)?;
            let adv = e.tensor_f32(adv, &[b])?;
            let surrogate = e.mul(&adv, &ratio)?;
            let clipped = e.mul(&adv, &e.clamp(&ratio, 1.0 - clip, 1.0 + clip)?)?;
            let policy_loss =
                e.affine(&e.mean_all(&e.minimum(&surrogate, &clipped)?)?, -1.0, 0.0)?;
            let value_loss = e.mse(&values, &e.tensor_f32(ret, &[b])?)?;
            // Entropy of the categorical, -sum p log p; its loss is -mean(entropy).
            let neg_entropy = e.sum_last(&e.mul(&e.exp(&logp_all)?, &logp_all)?)?;
            let entropy_loss = e.mean_all(&neg_entropy)?;
            let loss = e.add(
                &e.add(&policy_loss, &e.affine(&entropy_loss, p.ent_coef, 0.0)?)?,
                &e.affine(&value_loss, p.vf_coef, 0.0)?,
            )?;
            out.policy.push(f64::from(e.to_vec_f32(&policy_loss)?[0]));
            out.value.push(f64::from(e.to_vec_f32(&value_loss)?[0]));
            // Read every step, as SB3's PPO.train reads its losses (`.item()`).
            let total = e.step(&loss)?;
            out.total.push(f64::from(e.to_vec_f32(&total)?[0]));
        }
    }
    Ok(())
}

/// (a - mean) / (std + 1e-8) with the unbiased std, as SB3 (computed in f64, stored as f32).
fn normalise(a: &mut [f32]) {
    let n = a.len() as f64;
    let mean = a.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = a
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / (n - 1.0);
    let scale = var.sqrt() + ADV_EPS;
    for v in a.iter_mut() {
        *v = ((f64::from(*v) - mean) / scale) as f32;
    }
}

/// PPO as an [`Agent`].
pub struct Ppo;

impl Agent for Ppo {
    const NAME: &'static str = "ppo";
    /// DQN's phases less `env_steps`: the DQN cell already times the same env on the same actions.
    const PHASES: &'static [&'static str] = &["infer_b1", "infer_b256", "train_lockstep"];
    type Params = PpoParams;
    type Draws = PpoDraws;

    fn params(cell: &Cell) -> Result<PpoParams> {
        PpoParams::from_cell(cell)
    }

    fn common(p: &PpoParams) -> &CommonParams {
        &p.common
    }

    fn draws(dir: &Path) -> Result<PpoDraws> {
        PpoDraws::read(dir)
    }

    fn probe_obs(d: &PpoDraws) -> &Array2<f32> {
        &d.probe_obs
    }

    fn trainable(p: &PpoParams) -> Vec<String> {
        p.actor()
            .into_iter()
            .chain(p.critic())
            .flat_map(|(w, b)| [w, b])
            .collect()
    }

    fn expected_updates(p: &PpoParams) -> Option<usize> {
        Some(p.lockstep_schedule().1)
    }

    /// Same list as ppo_spec.py's FIXED_IN_CODE.
    fn fixed_in_code() -> Value {
        serde_json::json!({
            "learning_rate_schedule": "linear: learning_rate * progress_remaining (rl-zoo's lin_)",
            "clip_range_schedule": "linear: clip_range * progress_remaining (rl-zoo's lin_)",
            "activation": "Tanh",
            "net_arch": "separate pi and vf MLPs",
            "ortho_init": true,
            "normalize_advantage": true,
            "advantage_std_eps": ADV_EPS,
            "clip_range_vf": null,
            "target_kl": null,
            "timeout_bootstrap": "reward += gamma * V(terminal obs) on truncation",
            "amsgrad": false,
        })
    }

    fn greedy<E: Engine>(e: &E, p: &PpoParams, obs: &[f32]) -> Result<Vec<usize>> {
        greedy(e, p, obs)
    }

    fn train_with_hook<E: Engine>(
        e: &mut E,
        p: &PpoParams,
        d: &PpoDraws,
        starts: &[[f64; OBS_DIM]],
        after_step: &mut dyn FnMut(usize, &E) -> Result<()>,
    ) -> Result<Outcome> {
        train_with_hook(e, p, d, starts, after_step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_cdf_picks_the_first_bucket_above_u() {
        // Equal logits: P(0) = 0.5.
        assert_eq!(inverse_cdf(&[0.3, 0.3], 0.49), 0);
        assert_eq!(inverse_cdf(&[0.3, 0.3], 0.5), 1);
        // ln 3: P(0) = 0.75.
        let l = [3f32.ln(), 0.0];
        assert_eq!(inverse_cdf(&l, 0.74), 0);
        assert_eq!(inverse_cdf(&l, 0.76), 1);
        assert_eq!(inverse_cdf(&[0.0, 0.0, 0.0], 0.999), 2);
    }

    #[test]
    fn normalise_matches_sb3s_unbiased_std() {
        let mut a = [1.0f32, 2.0, 3.0, 4.0];
        normalise(&mut a);
        let sd = (5.0f64 / 3.0).sqrt() + ADV_EPS;
        for (got, x) in a.iter().zip([1.0, 2.0, 3.0, 4.0]) {
            assert!((f64::from(*got) - (x - 2.5) / sd).abs() < 1e-6);
        }
    }
}
