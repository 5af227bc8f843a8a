"""Reinforcement learning: gymnasium + stable-baselines3 vs the Rust environment and agents (candle, tch).

Importing this package does not import gymnasium, stable-baselines3 or torch: phase 1 must work
where they are absent and say so.
"""

DOMAIN = "rl"
