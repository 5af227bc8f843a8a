"""Quality metrics, implemented once here and checked against scikit-learn's in the tests."""
