"""What the admin page shows, computed from the committed judgements with the human layer's own statistics.

* Per rater: status (active, revoked, excluded, screened out), progress, median seconds per item,
  practice score, gold accuracy, "cannot judge" answers and, side by side, the share of left clicks.
* Flags, each with its rule: gold accuracy under `gold_floor` over at least `gold_min` gold items (a gold
  item answered "cannot judge" counts as missed); one answer to everything (the human layer's
  straight-lining rule, on the clicked values in either mode); a side preference (binomial test of left
  vs right clicks, p ≤ 0.001 over at least 20 decided clicks); agreement outliers (absolute mode).
* Agreement per criterion: absolute mode, the human layer's Fleiss κ and Krippendorff α; side by side,
  Fleiss κ over good/same/bad from one fixed system's side on items with the modal number of judgements,
  and Krippendorff's ordinal α over all.
* Position bias over the campaign (side by side): left vs right clicks with a binomial test.
Excluded raters' judgements are left out of agreement and position bias, as of the export.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
from scipy import stats
from sqlalchemy import select
from sqlalchemy.orm import Session
from statsmodels.stats.inter_rater import fleiss_kappa

from evalsuite.human.agreement import agreement_summary, rater_deviation
from evalsuite.human.ratings import RatingsError, straight_liner_ids, validate_absolute
from evalsuite.rating.export import FROM_A, absolute_table, answered, judgements
from evalsuite.rating.settings import CampaignSettings, settings_of
from evalsuite.rating.store import Campaign, Rater, VideoRow

SIDE_BIAS_P = 0.001
SIDE_BIAS_MIN = 20
SCORE = {"good": 1, "same": 0, "bad": -1}


@dataclass
class CampaignStatus:
    raters: pd.DataFrame  # one row per rater (module docstring)
    agreement: pd.DataFrame  # criterion, fleiss_kappa, krippendorff_alpha, ...
    position_bias: str = ""
    balance: pd.DataFrame = field(default_factory=pd.DataFrame)
    missing_videos: list[str] = field(default_factory=list)
    judgements: int = 0
    assignments: int = 0


def gold_correct(values: dict, gold: dict, a_on_left: bool = True, cannot_judge: bool = False) -> bool:
    if cannot_judge:
        return False
    for criterion, answer in gold.items():
        given = values.get(criterion)
        if answer == "<=2":
            ok = isinstance(given, int) and not isinstance(given, bool) and given <= 2
        elif answer == "a":  # video_a shows the prompt: it must win on whichever side it was shown
            ok = given == ("left" if a_on_left else "right")
        else:
            ok = given == answer
        if not ok:
            return False
    return True


def flagged_by_gold(correct: pd.Series, settings: CampaignSettings) -> str | None:
    """The flag rule's reason, or None (see the module docstring)."""
    if len(correct) >= settings.gold_min and correct.mean() < settings.gold_floor:
        return (
            f"gold accuracy {correct.mean():.0%} over {len(correct)} gold items "
            f"(rule: under {settings.gold_floor:.0%} over at least {settings.gold_min})"
        )
    return None


def checks(table: pd.DataFrame, kind: str) -> pd.DataFrame:
    rows = table[table["kind"] == kind]
    correct = [
        gold_correct(v, g, bool(left), bool(cj))
        for v, g, left, cj in zip(
            rows["values"], rows["gold"], rows["a_on_left"], rows["cannot_judge"], strict=True
        )
    ]
    return rows.assign(correct=correct)


def gsb_long(table: pd.DataFrame, criteria: list[str]) -> pd.DataFrame:
    """Side-by-side judgements as rater_id, item (prompt and pair), criterion, clicked, score from a's side."""
    pairs = answered(table, "pair")
    out = [
        {"rater_id": r.rater_id, "item": f"{r.prompt_id}|{r.model_a}|{r.model_b}", "criterion": c,
         "value": r.values[c], "score": SCORE[FROM_A[bool(r.a_on_left)][r.values[c]]]}
        for r in pairs.itertuples() for c in criteria
    ]  # fmt: skip
    return pd.DataFrame(out, columns=["rater_id", "item", "criterion", "value", "score"])


def gsb_agreement(long: pd.DataFrame, criteria: list[str]) -> pd.DataFrame:
    rows = []
    for criterion in criteria:
        own = long[long["criterion"] == criterion]
        counts = own.groupby(["item", "score"]).size().unstack("score", fill_value=0)
        per_item = counts.sum(axis=1)
        modal = int(per_item.mode().max()) if len(per_item) else 0
        used = counts[per_item == modal]
        kappa = float(fleiss_kappa(used.to_numpy(), method="fleiss")) if modal > 1 and len(used) else np.nan
        grid = own.pivot_table(index="rater_id", columns="item", values="score", aggfunc="first")
        multi = grid.notna().sum(axis=0) >= 2
        alpha = (
            float(krippendorff.alpha(grid.loc[:, multi].to_numpy(float), level_of_measurement="ordinal"))
            if multi.sum() >= 2 and own["score"].nunique() > 1
            else np.nan
        )
        rows.append({"criterion": criterion, "fleiss_kappa": kappa, "krippendorff_alpha": alpha,
                     "raters_per_item": modal, "items_used": len(used), "items_left_out": len(counts) - len(used)})  # fmt: skip
    return pd.DataFrame(rows)


def side_test(clicked: pd.Series) -> tuple[int, int, float]:
    """(left clicks, decided clicks, two-sided binomial p against ½)."""
    left, right = int((clicked == "left").sum()), int((clicked == "right").sum())
    n = left + right
    return left, n, float(stats.binomtest(left, n).pvalue) if n else float("nan")


def _absolute_checks(table: pd.DataFrame, campaign: Campaign, flags: dict[str, list[str]]) -> pd.DataFrame:
    rated = absolute_table(table, list(campaign.criteria))
    if rated.empty:
        return pd.DataFrame()
    try:
        ratings = validate_absolute(rated, scale=campaign.scale, criteria=tuple(campaign.criteria))
    except RatingsError as err:  # strict answers make this unreachable; say so rather than fail the page
        flags.setdefault("(campaign)", []).append(f"stored ratings do not validate: {err}")
        return pd.DataFrame()
    for row in rater_deviation(ratings).itertuples():
        if row.outlier:
            flags[row.rater_id].append(f"disagrees with the others (robust z {row.robust_z:.1f})")
    return agreement_summary(ratings)


def campaign_status(session: Session, campaign: Campaign) -> CampaignStatus:
    settings = settings_of(campaign)
    table = judgements(session, campaign)
    raters = session.scalars(select(Rater).where(Rater.campaign_id == campaign.id).order_by(Rater.name)).all()
    gold, practice = checks(table, "gold"), checks(table, "practice")
    flags: dict[str, list[str]] = {r.name: [] for r in raters}
    criteria = list(campaign.criteria)
    position_bias = ""
    if campaign.mode == "absolute":
        agreement = _absolute_checks(table, campaign, flags)
        clicked = absolute_table(table, criteria)
    else:
        long = gsb_long(table, criteria)
        agreement = gsb_agreement(long, criteria) if not long.empty else pd.DataFrame()
        clicked = long
        left, n, p = side_test(long["value"])
        if n:
            position_bias = f"Left chosen in {left} of {n} decided clicks ({left / n:.0%}; binomial test against 50 %: p = {p:.2g})."
    for name in straight_liner_ids(clicked[["rater_id", "value"]]) if not clicked.empty else []:
        flags[name].append("gives one answer to everything")
    rows = []
    for rater in raters:
        name = rater.name
        own = table[(table["rater_id"] == name) & (table["position"] >= 0)]
        own_gold = gold[gold["rater_id"] == name]["correct"]
        own_practice = practice[practice["rater_id"] == name]["correct"]
        reason = flagged_by_gold(own_gold, settings)
        if reason:
            flags[name].append(reason)
        left_share = float("nan")
        if campaign.mode == "gsb" and len(clicked):
            left, n, p = side_test(clicked[clicked["rater_id"] == name]["value"])
            left_share = left / n if n else float("nan")
            if n >= SIDE_BIAS_MIN and p <= SIDE_BIAS_P:
                flags[name].append(f"prefers one side ({left}/{n} left, p = {p:.1g})")
        rows.append({
            "rater": name, "participant": rater.participant or "", "status": status_of(rater),
            "done": len(own), "total": rater.quota,
            "median_seconds": float(own["seconds"].median()) if own["seconds"].notna().any() else float("nan"),
            "practice": f"{int(own_practice.sum())}/{len(own_practice)}" if len(own_practice) else "–",
            "gold_items": len(own_gold),
            "gold_accuracy": float(own_gold.mean()) if len(own_gold) else float("nan"),
            "cannot_judge": int(own["cannot_judge"].sum()),
            "left_share": left_share,
            "flag": "; ".join(flags[name]),
        })  # fmt: skip
    frame = pd.DataFrame(rows)
    if campaign.mode == "absolute" and not frame.empty:
        frame = frame.drop(columns="left_share")
    balance = pd.DataFrame()
    if campaign.mode == "gsb":
        from evalsuite.rating.adaptive import balance as pair_balance

        balance = pair_balance(session, campaign)
    paths = session.scalars(select(VideoRow.path).where(VideoRow.campaign_id == campaign.id)).all()
    return CampaignStatus(
        frame,
        agreement,
        position_bias,
        balance,
        [p for p in paths if not Path(p).is_file()],
        judgements=int((table["position"] >= 0).sum()),
        assignments=int(sum(r.quota for r in raters)),
    )


def status_of(rater: Rater) -> str:
    if rater.screened_out:
        return "screened out"
    if rater.excluded:
        return "excluded"
    if rater.revoked:
        return "revoked"
    if rater.token_hash is None:
        return "open slot"
    return "active"
