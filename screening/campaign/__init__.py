"""Campaigns: what to screen (the validated file), the objectives, ranking and next batch."""
