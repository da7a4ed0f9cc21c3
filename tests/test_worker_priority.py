"""Task processes give way to Daphne: a burst of AI turns must not delay live delivery."""
from __future__ import annotations

import os

import pytest

from helpdesk import celery


def niceness_after_lowering(environ: dict[str, str]) -> int:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child stands for a freshly forked pool process
        try:
            os.environ.update(environ)
            celery.lower_task_priority()
            os.write(write, str(os.nice(0)).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as out:
        return int(out.read())


@pytest.mark.parametrize(("environ", "lower_by"), [({"HELPDESK_WORKER_NICE": ""}, 10),
                                                   ({"HELPDESK_WORKER_NICE": "5"}, 5),
                                                   ({"HELPDESK_WORKER_NICE": "0"}, 0)])
def test_a_task_process_runs_at_a_lower_cpu_priority_than_the_web_process(environ, lower_by):
    web = os.nice(0)
    assert niceness_after_lowering(environ) == min(19, web + lower_by)
