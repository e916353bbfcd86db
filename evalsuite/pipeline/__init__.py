"""The eval job's stages, in order: prompts -> videos + manifest -> scores -> report."""
