"""OpenAI CLIP through open_clip: the image and text towers VBench loads with `clip.load(path)`.

The registry's files are OpenAI's own `ViT-B-32.pt` / `ViT-L-14.pt` (TorchScript archives);
`open_clip.load_openai_model` rebuilds the same architecture from the archive's state dict (or from a
plain state dict with OpenAI's key names, which is how tests write tiny checkpoints), in fp32 on the
CPU. VBench runs the same weights in fp16 on a GPU (`clip.load` casts them); on a CPU both are fp32.
"""

from __future__ import annotations

from pathlib import Path

import torch

# open_clip's architecture names for the random-weights builds (`weights.allow_random`, tests).
ARCHITECTURES = {"clip_vit_b32": "ViT-B-32-quickgelu", "clip_vit_l14": "ViT-L-14-quickgelu"}
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


class CLIPNetwork(torch.nn.Module):
    """A CLIP model plus its tokenizer: `embed_images` and `embed_texts` give unnormalised embeddings."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        import open_clip

        self.model = model.eval()
        self.tokenizer = open_clip.get_tokenizer("ViT-B-32")  # OpenAI's BPE, 77 tokens, for every OpenAI CLIP

    def embed_images(self, images: torch.Tensor) -> torch.Tensor:
        return self.model.encode_image(images)

    @property
    def has_text_tower(self) -> bool:
        return hasattr(self.model, "transformer")

    def drop_text_tower(self) -> None:
        """Free the text tower (ViT-L/14: 123 M parameters, 0.5 GB in fp32) when no metric of the run
        embeds text; the image tower and its features are untouched."""
        for name in (
            "transformer",
            "token_embedding",
            "ln_final",
            "text_projection",
            "positional_embedding",
            "attn_mask",
        ):
            if hasattr(self.model, name):
                delattr(self.model, name)

    def embed_texts(self, texts: list[str]) -> torch.Tensor:
        if not self.has_text_tower:
            raise RuntimeError(
                "this CLIP was loaded without its text tower: get it with pool.get(name, text=True)"
            )
        device = next(self.model.parameters()).device
        return self.model.encode_text(self.tokenizer(texts).to(device))


def load_clip(path: Path | None, network: str) -> CLIPNetwork:
    """CLIP from an OpenAI checkpoint file, or with random weights (seeded by the caller) when `path` is None."""
    import open_clip

    if path is None:
        return CLIPNetwork(open_clip.create_model(ARCHITECTURES[network], pretrained=None))
    return CLIPNetwork(open_clip.load_openai_model(str(path), precision="fp32", device="cpu"))
