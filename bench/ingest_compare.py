"""Ingest throughput of this tree against another revision's, both running at once, a core each.

    .venv/bin/python bench/ingest_compare.py --baseline 0453c80 [--pairs 5] [--spans 60000]

The baseline is checked out into a temporary git worktree. Each round starts both collectors (`journey
collector`, its worker processes, on a new SQLite file), each pinned with its client process to a
core of its own. Rounds come in pairs, the cores swapped for the second: one core of this machine
runs a side about 7 % faster than the other, and the geometric mean of a pair's two ratios cancels
that. Both clients start together and post the same
batches (bench/spans.py, batches of 100, 4 threads each). A side's throughput is the spans
acknowledged while both were running, so both are measured over the same seconds of the same
machine: a neighbour's load then slows both alike, where running them in turns let it fall on one
side (this tree against itself, in turns: round ratios of 0.84 to 1.13; at once: see the note in
docs/performance.md). The median of the pairs' ratios is the figure to quote.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from collector_bench import ROOT, post, process_tree, start_collector  # noqa: E402
from spans import make_batches  # noqa: E402

SPANS_PER_BODY = 100


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", required=True, help="the git revision to compare with, e.g. 0453c80")
    parser.add_argument("--pairs", type=int, default=5, help="pairs of rounds, the cores swapped between them")
    parser.add_argument("--spans", type=int, default=60_000, help="spans each client posts per round")
    parser.add_argument("--dir", default=None, help="where the SQLite files go (default: the temp directory)")
    args = parser.parse_args()
    if args.pairs < 1 or args.spans < 1000:
        parser.error("--pairs must be at least 1 and --spans at least 1000")
    if len(os.sched_getaffinity(0)) < 2:
        parser.error("needs two cores: one for each side")
    return args


def pin(pid: int, core: int) -> None:
    """Pin every thread of a process and of its descendants to one core (threads started later inherit it)."""
    for each in process_tree(pid):
        for task in Path(f"/proc/{each}/task").iterdir():
            with contextlib.suppress(ProcessLookupError):  # a thread that ended since the directory was listed
                os.sched_setaffinity(int(task.name), {core})


def client(url: str, bodies: list[bytes], core: int, start_at: float, results) -> None:
    """A client process: from `start_at` (time.time()), post every body from 4 threads pinned to `core`;
    sends back the time each acknowledged batch was answered."""
    os.sched_setaffinity(0, {core})
    time.sleep(max(0.0, start_at - time.time()))

    def send(body: bytes) -> float | None:
        return time.time() if post(url, body) == 202 else None

    with ThreadPoolExecutor(4) as pool:
        results.put([at for at in pool.map(send, bodies) if at is not None])


def _answers(name: str, answers: multiprocessing.Queue, process: multiprocessing.Process) -> list[float]:
    """What a client sent back; a client that died (a connection refused, say) sends nothing: stop then."""
    while True:
        try:
            return answers.get(timeout=1)
        except queue.Empty:
            if not process.is_alive() and answers.empty():
                raise SystemExit(f"{name}: its client exited with {process.exitcode} before answering") from None


def run_round(
    roots: dict[str, Path], bodies: list[bytes], cores: dict[str, int], where: str | None
) -> dict[str, float]:
    """Both sides at once; spans a second each acknowledged until the first side was done."""
    with tempfile.TemporaryDirectory(prefix="journey-ingest-", dir=where) as tmp:
        collectors, urls = {}, {}
        try:
            for name, root in roots.items():
                collectors[name], urls[name] = start_collector(Path(tmp) / f"{name.replace(' ', '-')}.db", root)
                pin(collectors[name].pid, cores[name])
            start_at = time.time() + 0.5  # both clients wait for it, then post at once
            queues = {name: multiprocessing.Queue() for name in roots}
            clients = {
                name: multiprocessing.Process(
                    target=client, args=(urls[name], bodies, cores[name], start_at, queues[name])
                )
                for name in roots
            }
            for process in clients.values():
                process.start()
            answered = {name: _answers(name, queues[name], clients[name]) for name in roots}
            for process in clients.values():
                process.join()
        finally:
            for process in collectors.values():
                process.terminate()
                process.wait()
    for name, times in answered.items():
        if len(times) != len(bodies):
            raise SystemExit(f"{name}: only {len(times)} of {len(bodies)} batches acknowledged")
    window_end = min(max(times) for times in answered.values())
    seconds = window_end - start_at
    return {
        name: sum(1 for at in times if at <= window_end) * SPANS_PER_BODY / seconds for name, times in answered.items()
    }


def main() -> None:
    args = parse_args()
    bodies = [json.dumps(batch).encode() for batch in make_batches(args.spans, SPANS_PER_BODY, seed=1)]
    cpus = sorted(os.sched_getaffinity(0))[:2]
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
            ratios = []
            roots = {"this tree": ROOT, args.baseline: baseline}
            for pair in range(args.pairs):
                both = []
                for order in (cpus, cpus[::-1]):
                    rates = run_round(roots, bodies, dict(zip(roots, order, strict=True)), args.dir)
                    ours, theirs = rates["this tree"], rates[args.baseline]
                    both.append(ours / theirs)
                    print(
                        f"pair {pair + 1}: this tree {ours:,.0f} spans/s (core {order[0]}), "
                        f"{args.baseline} {theirs:,.0f} spans/s (core {order[1]}); ratio {both[-1]:.3f}",
                        flush=True,
                    )
                ratios.append(statistics.geometric_mean(both))
                print(f"pair {pair + 1}: ratio {ratios[-1]:.3f}", flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(baseline)], cwd=ROOT, capture_output=True)
    print(
        f"median of {args.pairs} pairs: throughput {statistics.median(ratios):.3f} of {args.baseline}'s "
        f"(pairs {min(ratios):.3f} to {max(ratios):.3f})   target: throughput >= 0.90"
    )


if __name__ == "__main__":
    main()
