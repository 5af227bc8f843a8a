"""Phase 1: the config files and run params, checked by one validator, and the cells they select."""
