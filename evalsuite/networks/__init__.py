"""The pretrained networks behind the metrics, each built from one local weight file (or random weights
when a test or `weights.allow_random` asks). Metrics never load a network themselves: the scoring stage
loads each network once per run and computes its features once per frame view (evalsuite/metrics/features.py).
"""
