"""Datasets: loaders (one function each, registered by source name) and their materialisation.

Every dataset is produced once by Python, split and written as `.npy` with a sha256 manifest;
both sides read those exact bytes.
"""
