"""The prompts: which ones a profile needs, checking the WAVs, building them from texts."""
