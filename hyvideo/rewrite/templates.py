"""Instructions for the two rewrite modes (written for this project; the release's own are in Chinese
and tuned to Hunyuan-Large).

- normal: make the user's intent explicit for the video model (subject, action, setting), in one
  plain English paragraph, adding nothing the user did not ask for.
- master: the same, plus the film-making detail the video model was trained on: composition and shot
  size, lighting, colour and atmosphere, and camera movement.
"""

from __future__ import annotations

MODES = ("normal", "master")

_COMMON = (
    "You rewrite prompts for a text-to-video model. Keep every subject, object, count, colour, action "
    "and text the user gave, and invent no new characters or events. Write one paragraph in English, "
    "in the present tense, under 120 words. Reply with the rewritten prompt only: no title, no quotes, "
    "no explanation."
)

SYSTEM = {
    "normal": _COMMON
    + " Make the user's intent explicit and unambiguous: say who or what is in the scene, what they do, "
    "and where. Do not add style, lighting or camera directions the user did not ask for.",
    "master": _COMMON
    + " Then enrich it like a cinematographer: describe the composition and shot size, the lighting "
    "(direction, quality, time of day), the colour palette and atmosphere, and one camera movement "
    "(for example a slow dolly-in, a pan, a tracking shot or a static shot).",
}

USER = "Rewrite this video prompt: {prompt}"


def chat_messages(mode: str, prompt: str) -> list[dict[str, str]]:
    """The chat for one rewrite: the mode's system instruction and the user's prompt."""
    if mode not in MODES:
        raise ValueError(f"unknown rewrite mode {mode!r}; use one of {', '.join(MODES)}")
    return [
        {"role": "system", "content": SYSTEM[mode]},
        {"role": "user", "content": USER.format(prompt=prompt)},
    ]
