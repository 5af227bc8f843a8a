"""Phase 2 (verb `build`): each implementation's release build, identity, cost, effort, known defects."""
