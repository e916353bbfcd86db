"""OpenAI CLIP through open_clip: the image and text towers VBench loads with `clip.load(path)`.

The registry's files are OpenAI's own `ViT-B-32.pt` / `ViT-L-14.pt` (TorchScript archives of fp16
weights); open_clip rebuilds the same architecture from the archive's state dict (or from a plain state
dict with OpenAI's key names, which is how tests write tiny checkpoints), in fp32 on the CPU. VBench runs
the same weights in fp16 on a GPU (`clip.load` casts them); on a CPU both are fp32.

When no metric of the run embeds text, only the image tower is built (`load_clip(..., text=False)`), on
the meta device, and given the archive's visual tensors as they are, after the text tower's were
dropped (never read: the archive is memory-mapped, networks/torchscript.py). Its residual blocks keep
their matrices in fp16, OpenAI's own values, and cast them to fp32
only while the block runs (`hold_block_matrices`): fp32 holds every fp16 value exactly, so every
product is the one an fp32 model computes, bit for bit, and ViT-L/14's image tower holds 0.6 GB instead
of 1.2 GB (and its load no longer holds the archive beside a whole fp32 model, 2.6 GB). Under the
fast profile's bf16 autocast they are held in bf16 instead, once.

Random weights (tests, `weights.allow_random`) are rounded to fp16 where OpenAI's files hold fp16, so
they behave as a real file does; the image tower alone gets the RNG draws it gets first inside a whole
open_clip CLIP, so its weights are those of the whole model.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import torch

from evalsuite.networks.torchscript import is_torchscript, torchscript_tensors

# open_clip's architecture names for the random-weights builds (`weights.allow_random`, tests).
ARCHITECTURES = {"clip_vit_b32": "ViT-B-32-quickgelu", "clip_vit_l14": "ViT-L-14-quickgelu"}
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


class CLIPNetwork(torch.nn.Module):
    """A CLIP model, or its image tower alone, plus OpenAI's tokenizer: `embed_images` and `embed_texts`
    give unnormalised embeddings."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        import open_clip

        self.model = model.eval()
        self.tokenizer = open_clip.get_tokenizer("ViT-B-32")  # OpenAI's BPE, 77 tokens, for every OpenAI CLIP

    @property
    def has_text_tower(self) -> bool:
        return hasattr(self.model, "encode_text")

    def embed_images(self, images: torch.Tensor) -> torch.Tensor:
        return self.model.encode_image(images) if self.has_text_tower else self.model(images)

    def embed_texts(self, texts: list[str]) -> torch.Tensor:
        if not self.has_text_tower:
            raise RuntimeError(
                "this CLIP was loaded without its text tower: get it with pool.get(name, text=True)"
            )
        device = next(self.model.parameters()).device
        return self.model.encode_text(self.tokenizer(texts).to(device))


def load_clip(
    path: Path | None, network: str, text: bool = False, autocast: torch.dtype | None = None
) -> CLIPNetwork:
    """CLIP from an OpenAI checkpoint file, or with random weights (seeded by the caller) when `path` is
    None; without `text`, its image tower only, its blocks held for the run's `autocast` dtype (None: fp32)."""
    import open_clip
    from open_clip.model import convert_weights_to_fp16

    if text:
        if path is None:
            model = open_clip.create_model(ARCHITECTURES[network], pretrained=None)
            convert_weights_to_fp16(model)  # OpenAI's precision, as a real file has it
            return CLIPNetwork(model.float())
        return CLIPNetwork(open_clip.load_openai_model(str(path), precision="fp32", device="cpu"))
    if path is None:
        config = open_clip.get_model_config(ARCHITECTURES[network])
        tower = _vision_tower(config["embed_dim"], config["vision_cfg"], config.get("quick_gelu", False))
        convert_weights_to_fp16(tower)
        return CLIPNetwork(lean_activations(hold_block_matrices(tower, autocast)))
    return CLIPNetwork(lean_activations(hold_block_matrices(_image_tower_from_file(path), autocast)))


def hold_block_matrices(tower: torch.nn.Module, autocast: torch.dtype | None = None) -> torch.nn.Module:
    """Keep the fp16 matrices of each residual block in fp16 between calls and in fp32 while the block
    runs; everything outside the blocks (the patch stem, embeddings, the projection: small) in fp32.
    The casts are exact both ways (the values are fp16 values), so the outputs are an fp32 model's.

    Under the fast profile's `autocast` (bf16 on a CPU), the block matrices are instead cast to that dtype
    once, here, and kept so. Every op that reads them (linear, attention's projections) runs in that dtype
    under autocast, which would cast them at each call and keep the casts in its weight cache, a second
    copy (0.6 GB for L/14, which made the fast run's peak). With its weights in bf16 attention takes
    PyTorch's fused path, so the features are within bf16 rounding of autocast over fp32 weights, not
    bit-equal to them; the fast profile's measured error includes it."""
    for name, param in tower.named_parameters():
        if not name.startswith("transformer.resblocks."):
            param.data = param.data.float()
    for block in tower.transformer.resblocks:
        held = [(p, p.data) for p in block.parameters() if p.dtype == torch.float16]
        if autocast is not None:
            for param, fp16 in held:
                param.data = fp16.to(autocast)
            continue
        block.register_forward_pre_hook(lambda _module, _args, held=held: _upcast(held))
        block.register_forward_hook(lambda _module, _args, _out, held=held: _restore(held))
    return tower


class InPlaceQuickGELU(torch.nn.Module):
    """OpenAI's QuickGELU, x·sigmoid(1.702·x), with one temporary instead of two when no gradient is
    taken: open_clip's `x * torch.sigmoid(1.702 * x)` holds the MLP's hidden activations three times at
    once (x, 1.702·x, the sigmoid), 0.12-0.16 GiB of ViT-L/14's peak at 480p. The same operations on the
    same values, so the output is bit-identical (test)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled() and x.requires_grad:
            return x * torch.sigmoid(1.702 * x)
        gate = x * 1.702
        gate.sigmoid_()
        return gate.mul_(x)


def lean_activations(tower: torch.nn.Module) -> torch.nn.Module:
    """The image tower's QuickGELUs replaced by `InPlaceQuickGELU` (same values, less memory)."""
    from open_clip.transformer import QuickGELU

    for block in tower.transformer.resblocks:
        if isinstance(block.mlp.gelu, QuickGELU):
            block.mlp.gelu = InPlaceQuickGELU()
    return tower


def _upcast(held: list[tuple[torch.nn.Parameter, torch.Tensor]]) -> None:
    for param, fp16 in held:
        param.data = fp16.float()


def _restore(held: list[tuple[torch.nn.Parameter, torch.Tensor]]) -> None:
    for param, fp16 in held:  # the kept fp16 tensor itself: nothing is cast or allocated
        param.data = fp16


def _vision_tower(embed_dim: int, vision_cfg, quick_gelu: bool) -> torch.nn.Module:
    from open_clip.model import _build_vision_tower

    return _build_vision_tower(embed_dim, vision_cfg, quick_gelu=quick_gelu)


def _image_tower_from_file(path: Path) -> torch.nn.Module:
    """OpenAI's image tower (`visual.*`), built as open_clip's `build_model_from_openai_state_dict` does."""
    from open_clip.model import CLIPVisionCfg, convert_weights_to_fp16

    visual = {
        k.removeprefix("visual."): v for k, v in _openai_state_dict(path).items() if k.startswith("visual.")
    }
    if "proj" not in visual:
        raise ValueError(f"{path} holds no CLIP ViT image tower (no visual.proj)")
    width, _, patch, _ = visual["conv1.weight"].shape
    config = CLIPVisionCfg(
        layers=sum(k.endswith(".attn.in_proj_weight") for k in visual),
        width=width,
        patch_size=patch,
        image_size=patch * round((visual["positional_embedding"].shape[0] - 1) ** 0.5),
    )
    with torch.device("meta"):
        tower = _vision_tower(visual["proj"].shape[1], config, quick_gelu=True)  # OpenAI's QuickGELU
    # open_clip's loader (as OpenAI's `clip.load`) loads into a model whose matrices are fp16: the same
    # rounding here, a no-op on OpenAI's files, whose matrices are fp16 already.
    convert_weights_to_fp16(tower)
    dtypes = {k: v.dtype for k, v in tower.state_dict().items()}
    if is_torchscript(path):  # a tensor held as a plain attribute is not the module's state: left out
        visual = {k: v for k, v in visual.items() if k in dtypes}
    for key in list(visual):
        visual[key] = visual[key].to(dtypes.get(key, torch.float32))
    tower.load_state_dict(visual, strict=True, assign=True)
    left = [n for n, t in [*tower.named_parameters(), *tower.named_buffers()] if t.is_meta]
    if left:
        raise ValueError(f"{path}: the image tower's {', '.join(left)} were not in the file")
    return tower


def _openai_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of OpenAI's TorchScript archive, or of a plain state dict, as views of the mapped file
    (networks/torchscript.py): the tensors nobody touches, the text tower's when only the image tower
    is built, are never read into memory."""
    if is_torchscript(path):
        return torchscript_tensors(path)
    return torch.load(path, map_location="cpu", weights_only=True, mmap=zipfile.is_zipfile(path))
