"""`hyvideo-eval rate ...`: create a campaign, serve it, export its judgements and run the human report.

hyvideo-eval rate create RUN_DIR --db FILE|URL --name NAME --raters R [--k 3] [--mode absolute|gsb]
                         [--scale binary|likert] [--systems a,b] [--gold 0.1] [--base-url URL]
                         [--instructions FILE] [--min-seconds 3] [--no-playthrough] [--practice 2]
                         [--gold-floor 0.7] [--gold-min 5] [--screen-out] [--adaptive]
                         [--crowd prolific|mturk|link --completion-code C [--screenout-code S]]
hyvideo-eval rate serve --db FILE|URL [--host 127.0.0.1] [--port 8000]
hyvideo-eval rate rater --db FILE|URL --name NAME --rater RATER --action revoke|exclude|reopen [--reason ..]
hyvideo-eval rate export --db FILE|URL --name NAME --out DIR [--include-excluded]
hyvideo-eval rate report --db FILE|URL --name NAME --out DIR   (export, then `hyvideo-eval human`)
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

MISSING_EXTRA = (
    "the rating app needs its extra: pip install 'hyvideo-eval[app]' (FastAPI, uvicorn, SQLAlchemy)"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hyvideo-eval rate", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser(
        "create", help="a campaign from an eval run's videos; prints the invitation links"
    )
    create.add_argument("run_dir")
    create.add_argument("--db", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--raters", type=int, required=True)
    create.add_argument("--k", type=int, default=3, help="raters per item (default 3)")
    create.add_argument("--mode", choices=("absolute", "gsb"), default="absolute")
    create.add_argument("--scale", choices=("binary", "likert"), default="binary")
    create.add_argument("--systems", default=None, help="comma-separated systems of the run (default: all)")
    create.add_argument("--gold", type=float, default=0.1, help="share of gold items per rater (default 0.1)")
    create.add_argument("--seed", type=int, default=0)
    create.add_argument("--base-url", default="http://127.0.0.1:8000")
    create.add_argument(
        "--instructions", default=None, help="a text file raters read first (blank lines: paragraphs)"
    )
    create.add_argument("--min-seconds", type=float, default=3.0, help="least seconds on an item (default 3)")
    create.add_argument(
        "--no-playthrough", action="store_true", help="do not require the video's duration per item"
    )
    create.add_argument(
        "--practice", type=int, default=2, help="practice items with explained answers (default 2)"
    )
    create.add_argument(
        "--gold-floor", type=float, default=0.7, help="flag under this gold accuracy (default 0.7)"
    )
    create.add_argument(
        "--gold-min", type=int, default=5, help="... over at least this many gold items (default 5)"
    )
    create.add_argument(
        "--screen-out", action="store_true", help="end a flagged rater with the screen-out code"
    )
    create.add_argument(
        "--adaptive", action="store_true", help="side by side: least settled system pairs first"
    )
    create.add_argument("--crowd", choices=("prolific", "mturk", "link"), default=None,
                        help="participants enter by one link from the platform; --raters is the cap")  # fmt: skip
    create.add_argument("--completion-code", default=None)
    create.add_argument("--screenout-code", default=None)
    serve = sub.add_parser("serve", help="the rating server")
    serve.add_argument("--db", required=True)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    rater = sub.add_parser("rater", help="revoke, exclude or re-open a rater (as the admin page does)")
    rater.add_argument("--db", required=True)
    rater.add_argument("--name", required=True)
    rater.add_argument("--rater", required=True)
    rater.add_argument("--action", choices=("revoke", "exclude", "reopen"), required=True)
    rater.add_argument("--reason", default="")
    rater.add_argument("--base-url", default="http://127.0.0.1:8000")
    for name in ("export", "report"):
        cmd = sub.add_parser(
            name,
            help="judgements in the human layer's formats"
            + (", then its report" if name == "report" else ""),
        )
        cmd.add_argument("--db", required=True)
        cmd.add_argument("--name", required=True)
        cmd.add_argument("--out", required=True)
        cmd.add_argument("--include-excluded", action="store_true", help="keep excluded raters' judgements")
    return parser


def _create(ns) -> int:
    from evalsuite.rating.campaign import CampaignError, create_campaign
    from evalsuite.rating.settings import CrowdSettings

    crowd = None
    if ns.crowd:
        if not ns.completion_code:
            raise CampaignError(
                "a crowd campaign needs --completion-code (the code the platform expects at the end)"
            )
        crowd = CrowdSettings(
            platform=ns.crowd, completion_code=ns.completion_code, screenout_code=ns.screenout_code
        )
    instructions = ""
    if ns.instructions:
        path = Path(ns.instructions)
        if not path.is_file():
            raise CampaignError(f"{path}: no such instructions file")
        instructions = path.read_text(encoding="utf-8")
    made = create_campaign(
        ns.db, ns.run_dir, name=ns.name, raters=ns.raters, k=ns.k, mode=ns.mode, scale=ns.scale,
        systems=ns.systems.split(",") if ns.systems else None, gold_share=ns.gold, seed=ns.seed, crowd=crowd,
        instructions=instructions, min_seconds=ns.min_seconds, require_playthrough=not ns.no_playthrough,
        practice=ns.practice, gold_floor=ns.gold_floor, gold_min=ns.gold_min, screen_out=ns.screen_out,
        adaptive=ns.adaptive,
    )  # fmt: skip
    print(
        f"campaign {made.name}: {made.items} items, {made.gold} gold items, {made.left_out} video(s) left out"
    )
    print(made.power_note)
    print(f"admin: {ns.base_url}/admin/{made.admin_token}")
    if made.entry_key:
        params = {"prolific": "?PROLIFIC_PID={{%PROLIFIC_PID%}}&STUDY_ID={{%STUDY_ID%}}&SESSION_ID={{%SESSION_ID%}}",
                  "mturk": "", "link": "?participant=ID"}[ns.crowd]  # fmt: skip
        print(f"entry link ({ns.raters} places): {ns.base_url}/join/{made.entry_key}{params}")
    for rater, token in made.rater_tokens.items():
        print(f"{rater}: {ns.base_url}/rate/{token}")
    print("These links are shown once; the database keeps only their hashes.")
    return 0


def _rater(ns) -> int:
    from sqlalchemy import select

    from evalsuite.rating import owner
    from evalsuite.rating.campaign import CampaignError
    from evalsuite.rating.store import Campaign, open_store

    engine, sessions = open_store(ns.db)
    try:
        with sessions.begin() as session:
            campaign = session.scalar(select(Campaign).where(Campaign.name == ns.name))
            if campaign is None:
                raise CampaignError(f"{ns.db}: no campaign {ns.name!r}")
            if ns.action == "revoke":
                owner.revoke(session, campaign, ns.rater)
                print(f"{ns.rater}: link revoked")
            elif ns.action == "exclude":
                owner.exclude(session, campaign, ns.rater, ns.reason or "excluded by the owner")
                print(f"{ns.rater}: excluded (judgements kept, left out of exports)")
            else:
                new, token = owner.reopen(session, campaign, ns.rater)
                where = f"{ns.base_url}/rate/{token}" if token else "an open slot of the entry link"
                print(f"{ns.rater}'s list re-opened as {new.name}: {where}")
    finally:
        engine.dispose()
    return 0


def rate_main(args: Sequence[str]) -> int:
    ns = _parser().parse_args(list(args))
    try:
        import fastapi  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError:
        from evalsuite.rating.campaign import CampaignError

        raise CampaignError(MISSING_EXTRA) from None
    if ns.command == "create":
        return _create(ns)
    if ns.command == "rater":
        return _rater(ns)
    if ns.command == "serve":
        import uvicorn

        from evalsuite.rating.app import create_app

        app = create_app(ns.db)
        print(f"rating server for {ns.db} on http://{ns.host}:{ns.port} (Ctrl-C stops it)", flush=True)
        uvicorn.run(app, host=ns.host, port=ns.port, log_level="warning")
        return 0
    from evalsuite.rating.export import export_campaign

    exported = export_campaign(ns.db, ns.name, ns.out, include_excluded=ns.include_excluded)
    for name, path in exported.files.items():
        print(f"{name}: {path}")
    if ns.command == "report":
        from evalsuite.config.schema import HumanConfig
        from evalsuite.pipeline.human import run_human

        if "absolute" not in exported.files:
            from evalsuite.rating.campaign import CampaignError

            raise CampaignError(
                f"{ns.name} is a side-by-side campaign: its pairwise.csv goes beside an absolute campaign's "
                "ratings (hyvideo-eval human human=ratings human.ratings=... human.pairwise=...)"
            )
        cfg = HumanConfig(
            ratings=str(exported.files["absolute"]), scale=exported.scale, criteria=exported.criteria,
            output_dir=str(Path(ns.out) / "human"),
        )  # fmt: skip
        _, files = run_human(cfg, title=f"Human evaluation: {ns.name}")
        print(f"human report: {files.get('report', Path(ns.out) / 'human')}")
    return 0
