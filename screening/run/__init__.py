"""Running a campaign: the run folder, chunks on workers, checkpoints and the final tables."""
