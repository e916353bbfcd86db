"""The data contracts every stage shares: videos, prompt sets and the run manifest."""
