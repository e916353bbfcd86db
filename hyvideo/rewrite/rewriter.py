"""Prompt rewrite: an LLM turns the user's prompt into the kind of prompt the video model was trained on.

Two backends, both offline-capable:
- `TransformersChatBackend`: a local causal LM folder (or a GGUF file inside it, which transformers
  de-quantises on load), greedy decoding, so the same prompt always gives the same rewrite;
- `OpenAIChatBackend`: any OpenAI-compatible `/chat/completions` endpoint (vLLM, llama.cpp's server,
  Ollama, a hosted API), temperature 0.

`PromptRewriter` caches each rewrite on disk per (mode, prompt, backend, template version) and never
lets a failed rewrite stop a run: the original prompt is used and the result says `fallback` with the
reason, so a report can count them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from hyvideo.rewrite.templates import MODES, SYSTEM, USER, chat_messages

log = logging.getLogger(__name__)

STATUS_REWRITTEN = "rewritten"
STATUS_CACHED = "cached"
STATUS_FALLBACK = "fallback"
# Changes whenever the instructions change, so that cached rewrites of old instructions are not reused.
TEMPLATE_VERSION = hashlib.sha256(json.dumps([SYSTEM, USER], sort_keys=True).encode()).hexdigest()[:12]


class RewriteError(RuntimeError):
    """A backend that failed or answered nothing usable."""


class TransformersChatBackend:
    """A local chat model folder; `gguf_file` names a GGUF file inside it. Loaded on first use."""

    def __init__(self, path: str | Path, gguf_file: str | None = None, max_new_tokens: int = 160):
        self.path, self.gguf_file, self.max_new_tokens = Path(path).expanduser(), gguf_file, max_new_tokens
        self._model = self._tokenizer = None
        self.identity = f"transformers:{self.path.name}/{gguf_file or ''}:{max_new_tokens}"

    def _load(self) -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        target = self.path / self.gguf_file if self.gguf_file else self.path / "config.json"
        if not target.is_file():
            raise RewriteError(
                f"{target}: rewrite model file not found; point model.rewrite.path at a local chat model"
            )
        kwargs = {"gguf_file": self.gguf_file} if self.gguf_file else {}
        self._tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True, **kwargs)
        self._model = AutoModelForCausalLM.from_pretrained(self.path, local_files_only=True, **kwargs).eval()

    def complete(self, messages: list[dict[str, str]]) -> str:
        import torch

        if self._model is None:
            self._load()
        inputs = self._tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        with torch.inference_mode():
            out = self._model.generate(
                **inputs,
                max_new_tokens=self.max_new_tokens,
                do_sample=False,  # greedy: the same prompt always gets the same rewrite
                no_repeat_ngram_size=4,  # small models loop under greedy decoding without it
                pad_token_id=self._tokenizer.eos_token_id,
            )
        new_tokens = out[0, inputs["input_ids"].shape[1] :]
        text = self._tokenizer.decode(new_tokens, skip_special_tokens=True)
        if len(new_tokens) >= self.max_new_tokens and "." in text:  # cut off: keep whole sentences
            text = text[: text.rindex(".") + 1]
        return text


class OpenAIChatBackend:
    """POST {base_url}/chat/completions; the API key, if any, comes from the `api_key_env` variable."""

    def __init__(
        self, base_url: str, model: str, api_key_env: str | None = "OPENAI_API_KEY", timeout: float = 60.0
    ):
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model, self.api_key_env, self.timeout = model, api_key_env, timeout
        self.identity = f"openai:{base_url.rstrip('/')}:{model}"

    def complete(self, messages: list[dict[str, str]]) -> str:
        body = json.dumps({"model": self.model, "messages": messages, "temperature": 0}).encode()
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(self.api_key_env) if self.api_key_env else None
        if key:
            headers["Authorization"] = f"Bearer {key}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                reply = json.loads(response.read().decode())
        except (urllib.error.URLError, TimeoutError, json.JSONDecodeError, ConnectionError) as err:
            raise RewriteError(f"{self.url}: {type(err).__name__}: {err}") from None
        try:
            return reply["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise RewriteError(f"{self.url}: not a chat completion reply: {str(reply)[:120]}") from None


@dataclass(frozen=True)
class RewriteResult:
    prompt: str  # what the video model is given: the rewrite, or the original on fallback
    status: str  # rewritten | cached | fallback
    error: str | None = None


def clean_reply(text: str) -> str:
    """The prompt inside a model's reply: no surrounding whitespace, quotes or leading label."""
    text = text.strip()
    for label in ("rewritten prompt:", "prompt:", "rewrite:"):
        if text.lower().startswith(label):
            text = text[len(label) :].strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text


class PromptRewriter:
    def __init__(self, backend, mode: str = "normal", cache_file: str | Path | None = None):
        if mode not in MODES:
            raise ValueError(f"unknown rewrite mode {mode!r}; use one of {', '.join(MODES)}")
        self.backend, self.mode = backend, mode
        self.cache_file = Path(cache_file).expanduser() if cache_file else None
        self._cache = self._read_cache()

    def _key(self, prompt: str) -> str:
        raw = json.dumps([self.mode, prompt, self.backend.identity, TEMPLATE_VERSION])
        return hashlib.sha256(raw.encode()).hexdigest()

    def _read_cache(self) -> dict[str, str]:
        if self.cache_file is None or not self.cache_file.is_file():
            return {}
        try:
            cache = json.loads(self.cache_file.read_text())
            return cache if isinstance(cache, dict) else {}
        except (OSError, json.JSONDecodeError):
            log.warning("%s: unreadable rewrite cache; starting a new one", self.cache_file)
            return {}

    def _write_cache(self) -> None:
        if self.cache_file is None:
            return
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.cache_file.parent, prefix=f".{self.cache_file.name}.")
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(self._cache, handle, ensure_ascii=False, indent=0, sort_keys=True)
            os.replace(tmp, self.cache_file)
        finally:  # a failed write leaves the old cache and no temporary file behind
            Path(tmp).unlink(missing_ok=True)

    def rewrite(self, prompt: str) -> RewriteResult:
        key = self._key(prompt)
        if key in self._cache:
            return RewriteResult(self._cache[key], STATUS_CACHED)
        try:
            text = clean_reply(self.backend.complete(chat_messages(self.mode, prompt)))
            if not text:
                raise RewriteError("the rewrite model answered with an empty prompt")
        except Exception as err:  # any backend failure falls back: a rewrite must never stop a run
            reason = f"{type(err).__name__}: {err}".splitlines()[0]
            log.warning("prompt rewrite failed (%s); using the original prompt", reason)
            return RewriteResult(prompt, STATUS_FALLBACK, reason)
        self._cache[key] = text
        self._write_cache()
        return RewriteResult(text, STATUS_REWRITTEN)
