"""The Celery app: Redis broker, tasks discovered from the Django apps."""
import os
from pathlib import Path

from celery import Celery
from celery.signals import worker_init, worker_process_init, worker_ready, worker_shutdown

from helpdesk import heartbeat, lifeline

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The worker's pool processes die with the worker's main process, even one killed with
# SIGKILL (the launcher restarts it, and an orphaned pool would keep running tasks).
_MAIN_PID = os.getpid()


@worker_process_init.connect
def _prepare_pool_process(**_kwargs) -> None:
    lower_task_priority()
    if os.getpid() == _MAIN_PID:  # the solo pool runs tasks in the main process: nothing to tie
        return
    lifeline.die_with_parent(parent_pid=_MAIN_PID)


def _worker_niceness() -> int:
    return int(os.environ.get("HELPDESK_WORKER_NICE") or 10)


def lower_task_priority() -> None:
    # Tasks (AI turns, reindexing) are CPU work that can wait a few milliseconds; a visitor's frame
    # reaching the inbox cannot. On a shared machine the scheduler would otherwise split the CPU
    # evenly between Daphne and every pool child, and a burst of turns would delay live delivery.
    if _worker_niceness() > 0:
        os.nice(_worker_niceness())


@worker_init.connect
def lower_session_priority(**_kwargs) -> None:
    # Linux's autogroup scheduler shares the CPU between sessions before it looks at nice values,
    # and the launcher starts each process in a session of its own: a worker that leads its
    # session lowers the session's share too (its pool processes are in it).
    if _worker_niceness() > 0 and os.getsid(0) == os.getpid():
        try:
            Path("/proc/self/autogroup").write_text(str(_worker_niceness()))
        except OSError:  # not Linux, or autogroup scheduling is off
            pass


_BEATING = False


@worker_ready.connect
def _start_heartbeat(sender=None, **_kwargs) -> None:
    # Readiness means visitors' turns get served: only a worker of the default queue beats,
    # not the jobs worker that serves only the long queue.
    global _BEATING
    if app.conf.task_default_queue not in app.amqp.queues.consume_from:
        return
    _BEATING = True
    heartbeat.start(getattr(sender, "hostname", "") or "worker")


@worker_shutdown.connect
def _stop_heartbeat(**_kwargs) -> None:
    if _BEATING:
        heartbeat.stop()
