"""The regression gate for model changes (`nox -s regression`).

`exactness`: a seeded tiny-model run compared with a golden file committed in the repo.
`quality`: a candidate run against a baseline run, a paired per-prompt test per metric with Holm
correction and a minimum effect size. `pytest_plugin`: the same gate as a pytest fixture.
"""
