"""The benchmark: `manage.py bench` builds a scale dataset and measures the key pages and a team day on it.

See `bench/management/commands/bench.py` (or `manage.py bench --help`) for what it measures
and how. The bench depends on every other app and nothing depends on it, save the bare page's
URL, mounted only when `BENCH_BARE_PAGE` is on.
"""
