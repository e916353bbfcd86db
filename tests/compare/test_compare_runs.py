"""The comparison end to end: the joint job and `hyvideo-eval compare` over the same videos write the
same tables byte for byte; a known order is recovered through the real pipeline; every bad input stops
with one line and exit 2, losing nothing already computed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest
import torch

from evalsuite.cli import eval_main
from evalsuite.config import compose
from evalsuite.data.synthetic import synthesize_test_videos
from evalsuite.errors import ConfigError
from evalsuite.human.simulate import simulate_absolute
from evalsuite.pipeline.run import run_eval

COMMON = ["runtime.progress=false", "metrics.names=[temporal_flickering,sharpness]", "prompts.limit=12"]
SYSTEMS = {"clean": 0.0, "flicker-4": 4.0, "flicker-12": 12.0}
TABLES = ["comparison.md", "comparison.tex", "comparison.csv", "means.csv", "pairs.csv", "ranks.csv"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """One folder of videos per system, made once: both ways of comparing read the same files."""
    root = tmp_path_factory.mktemp("systems")
    ids = compose([]).prompts  # the embedded set: ids are what the folders are named by
    from evalsuite.pipeline.prompts import load_prompts

    prompt_ids = load_prompts(ids).table["prompt_id"].tolist()
    for name, flicker in SYSTEMS.items():
        synthesize_test_videos(prompt_ids, root / name, flicker=flicker)
    return {name: root / name for name in SYSTEMS}


def joint_overrides(folders: dict[str, Path]) -> list[str]:
    entries = ",".join(f"{{option:videos_dir,name:{n},dir:'{d}'}}" for n, d in folders.items())
    return [*COMMON, "compare.run_name=joint", f"compare.systems=[{entries}]"]


def single_run(name: str, folder: Path, *extra: str) -> Path:
    result = run_eval(
        compose([*COMMON, "model=videos_dir", f"model.name={name}", f"model.dir={folder}", *extra])
    )
    return result.paths.output_dir


def cli(args: list[str], capsys) -> tuple[int, str]:
    code = eval_main(args)
    return code, capsys.readouterr().err.strip()


def test_joint_job_and_compare_command_write_identical_tables(run_dir: Path, folders, capsys) -> None:
    joint = run_eval(compose(joint_overrides(folders)))
    out = joint.paths.output_dir / "comparison"
    ranks = pd.read_csv(out / "ranks.csv")
    flicker = ranks[ranks["metric"] == "temporal_flickering"].set_index("system")["rank"].astype(str)
    assert flicker.to_dict() == {"clean": "1", "flicker-4": "2", "flicker-12": "3"}  # known by construction
    manifest = pd.read_parquet(joint.paths.manifest)
    assert len(manifest) == 3 * 12 and set(manifest["model"]) == set(SYSTEMS)  # one row per system × prompt

    runs = [str(single_run(name, folder)) for name, folder in folders.items()]
    code, err = cli(["compare", *runs, "--out", str(run_dir / "cmp")], capsys)
    assert code == 0, err
    for name in [*TABLES, "comparison.html"]:
        assert (run_dir / "cmp" / name).read_bytes() == (out / name).read_bytes(), name
    text = (out / "comparison.md").read_text()
    assert "| clean " in text and "temporal_flickering ↑" in text and "sharpness ↑" in text


def test_published_rows_are_shown_but_never_ranked(run_dir: Path, folders, capsys) -> None:
    joint = run_eval(compose(joint_overrides(folders))).paths.output_dir
    published = run_dir / "published.csv"
    published.write_text(
        "system,metric,value,aggregation,source\n"
        "Gen-3,temporal_flickering,0.9712,vbench,VBench leaderboard\n"
        "Gen-3,vbench_quality_score,0.81,vbench,VBench leaderboard\n"
        "Other,sharpness,12,per_video,paper\n"
    )
    code, err = cli(["compare", str(joint), "--out", "p", "--published", str(published),
                     "--published-systems", "Gen-3"], capsys)  # fmt: skip
    assert code == 0, err
    table = pd.read_csv("p/comparison.csv")
    row = table[table["system"] == "Gen-3 (published)"].iloc[0]
    assert row["source"] == "published, vbench aggregation" and row["temporal_flickering"] == 0.9712
    assert "Other (published)" not in set(table["system"])
    assert "Gen-3" not in set(pd.read_csv("p/ranks.csv")["system"])
    assert "Gen-3" not in set(pd.read_csv("p/pairs.csv")[["system_a", "system_b"]].stack())


def test_ratings_put_people_beside_the_metrics(run_dir: Path, folders, capsys) -> None:
    joint = run_eval(compose(joint_overrides(folders))).paths.output_dir
    prompt_ids = pd.read_parquet(joint / "manifest.parquet")["prompt_id"].unique()
    rates = pd.DataFrame({c: [0.8, 0.6, 0.3] for c in ("text_alignment", "motion_quality", "visual_quality")},
                         index=list(SYSTEMS))  # fmt: skip
    ratings = simulate_absolute(rates, n_prompts=len(prompt_ids), raters_per_video=3, n_raters=6, seed=0)
    codes = {f"p{k:05d}": pid for k, pid in enumerate(prompt_ids)}
    ratings["prompt_id"] = ratings["prompt_id"].map(codes)
    ratings.to_csv(run_dir / "ratings.csv", index=False)
    code, err = cli(["compare", str(joint), "--out", "h", "--ratings", str(run_dir / "ratings.csv")], capsys)
    assert code == 0, err
    table = pd.read_csv("h/comparison.csv")
    assert {"human Overall", "human ranking", "temporal_flickering"} <= set(table.columns)
    correlations = pd.read_csv("h/correlations.csv")
    row = correlations[
        (correlations["metric"] == "temporal_flickering") & (correlations["criterion"] == "overall")
    ]
    assert row["n_systems"].iloc[0] == 3 and row["kendall_ci95_low"].iloc[0] <= row["kendall"].iloc[0]
    assert pd.read_csv("h/video_correlations.csv")["n"].gt(0).all()

    ratings["model"] = ratings["model"].replace({"clean": "Clean"})  # one system called two things
    ratings.to_csv(run_dir / "renamed.csv", index=False)
    code, err = cli(["compare", str(joint), "--out", "h2", "--ratings", str(run_dir / "renamed.csv")], capsys)
    assert code == 2 and "['Clean']" in err and "'clean'" in err and len(err.splitlines()) == 1
    assert not Path("h2").exists()


def test_bad_inputs_stop_with_one_line(run_dir: Path, folders, capsys) -> None:
    a = single_run("clean", folders["clean"])
    b = single_run("flicker-4", folders["flicker-4"])
    c = single_run("flicker-12", folders["flicker-12"], "prompts.limit=6", "run_id=six")

    def fails(args: list[str], *words: str) -> None:
        code, err = cli(["compare", *args], capsys)
        assert code == 2 and len(err.splitlines()) == 1, err
        for word in words:
            assert word in err, err

    fails([str(a), str(c)], "six", "prompts.limit")  # another selection of the same prompt set
    fails([str(a), str(a)], "'clean' is in both")  # one system twice
    (run_dir / "empty").mkdir()
    fails([str(a), str(run_dir / "empty")], "no scores.parquet")
    fails([str(a)], "at least two systems")
    identity = json.loads((b / "run.json").read_text())
    identity["metric_versions"]["sharpness"] = "0"
    (b / "run.json").write_text(json.dumps(identity))
    fails([str(a), str(b)], "sharpness", "different versions")
    identity["metric_versions"]["sharpness"] = "1"
    (b / "run.json").write_text(json.dumps(identity))
    published = run_dir / "bad.csv"
    published.write_text("system,metric,value,aggregation\nX,fvd_typo,1,vbench\n")
    fails([str(a), str(b), "--published", str(published)], "unknown metric", "fvd_typo")
    published.write_text("system,metric,value,aggregation\nX,sharpness,1,vbench\n")
    fails(
        [str(a), str(b), "--published", str(published), "--published-systems", "Y"], "unknown system", "'Y'"
    )
    published.write_text("system,metric,value,aggregation\nclean,sharpness,1,vbench\n")
    fails([str(a), str(b), "--published", str(published)], "measured in this comparison")
    published.write_text("system,metric,value,aggregation\nX,sharpness,nan,vbench\n")
    fails([str(a), str(b), "--published", str(published)], "not a finite number")
    (b / "run.json").unlink()
    fails([str(a), str(b)], "no run.json", "rerun")


def test_duplicate_names_and_empty_systems(run_dir: Path, folders, tmp_path: Path, capsys) -> None:
    twice = [*COMMON, "compare.run_name=x",
             f"compare.systems=[{{option:videos_dir,name:a,dir:'{folders['clean']}'}},{{option:videos_dir,name:a,dir:'{folders['clean']}'}}]"]  # fmt: skip
    with pytest.raises(ConfigError, match=r"\['a'\] name more than one system"):
        compose(twice)
    (tmp_path / "nothing").mkdir()
    empty = [*COMMON, "compare.run_name=e",
             f"compare.systems=[{{option:videos_dir,name:a,dir:'{folders['clean']}'}},{{option:videos_dir,name:b,dir:'{tmp_path / 'nothing'}'}}]"]  # fmt: skip
    code, err = cli(empty, capsys)
    assert code == 2 and "'b' has no usable video" in err and len(err.splitlines()) == 1
    scores = pd.read_parquet(run_dir / "reports" / "e__embedded" / "scores.parquet")
    assert (scores[scores["model"] == "a"]["status"] == "ok").all()  # what was computed is kept


def test_systems_file(run_dir: Path, folders) -> None:
    listed = run_dir / "systems.yaml"
    listed.write_text(
        "systems:\n"
        + "".join(f"  - {{option: videos_dir, name: {n}, dir: '{d}'}}\n" for n, d in folders.items())
    )
    cfg = compose([*COMMON, "compare=file", f"compare.systems_file={listed}", "compare.run_name=six"])
    assert [m.name for m in cfg.systems] == list(SYSTEMS) and cfg.run_id == "six__embedded"
    assert cfg.is_comparison
    with pytest.raises(ConfigError, match="cannot read it"):
        compose(["compare=file", f"compare.systems_file={run_dir / 'absent.yaml'}", "compare.run_name=x"])
    with pytest.raises(ConfigError, match=r"compare\.run_name is required"):
        compose(["compare=file", f"compare.systems_file={listed}"])


def test_a_bad_published_file_stops_the_joint_job_before_any_work(run_dir: Path, folders, capsys) -> None:
    published = run_dir / "bad.csv"
    published.write_text("system,metric,value,aggregation\nX,fvd_typo,1,vbench\n")
    code, err = cli([*joint_overrides(folders), f"compare.published={published}"], capsys)
    assert code == 2 and "unknown metric" in err and len(err.splitlines()) == 1
    assert not (run_dir / "reports").exists()


def test_a_misnamed_ratings_file_stops_the_joint_job_before_any_scoring(
    run_dir: Path, folders, capsys
) -> None:
    """FETV's case: the ratings call a system by another name than its videos. The joint job reads and
    checks every side file first: one line, exit 2, in seconds, and no video ingested or scored."""
    rates = pd.DataFrame({c: [0.8, 0.6, 0.3] for c in ("text_alignment", "motion_quality", "visual_quality")},
                         index=["clean", "flicker-4", "damo-text2video"])  # fmt: skip
    ratings = simulate_absolute(rates, n_prompts=12, raters_per_video=3, n_raters=6, seed=0)
    ratings.to_csv(run_dir / "ratings.csv", index=False)
    cases = {
        "misnamed system": (
            [f"human.ratings={run_dir / 'ratings.csv'}"],
            ["['damo-text2video']", "flicker-12"],
        ),
        "misnamed file": ([f"human.ratings={run_dir / 'ratngs.csv'}"], ["ratngs.csv", "not found"]),
        "human stage alone": (
            [f"human.ratings={run_dir / 'ratings.csv'}", f"human.pairwise={run_dir / 'gsb.csv'}"],
            ["gsb.csv", "not found"],
        ),
    }
    for name, (extra, words) in cases.items():
        overrides = joint_overrides(folders) if name != "human stage alone" else [
            *COMMON, "model=videos_dir", "model.name=clean", f"model.dir={folders['clean']}"]  # fmt: skip
        start = time.perf_counter()
        code, err = cli([*overrides, "human=ratings", *extra], capsys)
        elapsed = time.perf_counter() - start
        assert code == 2 and len(err.splitlines()) == 1, (name, err)
        assert all(word in err for word in words), (name, err)
        assert elapsed < 10, (name, elapsed)
        assert not (run_dir / "reports").exists(), name  # no manifest, no score, no report


def test_runs_scored_with_different_clip_files_are_refused(run_dir: Path, folders, tmp_path, capsys) -> None:
    """run.json records the sha256 of every network file a run's scores came from, the report prints it,
    and `compare` refuses runs that measured with different files of one network (VBench #122, #202)."""
    import hashlib

    from metrics.networks import tiny_openai_clip_state, write_tiny_weights

    weights = write_tiny_weights(tmp_path / "w")
    other = tmp_path / "other" / "ViT-B-32.pt"
    other.parent.mkdir()
    torch.save(tiny_openai_clip_state(seed=9), other)  # another CLIP B/32 file: same format, other weights

    def run(name: str, clip: Path) -> Path:
        return single_run(
            name, folders[name], "metrics.names=[background_consistency]", "prompts.limit=4",
            f"weights.networks.clip_vit_b32.path={clip}", "weights.networks.clip_vit_b32.sha256=null",
        )  # fmt: skip

    a, b, c = (
        run("clean", weights["clip_vit_b32"]),
        run("flicker-4", other),
        run("flicker-12", weights["clip_vit_b32"]),
    )
    sha = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (weights["clip_vit_b32"], other)}
    assert json.loads((a / "run.json").read_text())["networks"] == {
        "clip_vit_b32": sha[weights["clip_vit_b32"]]
    }
    assert json.loads((b / "run.json").read_text())["networks"] == {"clip_vit_b32": sha[other]}
    assert f"clip_vit_b32 `{sha[other][:12]}`" in (b / "report.md").read_text()

    code, err = cli(["compare", str(a), str(b), "--out", str(run_dir / "cmp")], capsys)
    assert code == 2 and len(err.splitlines()) == 1, err
    assert "clip_vit_b32" in err and sha[weights["clip_vit_b32"]][:12] in err and sha[other][:12] in err
    assert not (run_dir / "cmp").exists()
    code, err = cli(["compare", str(a), str(c), "--out", str(run_dir / "same")], capsys)
    assert code == 0, err  # the same file: compared, and the table names it
    assert (
        f"clip_vit_b32 {sha[weights['clip_vit_b32']][:12]}"
        in (run_dir / "same" / "comparison.md").read_text()
    )
