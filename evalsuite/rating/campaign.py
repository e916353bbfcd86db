"""Create a campaign from an eval run's folder (its manifest of videos) and print its invitation links.

`hyvideo-eval rate create reports/<run> --db campaign.sqlite --name my-campaign --raters 60 --k 3` reads
the run's manifest (one or several systems; failed or missing videos are left out and counted), plans
items, gold items and assignments (evalsuite/rating/design.py) and writes them in one transaction. The
raters' tokens and the admin token are printed once and stored only as hashes. The human layer's power
analysis suggests how many prompts and raters per video the campaign needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evalsuite.data.manifest import STATUS_OK, Manifest
from evalsuite.errors import SuiteError
from evalsuite.human.power import prompts_needed
from evalsuite.rating import design
from evalsuite.rating.store import (
    Assignment,
    Campaign,
    Item,
    Rater,
    VideoRow,
    hash_token,
    new_token,
    open_store,
)

DEFAULT_CRITERIA = ["text_alignment", "motion_quality", "visual_quality"]


class CampaignError(SuiteError):
    """A campaign that cannot be created or served as asked."""


@dataclass
class CreatedCampaign:
    name: str
    admin_token: str
    rater_tokens: dict[str, str]  # rater name -> token (shown once)
    items: int
    gold: int
    left_out: int
    power_note: str


def run_videos(run_dir: Path, systems: list[str] | None) -> tuple[pd.DataFrame, int]:
    """The run's usable videos (system, prompt_id, prompt, path, sha256) and how many were left out."""
    manifest_path = run_dir / "manifest.parquet"
    if not manifest_path.is_file():
        raise CampaignError(f"{run_dir}: no manifest.parquet; give the folder of a finished eval run")
    manifest = Manifest.load(manifest_path)
    table = manifest.table
    if systems:
        unknown = sorted(set(systems) - set(table["model"]))
        if unknown:
            raise CampaignError(
                f"{run_dir}: no system {unknown} in the run (it has {sorted(set(table['model']))})"
            )
        table = table[table["model"].isin(systems)]
    ok = table[table["status"] == STATUS_OK]
    videos = pd.DataFrame(
        {
            "system": ok["model"].astype(str),
            "prompt_id": ok["prompt_id"].astype(str),
            "prompt": ok["prompt"].astype(str),
            "path": [str(manifest.resolve(p)) for p in ok["video_path"]],
            "sha256": ok["sha256"].astype(str),
        }
    ).reset_index(drop=True)
    return videos, len(table) - len(ok)


def power_note(n_prompts: int, k: int) -> str:
    """How many prompts separate pass rates 0.60 and 0.50 (McNemar, α 0.05, power 0.8, 10 % rater noise)
    at 1, 3 and 5 raters per video, beside this campaign's size."""
    need = {raters: prompts_needed(0.6, 0.5, raters_per_video=raters, noise=0.1) for raters in (1, 3, 5)}
    shown = ", ".join(f"{n if math.isfinite(n) else '∞'} with {r}" for r, n in need.items())
    return (
        f"To separate pass rates of 60 % and 50 % (McNemar, α 0.05, power 0.8, raters wrong 10 % of the time) "
        f"a campaign needs {shown} rater(s) per video; this one has {n_prompts} prompts and {k} per video."
    )


def create_campaign(
    db_url: str,
    run_dir: str | Path,
    *,
    name: str,
    raters: int,
    k: int = 3,
    mode: str = "absolute",
    scale: str = "binary",
    criteria: list[str] | None = None,
    systems: list[str] | None = None,
    gold_share: float = 0.1,
    seed: int = 0,
) -> CreatedCampaign:
    if mode not in ("absolute", "gsb") or scale not in ("binary", "likert"):
        raise CampaignError(f"mode must be absolute or gsb and scale binary or likert, got {mode}, {scale}")
    if not 1 <= k <= raters:
        raise CampaignError(f"every item needs k distinct raters: 1 <= k ({k}) <= raters ({raters})")
    if not 0 <= gold_share < 1:
        raise CampaignError(f"gold_share must lie in [0, 1), got {gold_share}")
    criteria = list(criteria or DEFAULT_CRITERIA)
    videos, left_out = run_videos(Path(run_dir).expanduser(), systems)
    if mode == "gsb" and videos["system"].nunique() < 2:
        raise CampaignError(f"{run_dir}: a side-by-side (gsb) campaign needs videos of two systems or more")
    if videos.empty:
        raise CampaignError(f"{run_dir}: the run has no usable video")
    items = design.plan_items(videos, mode)
    order = design.system_interleaved(videos, items, seed)
    lists = design.assign(order, raters, k)
    per_rater_gold = round(gold_share / (1 - gold_share) * len(items) * k / raters) if gold_share else 0
    golds = design.gold_items(videos, mode, criteria, scale, per_rater_gold * raters, seed)
    engine, sessions = open_store(db_url)
    admin = new_token()
    tokens = {f"rater-{r + 1:03d}": new_token() for r in range(raters)}
    note = power_note(videos["prompt_id"].nunique(), k)
    try:  # one transaction: a failure leaves no half-made campaign
        with sessions.begin() as session:
            if session.query(Campaign).filter_by(name=name).first() is not None:
                raise CampaignError(f"{db_url}: a campaign named {name!r} exists; give another --name")
            campaign = Campaign(
                name=name, mode=mode, scale=scale, criteria=criteria, prompt_set=str(run_dir),
                raters_per_item=k, admin_token_hash=hash_token(admin),
                settings={"seed": seed, "gold_share": gold_share, "power": note, "left_out": left_out},
            )  # fmt: skip
            session.add(campaign)
            session.flush()
            rows = [VideoRow(campaign_id=campaign.id, **record) for record in videos.to_dict("records")]
            session.add_all(rows)
            session.flush()
            stored = []
            for planned in [*items, *golds]:
                item = Item(
                    campaign_id=campaign.id, kind=planned.kind, video_a=rows[planned.video_a].id,
                    video_b=rows[planned.video_b].id if planned.video_b is not None else None,
                    prompt=videos.at[planned.prompt_of, "prompt"], gold=planned.gold,
                )  # fmt: skip
                stored.append(item)
            session.add_all(stored)
            session.flush()
            rng = np.random.default_rng(seed + 3)
            for r, (rater_name, token) in enumerate(tokens.items()):
                rater = Rater(campaign_id=campaign.id, name=rater_name, token_hash=hash_token(token))
                session.add(rater)
                session.flush()
                own = [stored[i] for i in lists[r]] + stored[
                    len(items) + r * per_rater_gold : len(items) + (r + 1) * per_rater_gold
                ]
                for position, index in enumerate(rng.permutation(len(own))):
                    session.add(
                        Assignment(
                            rater_id=rater.id,
                            item_id=own[index].id,
                            position=position,
                            a_on_left=bool(rng.integers(2)) if mode == "gsb" else True,
                        )
                    )
    finally:
        engine.dispose()
    return CreatedCampaign(name, admin, tokens, len(items), len(golds), left_out, note)
