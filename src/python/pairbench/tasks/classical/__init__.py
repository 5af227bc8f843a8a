"""Classical ML on the Python side: scikit-learn estimators, one registered function per algorithm."""

DOMAIN = "classical_ml"
