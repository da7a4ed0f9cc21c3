"""Runs the whole app in one terminal: `python -m helpdesk.launcher run` (what `make run` does).

1. Without DATABASE_URL / REDIS_URL, runs the embedded PostgreSQL / Redis (`helpdesk.embedded`)
   as its own children, in the foreground; one that already runs (`make services-start`) is
   used and left running, and replaced by our own if it stops.
2. `manage.py migrate`, `collectstatic`, `seed_demo` when HELPDESK_DEMO is on, and
   `build_knowledge_index`: the assistant has its index before the first visitor.
3. Starts and supervises Daphne (HOST/PORT, default 127.0.0.1:8000), a Celery worker for
   visitors' turns, a Celery worker for long jobs (reindex, webhooks: `<queue>.long`) and
   Celery beat, printing their output with a name prefix.
4. A child that dies on its own (Daphne, a worker, beat, embedded PostgreSQL or Redis) is
   restarted with a log line, after 1 s, then 2, 4 ... up to 30 s while it keeps crashing.
5. Only SIGINT/SIGTERM/SIGHUP stop everything: each child gets its stop signal, then SIGKILL
   after its grace period (HELPDESK_STOP_TIMEOUT, default 30 s; Daphne and beat at most 10 s).
   Exit code 0 after a requested stop, 1 when a setup step failed.
6. No child outlives the launcher, even one killed with SIGKILL: each child (and each Celery
   pool process) carries a parent-death signal (`helpdesk.lifeline`).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from conversations.assistant.models import ARTIFACT_NAME, default_artifact_dir
from helpdesk import embedded, lifeline

BASE_DIR = Path(__file__).resolve().parent.parent
MANAGE = BASE_DIR / "manage.py"
TRUE_VALUES = {"1", "true", "yes", "on", "y", "t"}
COLOURS = {"migrate": "36", "seed": "36", "web": "32", "worker": "33", "jobs": "33", "beat": "35", "launcher": "1"}
DEMO_LOGINS = "admin/admin (superuser), agent1/agent1, agent2/agent2, agent3/agent3"
APP_PROCESSES = ("web", "worker", "jobs", "beat")
MIN_BACKOFF, MAX_BACKOFF = 1.0, 30.0  # seconds before restarting a crashed child; doubles per quick crash
# When the AI's turns take every core (a burst beyond what they can answer), the visitors' and
# agents' messages must still go through at once: the Celery workers run at a lower CPU priority
# than Daphne, PostgreSQL and Redis (docs/performance.md, change 17).
DEFAULT_WORKER_NICE = 5
START_ATTEMPTS = 3  # an embedded server that dies before it accepts connections is started again this often
STABLE_SECONDS = 60.0  # a child that ran this long starts its back-off afresh


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None or value == "" else value.strip().lower() in TRUE_VALUES


class _Output:
    """Serialises lines from several children onto our stdout, each with its name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        self._width = max(len(name) for name in COLOURS)

    def prefix(self, name: str) -> bytes:
        label = f"{name:<{self._width}} | "
        if self._colour:
            label = f"\x1b[{COLOURS.get(name, '0')}m{label}\x1b[0m"
        return label.encode()

    def line(self, name: str, data: bytes) -> None:
        if not data.endswith(b"\n"):
            data += b"\n"
        with self._lock:
            sys.stdout.buffer.write(self.prefix(name) + data)
            sys.stdout.buffer.flush()

    def say(self, text: str) -> None:
        for row in text.splitlines() or [""]:
            self.line("launcher", row.encode())


@dataclass
class Child:
    """One supervised process: started, watched, restarted with back-off, stopped."""

    name: str
    argv: list[str]
    grace: float  # seconds between SIGTERM and SIGKILL when stopping
    stop_signal: int = signal.SIGTERM
    death_signal: int = signal.SIGKILL  # what the kernel sends it if the launcher dies
    cwd: Path = BASE_DIR
    env: dict[str, str] | None = None
    popen_kwargs: dict = field(default_factory=dict)
    nice: int = 0  # CPU priority below Daphne's (lifeline.preexec, lifeline.lower_session_priority); 0 = as the launcher
    proc: subprocess.Popen | None = None
    reader: threading.Thread | None = None
    started_at: float = 0.0
    restart_at: float | None = None  # when a crashed child is due to start again
    backoff: float = 0.0
    restarts: int = 0

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class Launcher:
    def __init__(self, *, host: str, port: int, demo: bool, stop_timeout: float, concurrency: int,
                 setup: bool = True, processes: Sequence[str] = APP_PROCESSES, worker_nice: int = 0) -> None:
        self.host = host
        self.port = port
        self.demo = demo
        self.stop_timeout = stop_timeout
        self.concurrency = concurrency
        self.worker_nice = worker_nice
        self.setup = setup
        self.wanted = list(processes)
        self.out = _Output()
        self.servers: list[Child] = []  # embedded PostgreSQL / Redis we run ourselves
        self.borrowed: list[str] = []  # embedded servers another command started (make services-start)
        self._next_borrowed_check = 0.0
        self.children: list[Child] = []  # Daphne, the Celery workers, Celery beat
        self.stop_requested = threading.Event()
        self.stop_reason = ""
        self.env = self._child_env()

    # --- environment and commands ----------------------------------------------------

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
        env["PYTHONUNBUFFERED"] = "1"
        env["HELPDESK_DEMO"] = "1" if self.demo else "0"
        # Links in answers (emails, SMS, the widget) point at the served address unless told otherwise: on
        # PORT=8010 they pointed at :8000, where nothing listened (trial of 2 Dec).
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        env.setdefault("HELPDESK_PUBLIC_URL", f"http://{f'[{host}]' if ':' in host else host}:{self.port}")
        return env

    def _python(self, *args: str) -> list[str]:
        return [sys.executable, *args]

    def processes(self) -> list[Child]:
        grace = min(self.stop_timeout, 10.0)
        queue = self.env.get("HELPDESK_CELERY_QUEUE") or "helpdesk"
        # Long jobs (reindex, webhooks) have their own queue and worker, so they never hold up a
        # visitor's turn; without the jobs worker, the turns worker serves that queue too.
        turn_queues = queue if "jobs" in self.wanted else f"{queue},{queue}.long"
        every = {
            # helpdesk.web: Daphne that cannot hang on exit; open sockets get a bounded close.
            "web": Child("web", self._python("-m", "helpdesk.web", "-b", self.host, "-p", str(self.port),
                                             "--application-close-timeout", "3", "helpdesk.asgi:application"),
                         grace=grace),
            # The workers finish their running tasks on SIGTERM (late acks requeue any they cannot).
            # Visitors' turns are short: a few children, each handed the next task as soon as it is free.
            # Node names stay the same across restarts: a restarted worker releases the turns it held at once.
            "worker": Child("worker", self._python("-m", "celery", "-A", "helpdesk", "worker", "-l", "info",
                                                   "-n", "turns@%h", "-Q", turn_queues,
                                                   "--concurrency", str(self.concurrency),
                                                   "--prefetch-multiplier", "4", "-O", "fair"),
                            grace=self.stop_timeout, nice=self.worker_nice),
            # Two children: a long reindex or a slow webhook never holds up the handoff sweeps.
            "jobs": Child("jobs", self._python("-m", "celery", "-A", "helpdesk", "worker", "-l", "info",
                                               "-n", "jobs@%h", "-Q", f"{queue}.long", "--concurrency", "2"),
                          grace=self.stop_timeout, nice=self.worker_nice),
            "beat": Child("beat", self._python("-m", "celery", "-A", "helpdesk", "beat", "-l", "info"), grace=grace),
        }
        return [every[name] for name in self.wanted]

    # --- signals ----------------------------------------------------------------------

    def _on_signal(self, signum: int, _frame) -> None:
        if self.stop_requested.is_set():
            return
        self.stop_reason = signal.Signals(signum).name
        self.stop_requested.set()

    def _install_signals(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    # --- children ---------------------------------------------------------------------

    def _spawn(self, child: Child) -> None:
        # Own session: a Ctrl-C in the terminal reaches only us, and we stop the children in
        # order. The parent-death signal stops them if we are killed before we can.
        # Always called from the main thread: the kernel ties the child to the forking thread.
        child.proc = subprocess.Popen(
            child.argv, cwd=child.cwd, env=child.env or self.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=lifeline.preexec(child.death_signal, nice=child.nice), **child.popen_kwargs,
        )
        if child.nice:
            lifeline.lower_session_priority(child.proc.pid, child.nice)
        child.started_at = time.monotonic()
        child.restart_at = None
        child.reader = threading.Thread(target=self._pump, args=(child,), daemon=True, name=f"pump-{child.name}")
        child.reader.start()

    def _pump(self, child: Child) -> None:
        assert child.proc is not None and child.proc.stdout is not None
        for data in iter(child.proc.stdout.readline, b""):
            self.out.line(child.name, data)

    def _terminate(self, children: Sequence[Child]) -> None:
        live = [c for c in children if c.alive]
        for child in live:
            with contextlib.suppress(ProcessLookupError):
                child.proc.send_signal(child.stop_signal)  # the main process; it stops its own workers
        start = time.monotonic()
        for child in live:
            try:
                child.proc.wait(timeout=max(0.0, start + child.grace - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.out.say(f"{child.name} did not stop within {child.grace:.0f} s: SIGKILL")
        for child in children:
            if child.proc is None:
                continue
            # Anything left in the child's process group (e.g. a Celery pool process).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.proc.wait(timeout=5)
            if child.reader is not None:
                child.reader.join(timeout=2)

    def _supervise(self, children: Sequence[Child]) -> None:
        """Restart each child that died on its own, waiting longer after each quick crash."""
        now = time.monotonic()
        for child in children:
            if child.alive:
                if child.backoff and now - child.started_at >= STABLE_SECONDS:
                    child.backoff = 0.0  # it ran long enough: the next crash restarts at once
                continue
            if child.restart_at is None:
                code = child.proc.returncode if child.proc is not None else None
                # Release the group: a pool process of a killed worker must not hold the queue.
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(child.proc.pid, signal.SIGKILL)
                child.backoff = min(MAX_BACKOFF, child.backoff * 2 or MIN_BACKOFF)
                child.restart_at = now + child.backoff
                self.out.say(f"error: {child.name} exited unexpectedly ({_describe_exit(code)}); "
                             f"restarting it in {child.backoff:.0f} s")
            elif now >= child.restart_at:
                child.restarts += 1
                self._restart(child)

    def _restart(self, child: Child) -> None:
        if child in self.servers:
            try:
                self._start_server(child.name)
            except embedded.EmbeddedError as exc:
                child.backoff = min(MAX_BACKOFF, child.backoff * 2 or MIN_BACKOFF)
                child.restart_at = time.monotonic() + child.backoff
                self.out.say(f"error: {child.name} did not come back ({exc}); trying again in {child.backoff:.0f} s")
                return
        else:
            self._spawn(child)
        self.out.say(f"restarted {child.name} (restart #{child.restarts}, pid {child.proc.pid})")

    def _run_step(self, name: str, argv: list[str]) -> int | None:
        """Run a setup command to completion; None when a stop was requested meanwhile."""
        child = Child(name, argv, grace=self.stop_timeout)
        self.children.append(child)
        self._spawn(child)
        while child.proc.poll() is None:
            if self.stop_requested.wait(0.2):
                self._terminate([child])
                return None
        child.reader.join(timeout=2)
        self.children.remove(child)
        return child.proc.returncode

    # --- embedded servers ---------------------------------------------------------------

    def _start_servers(self, names: Sequence[str]) -> None:
        for name in names:
            pid = embedded.running(name)
            if pid:
                self.out.say(f"using the embedded {name} already running (pid {pid}); if it stops, we start our own")
                self.borrowed.append(name)
                continue
            for attempt in range(1, START_ATTEMPTS + 1):
                try:
                    self._start_server(name)
                    break
                except embedded.ExitedBeforeReady as exc:  # killed or crashed while starting: as any crash
                    if attempt == START_ATTEMPTS:
                        raise
                    self.out.say(f"error: {exc}; starting it again")
            if attempt > 1:
                server = next(c for c in self.servers if c.name == name)
                server.restarts += attempt - 1
                self.out.say(f"restarted {name} (restart #{server.restarts}, pid {server.proc.pid})")

    def _start_server(self, name: str) -> None:
        """Run embedded PostgreSQL or Redis as our child: in the foreground, restarted, dying with us."""
        child = next((c for c in self.servers if c.name == name), None)
        with embedded.locked():
            if embedded.running(name):
                raise embedded.EmbeddedError(f"another process started the embedded {name} meanwhile")
            server = embedded.foreground_server(name)
            if child is None:
                signals = embedded.stop_signal(name)
                child = Child(name, server.argv, grace=self.stop_timeout, stop_signal=signals, death_signal=signals,
                              cwd=server.cwd, env=server.env, popen_kwargs=server.popen_kwargs)
                self.servers.append(child)
            self._spawn(child)
            try:
                server.wait_ready(alive=lambda: child.alive)
            except embedded.EmbeddedError:
                self._terminate([child])
                raise

    def _take_over_borrowed(self) -> None:
        if not self.borrowed or time.monotonic() < self._next_borrowed_check:
            return
        self._next_borrowed_check = time.monotonic() + 1.0
        for name in list(self.borrowed):
            if embedded.running(name):
                continue
            self.out.say(f"the embedded {name} we did not start has stopped: starting our own")
            try:
                self._start_server(name)
            except embedded.EmbeddedError as exc:
                self.out.say(f"error: {exc}; trying again in {MAX_BACKOFF:.0f} s")
                self._next_borrowed_check = time.monotonic() + MAX_BACKOFF
                continue
            self.borrowed.remove(name)

    # --- checks -----------------------------------------------------------------------

    def _connect_host(self) -> str:
        return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)

    def _port_free(self) -> bool:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((self.host, self.port))
            except OSError:
                return False
        return True

    def _port_open(self) -> bool:
        try:
            with socket.create_connection((self._connect_host(), self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def url(self) -> str:
        host = self._connect_host()
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.port}"

    def _banner(self) -> None:
        url = self.url()
        lines = [
            f"Helpdesk is up: {url}/",
            f"  inbox      {url}/inbox/",
            f"  admin      {url}/admin/",
            f"  flows      {url}/flows/",
            f"  analytics  {url}/analytics/",
            f"  health     {url}/healthz",
        ]
        if self.demo:
            lines.append(f"  demo logins: {DEMO_LOGINS}")
        lines.append("Press Ctrl-C to stop.")
        self.out.say("\n".join(lines))

    # --- the run ----------------------------------------------------------------------

    def run(self) -> int:
        self._install_signals()
        code = 1
        try:
            code = self._run()
        except embedded.EmbeddedError as exc:
            self.out.say(f"error: {exc}")
        finally:
            self._shutdown()
        self.out.say("stopped cleanly" if code == 0 else f"stopped (exit code {code})")
        return code

    def _run(self) -> int:
        if not MANAGE.exists():
            self.out.say(f"error: {MANAGE} is missing; is this a Helpdesk checkout?")
            return 1
        need_pg, need_redis = embedded.needed_from_env()
        if need_pg or need_redis:
            which = " and ".join(n for n, need in (("PostgreSQL", need_pg), ("Redis", need_redis)) if need)
            self.out.say(f"starting embedded {which} under {embedded.paths.state_dir()}")
            self._start_servers([n for n, need in (("postgres", need_pg), ("redis", need_redis)) if need])
        if not (need_pg and need_redis):
            self.out.say("using " + ", ".join(
                n for n, ext in (("DATABASE_URL", not need_pg), ("REDIS_URL", not need_redis)) if ext))

        steps = self._setup_steps() if self.setup else []
        for name, args in steps:
            if self.stop_requested.is_set():
                return 0
            code = self._run_step(name, self._python(*args))
            if code is None:
                return 0
            if code != 0:
                self.out.say(f"error: `{' '.join(args)}` failed with exit code {code}")
                return 1

        if "web" in self.wanted and not self._port_free():
            self.out.say(f"error: {self.host}:{self.port} is already in use; set PORT (and/or HOST) to another one")
            return 1
        self.children = self.processes()
        for child in self.children:
            self._spawn(child)

        announced = "web" not in self.wanted
        while not self.stop_requested.wait(0.2):
            self._take_over_borrowed()
            self._supervise(self.servers)
            self._supervise(self.children)
            if not announced and self._port_open():
                announced = True
                self._banner()
        self.out.say(f"received {self.stop_reason}: stopping")
        return 0

    def _setup_steps(self) -> list[tuple[str, list[str]]]:
        steps = []
        if not _assistant_trained():  # `make install` trains it; a state folder of its own needs it too
            steps.append(("migrate", ["-m", "conversations.assistant.train"]))
        steps += [("migrate", [str(MANAGE), "migrate", "--noinput"]),
                  ("migrate", [str(MANAGE), "collectstatic", "--noinput", "-v", "0"])]
        if self.demo:
            steps.append(("seed", [str(MANAGE), "seed_demo"]))
        # Visitors' first questions must find the knowledge base: index it before serving.
        steps.append(("migrate", [str(MANAGE), "build_knowledge_index"]))
        return steps

    def _shutdown(self) -> None:
        # A second Ctrl-C during shutdown must not leave servers half-stopped.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        if self.children:
            self._terminate(self.children)
        if self.servers:
            self._terminate(self.servers)
            self.out.say(f"stopped embedded {' and '.join(c.name for c in self.servers)}")


def _assistant_trained() -> bool:
    return (default_artifact_dir() / ARTIFACT_NAME).exists()


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "gone"
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpdesk.launcher", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="migrate, seed (demo), and run Daphne + Celery workers + beat")
    run.add_argument("--host", default=os.environ.get("HOST") or "127.0.0.1")
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
    run.add_argument("--no-setup", dest="setup", action="store_false",
                     help="skip migrate, collectstatic, seeding and indexing (the database is ready)")
    run.add_argument("--processes", default=",".join(APP_PROCESSES),
                     help="which of web,worker,jobs,beat to run (default: all; empty: only the embedded servers)")
    args = parser.parse_args(argv)
    wanted = [p for p in args.processes.split(",") if p]
    unknown = set(wanted) - set(APP_PROCESSES)
    if unknown:
        parser.error(f"unknown process(es): {', '.join(sorted(unknown))}; choose from {','.join(APP_PROCESSES)}")
    launcher = Launcher(
        host=args.host,
        port=args.port,
        demo=_env_flag("HELPDESK_DEMO"),
        stop_timeout=float(os.environ.get("HELPDESK_STOP_TIMEOUT") or 30),
        # One turns child per core: a turn's encoder is CPU work, and children beyond the cores only take
        # CPU from Daphne on the same machine (docs/performance.md, change 16).
        concurrency=int(os.environ.get("HELPDESK_WORKER_CONCURRENCY") or max(2, os.cpu_count() or 2)),
        setup=args.setup,
        processes=wanted,
        worker_nice=int(os.environ.get("HELPDESK_WORKER_NICE") or DEFAULT_WORKER_NICE),
    )
    return launcher.run()


if __name__ == "__main__":
    sys.exit(main())
