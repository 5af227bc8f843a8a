//! pairbench's RL agents, written once over deep-common's [`pairbench_deep::ops::Engine`] so the same
//! code runs on candle and tch, on the environments of `pairbench-rl-env`: one lockstep-agent layer
//! ([`agent`]: the `Agent` trait, `LockstepBench` for the `policy` task, `CommonParams`, `Outcome`,
//! `evaluate`), DQN ([`rl`]) and PPO ([`ppo`]) plugged into it, and training to the threshold
//! ([`rl_eval`]: `SolveBench` for the `solve` task). A binary serves the domain through
//! [`agent::domain`]. Mirrors src/python/pairbench/tasks/rl (same names, same shape).

pub mod agent;
pub mod ppo;
pub mod rl;
pub mod rl_eval;
