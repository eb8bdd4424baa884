"""Running a notebook in a real Jupyter kernel from a test, without hanging the suite.

papermill and jupyter_client occasionally lose a reply from an idle kernel and then wait
forever (nteract/papermill#711, jupyter/jupyter_client#922; seen once in this suite under xdist:
the kernel idle, the client waiting in ``papermill_execute_cells``). Each cell gets a time limit,
and a run that hit the limit or lost its kernel is run once more.
"""

from __future__ import annotations

from pathlib import Path

import papermill
from nbclient.exceptions import CellTimeoutError, DeadKernelError

CELL_SECONDS = 240


def execute_in_kernel(notebook: Path, out: Path, parameters: dict) -> None:
    """`papermill.execute_notebook` in the ``python3`` kernel, per-cell limit, one retry."""
    for attempt in (1, 2):
        try:
            papermill.execute_notebook(
                str(notebook), str(out), parameters=parameters, kernel_name="python3",
                progress_bar=False, execution_timeout=CELL_SECONDS,
            )  # fmt: skip
            return
        except (CellTimeoutError, DeadKernelError, TimeoutError):
            if attempt == 2:
                raise
