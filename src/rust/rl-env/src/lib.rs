//! Classic-control environments for pairbench's reinforcement-learning domain.
//!
//! The dynamics are gymnasium 1.4's, operation for operation in f64, so that a trace recorded from
//! gymnasium replays here with bit-identical states (tests/replay.rs). Reset randomness is not
//! ported: numpy's generator is Python's business, so Python exports a table of initial states and
//! both sides read it (see [`CartPole::reset_to`], [`Acrobot::reset_to`]).

pub mod acrobot;
pub mod cartpole;

pub use acrobot::Acrobot;
pub use cartpole::CartPole;

/// What one `step` returns, as gymnasium's 5-tuple (the info dict is always empty).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step<const N: usize> {
    pub obs: [f32; N],
    pub reward: f32,
    pub terminated: bool,
    pub truncated: bool,
}
