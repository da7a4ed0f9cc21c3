"""Runs the whole app in one terminal: `python -m helpdesk.launcher run` (what `make run` does).

1. Without DATABASE_URL / REDIS_URL, starts the embedded PostgreSQL / Redis
   (`helpdesk.embedded`), and stops them again on exit only if it started them.
2. `manage.py migrate --noinput`, then `manage.py seed_demo` when HELPDESK_DEMO is on.
3. Starts and supervises Daphne (HOST/PORT, default 127.0.0.1:8000), a Celery worker and
   Celery beat, printing their output with a name prefix.
4. On SIGINT/SIGTERM/SIGHUP, or when any of them dies, stops them all (SIGTERM, then
   SIGKILL after HELPDESK_STOP_TIMEOUT seconds) and exits: 0 after a requested stop,
   1 when a process died on its own or a setup step failed.
"""
from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from helpdesk import embedded

BASE_DIR = Path(__file__).resolve().parent.parent
MANAGE = BASE_DIR / "manage.py"
TRUE_VALUES = {"1", "true", "yes", "on", "y", "t"}
COLOURS = {"migrate": "36", "seed": "36", "web": "32", "worker": "33", "jobs": "33", "beat": "35", "launcher": "1"}
DEMO_LOGINS = "admin/admin (superuser), agent1/agent1, agent2/agent2, agent3/agent3"


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


def _parent_death_signal() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child if the launcher itself is killed (-9)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def preexec() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)

    return preexec


@dataclass
class Child:
    name: str
    argv: list[str]
    proc: subprocess.Popen | None = None
    reader: threading.Thread | None = None
    stopping: bool = field(default=False)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class Launcher:
    def __init__(self, *, host: str, port: int, demo: bool, stop_timeout: float, concurrency: int) -> None:
        self.host = host
        self.port = port
        self.demo = demo
        self.stop_timeout = stop_timeout
        self.concurrency = concurrency
        self.out = _Output()
        self.children: list[Child] = []
        self.stop_requested = threading.Event()
        self.stop_reason = ""
        self.started_servers: list[str] = []
        self.env = self._child_env()
        self._preexec = _parent_death_signal()

    # --- environment and commands ----------------------------------------------------

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
        env["PYTHONUNBUFFERED"] = "1"
        env["HELPDESK_DEMO"] = "1" if self.demo else "0"
        return env

    def _python(self, *args: str) -> list[str]:
        return [sys.executable, *args]

    def processes(self) -> list[Child]:
        queue = self.env.get("HELPDESK_CELERY_QUEUE") or "helpdesk"
        return [
            Child("web", self._python("-m", "daphne", "-b", self.host, "-p", str(self.port),
                                      "helpdesk.asgi:application")),
            # Visitors' turns are short: a few children, each handed the next task as soon as it is free.
            # Long jobs (reindex, webhooks) have their own queue and worker, so they never hold a turn up.
            Child("worker", self._python("-m", "celery", "-A", "helpdesk", "worker", "-l", "info", "-n", "turns@%h",
                                         "-Q", queue, "--concurrency", str(self.concurrency),
                                         "--prefetch-multiplier", "4", "-O", "fair")),
            Child("jobs", self._python("-m", "celery", "-A", "helpdesk", "worker", "-l", "info", "-n", "jobs@%h",
                                       "-Q", f"{queue}.long", "--concurrency", "1")),
            Child("beat", self._python("-m", "celery", "-A", "helpdesk", "beat", "-l", "info")),
        ]

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
        # Own session: a Ctrl-C in the terminal reaches only us, and we stop the children
        # in order instead of every process getting the signal at once.
        child.proc = subprocess.Popen(
            child.argv, cwd=BASE_DIR, env=self.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=self._preexec,
        )
        child.reader = threading.Thread(target=self._pump, args=(child,), daemon=True, name=f"pump-{child.name}")
        child.reader.start()

    def _pump(self, child: Child) -> None:
        assert child.proc is not None and child.proc.stdout is not None
        for data in iter(child.proc.stdout.readline, b""):
            self.out.line(child.name, data)

    def _terminate(self, children: Sequence[Child]) -> None:
        live = [c for c in children if c.alive]
        for child in live:
            child.stopping = True
            with contextlib.suppress(ProcessLookupError):
                child.proc.send_signal(signal.SIGTERM)  # the main process; it stops its own workers
        deadline = time.monotonic() + self.stop_timeout
        for child in live:
            try:
                child.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.out.say(f"{child.name} did not stop within {self.stop_timeout:.0f} s: SIGKILL")
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

    def _run_step(self, name: str, argv: list[str]) -> int | None:
        """Run a setup command to completion; None when a stop was requested meanwhile."""
        child = Child(name, argv)
        self.children.append(child)
        self._spawn(child)
        while child.proc.poll() is None:
            if self.stop_requested.wait(0.2):
                self._terminate([child])
                return None
        child.reader.join(timeout=2)
        self.children.remove(child)
        return child.proc.returncode

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
            self.started_servers = embedded.start_missing(pg=need_pg, redis=need_redis)
        if not (need_pg and need_redis):
            self.out.say("using " + ", ".join(
                n for n, ext in (("DATABASE_URL", not need_pg), ("REDIS_URL", not need_redis)) if ext))

        steps = [("migrate", [str(MANAGE), "migrate", "--noinput"]),
                 ("migrate", [str(MANAGE), "collectstatic", "--noinput", "-v", "0"])]
        if self.demo:
            steps.append(("seed", [str(MANAGE), "seed_demo"]))
        for name, args in steps:
            if self.stop_requested.is_set():
                return 0
            code = self._run_step(name, self._python(*args))
            if code is None:
                return 0
            if code != 0:
                self.out.say(f"error: `manage.py {' '.join(args[1:])}` failed with exit code {code}")
                return 1

        if not self._port_free():
            self.out.say(f"error: {self.host}:{self.port} is already in use; set PORT (and/or HOST) to another one")
            return 1
        self.children = self.processes()
        for child in self.children:
            self._spawn(child)

        announced = False
        while not self.stop_requested.wait(0.2):
            dead = [c for c in self.children if not c.alive]
            if dead:
                for child in dead:
                    self.out.say(f"error: {child.name} exited unexpectedly with code {child.proc.returncode}")
                self.out.say("stopping the others")
                return 1
            if not announced and self._port_open():
                announced = True
                self._banner()
        self.out.say(f"received {self.stop_reason}: stopping")
        return 0

    def _shutdown(self) -> None:
        # A second Ctrl-C during shutdown must not leave servers half-stopped.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        if self.children:
            self._terminate(self.children)
        if self.started_servers:
            try:
                embedded.stop(pg="postgres" in self.started_servers, redis="redis" in self.started_servers)
                self.out.say(f"stopped embedded {' and '.join(self.started_servers)}")
            except embedded.EmbeddedError as exc:
                self.out.say(f"error stopping the embedded servers: {exc}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpdesk.launcher", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="migrate, seed (demo), and run Daphne + Celery worker + beat")
    run.add_argument("--host", default=os.environ.get("HOST") or "127.0.0.1")
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
    args = parser.parse_args(argv)
    launcher = Launcher(
        host=args.host,
        port=args.port,
        demo=_env_flag("HELPDESK_DEMO"),
        stop_timeout=float(os.environ.get("HELPDESK_STOP_TIMEOUT") or 30),
        concurrency=int(os.environ.get("HELPDESK_WORKER_CONCURRENCY") or 4),  # turns wait on the database half the time
    )
    return launcher.run()


if __name__ == "__main__":
    sys.exit(main())
