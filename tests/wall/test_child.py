"""Helper processes die with the process that started them: gunicorn's worker with its master
(a `serve` killed is killed whole), the demo's forecast worker with the demo."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import psutil
import pytest

from tests.conftest import REPO
from tests.helpers import gone, wait_for

# a master that forks a worker; the worker runs the post_fork hook, reports its pid and waits
FORKING = textwrap.dedent("""
    import os, sys, time, types
    from wall.production import _die_with_master
    if os.fork() == 0:
        _die_with_master(None, types.SimpleNamespace(ppid=os.getppid()))
        print(os.getpid(), flush=True)
        time.sleep(3600)
        os._exit(0)
    time.sleep(3600)
""")
# a parent that starts a child as ChildProcess does (its pid in the environment); the child
# adopts it at start, reports its pid and waits
EXECUTING = textwrap.dedent("""
    import os, subprocess, sys, time
    code = ("import os, time; from wall.child import adopt; adopt(); "
            "print(os.getpid(), flush=True); time.sleep(3600)")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "WALL_PARENT_PID": str(os.getpid())})
    print(child.stdout.readline().strip(), flush=True)
    time.sleep(3600)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl(PR_SET_PDEATHSIG)")
@pytest.mark.parametrize("script", [FORKING, EXECUTING], ids=["gunicorn-worker", "child-process"])
def test_the_helper_is_killed_with_its_parent(script: str) -> None:
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE,
                              text=True)
    helper = int(parent.stdout.readline())  # type: ignore[union-attr]
    try:
        assert not gone(helper)
        parent.kill()
        parent.wait()
        wait_for(lambda: gone(helper), "the orphaned helper killed by the kernel", timeout=60)
    finally:
        if not gone(helper):
            psutil.Process(helper).kill()
