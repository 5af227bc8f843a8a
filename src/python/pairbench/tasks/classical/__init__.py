"""Classical ML on the Python side: scikit-learn estimators, one registered function per algorithm.

The modules here import scikit-learn where an estimator is built, not at the top: registering their
algorithms happens in every pipeline step that reads the catalogue (the config check, phase 1), and
importing scikit-learn costs about 2 s of each. A timed launch imports it before anything is timed.
"""

DOMAIN = "classical_ml"
