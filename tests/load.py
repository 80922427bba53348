"""Runs a command on a busy machine: a bounded CPU load of our own while it runs.

    python tests/load.py [--workers N] [--seconds S] [--times T] -- COMMAND ...

Starts N processes that burn CPU (local arithmetic only: no disk, no network), runs COMMAND T times
in a row (stopping at the first failure), then stops the burners. Every burner also stops by
itself after S seconds, even if this script is killed, so the load is always bounded. Prints the
load used and each run's exit code and wall time; exits with the first failing run's code.
`make test-busy` runs the whole suite twice this way.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time

MAX_SECONDS = 3600


def burn(deadline: float) -> None:
    """Spins until the deadline (checked every few milliseconds), or until the parent is gone."""
    parent = os.getppid()
    value = 0
    while time.monotonic() < deadline and os.getppid() == parent:
        for n in range(20_000):
            value = (value * 31 + n) % 1_000_003


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--seconds", type=float, default=1200, help="hard limit of the load")
    parser.add_argument("--times", type=int, default=1, help="runs of the command in a row")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    seconds = min(args.seconds, MAX_SECONDS)
    deadline = time.monotonic() + seconds
    burners = [
        multiprocessing.Process(target=burn, args=(deadline,), daemon=True)
        for _ in range(max(0, args.workers))
    ]
    for burner in burners:
        burner.start()
    print(
        f"load: {len(burners)} CPU-burning processes on {os.cpu_count()} CPUs, "
        f"stopping by themselves within {seconds:.0f} s",
        flush=True,
    )
    code = 0
    try:
        for run in range(1, args.times + 1):
            started = time.monotonic()
            code = subprocess.call(command)
            busy = all(burner.is_alive() for burner in burners)
            print(
                f"load: run {run}/{args.times} exit {code} in {time.monotonic() - started:.1f} s"
                f"{'' if busy else ' (the load ended before the run did)'}",
                flush=True,
            )
            if code:
                break
    finally:
        for burner in burners:
            burner.terminate()
        for burner in burners:
            burner.join(5)
    return code


if __name__ == "__main__":
    sys.exit(main())
