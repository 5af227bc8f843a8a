//! CartPole-v1 (gymnasium 1.4 `CartPoleEnv` under its `TimeLimit(500)`), Euler integration.

use anyhow::{bail, Result};

use crate::Step;

const GRAVITY: f64 = 9.8;
const MASSCART: f64 = 1.0;
const MASSPOLE: f64 = 0.1;
const TOTAL_MASS: f64 = MASSPOLE + MASSCART;
const LENGTH: f64 = 0.5;
const POLEMASS_LENGTH: f64 = MASSPOLE * LENGTH;
const FORCE_MAG: f64 = 10.0;
const TAU: f64 = 0.02;
const X_THRESHOLD: f64 = 2.4;
/// Computed at run time in the same order as gymnasium (`12 * 2 * math.pi / 360`).
fn theta_threshold() -> f64 {
    12.0 * 2.0 * std::f64::consts::PI / 360.0
}

pub const OBS_DIM: usize = 4;
pub const N_ACTIONS: usize = 2;
pub const MAX_EPISODE_STEPS: u32 = 500;

#[derive(Debug, Clone)]
pub struct CartPole {
    /// (x, x_dot, theta, theta_dot), f64 as in gymnasium.
    pub state: [f64; OBS_DIM],
    pub elapsed: u32,
    theta_threshold: f64,
}

impl Default for CartPole {
    fn default() -> Self {
        Self::new()
    }
}

impl CartPole {
    pub fn new() -> Self {
        Self {
            state: [0.0; OBS_DIM],
            elapsed: 0,
            theta_threshold: theta_threshold(),
        }
    }

    /// Start an episode from a state of the shared initial-state table.
    pub fn reset_to(&mut self, state: [f64; OBS_DIM]) -> [f32; OBS_DIM] {
        self.state = state;
        self.elapsed = 0;
        self.obs()
    }

    pub fn obs(&self) -> [f32; OBS_DIM] {
        self.state.map(|v| v as f32)
    }

    /// Reward 1 on every step, the terminal one too.
    pub fn step(&mut self, action: usize) -> Result<Step<OBS_DIM>> {
        if action >= N_ACTIONS {
            bail!("CartPole: action {action} invalid; allowed: 0, 1");
        }
        let [x, x_dot, theta, theta_dot] = self.state;
        let force = if action == 1 { FORCE_MAG } else { -FORCE_MAG };
        let costheta = theta.cos();
        let sintheta = theta.sin();
        // Parenthesised exactly as gymnasium evaluates it (left to right): any reordering changes
        // the last bit, and the replay test asserts bit equality.
        let temp = (force + POLEMASS_LENGTH * (theta_dot * theta_dot) * sintheta) / TOTAL_MASS;
        let thetaacc = (GRAVITY * sintheta - costheta * temp)
            / (LENGTH * (4.0 / 3.0 - MASSPOLE * (costheta * costheta) / TOTAL_MASS));
        let xacc = temp - POLEMASS_LENGTH * thetaacc * costheta / TOTAL_MASS;
        self.state = [
            x + TAU * x_dot,
            x_dot + TAU * xacc,
            theta + TAU * theta_dot,
            theta_dot + TAU * thetaacc,
        ];
        self.elapsed += 1;
        let [x, _, theta, _] = self.state;
        // gymnasium's comparisons verbatim: `!range.contains` would call a NaN state terminated.
        #[allow(clippy::manual_range_contains)]
        let terminated = x < -X_THRESHOLD
            || x > X_THRESHOLD
            || theta < -self.theta_threshold
            || theta > self.theta_threshold;
        Ok(Step {
            obs: self.obs(),
            reward: 1.0,
            terminated,
            truncated: self.elapsed >= MAX_EPISODE_STEPS,
        })
    }
}
