"""The process pool: one fresh fork of a warm process per report.

Interface
---------
``pool = get_pool(config, workers)`` starts (or reuses) a warm process at once, so that it warms
up while the caller checks parameters and hashes inputs. ``pool.submit(spec)`` queues a report
(a spec, see `analysis.build.task`; ``spec["timeout"]`` is its time limit in seconds), and
``pool.results()`` yields ``(spec, record)`` as reports finish, ``workers`` at a time. A record
is ``{"status": "ok" | "failed", "error", "timings", "files", "worker", "warmup"}``.
``pool.release(completed)`` keeps the process for the next batch (``config.keep_warm``) or stops
it; `shutdown_workers` stops kept processes (also at exit).

Guarantees
----------
* Fresh state: each report runs in a new child forked from the warm process (imports, loaded
  data and the rendering set-up shared copy-on-write) and exits afterwards, so nothing of one
  report (globals, module attributes, matplotlib settings) reaches the next.
* Timeout: a report running longer than its ``timeout`` is killed with its whole process group
  (its own process group: Jupyter kernels and other subprocesses included) and reported as
  failed, its partial log kept.
* Survival: a report process that dies (SIGKILL, segfault, out of memory) is one failed report;
  the pool goes on with the others. If the warm process itself dies, its running reports die
  with it (``PR_SET_PDEATHSIG``: none writes into the folder after the batch recorded it as
  failed), and every report it had not finished is reported failed.
* The warm process is one plain subprocess (not multiprocessing), so the caller's ``__main__``
  is never re-imported: the pool works from scripts, the CLI and JupyterLab alike. It never
  forks the caller (which may be a JupyterLab kernel with threads).

Why not ``concurrent.futures.ProcessPoolExecutor``
--------------------------------------------------
``ProcessPoolExecutor(mp_context=fork, max_tasks_per_child=1)`` was evaluated (Python 3.11) and
does not give these guarantees:

* It refuses the combination: ``ValueError: max_tasks_per_child is incompatible with the 'fork'
  multiprocessing start method``. Without ``max_tasks_per_child`` a worker runs report after
  report in one process (no fresh state); with ``spawn``/``forkserver`` nothing warm is shared
  (each worker imports and loads everything again: the ~3 s per report this pool avoids).
* One killed worker breaks the whole pool: when a worker is SIGKILLed, every running *and
  pending* future fails with ``BrokenProcessPool`` and the executor accepts no more work
  (measured: five submitted tasks, one worker killed, all five failed). Here one dead report is
  one failed report.
* No per-task timeout: ``future.result(timeout=)`` only stops waiting; a running task cannot be
  cancelled, and killing its worker (whose pid the executor does not map to tasks) breaks the
  pool as above. Workers also share the caller's process group, so a kernel started by a report
  could not be killed with it.
* With ``fork`` the workers would be forks of the caller, not of a warm process: the CLI or a
  JupyterLab kernel (with threads) would itself have to import and preload everything.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from analysis.build.cache import library_fingerprint
from analysis.build.config import RunConfig
from analysis.build.files import discard_outputs, salvage_log
from analysis.build.parameters import skip_iri_grammar
from analysis.build.task import run_report
from analysis.build.warm import warm_worker, warmup_seconds

CHILD_ENV = "BPWB_REPORT_CHILD"  # same as analysis.build.engine.CHILD_ENV (engine is heavy)


# -- in the warm process: one forked child per report ----------------------------------------------
class _ReportChild:
    """One report running in a forked child of this (warm) process.

    The child writes the report files and sends its result record through a pipe; this side
    collects it, enforces the timeout (killing the child's process group, kernels included)
    and turns a child that died without a result into a failure record.
    """

    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.out_dir = Path(spec["out_dir"])
        self.log_target = self.out_dir / f"{spec['slug']}.log"
        self.deadline = time.monotonic() + float(spec.get("timeout") or 1e9)
        self.chunks: list[bytes] = []
        read_fd, write_fd = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        self.t_fork = time.perf_counter()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # ---- child: never returns
            os.close(read_fd)
            self._child(spec, parent, write_fd)
        os.close(write_fd)
        self.pid = pid
        self.fd = read_fd

    def _child(self, spec: dict, parent: int, write_fd: int) -> None:
        status = 0
        try:
            os.setpgid(0, 0)
            _die_with_parent(parent)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.environ[CHILD_ENV] = str(os.getpid())  # lets analysis.build.engine make its shell
            # One run time for the whole batch (reports and PDF metadata show it); a
            # SOURCE_DATE_EPOCH set by the user fixes it, for byte-identical reports.
            os.environ["SOURCE_DATE_EPOCH"] = str(spec.get("source_date_epoch") or 0)
            record = run_report(spec, self.t_fork, self.log_target)
        except BaseException as exc:  # noqa: BLE001 - report anything to the parent
            record = {"status": "failed", "error": f"{type(exc).__name__}: {exc}",
                      "timings": {}, "files": {}}  # fmt: skip
            status = 1
        try:
            view = memoryview(json.dumps(record, default=str).encode())
            while view:
                view = view[os.write(write_fd, view) :]
        finally:
            os._exit(status)

    def read(self) -> bool:
        """Read what the child sent; return True at end of output (the child is done)."""
        chunk = os.read(self.fd, 1 << 16)
        if chunk:
            self.chunks.append(chunk)
        return not chunk

    def finish(self, timed_out: bool = False) -> dict:
        """Reap the child and return its record (a failure record if it gave none)."""
        if timed_out:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
        os.close(self.fd)
        _, wait_status = os.waitpid(self.pid, 0)
        record = None
        if self.chunks and not timed_out:
            with contextlib.suppress(ValueError):
                record = json.loads(b"".join(self.chunks))
        if record is None:
            if timed_out:
                why = f"timed out after {self.spec.get('timeout')} s (report process killed)"
            elif os.WIFSIGNALED(wait_status):
                why = f"report process died with signal {os.WTERMSIG(wait_status)}"
            else:
                why = f"report process exited with status {os.waitstatus_to_exitcode(wait_status)}"
            record = {"status": "failed", "error": why, "timings": {}, "files": {}}
            salvage_log(self.pid, self.log_target, why)
            discard_outputs(self.out_dir, self.spec["slug"])  # stale outputs and leftovers
            if self.log_target.exists():
                record["files"]["log"] = self.log_target.name
        record["timings"]["total"] = time.perf_counter() - self.t_fork
        record["slug"] = self.spec["slug"]
        record["worker"] = os.getpid()
        record["warmup"] = warmup_seconds()
        return record


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this (forked) report process if its parent dies (Linux).

    A report whose warm worker was killed must not go on writing into the folder after the
    batch has recorded it as failed (and it would hold the result pipe open, stalling the batch).
    """
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def run_children(specs: Sequence[dict], max_children: int) -> Iterator[dict]:
    """Run reports in forked children of this warm process, ``max_children`` at a time.

    Parameters
    ----------
    specs : sequence of dict
        The reports (see `analysis.build.task`).
    max_children : int
        Reports running at once.

    Yields
    ------
    dict
        Result records (with ``slug``), as reports finish.
    """
    queue = list(reversed(specs))
    running: dict[int, _ReportChild] = {}
    try:
        while queue or running:
            while queue and len(running) < max_children:
                child = _ReportChild(queue.pop())
                running[child.fd] = child
            wait = max(0.0, min(c.deadline for c in running.values()) - time.monotonic())
            ready, _, _ = select.select(list(running), [], [], min(wait, 5.0))
            for fd in ready:
                if running[fd].read():
                    yield running.pop(fd).finish()
            now = time.monotonic()
            for fd in [fd for fd, c in running.items() if c.deadline <= now]:
                yield running.pop(fd).finish(timed_out=True)
    finally:
        for child in running.values():  # interrupted: do not leave orphans
            child.finish(timed_out=True)


def run_job(spec: dict, config: RunConfig) -> dict:
    """Produce one report in a forked child of this process (warming it first); return its record.

    This is the function sent to dask workers.

    Parameters
    ----------
    spec : dict
        The report (see `analysis.build.task`).
    config : RunConfig
        The run (for the warm-up).

    Returns
    -------
    dict
        ``status``, ``error``, ``timings``, ``files``, ``slug``, ``worker`` (pid), ``warmup``.
    """
    warm_worker(config)
    return next(iter(run_children([spec], 1)))


#: Exit status of a warm process that could not start (as the command line's unexpected error).
STARTUP_FAILED = 3


def write_startup_log(exc: BaseException) -> Path | None:
    """Write the traceback of a warm process's start-up error to a new file in the temp folder.

    Returns
    -------
    Path or None
        ``<tmp>/bpwb-report-worker-<UTC time>-<random>.log``; None if it could not be written.
    """
    from analysis.core.errors import write_traceback_log

    header = f"report worker process {os.getpid()} ({sys.executable}) could not start"
    return write_traceback_log(exc, "report-worker", header)


def startup_error_line(exc: BaseException, log: Path | None) -> str:
    """The one line a warm process that could not start prints: what failed, where the log is.

    Examples
    --------
    >>> startup_error_line(ValueError("boom\nmore"), Path("/tmp/x.log"))
    'error: the report worker could not start (ValueError: boom); traceback in /tmp/x.log'
    """
    first = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    if len(first) > 200:
        first = first[:199] + "…"
    what = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    where = f"traceback in {log}" if log else "no log could be written"
    return f"error: the report worker could not start ({what}); {where}"


def serve(request_fd: int, result_fd: int, config_json: str, n: int) -> None:
    """Main of the warm process that forks the report children.

    Warms up (`warm_worker` with the run's configuration) while the caller prepares the jobs,
    then serves batches: it reads specs (one JSON per line; an empty line ends a batch), forks
    one child per report, ``n`` at a time, writes one JSON record per line as reports finish,
    then ``{"batch_done": true}``. It exits at end of input. If the warm-up fails, it prints one
    line (`startup_error_line`: the error and the log holding its traceback) and exits with
    `STARTUP_FAILED`; the batch then reports each of its reports as failed.

    Parameters
    ----------
    request_fd, result_fd : int
        Pipes from and to the batch's process.
    config_json : str
        The run (`RunConfig.to_json`).
    n : int
        Reports running at once.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    # On SIGTERM (batch interrupted) unwind, so that run_children kills the running reports.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        skip_iri_grammar()  # ~0.9 s of warm-up otherwise
        warm_worker(RunConfig.from_json(config_json))
    except Exception as exc:  # noqa: BLE001 - one line on the terminal, the traceback in a log
        print(startup_error_line(exc, write_startup_log(exc)), file=sys.stderr, flush=True)
        os._exit(STARTUP_FAILED)
    with (
        open(request_fd, encoding="utf-8") as requests,
        open(result_fd, "w", encoding="utf-8") as out,
    ):
        specs: list[dict] = []
        for line in requests:
            if line.strip():
                specs.append(json.loads(line))
                continue
            for record in run_children(specs, n):  # an empty line ends a batch
                out.write(json.dumps(record, default=str) + "\n")
                out.flush()
            out.write(json.dumps({"batch_done": True}) + "\n")
            out.flush()
            specs = []


# -- in the batch's process: the warm process, fed through pipes ----------------------------------
class ReportPool:
    """A warm process that runs each submitted report in a fresh fork of itself.

    A plain subprocess (not multiprocessing): nothing re-imports the caller's ``__main__``, and
    it works the same from a script, the CLI or a JupyterLab kernel.

    Parameters
    ----------
    config : RunConfig
        The run: the warm process warms up for it (`analysis.build.warm.warm_worker`).
    workers : int
        Reports running at once.
    """

    def __init__(self, config: RunConfig, workers: int) -> None:
        import subprocess

        req_r, req_w = os.pipe()
        res_r, res_w = os.pipe()
        env = dict(os.environ)
        src = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
        env.pop(CHILD_ENV, None)
        code = (
            "import sys; from analysis.build.pool import serve; "
            "serve(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))"
        )
        argv = [str(req_r), str(res_w), config.to_json(), str(workers)]
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, *argv], pass_fds=(req_r, res_w),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=env,
            start_new_session=True,
        )  # fmt: skip
        os.close(req_r)
        os.close(res_w)
        self.requests = open(req_w, "w", encoding="utf-8")  # noqa: SIM115
        self.results_pipe = open(res_r, encoding="utf-8")  # noqa: SIM115
        self.used = False  # True once a batch was sent (then an interrupted run is suspect)
        self.key: tuple = ()
        self.keep = False
        self._submitted: dict[str, dict] = {}

    def alive(self) -> bool:
        """True while the process runs."""
        return self.proc.poll() is None

    def submit(self, spec: dict) -> None:
        """Queue one report (it starts when `results` is iterated)."""
        self.used = True
        self._submitted[spec["slug"]] = spec
        with contextlib.suppress(BrokenPipeError):  # a dead process: results() reports it
            self.requests.write(json.dumps(spec, default=str) + "\n")

    def results(self) -> Iterator[tuple[dict, dict]]:
        """Run the submitted reports; yield ``(spec, record)`` as they finish."""
        by_slug, self._submitted = self._submitted, {}
        try:
            self.requests.write("\n")  # an empty line ends the batch
            self.requests.flush()
        except BrokenPipeError:
            pass
        for line in self.results_pipe:
            record = json.loads(line)
            if record.get("batch_done"):
                break
            yield by_slug.pop(record["slug"]), record
        else:
            code = self.proc.wait()
            for spec in by_slug.values():  # the process died before finishing
                why = f"report worker process died (exit status {code})"
                # its report processes died with it (_die_with_parent): clear what they left
                salvaged = discard_outputs(Path(spec["out_dir"]), spec["slug"], why)
                files = {"log": f"{spec['slug']}.log"} if salvaged else {}
                yield spec, {"status": "failed", "timings": {}, "files": files, "error": why}

    def close(self) -> None:
        """Stop the process (if still running) and close the pipes."""
        with contextlib.suppress(OSError):
            self.requests.close()
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except Exception:  # noqa: BLE001
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.results_pipe.close()

    def release(self, completed: bool) -> None:
        """After a batch: keep the process for the next one, or stop it.

        Parameters
        ----------
        completed : bool
            The batch ran to its end; a process that ran part of an interrupted batch is
            stopped (its state is suspect).
        """
        if self.keep and (completed or not self.used) and self.alive():
            _POOLS[self.key] = self
        else:
            self.close()


_POOLS: dict[tuple, ReportPool] = {}


def get_pool(config: RunConfig, workers: int) -> ReportPool:
    """A warm report process for this run, reused across batches if ``config.keep_warm``.

    A kept process is reused for the same warm-up settings (`RunConfig.warm_key`) and number
    of workers; it is replaced when the library's sources change (its imports would be stale)
    or when it has died.

    Parameters
    ----------
    config : RunConfig
        The run.
    workers : int
        Reports running at once.

    Returns
    -------
    ReportPool
    """
    key = (config.warm_key(), workers, library_fingerprint(), sys.executable)
    pool = _POOLS.pop(key, None)
    if pool is not None and not pool.alive():
        pool.close()
        pool = None
    if not config.keep_warm:
        pool = pool or ReportPool(config, workers)
        pool.keep = False
        return pool
    for old in list(_POOLS):  # one kept process at a time
        _POOLS.pop(old).close()
    pool = pool or ReportPool(config, workers)
    pool.key = key
    pool.keep = True
    pool.used = False
    return pool


def shutdown_workers() -> None:
    """Stop the warm report processes kept by ``keep_warm=True``."""
    while _POOLS:
        _POOLS.popitem()[1].close()


atexit.register(shutdown_workers)
