"""Running the suite at a campaign's scale on engines users already run: work units (units.py), Ray
(ray_runner.py), Slurm job arrays through submitit (slurm.py, shards.py) and cost planning (plan.py).

A layer on top of the suite: nothing below `evalsuite.pipeline` imports it, and Ray and submitit are
optional extras imported only when a run asks for them.
"""
