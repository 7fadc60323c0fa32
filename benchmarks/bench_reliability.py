"""Costs of the run safeguards: the size check of a huge space, and hashed checkpoints.

1. A campaign whose space spans 5e10 grid points (x step 1e-5, y step 1e-4, 10 metals) is
   refused by arithmetic: the time from the TOML text to the refusal, in this process
   (imports excluded) and as a whole command (``anionscreen screen``, imports included).
2. A checkpoint of ``--rows`` scored rows: writing it with its sha256, and reading it back
   verified, against the plain Parquet write and read without any hash.
3. With ``--workspace WS`` (a workspace with trained models): ``anionscreen screen --workers
   2`` is killed with SIGKILL while its workers score chunks, and the time until every
   child process (workers, loky's resource trackers) has ended is measured. The killed
   runs stay in WS as interrupted runs (``killed-...``).

Usage (from the repository root)::

    python benchmarks/bench_reliability.py            # --rows 8192 --repeat 20
    python benchmarks/bench_reliability.py --workspace runs --kills 3
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
import pyarrow as pa
import pyarrow.parquet as pq

from anionscreen.datasets.errors import ConfigError
from anionscreen.datasets.files import atomic_output
from anionscreen.screening.campaign.config import campaign_from_toml
from anionscreen.screening.run.checkpoints import read_checkpoint, write_checkpoint
from anionscreen.screening.run.records import ChunkStats

HUGE = """
name = "huge"
[[space]]
name = "fine"
template = "Li{n} {M} S{1-x} O{x} Cl{5-y} Br{y}"
M = ["Ta", "Nb", "W", "Zr", "Hf", "Y", "In", "Sc", "Al", "Ga"]
x = { start = 0.0, stop = 1.0, step = 0.00001 }
y = { start = 0.0, stop = 5.0, step = 0.0001 }
n = "balance"
[[objective]]
name = "sigma"
"""


def _refusal() -> None:
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        campaign_from_toml(HUGE, "huge.toml")
    except ConfigError as err:
        message = str(err)
    else:
        raise SystemExit("the huge campaign was accepted")
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"refusal in process: {wall:.3f} s wall, {cpu:.3f} s CPU: {message[:90]}...")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "huge.toml"
        path.write_text(HUGE)
        command = [str(Path(sys.executable).parent / "anionscreen"), "-w", str(Path(tmp) / "ws")]
        start = time.perf_counter()
        usage = os.times()
        done = subprocess.run(
            [*command, "screen", str(path)], capture_output=True, text=True, check=False
        )
        after = os.times()
        child_cpu = (after.children_user - usage.children_user) + (
            after.children_system - usage.children_system
        )
        elapsed = time.perf_counter() - start
        print(
            f"anionscreen screen huge.toml: exit {done.returncode} in {elapsed:.2f} s wall, "
            f"{child_cpu:.2f} s CPU (imports included); run folder made: "
            f"{(Path(tmp) / 'ws').exists()}"
        )


def _table(rows: int) -> pa.Table:
    rng = np.random.default_rng(0)
    columns = {f"c{k}": rng.normal(size=rows) for k in range(40)}
    columns["formula"] = np.array([f"Li2TaS{v:.3f}Cl5" for v in rng.random(rows)], dtype=object)
    return pa.table(columns)


def _checkpoints(rows: int, repeat: int) -> None:
    table = _table(rows)
    stats = ChunkStats(0, 0, rows, 0, {}, rows, "x", 0.0, 0.0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        for _ in range(repeat):
            with atomic_output(folder / "plain.parquet") as out:  # as checkpoints are written
                pq.write_table(table, out)
        plain_write = (time.perf_counter() - t) / repeat
        t = time.perf_counter()
        for _ in range(repeat):
            path = write_checkpoint(folder, 0, table, stats)
        hashed_write = (time.perf_counter() - t) / repeat
        t = time.perf_counter()
        for _ in range(repeat):
            pq.read_table(folder / "plain.parquet")
        plain_read = (time.perf_counter() - t) / repeat
        t = time.perf_counter()
        for _ in range(repeat):
            read_checkpoint(path, 0)
        hashed_read = (time.perf_counter() - t) / repeat
        size = path.stat().st_size
    print(f"checkpoint of {rows:,} rows x 41 columns ({size / 1e6:.1f} MB), mean of {repeat}:")
    print(
        f"  write (atomic): plain {plain_write * 1e3:.1f} ms, with its sha256 {hashed_write * 1e3:.1f} ms"
    )
    print(f"  read:  plain {plain_read * 1e3:.1f} ms, verified {hashed_read * 1e3:.1f} ms")


KILLED = """
name = "killed"
[[space]]
name = "s"
template = "Li{n} {M} S{1-x} O{x} Cl{5-y} Br{y}"
M = ["Ta", "Nb", "W", "Zr"]
x = { start = 0.0, stop = 1.0, step = 0.001 }
y = { start = 0.0, stop = 5.0, step = 0.05 }
n = "balance"
[[objective]]
name = "sigma"
[execution]
chunk_size = 2048
"""


def _alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    out = []
    for proc in procs:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                out.append(proc)
        except psutil.NoSuchProcess:
            pass
    return out


def _kill_timing(workspace: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        campaign = Path(tmp) / "killed.toml"
        campaign.write_text(KILLED)
        command = [str(Path(sys.executable).parent / "anionscreen"), "-w", str(workspace)]
        command += ["screen", str(campaign), "--workers", "2", "--no-progress"]
        command += ["--name", f"killed-{os.getpid()}-{time.time_ns()}"]
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        parent = psutil.Process(proc.pid)
        while sum("loky" in " ".join(c.cmdline()) for c in parent.children(recursive=True)) < 2:
            time.sleep(0.1)
        time.sleep(5)  # the workers are scoring chunks now
        children = parent.children(recursive=True)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        start = time.monotonic()
        while _alive(children) and time.monotonic() - start < 60:
            time.sleep(0.05)
        left = _alive(children)
        for child in left:
            child.kill()
        outcome = f"{len(left)} still alive after 60 s" if left else "all gone"
        print(
            f"kill -9 of screen --workers 2: {len(children)} child processes, {outcome} "
            f"{time.monotonic() - start:.2f} s after the kill"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=8192)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--workspace", type=Path, help="with trained models: time kill -9")
    parser.add_argument("--kills", type=int, default=3)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    _refusal()
    _checkpoints(args.rows, args.repeat)
    if args.workspace is not None:
        for _ in range(args.kills):
            _kill_timing(args.workspace)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
