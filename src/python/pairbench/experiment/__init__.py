"""Phase 3 and the scaling study: the sides run outside the timed loop (quality gate, CV folds, sizes)."""
