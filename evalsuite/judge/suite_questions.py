"""The structured suite's questions (prompts/structured_1533.questions.json), written from the phrases
each prompt was drawn from (evalsuite/data/prompt_suite.py `questions`), with no language model:

    python -m evalsuite.judge.suite_questions --out prompts/structured_1533.questions.json

Same code, word lists and seed: the same file byte for byte (tested), so the questions of every prompt
are fixed by the suite itself and their sha256 keys the judge's cached answers.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from evalsuite.data import prompt_suite
from evalsuite.judge.questions import PromptQuestions, save_questions


def structured_questions(
    size: int = prompt_suite.SIZE, seed: int = prompt_suite.SEED
) -> list[PromptQuestions]:
    table, drawn = prompt_suite.generate_with_parts(size, seed)
    return [
        PromptQuestions.model_validate(
            {
                "prompt_id": row.prompt_id,
                "prompt": row.prompt,
                "questions": prompt_suite.questions(parts),
            }
        )
        for row, parts in zip(table.itertuples(), drawn, strict=True)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="prompts/structured_1533.questions.json")
    args = parser.parse_args(argv)
    print(
        save_questions(
            Path(args.out),
            structured_questions(),
            "structured",
            "evalsuite/data/prompt_suite.py (from the axes, no LLM)",
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
