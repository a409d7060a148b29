"""The issue's targets, judged page by page and for the mixed workload, and the table a person reads.

Targets (issues #9 and #19), for every key page:

- **Q**: at most 12 queries, and the same number at both scales (a page's cost must not
  follow the data);
- **T**: server time p95 at most 25 ms at the larger scale, every reading rendered;
- **S**: the response does not grow with the data: at the larger scale at most
  `max(10%, 1 KiB)` above the smaller. Both scales build the measured team from the same
  seeds, so what is left is not the page's doing: ids rendered in links and DOM ids have more
  digits in a bigger database (a page with a hundred ids gains a few hundred bytes), key-result
  values and dates differ with the length of the history, and the organisation's name states
  its size. A page that lists everything (every team, every week) grows by tens of percent
  or many times over, far past that allowance. Not judged for a later page of a list or a
  search (`Page.sized`): they hold what matches at each scale, a page of the list at most;
- **R**: requests per second under gunicorn at least 25% of the bare page's, measured in
  the same run.

Q and T hold for the first reader after a change too (`bench.measure.after_a_change`: every kept part and
value made again), whose page may run a few more queries and draw what others then read kept.

And for the mixed workload (`bench/mix.py`): **M**, requests per second under gunicorn at least
30% of the bare page's, with no error (a 5xx, an unexpected 4xx such as a conflict on autosave,
a broken connection), in-process or served; **A**, an autosave's server time p95 at most 8 ms; and
**P**, a live poll with nothing new (204) at most 3 ms p95 (both in-process, where server time is
measured).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from bench.measure import BARE, PAGES, chosen


@dataclass(frozen=True)
class Targets:
    max_queries: int = 12
    p95_ms: float = 25.0
    size_growth: float = 0.10
    size_slack_bytes: int = 1024
    rps_share: float = 0.25
    mix_share: float = 0.30
    mix_errors: int = 0
    autosave_p95_ms: float = 8.0
    quiet_poll_p95_ms: float = 3.0

    def as_dict(self) -> dict:
        return asdict(self)


TARGETS = Targets()
# The mix's kinds judged by their in-process server time: (verdict, the kind's label, its target in `Targets`).
TIMED = (("autosave", "autosave", "autosave_p95_ms"), ("quiet_poll", "poll nothing new", "quiet_poll_p95_ms"))


def judge(result: dict, targets: Targets = TARGETS) -> None:
    """Add `verdicts` (page → target → True, False or None when not measured), `misses` and `passed`."""
    main = result["scales"][result["scale"]]["pages"]
    base = result["scales"][result["baseline"]]["pages"] if result.get("baseline") else None
    rps = result.get("rps")
    verdicts, misses = {}, {}
    for page in chosen(result["pages"]):
        here, there = main[page.key], base[page.key] if base else None
        verdict, missed = {}, []
        answered = here["status"] == 200 and (there is None or there["status"] == 200)
        if not answered:
            missed.append(f"answered {here['status']}" + (f" at {result['baseline']} {there['status']}" if there else ""))
        for kind, said in (("", ""), ("first_", "first reading after a change: ")):
            queries = here[f"{kind}queries"]
            flat = answered and queries <= targets.max_queries and (there is None or there[f"{kind}queries"] == queries)
            verdict["queries"] = verdict.get("queries", True) and flat
            if answered and not flat:
                counts = f"{there[f'{kind}queries']} → {queries}" if there else str(queries)
                missed.append(f"{said}queries {counts} (≤ {targets.max_queries}, the same at both scales)")
            fast = answered and here[f"{kind}p95_ms"] <= targets.p95_ms
            verdict["time"] = verdict.get("time", True) and fast
            if answered and not fast:
                missed.append(f"{said}p95 {here[f'{kind}p95_ms']:.1f} ms (≤ {targets.p95_ms:g})")
        verdict["size"] = None
        if there is not None and page.sized:
            allowed = there["size"] + max(there["size"] * targets.size_growth, targets.size_slack_bytes)
            verdict["size"] = answered and here["size"] <= allowed
            if answered and not verdict["size"]:
                missed.append(f"size {there['size']:,} → {here['size']:,} bytes "
                              f"({_growth(there['size'], here['size'])}; allowed {int(allowed):,})")
        verdict["rps"] = None
        if rps is not None:
            measured = rps["pages"].get(page.key)
            verdict["rps"] = bool(measured) and measured["status"] == 200 and measured["share"] >= targets.rps_share
            if not verdict["rps"]:
                missed.append(f"{_percent(measured['share'])} of the bare page's requests/s (≥ {targets.rps_share:.0%})"
                              if measured and measured["status"] == 200 else "requests/s not measured (error)")
        verdicts[page.key] = verdict
        if missed:
            misses[page.key] = missed
    if result.get("mix"):
        verdicts["mix"], missed = _judge_mix(result["mix"], targets)
        if missed:
            misses["mix"] = missed
    result["verdicts"], result["misses"] = verdicts, misses
    result["passed"] = not misses


def _judge_mix(mix: dict, targets: Targets) -> tuple[dict, list[str]]:
    """The mixed workload: its share of the bare page's requests/s (served), its errors (anywhere), and the server
    time of an autosave and of a poll with nothing new (in-process)."""
    verdict, missed = {"share": None, "errors": None, "autosave": None, "quiet_poll": None}, []
    ran = [(where, mix[where]) for where in ("in_process", "served") if mix.get(where)]
    if ran:
        errors = sum(measured["errors"] for _, measured in ran)
        verdict["errors"] = errors <= targets.mix_errors
        if not verdict["errors"]:
            missed.append(" and ".join(f"{measured['errors']} errors {where.replace('_', '-')}"
                                       for where, measured in ran if measured["errors"]))
    kinds = (mix.get("in_process") or {}).get("kinds", {})
    for name, label, target_name in TIMED:
        measured, target = kinds.get(label), getattr(targets, target_name)
        if measured and measured["p95_ms"] is not None:
            verdict[name] = measured["p95_ms"] <= target
            if not verdict[name]:
                missed.append(f"{label} p95 {measured['p95_ms']:.1f} ms (≤ {target:g})")
    served = mix.get("served")
    if served:
        verdict["share"] = served["share"] >= targets.mix_share
        if not verdict["share"]:
            missed.append(f"{_percent(served['share'])} of the bare page's requests/s (≥ {targets.mix_share:.0%})")
    return verdict, missed


def _growth(before: int, after: int) -> str:
    if before == 0:
        return "from nothing"
    change = (after - before) / before
    return f"×{after / before:.1f}" if change >= 1 else f"{change:+.0%}"


def table(result: dict) -> str:
    """The plain-text report: what was measured where, a row per page, and which targets each misses."""
    scale, baseline = result["scale"], result.get("baseline")
    main = result["scales"][scale]
    base = result["scales"][baseline] if baseline else None
    rps = result.get("rps")
    machine, method = result["machine"], result["method"]
    lines = [
        f"Charter bench: {scale} ({main['describe']})"
        + (f"\n  against {baseline} ({base['describe']})" if base else ""),
        f"Machine: {machine['cpu_count']} CPUs (os.cpu_count()), load average {machine['load_average']} at the "
        f"start; {machine['database']}; Django {machine['django']}; Python {machine['python']}",
        f"Server time: in-process test Client, DEBUG off, {method['requests']} requests per page after "
        f"{method['warmup']} warm-up, and as many more as the first reader after a change (every kept part and "
        "value made again); p50/p95 in ms.",
    ]
    if rps:
        lines.append(f"Requests/s: gunicorn ({rps['workers']} sync workers, DEBUG off) at {scale}, {rps['connections']} "
                     f"keep-alive connections from this process, {rps['duration']:g} s per page after "
                     f"{rps['warmup']:g} s warm-up, in {rps.get('rounds', 1)} round(s). The bare page runs between "
                     f"every two pages (median {rps['bare']['rps']:,.0f}/s, {rps['bare']['lowest']:,.0f} to "
                     f"{rps['bare']['highest']:,.0f}); %bare compares a page with the bare runs just before and after "
                     "it, the median of its rounds.")
    else:
        lines.append("Requests/s: not measured (--no-gunicorn).")
    for name in filter(None, (baseline, scale)):
        build = result["scales"][name]["build"]
        lines.append(f"Build {name}: " + (f"{build['seconds']:.1f} s ({_stages(build['stages'])})" if not build["reused"]
                                          else "reused the dataset built earlier (--rebuild to build it again)"))
    small, large = (baseline or "-")[:5], scale[:5]
    header = (f"{'page':<30}{'queries':>12}  {'ms p50/p95':>25}  {'first after a change':>20}"
              f"  {'bytes':>21}  {'req/s':>7}{'%bare':>6}  {'Q':>4}{'T':>5}{'S':>5}{'R':>5}")
    sub = (f"{'':<30}{small:>6}{large:>6}  {small:>12}{large:>13}  {'queries':>7}{'ms p50/p95':>13}"
           f"  {small:>10}{large:>11}  {large:>7}{'':>6}  {'':>4}{'':>5}{'':>5}{'':>5}")
    lines += ["", header, sub, "-" * len(header)]
    for page in [*chosen(result["pages"]), BARE]:
        here = main["pages"][page.key]
        there = base["pages"][page.key] if base else None
        served = rps["pages"].get(page.key) if rps and page is not BARE else None
        if page is BARE and rps:
            served = {"rps": rps["bare"]["rps"], "share": 1.0, "status": 200}
        verdict = result["verdicts"].get(page.key, {})
        lines.append(
            f"{page.label[:29]:<30}{_n(there, 'queries'):>6}{_n(here, 'queries'):>6}"
            f"  {_times(there):>12}{_times(here):>13}"
            f"  {_n(here, 'first_queries'):>7}{_times(here, 'first_'):>13}"
            f"  {_n(there, 'size'):>10}{_n(here, 'size'):>11}  "
            f"{(format(served['rps'], ',.0f') if served and served['status'] == 200 else '-'):>7}"
            f"{(_percent(served['share']) if served and served['status'] == 200 else '-'):>6}"
            f"  {_mark(verdict.get('queries')):>4}{_mark(verdict.get('time')):>5}{_mark(verdict.get('size')):>5}"
            f"{_mark(verdict.get('rps')):>5}"
        )
    targets = result["targets"]
    if result.get("mix"):
        lines += ["", *mix_table(result["mix"], result["verdicts"].get("mix", {}), targets)]
    lines += [
        "",
        "Every reading renders the page (no per-reader page cache): what every reader gets.",
        f"Targets: Q ≤ {targets['max_queries']} queries, the same at both scales; T p95 ≤ {targets['p95_ms']:g} ms at "
        f"{scale}; both for the first reader after a change too (every kept part made again); S bytes at {scale} ≤ {baseline or 'the smaller scale'} + max({targets['size_growth']:.0%}, "
        f"{targets['size_slack_bytes']:,} bytes); R ≥ {targets['rps_share']:.0%} of the bare page's requests/s; "
        f"M (the mix) ≥ {targets['mix_share']:.0%} of the bare page's requests/s with {targets['mix_errors']} errors; "
        f"A an autosave's p95 ≤ {targets.get('autosave_p95_ms', TARGETS.autosave_p95_ms):g} ms and P a poll with "
        f"nothing new p95 ≤ {targets.get('quiet_poll_p95_ms', TARGETS.quiet_poll_p95_ms):g} ms, in-process.",
    ]
    if any(page["status"] != 200 for scale in result["scales"].values() for page in scale["pages"].values()):
        lines.append("!500 and the like: the page did not answer 200 (its error is logged above).")
    if result["misses"]:
        lines.append("Missed:")
        labels = {page.key: page.label for page in PAGES} | {"mix": "Mixed workload"}
        lines += [f"  {labels.get(key, key)}: " + "; ".join(missed) for key, missed in result["misses"].items()]
    else:
        lines.append("Every page meets every target measured.")
    return "\n".join(lines)


def mix_table(mix: dict, verdict: dict, targets: dict) -> list[str]:
    """The mixed workload: who and what, a row per kind of request (in-process server time, served latency)."""
    inner, served = mix.get("in_process"), mix.get("served")
    first = served or inner
    lines = [
        f"Mixed workload: {first['people']:,} people in {first['teams']:,} teams, each signed in with a session of "
        f"their own; planned {mix['weights']}.",
    ]
    if inner:
        lines.append(f"  in-process: one request at a time for {inner['duration']:g} s (server time, the test Client)")
    if served:
        lines.append(f"  served: gunicorn, {served['threads']} connections for {served['duration']:g} s after "
                     f"{served['warmup']:g} s warm-up (latency as a client sees it, queueing included)")
    header = f"{'request':<24}{'in-process':>10}{'ms p50/p95':>14}  {'served':>8}{'ms p50/p95':>14}  {'statuses':<30}"
    lines += ["", header, "-" * len(header)]
    labels = list(dict.fromkeys([*(inner or {}).get("kinds", {}), *(served or {}).get("kinds", {})]))
    for label in labels:
        here = (inner or {}).get("kinds", {}).get(label)
        there = (served or {}).get("kinds", {}).get(label)
        counts = ", ".join(f"{status}×{n}" for status, n in (there or here or {}).get("statuses", {}).items())
        errors = sum(m["errors"] for m in (here, there) if m)
        lines.append(f"{label:<24}{_count(here):>10}{_times(here):>14}  {_count(there):>8}{_times(there):>14}  "
                     f"{counts}{f'  ({errors} errors)' if errors else ''}")
    lines.append(f"{'all':<24}{_count(inner):>10}{_times(inner, 'latency_'):>14}  {_count(served):>8}"
                 f"{_times(served, 'latency_'):>14}")
    lines.append("")
    if served:
        lines.append(f"Served: {served['rps']:,.0f} requests/s ({served['writes']:,} writes of "
                     f"{sum(k['requests'] for k in served['kinds'].values()):,}) = {_percent(served['share'])} of the "
                     f"bare page's {served['bare_rps']:,.0f}/s (≥ {targets['mix_share']:.0%}): {_mark(verdict.get('share'))}")
    ran = [(name, m) for name, m in (("in-process", inner), ("served", served)) if m]
    lines.append("Errors: " + ", ".join(f"{m['errors']} {name}" for name, m in ran)
                 + f" (5xx, unexpected 4xx, broken connections; target {targets['mix_errors']}): "
                 + _mark(verdict.get("errors")))
    kinds = (inner or {}).get("kinds", {})
    timed = [(label, kinds[label], targets.get(target_name, getattr(TARGETS, target_name)), verdict.get(name))
             for name, label, target_name in TIMED if kinds.get(label)]
    if timed:
        lines.append("In-process server time: " + "; ".join(
            f"{label} p95 {measured['p95_ms']:.1f} ms (≤ {target:g}): {_mark(judged)}"
            for label, measured, target, judged in timed))
    for name, m in ran:
        for sample in m.get("error_samples", [])[:3]:
            lines.append(f"  {name} {sample['kind']} {sample['status']} {sample['path']}: {sample['answer'][:120]}")
        cleanup = m.get("cleanup") or {}
        if cleanup and not cleanup.get("clean"):
            lines.append(f"  {name}: the clean-up left {cleanup.get('unknown') or cleanup.get('changed_rows')}: the "
                         "dataset will be built again next run.")
    return lines


def _count(measured: dict | None) -> str:
    if not measured:
        return "-"
    return f"{measured['requests']:,}"


def _n(measured: dict | None, name: str) -> str:
    if measured is None:
        return "-"
    if measured["status"] != 200:
        return f"!{measured['status']}" if name == "queries" else "-"
    return f"{measured[name]:,}"


def _times(measured: dict | None, kind: str = "") -> str:
    if measured is None or measured.get("status", 200) != 200 or measured.get(f"{kind}p50_ms") is None:
        return "-"
    return f"{measured[f'{kind}p50_ms']:.1f}/{measured[f'{kind}p95_ms']:.1f}"


def _percent(share: float) -> str:
    """Rounded down, so that 39.8% reads as the miss it is."""
    return f"{math.floor(share * 100)}%"


def _mark(verdict: bool | None) -> str:
    return "-" if verdict is None else "ok" if verdict else "MISS"


def _stages(stages: dict[str, float]) -> str:
    return ", ".join(f"{name} {seconds:.1f}" for name, seconds in stages.items())
