"""The benchmarks still run against the code they measure: each at its smallest size, for
its table, never for its times (tests assert no wall-clock figures)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("script", "size", "header"),
    [
        ("sweep.py", "30", "NQSWs  import s"),
        ("duties.py", "40", "workers |   set s"),
    ],
)
def test_a_benchmark_runs_at_its_smallest_size(script: str, size: str, header: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--sizes", size],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(header in line for line in lines), done.stdout
    assert any(line.split()[0] == size for line in lines if line.strip()), done.stdout
