"""Measurement layer: timers, resource sampling, thread pinning, environment capture, process launch."""
