"""Fangkong's benchmark harness, run as ``python -m bench`` (``make bench``).

Each scenario generates data at a stated scale on PostgreSQL, times its operations with warm-up
and repetitions, measures in the same run the physical limit the issue names (usually the same
SQL run directly through a psycopg cursor), and writes ``bench/results/<timestamp>-<scenario>.json``
and ``bench/results/latest-<scenario>.md``. Benchmarks never gate CI: nothing here asserts a time.

Adding a scenario: a module in ``bench/scenarios/`` with ``NAME``, ``DESCRIPTION`` and
``run(ctx: Context) -> ScenarioResult``, listed in ``bench.scenarios.SCENARIOS``.
"""
