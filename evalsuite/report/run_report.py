"""Stage 4: write the run's report: report.md and report.html for people, CSV tables for tools."""

from __future__ import annotations

from pathlib import Path

from evalsuite.data.atomic import write_csv_atomic, write_text_atomic
from evalsuite.report.markdown import render_markdown
from evalsuite.report.run_views import ReportInputs, ReportTables


def write_report(
    inputs: ReportInputs, out_dir: Path, formats: list[str], vbench_normalised: bool = True
) -> dict[str, Path]:
    """Write the `formats` asked for (report.md, report.html, the CSV tables) into `out_dir`; return the
    paths written by name."""
    report = ReportTables.of(inputs.scores, vbench_normalised, inputs.prompt_set)
    tables = {"summary": report.by_model, "by_category": report.by_category, "failures": report.failures}
    if not report.by_axis.empty:
        tables["by_axis"] = report.by_axis
    if not report.normalised.empty:
        tables["vbench_normalised"] = report.normalised
    written: dict[str, Path] = {}
    if "csv" in formats:
        for name, table in tables.items():
            written[name] = write_csv_atomic(out_dir / f"{name}.csv", table)
    if "markdown" in formats:
        written["report"] = out_dir / "report.md"
        write_text_atomic(written["report"], render_markdown(inputs, report))
    if "html" in formats:
        from evalsuite.report.run_html import render_run_html  # imports matplotlib: only when asked

        written["report.html"] = out_dir / "report.html"
        write_text_atomic(written["report.html"], render_run_html(inputs, report))
    return written
