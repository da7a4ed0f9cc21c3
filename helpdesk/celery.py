"""The Celery app: Redis broker, tasks discovered from the Django apps."""
import os

from celery import Celery
from celery.signals import worker_process_init, worker_ready, worker_shutdown

from helpdesk import heartbeat, lifeline

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The worker's pool processes die with the worker's main process, even one killed with
# SIGKILL (the launcher restarts it, and an orphaned pool would keep running tasks).
_MAIN_PID = os.getpid()


@worker_process_init.connect
def _die_with_worker(**_kwargs) -> None:
    if os.getpid() == _MAIN_PID:  # the solo pool runs tasks in the main process: nothing to tie
        return
    lifeline.die_with_parent(parent_pid=_MAIN_PID)


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
