"""Task processes give way to Daphne: a burst of AI turns must not delay live delivery."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpdesk import celery


def in_a_child(environ: dict[str, str], act) -> str:
    """`act()`'s answer in a forked child (a pool process, or a worker the launcher started)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.environ.update(environ)
            os.write(write, act().encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as out:
        return out.read()


def niceness_after_lowering(environ: dict[str, str]) -> int:
    def act() -> str:
        celery.lower_task_priority()
        return str(os.nice(0))
    return int(in_a_child(environ, act))


@pytest.mark.parametrize(("environ", "lower_by"), [({"HELPDESK_WORKER_NICE": ""}, 10),
                                                   ({"HELPDESK_WORKER_NICE": "5"}, 5),
                                                   ({"HELPDESK_WORKER_NICE": "0"}, 0)])
def test_a_task_process_runs_at_a_lower_cpu_priority_than_the_web_process(environ, lower_by):
    web = os.nice(0)
    assert niceness_after_lowering(environ) == min(19, web + lower_by)


@pytest.mark.skipif(not Path("/proc/self/autogroup").exists(), reason="the kernel has no autogroup scheduling")
def test_a_worker_leading_its_own_session_lowers_the_session_share_too():
    def act() -> str:
        os.setsid()  # as the launcher starts it
        celery.lower_session_priority()
        return Path("/proc/self/autogroup").read_text()
    assert in_a_child({"HELPDESK_WORKER_NICE": "7"}, act).strip().endswith("nice 7")
