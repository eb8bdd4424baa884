"""Warming a report process (analysis.build.warm) with the run's configuration."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

CODE = """
import json
from analysis.build import warm
from analysis.build.config import RunConfig
from analysis.report import context

calls, finished = [], []


def preload(aside=None, **kw):  # record what the warm process receives
    calls.append(kw)
    assert callable(aside)
    return lambda: finished.append(True)


context.preload = preload
config = RunConfig(year=2023, data_source="x.csv", min_households=7, preload=True,
                   warm_modules=("json",))
first = warm.warm_worker(config)
again = warm.warm_worker(RunConfig.from_json(config.to_json()))
plain = warm.warm_worker(RunConfig(year=2023))
print(json.dumps({"calls": calls, "finished": finished, "first": first, "again": again,
                  "plain": plain}))
"""


@pytest.mark.slow
def test_warm_worker_preloads_with_the_run_configuration():
    proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    # the year, data source and minimum households of the run, not environment variables
    assert out["calls"] == [{"year": 2023, "data_source": "x.csv", "min_households": 7}]
    assert out["finished"] == [True]  # the shared work is complete before any fork
    assert out["first"] > 0 and out["again"] == 0.0  # warm once per configuration
    assert out["plain"] > 0  # another warm-up (no preload: no call)


def test_aside_computes_in_another_process_and_falls_back_here():
    import os

    from analysis.build import warm

    wait = warm._aside(os.getpid)
    assert wait() != os.getpid()  # computed in the forked helper, sent back through the pipe

    parent = os.getpid()

    def fails_in_the_helper():
        if os.getpid() != parent:
            raise RuntimeError("helper failed")
        return "computed here"

    assert warm._aside(fails_in_the_helper)() == "computed here"
