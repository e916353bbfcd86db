"""A vision-language model as a judge, over any OpenAI-compatible chat-completions endpoint.

- `client`: the endpoint (retries, a concurrency limit, a request and token budget, answers cached on
  disk per request so that a rerun sends nothing; the API key read from an environment variable only);
- `questions`: atomic yes/no questions per prompt with their parents (the DSG / TIFA / VBench-2.0 way),
  their file beside the prompt set, the score that respects the parents;
- `rubric`: 1-5 scores per criterion with a one-sentence reason, strict JSON.

The judge is off until `judge.base_url` names an endpoint; the metrics that use it (evalsuite/metrics/
judge.py) are then unavailable with that fix, and every other metric runs. httpx is imported only when a
judge is configured (the `judge` extra).
"""
