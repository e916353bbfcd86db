"""Create a campaign from an eval run's folder (its manifest of videos) and print its links.

`hyvideo-eval rate create reports/<run> --db campaign.sqlite --name my-campaign --raters 60 --k 3` reads
the run's manifest (one or several systems; failed or missing videos are left out and counted), plans
items, gold and practice items and assignments (evalsuite/rating/design.py) and writes them in one
transaction. The raters' tokens and the admin token are printed once and stored only as hashes. A crowd
campaign (`--crowd prolific|mturk|link`) prints one entry link instead: its `--raters` lists are slots
that participants claim on their first visit. The human layer's power analysis, in the campaign's own
terms (pass rates, Likert pass rates or side-by-side win rates), says how many prompts it needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from evalsuite.data.manifest import STATUS_OK, Manifest
from evalsuite.data.video import VideoError, probe_video
from evalsuite.errors import SuiteError
from evalsuite.human.power import pair_prompts_needed, prompts_needed
from evalsuite.rating import design
from evalsuite.rating.media import is_mp4
from evalsuite.rating.settings import CampaignSettings, CrowdSettings
from evalsuite.rating.store import (
    Assignment,
    Campaign,
    Item,
    Rater,
    VideoRow,
    hash_token,
    new_key,
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
    rater_tokens: dict[str, str]  # rater name -> token (shown once; none for a crowd campaign's slots)
    entry_key: str | None  # a crowd campaign's entry link key (shown once)
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


def power_note(mode: str, scale: str, n_prompts: int, k: int, n_systems: int) -> str:
    """How many prompts the campaign's own comparison needs at 1, 3 and 5 raters per item (α 0.05,
    power 0.8, raters wrong 10 % of the time), beside this campaign's size."""

    def shown(need: dict[int, float]) -> str:
        counts = [
            f"{n if math.isfinite(n) else '∞'} prompts with {r} rater{'s' if r > 1 else ''}"
            for r, n in need.items()
        ]
        return ", ".join(counts)

    if mode == "gsb":
        need = {r: pair_prompts_needed(0.6, raters_per_item=r, noise=0.1) for r in (1, 3, 5)}
        pairs = n_systems * (n_systems - 1) // 2
        return (
            f"To tell a 60 % win rate from 50 % between two systems (sign test on each prompt's majority "
            f"preference, α 0.05, power 0.8, raters wrong 10 % of the time) a side-by-side campaign needs "
            f"{shown(need)} per pair; this one has {n_prompts} prompts for each of its {pairs} system "
            f"pair{'s' if pairs > 1 else ''} and {k} rater{'s' if k > 1 else ''} per pair."
        )
    need = {r: prompts_needed(0.6, 0.5, raters_per_video=r, noise=0.1) for r in (1, 3, 5)}
    what = "pass rates" if scale == "binary" else "the shares of videos scored 4 or 5"
    return (
        f"To separate {what} of 60 % and 50 % (McNemar, α 0.05, power 0.8, raters wrong 10 % of the time) "
        f"a campaign needs {shown(need)} per video; this one has {n_prompts} prompts and {k} "
        f"rater{'s' if k > 1 else ''} per video."
    )


def _durations(videos: pd.DataFrame) -> list[float | None]:
    """Each video's duration in seconds; also refuses what a browser cannot be served blinded."""
    out = []
    for path in videos["path"]:
        if not is_mp4(path):
            raise CampaignError(f"{path}: not an MP4 file; the rating app serves MP4 (H.264) videos only")
        try:
            info = probe_video(path)
        except VideoError as err:
            raise CampaignError(str(err)) from err
        out.append(info.frames / info.fps if info.fps else None)
    return out


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
    crowd: CrowdSettings | None = None,
    **options,
) -> CreatedCampaign:
    """`options` are CampaignSettings fields: instructions, min_seconds, require_playthrough, practice,
    gold_floor, gold_min, screen_out, adaptive."""
    if mode not in ("absolute", "gsb") or scale not in ("binary", "likert"):
        raise CampaignError(f"mode must be absolute or gsb and scale binary or likert, got {mode}, {scale}")
    if not 1 <= k <= raters:
        raise CampaignError(f"every item needs k distinct raters: 1 <= k ({k}) <= raters ({raters})")
    if not 0 <= gold_share < 1:
        raise CampaignError(f"gold_share must lie in [0, 1), got {gold_share}")
    if options.get("adaptive") and mode != "gsb":
        raise CampaignError("adaptive pair drawing is for side-by-side campaigns: add --mode gsb")
    criteria = list(criteria or DEFAULT_CRITERIA)
    videos, left_out = run_videos(Path(run_dir).expanduser(), systems)
    if mode == "gsb" and videos["system"].nunique() < 2:
        raise CampaignError(f"{run_dir}: a side-by-side (gsb) campaign needs videos of two systems or more")
    if videos.empty:
        raise CampaignError(f"{run_dir}: the run has no usable video")
    videos["seconds"] = _durations(videos)
    items = design.plan_items(videos, mode)
    order = design.system_interleaved(videos, items, seed)
    lists = design.assign(order, raters, k)
    per_rater_gold = round(gold_share / (1 - gold_share) * len(items) * k / raters) if gold_share else 0
    golds = design.gold_items(videos, mode, criteria, scale, per_rater_gold, raters, seed)
    try:
        settings = CampaignSettings(
            seed=seed, gold_share=gold_share, left_out=left_out, crowd=crowd,
            power=power_note(mode, scale, videos["prompt_id"].nunique(), k, videos["system"].nunique()),
            largest_file=max(Path(path).stat().st_size for path in videos["path"]),
            **options,
        )  # fmt: skip
    except ValidationError as err:
        first = err.errors()[0]
        raise CampaignError(f"campaign setting {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    practice = design.practice_items(videos, mode, criteria, scale, settings.practice, seed)
    engine, sessions = open_store(db_url)
    admin = new_token()
    entry_key = new_token() if crowd else None
    tokens = {f"rater-{r + 1:03d}": new_token() for r in range(raters)}
    try:  # one transaction: a failure leaves no half-made campaign
        with sessions.begin() as session:
            if session.query(Campaign).filter_by(name=name).first() is not None:
                raise CampaignError(f"{db_url}: a campaign named {name!r} exists; give another --name")
            campaign = Campaign(
                name=name, mode=mode, scale=scale, criteria=criteria, prompt_set=str(run_dir),
                raters_per_item=k, admin_token_hash=hash_token(admin),
                settings=settings.model_dump(mode="json"),
                entry_key_hash=hash_token(entry_key) if entry_key else None,
            )  # fmt: skip
            session.add(campaign)
            session.flush()
            rows = [VideoRow(campaign_id=campaign.id, **record) for record in videos.to_dict("records")]
            session.add_all(rows)
            session.flush()

            def stored(planned: design.PlannedItem) -> Item:
                return Item(
                    campaign_id=campaign.id, kind=planned.kind, video_a=rows[planned.video_a].id,
                    video_b=rows[planned.video_b].id if planned.video_b is not None else None,
                    prompt=videos.at[planned.prompt_of, "prompt"], gold=planned.gold,
                )  # fmt: skip

            real = [stored(planned) for planned in items]
            trial = [stored(planned) for planned in practice]
            session.add_all([*real, *trial])
            session.flush()
            rng = np.random.default_rng(seed + 3)
            for r, (rater_name, token) in enumerate(tokens.items()):
                own_gold = [stored(planned) for planned in golds[r]]
                session.add_all(own_gold)
                quota = len(lists[r]) + len(own_gold)
                rater = Rater(
                    campaign_id=campaign.id, name=rater_name, quota=quota,
                    token_hash=None if crowd else hash_token(token),
                )  # fmt: skip
                session.add(rater)
                session.flush()
                for position, item in enumerate(trial, start=-len(trial)):
                    session.add(new_assignment(rater, item, position, rng))
                if settings.adaptive:  # gold at fixed random positions; real pairs drawn as rating goes
                    for position, item in zip(
                        rng.choice(quota, len(own_gold), replace=False), own_gold, strict=True
                    ):
                        session.add(new_assignment(rater, item, int(position), rng))
                    continue
                own = [real[i] for i in lists[r]] + own_gold
                for position, index in enumerate(rng.permutation(len(own))):
                    session.add(new_assignment(rater, own[index], position, rng))
    finally:
        engine.dispose()
    shown = {} if crowd else tokens
    n_gold = sum(map(len, golds))
    return CreatedCampaign(name, admin, shown, entry_key, len(items), n_gold, left_out, settings.power)


def new_assignment(rater: Rater, item: Item, position: int, rng: np.random.Generator) -> Assignment:
    """An assignment with fresh random keys; a pair's sides drawn at random."""
    pair = item.video_b is not None
    return Assignment(
        rater_id=rater.id, item_id=item.id, position=position,
        a_on_left=bool(rng.integers(2)) if pair else True,
        key=new_key(), media_left=new_key(), media_right=new_key() if pair else None,
    )  # fmt: skip
