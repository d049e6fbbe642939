"""digestbot's benchmarks: ``python -m bench`` (``make bench``) prints every figure in one run."""
