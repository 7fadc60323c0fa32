"""Reading runs: SQL over a run's tables and its HTML report."""
