"""Deep learning: CNN and RNN training and inference, PyTorch vs candle vs tch from identical weights.

Importing this package (and the task modules the registry loads) does not import torch: phase 1 and
config validation must work on a machine where torch is absent, and say so instead of crashing.
"""

DOMAIN = "deep_learning"
