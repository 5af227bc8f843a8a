"""pairbench: paired Python-vs-Rust machine-learning benchmarks with sound statistics."""

__version__ = "0.1.0"
