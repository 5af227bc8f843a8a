"""Statistics layer: from raw result JSON to tidy tables, comparisons with CIs, and figures."""
