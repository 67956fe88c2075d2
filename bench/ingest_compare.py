"""Ingest throughput of this tree against another revision's, measured in turns in one run.

    .venv/bin/python bench/ingest_compare.py --baseline 4b53daa [--rounds 5] [--spans 100000]

The baseline is checked out into a temporary git worktree. Each round runs both collectors, one
after the other and in alternating order, on a new SQLite file: 4 clients post the same batches
(bench/spans.py, batches of 100) to a real `journey collector` process. Each round prints both
throughputs, both collectors' CPU a span (all their processes), and the ratio; the medians of the
ratios are the figures to quote, since the machine's load moves both sides of a round alike.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from collector_bench import ROOT, cpu_seconds, ingest, start_collector  # noqa: E402
from spans import make_batches  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", required=True, help="the git revision to compare with, e.g. 4b53daa")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, each running both collectors")
    parser.add_argument("--spans", type=int, default=100_000, help="spans posted to each collector per round")
    args = parser.parse_args()
    if args.rounds < 1 or args.spans < 100:
        parser.error("--rounds must be at least 1 and --spans at least 100")
    return args


def measure(root: Path, bodies: list[bytes], spans: int) -> tuple[float, float]:
    """(spans a second, collector CPU µs a span) of one collector of `root` ingesting `bodies`."""
    with tempfile.TemporaryDirectory(prefix="journey-ingest-") as tmp:
        process, url = start_collector(Path(tmp) / "spans.db", root)
        try:
            before = cpu_seconds(process.pid)
            acknowledged, seconds = ingest(url, bodies)
            cpu = cpu_seconds(process.pid) - before
        finally:
            process.terminate()
            process.wait()
    if acknowledged != len(bodies):
        raise SystemExit(f"{root}: only {acknowledged} of {len(bodies)} batches acknowledged")
    return spans / seconds, cpu * 1e6 / spans


def main() -> None:
    args = parse_args()
    bodies = [json.dumps(batch).encode() for batch in make_batches(args.spans, seed=1)]
    with tempfile.TemporaryDirectory(prefix="journey-baseline-") as tmp:
        baseline = Path(tmp) / "tree"
        added = subprocess.run(
            ["git", "worktree", "add", "--detach", str(baseline), args.baseline],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if added.returncode != 0:
            raise SystemExit(f"cannot check out {args.baseline}: {added.stderr.strip()}")
        try:
            rates, cpus = [], []
            for round_number in range(args.rounds):
                sides = [("this tree", ROOT), (args.baseline, baseline)]
                if round_number % 2:
                    sides.reverse()
                measured = {name: measure(root, bodies, args.spans) for name, root in sides}
                (ours_rate, ours_cpu), (base_rate, base_cpu) = measured["this tree"], measured[args.baseline]
                rates.append(ours_rate / base_rate)
                cpus.append(ours_cpu / base_cpu)
                print(
                    f"round {round_number + 1}: this tree {ours_rate:,.0f} spans/s, {ours_cpu:.1f} µs CPU a span; "
                    f"{args.baseline} {base_rate:,.0f} spans/s, {base_cpu:.1f} µs; "
                    f"throughput ratio {rates[-1]:.3f}, CPU ratio {cpus[-1]:.3f}"
                )
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(baseline)], cwd=ROOT, capture_output=True)
    print(
        f"median of {args.rounds} rounds: throughput {statistics.median(rates):.3f} of {args.baseline}'s, "
        f"CPU a span {statistics.median(cpus):.3f} of it   target: throughput >= 0.90"
    )


if __name__ == "__main__":
    main()
