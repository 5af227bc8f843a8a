//! Acrobot-v1 (gymnasium 1.4 `AcrobotEnv` under its `TimeLimit(500)`): the book's dynamics
//! (`book_or_nips = "book"`), one step of gymnasium's `rk4` over `[0, dt]`, no torque noise.
//!
//! Every expression keeps gymnasium's operation order (Python evaluates left to right, as Rust
//! does), because any reordering changes the last bit and the replay test asserts bit equality.
//! Gymnasium works on numpy float64 scalars and 5-element float64 arrays: each scalar or
//! element-wise operation is one IEEE double operation, and numpy 2.4's float64 `sin`/`cos` gave
//! libm's result for all of 1.2 million arguments in [-13, 13] (checked on the X86_V3 build).

use std::f64::consts::PI;
use std::hint::black_box;

use anyhow::{bail, Result};

use crate::Step;

const DT: f64 = 0.2;
const LINK_LENGTH_1: f64 = 1.0;
const LINK_MASS_1: f64 = 1.0;
const LINK_MASS_2: f64 = 1.0;
const LINK_COM_POS_1: f64 = 0.5;
const LINK_COM_POS_2: f64 = 0.5;
const LINK_MOI: f64 = 1.0;
const GRAVITY: f64 = 9.8;
const MAX_VEL_1: f64 = 4.0 * PI;
const MAX_VEL_2: f64 = 9.0 * PI;
const AVAIL_TORQUE: [f64; N_ACTIONS] = [-1.0, 0.0, 1.0];

/// (theta1, theta2, dtheta1, dtheta2), f64 as in gymnasium.
pub const STATE_DIM: usize = 4;
/// (cos theta1, sin theta1, cos theta2, sin theta2, dtheta1, dtheta2), f32.
pub const OBS_DIM: usize = 6;
pub const N_ACTIONS: usize = 3;
pub const MAX_EPISODE_STEPS: u32 = 500;

#[derive(Debug, Clone, Default)]
pub struct Acrobot {
    pub state: [f64; STATE_DIM],
    pub elapsed: u32,
}

impl Acrobot {
    pub fn new() -> Self {
        Self::default()
    }

    /// Start an episode from a state of the shared initial-state table (gymnasium draws float32
    /// states; their f64 values are exact).
    pub fn reset_to(&mut self, state: [f64; STATE_DIM]) -> [f32; OBS_DIM] {
        self.state = state;
        self.elapsed = 0;
        self.obs()
    }

    pub fn obs(&self) -> [f32; OBS_DIM] {
        let [theta1, theta2, dtheta1, dtheta2] = self.state;
        [
            theta1.cos(),
            theta1.sin(),
            theta2.cos(),
            theta2.sin(),
            dtheta1,
            dtheta2,
        ]
        .map(|v| v as f32)
    }

    /// Reward -1 on every step but the terminal one, which gets 0.
    pub fn step(&mut self, action: usize) -> Result<Step<OBS_DIM>> {
        if action >= N_ACTIONS {
            bail!("Acrobot: action {action} invalid; allowed: 0, 1, 2");
        }
        let [theta1, theta2, dtheta1, dtheta2] = self.state;
        let ns = rk4([theta1, theta2, dtheta1, dtheta2, AVAIL_TORQUE[action]]);
        self.state = [
            wrap(ns[0], -PI, PI),
            wrap(ns[1], -PI, PI),
            bound(ns[2], -MAX_VEL_1, MAX_VEL_1),
            bound(ns[3], -MAX_VEL_2, MAX_VEL_2),
        ];
        self.elapsed += 1;
        let terminated = self.terminal();
        Ok(Step {
            obs: self.obs(),
            reward: if terminated { 0.0 } else { -1.0 },
            terminated,
            truncated: self.elapsed >= MAX_EPISODE_STEPS,
        })
    }

    /// The free end is above the target height.
    fn terminal(&self) -> bool {
        let [theta1, theta2, _, _] = self.state;
        -theta1.cos() - (theta2 + theta1).cos() > 1.0
    }
}

/// `x**2` of a numpy float64 is libm's `pow(x, 2.0)`, which differs from `x * x` in the last bit for
/// about one value in a thousand. `black_box` keeps LLVM from rewriting the call as `x * x`.
fn pow2(x: f64) -> f64 {
    x.powf(black_box(2.0))
}

/// `AcrobotEnv._dsdt`, book dynamics, over (theta1, theta2, dtheta1, dtheta2, torque). The squares of
/// the Python-float constants (`lc1**2`, ...) are exact (1 and 0.25), so they are written as products.
fn dsdt(s: &[f64; STATE_DIM + 1]) -> [f64; STATE_DIM + 1] {
    let (m1, m2) = (LINK_MASS_1, LINK_MASS_2);
    let l1 = LINK_LENGTH_1;
    let (lc1, lc2) = (LINK_COM_POS_1, LINK_COM_POS_2);
    let (i1, i2) = (LINK_MOI, LINK_MOI);
    let g = GRAVITY;
    let a = s[4];
    let [theta1, theta2, dtheta1, dtheta2] = [s[0], s[1], s[2], s[3]];
    let d1 =
        m1 * (lc1 * lc1) + m2 * (l1 * l1 + lc2 * lc2 + 2.0 * l1 * lc2 * theta2.cos()) + i1 + i2;
    let d2 = m2 * (lc2 * lc2 + l1 * lc2 * theta2.cos()) + i2;
    let phi2 = m2 * lc2 * g * (theta1 + theta2 - PI / 2.0).cos();
    let phi1 = -m2 * l1 * lc2 * pow2(dtheta2) * theta2.sin()
        - 2.0 * m2 * l1 * lc2 * dtheta2 * dtheta1 * theta2.sin()
        + (m1 * lc1 + m2 * l1) * g * (theta1 - PI / 2.0).cos()
        + phi2;
    let ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * pow2(dtheta1) * theta2.sin() - phi2)
        / (m2 * (lc2 * lc2) + i2 - pow2(d2) / d1);
    let ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
    [dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0]
}

/// gymnasium's `rk4(derivs, y0, [0, dt])`: its one step, each line one numpy array expression
/// evaluated element by element.
fn rk4(y0: [f64; STATE_DIM + 1]) -> [f64; STATE_DIM + 1] {
    // `dt = t[i + 1] - t[i]` with t = [0, self.dt].
    let dt = DT - 0.0;
    let dt2 = dt / 2.0;
    let axpy = |k: [f64; STATE_DIM + 1], h: f64| std::array::from_fn(|i| y0[i] + h * k[i]);
    let k1 = dsdt(&y0);
    let k2 = dsdt(&axpy(k1, dt2));
    let k3 = dsdt(&axpy(k2, dt2));
    let k4 = dsdt(&axpy(k3, dt));
    std::array::from_fn(|i| y0[i] + dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]))
}

/// gymnasium's `wrap`: shift by whole turns into [m, big_m]. A non-finite value is returned as it is
/// (gymnasium would loop forever on an infinity).
fn wrap(mut x: f64, m: f64, big_m: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let diff = big_m - m;
    while x > big_m {
        x -= diff;
    }
    while x < m {
        x += diff;
    }
    x
}

/// gymnasium's `bound`, Python's `min(max(x, m), big_m)`: the same value as `clamp` for these
/// bounds (nonzero, m < big_m), a NaN included.
fn bound(x: f64, m: f64, big_m: f64) -> f64 {
    x.clamp(m, big_m)
}
