"""Times `usersig sign --stdin` over 100 000 identifiers against baselines
measured in the same run, and prints ratios.

    cargo build --release -p usersig-cli && python3 benches/cli_stdin_bench.py
    python3 benches/cli_stdin_bench.py --bin path/to/usersig --lines 100000

Baselines, timed in the same interleaved rounds:
- `cat` of the same lines into the same sink: what moving the bytes through
  a pipe and a process costs, the floor;
- `usersig sign --stdin` of one line: the start-up of the command, so that
  the cost per line is (all lines - one line) / lines;
- one `usersig sign ID` process per identifier, what a shell loop without
  --stdin does, over a sample of SAMPLE identifiers.

Each figure is the best of ROUNDS rounds; compare the ratios, not the bare
times (the machine may be shared). Every process is bounded by a timeout.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import time

APP = "1400000000"
KEY = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
NOW = "1700000000"
ROUNDS = 7
SAMPLE = 200
TIMEOUT = 60

ROOT = pathlib.Path(__file__).resolve().parents[1]


def timed(cmd: list[str], stdin_path: str, env: dict[str, str]) -> float:
    """Wall time of one run of cmd with stdin_path on standard input, output discarded."""
    with open(stdin_path, "rb") as src:
        start = time.perf_counter()
        subprocess.run(cmd, stdin=src, stdout=subprocess.DEVNULL, env=env, check=True, timeout=TIMEOUT)
        return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "usersig"))
    ap.add_argument("--lines", type=int, default=100_000)
    args = ap.parse_args()
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"{args.bin} is not built: cargo build --release -p usersig-cli")

    env = dict(os.environ, USERSIG_KEY=KEY)
    sign = [args.bin, "sign", "--sdkappid", APP, "--now", NOW, "--expire", "86400"]
    ids = [f"user-{i:07d}" for i in range(args.lines)]
    with tempfile.TemporaryDirectory() as tmp:
        many = os.path.join(tmp, "many.txt")
        one = os.path.join(tmp, "one.txt")
        pathlib.Path(many).write_text("\n".join(ids) + "\n", encoding="ascii")
        pathlib.Path(one).write_text(ids[0] + "\n", encoding="ascii")

        # Check once that every line came back, in order, before timing.
        with open(many, "rb") as src:
            out = subprocess.run(sign + ["--stdin"], stdin=src, capture_output=True, env=env,
                                 check=True, timeout=TIMEOUT).stdout.splitlines()
        assert len(out) == len(ids), (len(out), len(ids))
        first = subprocess.run(sign + [ids[0]], capture_output=True, env=env, check=True,
                               timeout=TIMEOUT).stdout.strip()
        assert out[0] == first, "the first line's sig differs from a single sign"

        best = {"stdin": float("inf"), "stdin_one": float("inf"), "cat": float("inf"),
                "per_process": float("inf")}
        for _ in range(ROUNDS):
            best["stdin"] = min(best["stdin"], timed(sign + ["--stdin"], many, env))
            best["stdin_one"] = min(best["stdin_one"], timed(sign + ["--stdin"], one, env))
            best["cat"] = min(best["cat"], timed(["cat"], many, env))
            start = time.perf_counter()
            for identifier in ids[:SAMPLE]:
                subprocess.run(sign + [identifier], stdout=subprocess.DEVNULL, env=env, check=True,
                               timeout=TIMEOUT)
            best["per_process"] = min(best["per_process"], (time.perf_counter() - start) / SAMPLE)

    n = args.lines
    per_line = (best["stdin"] - best["stdin_one"]) / n
    print(f"usersig sign --stdin, {n} lines: {best['stdin'] * 1e3:.1f} ms "
          f"({best['stdin'] / best['cat']:.1f}x cat of the same lines: {best['cat'] * 1e3:.1f} ms)")
    print(f"  start-up (one line): {best['stdin_one'] * 1e3:.2f} ms; "
          f"per line after it: {per_line * 1e6:.2f} us")
    print(f"one process per identifier: {best['per_process'] * 1e3:.2f} ms each, "
          f"{best['per_process'] * n:.1f} s for {n} (over {SAMPLE})")
    print(f"ratio, per identifier: --stdin is {best['per_process'] * n / best['stdin']:.0f}x "
          f"faster than a process per identifier")


if __name__ == "__main__":
    main()
