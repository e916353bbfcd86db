"""HunyuanVideo, re-implemented with the official checkpoint's parameter names.

The model package knows nothing of the evaluation suite (it never imports `evalsuite`). The diffusion
transformer, the causal 3D VAE, the text encoders and the sampler arrive with their own issues; until
then the suite evaluates videos made by any system through the `videos_dir` model.
"""

__all__: list[str] = []
