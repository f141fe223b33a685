"""mailer-worker's supervisor: a Celery worker that exits by itself (kombu's Redis transport
failing after a Redis restart, which Celery calls unrecoverable) is started again, and the
supervisor stays up; told to stop, it stops the worker and exits with it. The worker here is a
small script standing in for Celery (tests/faults/test_faults.py runs the real one)."""

from __future__ import annotations

import sys
from pathlib import Path

from mailer.entrypoints.supervisor import Supervisor

# Each start is a line in `starts`; the first two exit by themselves (code 1), the third asks
# the supervisor to stop (SIGTERM to its parent, as compose's `docker stop` would) and waits to
# be told, then exits with the code Celery's warm shutdown gives.
WORKER = """
import os, signal, sys, time
from pathlib import Path
starts = Path(sys.argv[1])
with starts.open("a") as f:
    f.write("start\\n")
if len(starts.read_text().splitlines()) < 3:
    sys.exit(1)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
os.kill(os.getppid(), signal.SIGTERM)
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    time.sleep(0.05)
sys.exit(2)  # never told: the supervisor did not pass the stop on
"""


def test_a_worker_that_exits_by_itself_is_started_again_until_told_to_stop(
    tmp_path: Path,
) -> None:
    starts = tmp_path / "starts"
    code = Supervisor([sys.executable, "-c", WORKER, str(starts)]).run()
    assert starts.read_text().splitlines() == ["start"] * 3
    assert code == 0  # the warm shutdown's, passed on


def test_a_worker_ended_by_a_signal_gives_its_signal_as_the_exit_code(tmp_path: Path) -> None:
    # It ignores the SIGTERM passed on, and is killed (as the OOM killer would) meanwhile.
    ended = (
        "import os, signal; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "os.kill(os.getppid(), signal.SIGTERM); os.kill(os.getpid(), signal.SIGKILL)"
    )
    assert Supervisor([sys.executable, "-c", ended]).run() == 128 + 9
