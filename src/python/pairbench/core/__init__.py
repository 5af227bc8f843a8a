"""Shared by every phase, as Rust's pairbench-core: the cell and result contracts, names, paths, plugins."""
