"""`hyvideo-eval judge`: the VLM judge's own jobs besides its metrics.

    hyvideo-eval judge questions [--local FOLDER [--gguf FILE]] [--out FILE] <overrides>
        write the prompt set's yes/no questions with a language model: a local chat model (the prompt
        rewriter's backend) or, without --local, the judge endpoint (judge.base_url, judge.model);
        prompts the writer gets wrong are listed with the reason and left out of the file.
    hyvideo-eval judge pairwise RUN_DIR RUN_DIR [...] [--criteria ...] [--out FILE] <overrides>
        every pair of the runs' systems on every prompt they share, both orders, in the human layer's
        pairwise format (evalsuite/judge/pairwise.py), with the position bias.
    hyvideo-eval judge card RUN_DIR --ratings FILE [--reasked RUN_DIR]
        the judge card (evalsuite/human/judge_card.py): how far the run's judge metrics agree with the
        raters, beside the raters' agreement among themselves.

<overrides> are the eval config's (judge.*, prompts=...), as for `hyvideo-eval run`.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import combinations
from pathlib import Path

from tqdm import tqdm

from evalsuite.config import compose
from evalsuite.data.atomic import write_csv_atomic
from evalsuite.data.manifest import STATUS_OK, Manifest
from evalsuite.data.video import read_video
from evalsuite.errors import SuiteError

log = logging.getLogger(__name__)


class _EndpointWriter:
    """The judge endpoint as a question writer (`complete(messages) -> text`), with its cache and retries."""

    def __init__(self, client):
        self.client = client

    def complete(self, messages: list[dict]) -> str:
        return self.client.chat(messages, max_reply_tokens=400).content


def _questions(ns: argparse.Namespace, overrides: list[str]) -> int:
    from evalsuite.judge.questions import WRITER_VERSION, save_questions, write_questions
    from evalsuite.pipeline.prompts import load_prompts
    from evalsuite.pipeline.scoring import judge_services

    cfg = compose(overrides)
    prompts = load_prompts(cfg.prompts)
    if ns.local:
        from hyvideo.rewrite.rewriter import TransformersChatBackend

        backend = TransformersChatBackend(ns.local, gguf_file=ns.gguf, max_new_tokens=400)
        who = f"{backend.identity} (writer {WRITER_VERSION})"
    else:
        client = judge_services(cfg)["vlm_judge"]
        if reason := client.unavailable():
            raise SuiteError(reason)
        backend, who = _EndpointWriter(client), f"{client.identity} (writer {WRITER_VERSION})"
    pairs = [(str(p.prompt_id), p.prompt) for p in prompts.table.itertuples()]
    written, refused = write_questions(backend, pairs)
    out = Path(ns.out or Path(cfg.prompts.path).expanduser().with_suffix(".questions.json"))
    if written:
        save_questions(out, written, cfg.prompts.name, who)
    for reason in refused.values():
        print(f"refused: {reason}")
    print(f"{out}: questions for {len(written)} of {len(pairs)} prompts ({len(refused)} refused)")
    return 0 if written else 1


def _pairwise(ns: argparse.Namespace, overrides: list[str]) -> int:
    from evalsuite.judge.asking import shown
    from evalsuite.judge.pairwise import ask_order, pairwise_rows
    from evalsuite.judge.rubric import CRITERIA
    from evalsuite.pipeline.scoring import judge_services

    unknown = [c for c in ns.criteria if c not in CRITERIA]
    if unknown:
        raise SuiteError(f"--criteria: unknown {unknown}; one or more of {', '.join(CRITERIA)}")
    cfg = compose(overrides)
    client = judge_services(cfg)["vlm_judge"]
    if reason := client.unavailable():
        raise SuiteError(reason)
    videos: dict[str, dict[str, tuple[Path, str]]] = {}
    for run in ns.runs:  # every run folder read before anything is sent
        manifest_path = Path(run) / "manifest.parquet"
        if not manifest_path.is_file():
            raise SuiteError(f"{run}: no manifest.parquet; name finished eval run folders (reports/<run_id>)")
        manifest = Manifest.load(manifest_path)
        for row in manifest.table.itertuples():
            if row.status == STATUS_OK:
                videos.setdefault(row.model, {})[str(row.prompt_id)] = (
                    manifest.resolve(row.video_path),
                    row.prompt,
                )
    systems = list(videos)
    if len(systems) < 2:
        raise SuiteError(f"the runs hold {len(systems)} system(s): pairwise judging needs two or more")
    s = client.settings
    seen: dict[tuple[str, str], list[dict]] = {}

    def images(system: str, prompt_id: str) -> list[dict]:
        if (system, prompt_id) not in seen:
            video = read_video(videos[system][prompt_id][0])
            seen[(system, prompt_id)] = shown(video.frames, video.fps, s)
        return seen[(system, prompt_id)]

    jobs = [
        (a, b, prompt_id, criterion)
        for a, b in combinations(sorted(systems), 2)
        for prompt_id in sorted(set(videos[a]) & set(videos[b]))
        for criterion in ns.criteria
    ]

    def ask(job):
        a, b, prompt_id, criterion = job
        first, second, prompt = images(a, prompt_id), images(b, prompt_id), videos[a][prompt_id][1]
        return {
            "prompt_id": prompt_id, "model_a": a, "model_b": b, "criterion": criterion,
            "a_first": ask_order(client, first, second, prompt, criterion),
            "b_first": ask_order(client, second, first, prompt, criterion),
        }  # fmt: skip

    with ThreadPoolExecutor(max(1, s.concurrency // 2)) as pool:
        asked = list(tqdm(pool.map(ask, jobs), total=len(jobs), desc="judge pairs", unit="pair"))
    table, bias = pairwise_rows(asked, s.model)
    out = Path(ns.out)
    write_csv_atomic(out, table)
    print(f"{out}: {len(table)} pairwise verdict(s) of {len(systems)} systems as rater judge:{s.model}")
    print(bias.line())
    print(client.summary())
    return 0


def _card(ns: argparse.Namespace, overrides: list[str]) -> int:
    import pandas as pd

    from evalsuite.human.judge_card import card_lines, judge_card
    from evalsuite.human.ratings import load_absolute
    from evalsuite.pipeline.inputs import read_score_table

    scores = read_score_table(str(Path(ns.run) / "scores.parquet"))
    reasked = read_score_table(str(Path(ns.reasked) / "scores.parquet")) if ns.reasked else None
    ratings = load_absolute(Path(ns.ratings), scale=ns.scale, pass_threshold=ns.pass_threshold)
    card = judge_card(scores, ratings, reasked=reasked, resamples=ns.resamples, seed=ns.seed)
    if card.empty:
        raise SuiteError(
            f"{ns.run}: no judge metric of the run meets a rated criterion (judge metrics: judge_questions, "
            f"judge_text_alignment, judge_motion_quality, judge_visual_quality; rated: {', '.join(ratings.criteria)})"
        )
    out = Path(ns.out or Path(ns.run) / "judge_card.csv")
    write_csv_atomic(out, pd.DataFrame(card))
    print("\n".join(card_lines(card)))
    print(f"{out}: the judge card")
    return 0


def judge_main(args: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="hyvideo-eval judge", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    questions = sub.add_parser("questions", help="write the prompt set's yes/no questions")
    questions.add_argument(
        "--local", default=None, help="a local chat model folder (else the judge endpoint)"
    )
    questions.add_argument("--gguf", default=None, help="a GGUF file inside --local")
    questions.add_argument("--out", default=None, help="default: <prompt file>.questions.json beside it")
    pairwise = sub.add_parser("pairwise", help="judge every pair of the runs' systems, both orders")
    pairwise.add_argument("runs", nargs="+", help="run folders (reports/<run_id>)")
    pairwise.add_argument("--criteria", nargs="+", default=["text_alignment"])
    pairwise.add_argument("--out", default="reports/judge_pairwise.csv")
    card = sub.add_parser("card", help="how far the judge agrees with the raters (the judge card)")
    card.add_argument("run", help="an eval run folder whose metrics include judge metrics")
    card.add_argument(
        "--ratings", required=True, help="absolute human ratings of the same videos (long format)"
    )
    card.add_argument("--reasked", default=None, help="a run folder of the same videos judged again")
    card.add_argument("--scale", choices=("binary", "likert"), default="binary")
    card.add_argument("--pass-threshold", type=int, default=4)
    card.add_argument("--resamples", type=int, default=1000)
    card.add_argument("--seed", type=int, default=0)
    card.add_argument("--out", default=None, help="default: <run>/judge_card.csv")
    overrides = [a for a in args if "=" in a and not a.startswith("-")]  # the config's key=value
    ns = parser.parse_args([a for a in args if a not in overrides])
    return {"questions": _questions, "pairwise": _pairwise, "card": _card}[ns.action](ns, overrides)
