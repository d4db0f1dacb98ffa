"""gunicorn's worker dies with its master: a `serve` killed is killed whole."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import psutil
import pytest

from tests.conftest import REPO
from tests.helpers import gone, wait_for

# a master that forks a worker; the worker runs the post_fork hook, reports its pid and waits
MASTER = textwrap.dedent("""
    import os, sys, time, types
    from wall.production import _die_with_master
    if os.fork() == 0:
        _die_with_master(None, types.SimpleNamespace(ppid=os.getppid()))
        print(os.getpid(), flush=True)
        time.sleep(3600)
        os._exit(0)
    time.sleep(3600)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl(PR_SET_PDEATHSIG)")
def test_the_worker_is_killed_with_its_master() -> None:
    master = subprocess.Popen([sys.executable, "-c", MASTER], cwd=REPO, stdout=subprocess.PIPE,
                              text=True)
    worker = int(master.stdout.readline())  # type: ignore[union-attr]
    try:
        assert not gone(worker)
        master.kill()
        master.wait()
        wait_for(lambda: gone(worker), "the orphaned worker killed by the kernel", timeout=60)
    finally:
        if not gone(worker):
            psutil.Process(worker).kill()
