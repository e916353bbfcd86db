"""`hyvideo-eval rate ...`: create a campaign, serve it, export its judgements and run the human report.

hyvideo-eval rate create RUN_DIR --db FILE|URL --name NAME --raters R [--k 3] [--mode absolute|gsb]
                         [--scale binary|likert] [--systems a,b] [--gold 0.1] [--base-url URL]
hyvideo-eval rate serve --db FILE|URL [--host 127.0.0.1] [--port 8000]
hyvideo-eval rate export --db FILE|URL --name NAME --out DIR
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
    serve = sub.add_parser("serve", help="the rating server")
    serve.add_argument("--db", required=True)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    for name in ("export", "report"):
        cmd = sub.add_parser(
            name,
            help="judgements in the human layer's formats"
            + (", then its report" if name == "report" else ""),
        )
        cmd.add_argument("--db", required=True)
        cmd.add_argument("--name", required=True)
        cmd.add_argument("--out", required=True)
    return parser


def rate_main(args: Sequence[str]) -> int:
    ns = _parser().parse_args(list(args))
    try:
        import fastapi  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError:
        from evalsuite.rating.campaign import CampaignError

        raise CampaignError(MISSING_EXTRA) from None
    if ns.command == "create":
        from evalsuite.rating.campaign import create_campaign

        made = create_campaign(
            ns.db, ns.run_dir, name=ns.name, raters=ns.raters, k=ns.k, mode=ns.mode, scale=ns.scale,
            systems=ns.systems.split(",") if ns.systems else None, gold_share=ns.gold, seed=ns.seed,
        )  # fmt: skip
        print(
            f"campaign {made.name}: {made.items} items, {made.gold} gold items, {made.left_out} video(s) left out"
        )
        print(made.power_note)
        print(f"admin: {ns.base_url}/admin/{made.admin_token}")
        for rater, token in made.rater_tokens.items():
            print(f"{rater}: {ns.base_url}/rate/{token}")
        print("These links are shown once; the database keeps only their hashes.")
        return 0
    if ns.command == "serve":
        import uvicorn

        from evalsuite.rating.app import create_app

        app = create_app(ns.db)
        print(f"rating server for {ns.db} on http://{ns.host}:{ns.port} (Ctrl-C stops it)", flush=True)
        uvicorn.run(app, host=ns.host, port=ns.port, log_level="warning")
        return 0
    from evalsuite.rating.export import export_campaign

    exported = export_campaign(ns.db, ns.name, ns.out)
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
