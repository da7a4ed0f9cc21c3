"""Tie a process's life to its parent's: Linux's parent-death signal (prctl PR_SET_PDEATHSIG).

The launcher's children and the Celery worker's pool processes call this, so none of them
outlives the process that started it, even when that one is killed with SIGKILL and
never gets to stop them. Imports nothing from Django.
"""
from __future__ import annotations

import ctypes
import os
import signal

_PR_SET_PDEATHSIG = 1
try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux: nothing to tie to
    _prctl = None


def die_with_parent(sig: int = signal.SIGKILL, *, parent_pid: int | None = None) -> bool:
    """Ask the kernel to send `sig` to this process when its parent dies; False where unsupported.

    `parent_pid` closes the race of a parent that died before the call: the process then
    exits at once instead of living on as an orphan.
    """
    if _prctl is None or _prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        return False
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)
    return True


def preexec(sig: int = signal.SIGKILL, *, nice: int = 0):
    """A `subprocess.Popen(preexec_fn=...)` that ties the child to the calling process and,
    with `nice`, lowers its CPU priority (inherited by the processes it forks).

    The kernel sends the signal when the *thread* that forked exits, so call Popen from a
    thread that lives as long as the child should (the launcher's main thread).
    """
    parent = os.getpid()

    def child_setup() -> None:
        die_with_parent(sig, parent_pid=parent)
        if nice:
            os.nice(nice)

    return child_setup


def lower_session_priority(pid: int, nice: int) -> bool:
    """Give the session led by `pid` the CPU weight of `nice`; False where unsupported.

    With Linux's autogroup scheduling (on by default on desktop and many server kernels) each
    session shares the CPU as one group, so a process's own nice value only ranks it within its
    session: the session's (`/proc/PID/autogroup`) is what ranks it against the other sessions.
    """
    try:
        with open(f"/proc/{pid}/autogroup", "w") as group:
            group.write(str(nice))
    except OSError:
        return False
    return True
