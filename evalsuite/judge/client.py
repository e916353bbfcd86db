"""An OpenAI-compatible chat-completions endpoint as a judge: vLLM, SGLang, LMDeploy, llama.cpp's server or
a hosted API, named by `judge.base_url` and `judge.model`.

Every request is sent with temperature 0 and a pinned seed. Answers are cached in a SQLite file keyed
by the sha256 of the request body (the model, the messages with their frames, the settings), written as
each answer arrives: a rerun, or a resumed run, sends only what is missing. The API key is read from
the environment variable `judge.api_key_env` names at each request and goes only into the
Authorization header: never into a cache, a log line, an error or the run's config.

Failures: a timeout, a dropped connection, a 5xx or a body that is not a chat completion is retried with
exponential backoff; a 429 waits for its Retry-After (seconds or an HTTP date) when it gives one; other
4xx are not retried. At most `concurrency` requests are in flight at once. `max_requests` and
`max_tokens` bound what a run may spend: past either, no request is sent and each call raises
`JudgeBudgetSpent` (cached answers are still served), so a run stops cleanly and a rerun with a larger
budget takes up where it stopped.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import io
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from evalsuite.errors import SuiteError

log = logging.getLogger(__name__)

T = TypeVar("T")

# What each cached answer was made with; a change here starts a fresh cache.
CACHE_SCHEMA = 1


class JudgeError(SuiteError):
    """A judge request that failed for good (after its retries), or a reply that is not an answer."""


class JudgeRefusal(JudgeError):
    """The model declined to answer (a refusal, or a content filter)."""


class JudgeBudgetSpent(JudgeError):
    """`judge.max_requests` or `judge.max_tokens` is reached: nothing more is sent this run."""


@dataclass(frozen=True)
class JudgeSettings:
    """Where the judge is and how it is asked. `frames` frames spread evenly over each video, the longer
    side shrunk to `max_side`, are sent as JPEG image parts."""

    base_url: str | None = None
    model: str | None = None
    api_key_env: str | None = "OPENAI_API_KEY"
    seed: int = 0
    max_reply_tokens: int = 256
    frames: int = 8
    fps: float | None = None  # sample at this rate first (else every frame), then take `frames` of them
    max_side: int = 448
    jpeg_quality: int = 90
    video: bool = False  # the frames as one MP4 video part (vLLM's `video_url`) instead of image parts
    concurrency: int = 4
    timeout: float = 120.0
    retries: int = 4
    backoff: float = 1.0  # seconds before the first retry; doubled at each, capped at max_wait
    max_wait: float = 120.0
    max_requests: int | None = None
    max_tokens: int | None = None

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.model)

    def identity(self) -> str:
        """What decides the answers (not the URL, not the budget): the model and how it is asked."""
        decisive = {
            k: asdict(self)[k]
            for k in (
                "model",
                "seed",
                "max_reply_tokens",
                "frames",
                "fps",
                "max_side",
                "jpeg_quality",
                "video",
            )
        }
        digest = hashlib.sha256(json.dumps(decisive, sort_keys=True).encode()).hexdigest()[:12]
        return f"{self.model}@{digest}"


@dataclass(frozen=True)
class Reply:
    content: str
    tokens: int
    cached: bool


def image_parts(frames: np.ndarray, quality: int = 90) -> list[dict]:
    """T×H×W×3 uint8 frames as chat image parts (JPEG data URLs), in order."""
    from PIL import Image

    parts = []
    for frame in frames:
        buffer = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(frame, dtype=np.uint8)).save(buffer, "JPEG", quality=quality)
        url = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()
        parts.append({"type": "image_url", "image_url": {"url": url}})
    return parts


def video_part(frames: np.ndarray, fps: float) -> dict:
    """T×H×W×3 uint8 frames as one chat video part: an H.264 MP4 data URL at `fps` (the frames cropped
    to even sides, as yuv420p needs), the `video_url` part vLLM and SGLang take for Qwen2-VL-style
    models. The encoder's output is deterministic, so equal frames give an equal request."""
    import tempfile

    from evalsuite.data.video import write_video

    height, width = frames.shape[1] // 2 * 2, frames.shape[2] // 2 * 2
    with tempfile.TemporaryDirectory() as folder:
        path = write_video(Path(folder) / "clip.mp4", np.ascontiguousarray(frames[:, :height, :width]), fps)
        data = path.read_bytes()
    return {
        "type": "video_url",
        "video_url": {"url": "data:video/mp4;base64," + base64.b64encode(data).decode()},
    }


class AnswerCache:
    """Answers by request hash, in one SQLite file; each written (and committed) as it arrives."""

    def __init__(self, path: Path | None):
        self.path = path
        self._lock = threading.Lock()
        self._db = None

    def _open(self):
        """The database, opened (and made) on first use, so that a run without the judge makes no file."""
        if self._db is None and self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, content TEXT, tokens INTEGER)"
            )
            self._db.commit()
        return self._db

    def get(self, key: str) -> tuple[str, int] | None:
        with self._lock:
            db = self._open()
            row = (
                db.execute("SELECT content, tokens FROM answers WHERE key = ?", (key,)).fetchone()
                if db
                else None
            )
        return (row[0], int(row[1])) if row else None

    def put(self, key: str, content: str, tokens: int) -> None:
        with self._lock:
            if (db := self._open()) is not None:
                db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?)", (key, content, tokens))
                db.commit()


class JudgeClient:
    """Chat completions from one endpoint, with the retries, the limit, the budget and the cache above.
    `sleep` is time.sleep (tests may hand in another clock)."""

    def __init__(
        self,
        settings: JudgeSettings,
        cache_path: Path | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.settings = settings
        self.identity = settings.identity()
        self.cache = AnswerCache(cache_path)
        self.sleep = sleep
        self.url = (settings.base_url or "").rstrip("/") + "/chat/completions"
        self._slots = threading.BoundedSemaphore(max(1, settings.concurrency))
        self._lock = threading.Lock()
        self.requests = 0  # HTTP requests sent this run (retries included)
        self.tokens = 0  # tokens the endpoint reported for this run's answers
        self.cache_hits = 0
        self._http = None

    # ---- availability --------------------------------------------------------------------------
    def unavailable(self) -> str | None:
        """None when the endpoint answers, else one line naming the endpoint and the fix. Asks
        `GET {base_url}/models` once per client (servers without that route count as reachable); a
        server lost later shows in the failed requests' own errors."""
        if not hasattr(self, "_reason"):
            self._reason = self._check()
        return self._reason

    def _check(self) -> str | None:
        s = self.settings
        if not s.configured:
            return (
                "no judge endpoint: set judge.base_url and judge.model to an OpenAI-compatible server "
                "(README 'Judge with a VLM')"
            )
        try:
            import httpx
        except ImportError:
            return "the judge needs httpx: pip install 'hyvideo-eval[judge]'"
        url = s.base_url.rstrip("/") + "/models"
        try:
            response = self._client().get(url, headers=self._headers(), timeout=min(10.0, s.timeout))
        except httpx.HTTPError as err:
            return f"judge endpoint {s.base_url} is unreachable ({type(err).__name__}): start the server or fix judge.base_url"
        if response.status_code in (401, 403):
            return (
                f"judge endpoint {s.base_url} refused the API key ({response.status_code}): set the key in "
                f"${s.api_key_env or 'OPENAI_API_KEY'} (judge.api_key_env names the variable)"
            )
        if response.status_code >= 500:
            return f"judge endpoint {s.base_url} answers {response.status_code}: check the server's log"
        return None

    # ---- requests ------------------------------------------------------------------------------
    def chat(self, messages: list[dict], max_reply_tokens: int | None = None) -> Reply:
        """One chat completion (from the cache when this exact request was answered before)."""
        s = self.settings
        body = {
            "model": s.model,
            "messages": messages,
            "temperature": 0,
            "seed": s.seed,
            "max_tokens": max_reply_tokens or s.max_reply_tokens,
        }
        key = hashlib.sha256(json.dumps([CACHE_SCHEMA, body], sort_keys=True).encode()).hexdigest()
        if (hit := self.cache.get(key)) is not None:
            with self._lock:
                self.cache_hits += 1
            return Reply(hit[0], hit[1], cached=True)
        with self._slots:
            content, tokens = self._send(body)
        self.cache.put(key, content, tokens)
        return Reply(content, tokens, cached=False)

    def _send(self, body: dict) -> tuple[str, int]:
        import httpx

        s = self.settings
        last = ""
        for attempt in range(s.retries + 1):
            self._spend_request()
            wait = min(s.max_wait, s.backoff * 2**attempt)
            try:
                response = self._client().post(
                    self.url, json=body, headers=self._headers(), timeout=s.timeout
                )
            except httpx.TimeoutException:
                last = f"no answer within {s.timeout:g} s (judge.timeout)"
            except httpx.TransportError as err:
                last = f"{type(err).__name__}"
            else:
                if response.status_code == 200:
                    try:
                        return self._answer(response)
                    except JudgeRefusal:
                        raise
                    except JudgeError as err:
                        last = str(err)
                elif response.status_code == 429:
                    last = "429 Too Many Requests"
                    wait = min(s.max_wait, retry_after(response.headers.get("retry-after")) or wait)
                elif response.status_code >= 500:
                    last = f"{response.status_code} {response.reason_phrase}"
                elif response.status_code in (401, 403):
                    raise JudgeError(
                        f"judge endpoint {s.base_url} refused the API key ({response.status_code}): set "
                        f"${s.api_key_env or 'OPENAI_API_KEY'}"
                    )
                else:
                    detail = " ".join(response.text.split())[:160]
                    raise JudgeError(f"judge endpoint {self.url} answered {response.status_code}: {detail}")
            if attempt < s.retries:
                log.info("judge: %s; retry %d of %d in %.1f s", last, attempt + 1, s.retries, wait)
                self.sleep(wait)
        raise JudgeError(
            f"judge endpoint {self.url} failed {s.retries + 1} times (last: {last}); a rerun retries only what is missing"
        )

    def _answer(self, response) -> tuple[str, int]:
        try:
            reply = response.json()
            choice = reply["choices"][0]
            message = choice["message"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise JudgeError(f"not a chat completion: {' '.join(response.text.split())[:120]!r}") from None
        if message.get("refusal") or choice.get("finish_reason") == "content_filter":
            raise JudgeRefusal(f"the judge declined: {str(message.get('refusal') or 'content filter')[:120]}")
        content = message.get("content")
        if not isinstance(content, str):
            raise JudgeError(f"the reply has no text content: {str(message)[:120]}")
        usage = reply.get("usage") or {}
        tokens = usage.get("total_tokens")
        tokens = int(tokens) if isinstance(tokens, int) and not isinstance(tokens, bool) else 0
        with self._lock:
            self.tokens += tokens
        return content, tokens

    def _spend_request(self) -> None:
        s = self.settings
        with self._lock:
            if s.max_requests is not None and self.requests >= s.max_requests:
                raise JudgeBudgetSpent(
                    f"judge budget spent: {self.requests} requests (judge.max_requests); raise it and rerun, "
                    "answers so far are kept"
                )
            if s.max_tokens is not None and self.tokens >= s.max_tokens:
                raise JudgeBudgetSpent(
                    f"judge budget spent: {self.tokens} tokens (judge.max_tokens); raise it and rerun, "
                    "answers so far are kept"
                )
            self.requests += 1

    def _headers(self) -> dict[str, str]:
        s = self.settings
        key = os.environ.get(s.api_key_env) if s.api_key_env else None
        return {"Authorization": f"Bearer {key}"} if key else {}

    def _client(self):
        import httpx

        with self._lock:
            if self._http is None:
                self._http = httpx.Client(
                    limits=httpx.Limits(max_connections=max(1, self.settings.concurrency))
                )
            return self._http

    def summary(self) -> str:
        return f"judge {self.identity}: {self.requests} request(s) sent, {self.tokens} token(s), {self.cache_hits} answer(s) from the cache"


def ask_parsed(
    client: JudgeClient,
    messages: list[dict],
    parse: Callable[[str], T],
    correction: Callable[[ValueError], str],
    what: str,
    max_reply_tokens: int | None = None,
) -> T:
    """`parse` of the judge's reply to `messages`. A reply `parse` refuses (ValueError) is asked once
    more, the reply and `correction(why)` appended; a second refusal is a JudgeError that names `what`
    and quotes both replies, never a value."""
    reply = client.chat(messages, max_reply_tokens)
    try:
        return parse(reply.content)
    except ValueError as why:
        retry = [
            {"role": "assistant", "content": reply.content},
            {"role": "user", "content": correction(why)},
        ]
        again = client.chat([*messages, *retry], max_reply_tokens)
        try:
            return parse(again.content)
        except ValueError as err:
            raise JudgeError(
                f"{what} twice (replies {reply.content[:60]!r}, {again.content[:60]!r}; {err})"
            ) from None


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date; None if absent."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
