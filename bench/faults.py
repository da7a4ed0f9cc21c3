"""Faults against a running stack: does it heal by itself, and does every visitor message still
get exactly one answer?

    .venv/bin/python bench/faults.py [--port 8500] [--faults kill-web,kill-redis] [--json out.json]
    .venv/bin/python bench/faults.py --url http://127.0.0.1:8000   # a `make run` already up

Without --url it starts its own stack with the launcher (`make run`'s demo, embedded
PostgreSQL and Redis in a temporary state folder, on --port) and stops it at the end. With
--url the processes are found from the port (Daphne, its launcher, the launcher's children).

Each fault, in turn:
1. a few visitors open a conversation and keep a widget socket open (reconnecting, like the widget);
2. half of them send a knowledge-base question, and 0.7 s later (their turns running) the fault
   is injected; then the other half send theirs; every send is retried with its Idempotency-Key
   (as the widget does) until the API accepts it or 90 s pass;
3. /healthz/ready is polled until 200: "recovered" and the seconds since the fault (for
   terminate-db-connections, since the connections were terminated);
4. outcomes are awaited as long as the product's own bound for a stalled turn (the stack's
   lease + two sweeps + a minute for the turn itself; the settings are read from the stack):
   visitor messages lost (accepted, or retried to the end, but not stored), AI outcomes lost
   (never answered within that bound), late (answered, but more than the prompt bound after the
   stack was ready again: requeue grace + two sweeps + 30 s) or doubled (more than one), the
   slowest answer (seconds after the fault), and "responding" indicators left on (the last
   ai.typing event a socket saw was active).

Faults: kill-web, kill-worker (the worker's main process), kill-redis, kill-postgres (SIGKILL
each), restart-redis (SIGTERM: a clean stop the launcher restarts), terminate-db-connections
(pg_terminate_backend on every connection of the app's database), hang-redis (SIGSTOP for 20 s, then SIGCONT:
a Redis that accepts connections and never answers). "send s": the longest a visitor waited for a send to be
accepted (the sends after the fault meet the hung Redis).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_json  # noqa: E402

from helpdesk import heartbeat, lifeline  # noqa: E402

QUESTION = "How long does standard shipping take to Portugal?"
FAULTS = ("kill-web", "kill-worker", "kill-redis", "kill-postgres", "restart-redis", "terminate-db-connections",
          "hang-redis")
HANG_SECONDS = 20.0  # hang-redis: Redis stopped (SIGSTOP: it accepts connections and never answers) this long
RECOVERY_TIMEOUT = 120.0
SEND_TIMEOUT = 90.0
TURN_SECONDS = 30.0  # a turn's own time on a loaded machine, on top of the product's bounds
IN_FLIGHT_SECONDS = 0.7  # after the first visitors wrote: their turns are being worked on


@dataclass
class Result:
    fault: str
    recovered: bool = False
    recovery_seconds: float | None = None
    visitors: int = 0
    messages_lost: int = 0
    outcomes_lost: int = 0
    outcomes_late: int = 0
    outcomes_doubled: int = 0
    slowest_answer_seconds: float | None = None
    slowest_send_seconds: float | None = None  # the longest a visitor waited for a send to be accepted
    indicators_left_on: int = 0
    notes: list[str] = field(default_factory=list)


# --- the stack ------------------------------------------------------------------------------


class Stack:
    def __init__(self, url: str, launcher: psutil.Process | None, proc: subprocess.Popen | None = None,
                 state: str | None = None) -> None:
        self.url = url
        self.launcher = launcher
        self.proc = proc
        self.state = state

    @classmethod
    def start(cls, port: int) -> Stack:
        state = tempfile.mkdtemp(prefix="hd-faults-")
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
        trained = ROOT / ".state" / "assistant"  # what `make install` trained; else the launcher trains it
        if trained.is_dir() and "HELPDESK_ASSISTANT_DIR" not in env:
            env["HELPDESK_ASSISTANT_DIR"] = str(trained)
        env.update(HELPDESK_STATE_DIR=state, HELPDESK_DEMO="1", PORT=str(port), NO_COLOR="1",
                   HELPDESK_STOP_TIMEOUT="10",
                   # the bench is one address sending many messages: keep the abuse limits out of the way
                   HELPDESK_ADDRESS_MESSAGE_RATE="100000/min", HELPDESK_VISITOR_MESSAGE_RATE="100000/min",
                   HELPDESK_VISITOR_CREATE_RATE="100000/min")
        log = open(Path(state) / "launcher.log", "wb")
        proc = subprocess.Popen([sys.executable, "-m", "helpdesk.launcher", "run"], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=lifeline.preexec(signal.SIGTERM))  # an interrupted bench stops it
        stack = cls(f"http://127.0.0.1:{port}", psutil.Process(proc.pid), proc, state)
        print(f"starting a stack on port {port} (state {state}) ...", flush=True)
        if not stack.wait_ready(600):
            stack.stop()
            sys.exit(f"the stack did not become ready; see {state}/launcher.log")
        return stack

    @classmethod
    def attach(cls, url: str) -> Stack:
        port = httpx.URL(url).port or 80
        for conn in psutil.net_connections("tcp"):
            if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
                web = psutil.Process(conn.pid)
                return cls(url.rstrip("/"), web.parent())
        sys.exit(f"no process listens on port {port} here")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=90)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if self.state:
            subprocess.run(["rm", "-rf", self.state], check=False)

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz/ready", timeout=3).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready():
                return True
            if self.proc is not None and self.proc.poll() is not None:
                return False
            time.sleep(0.5)
        return False

    def child(self, marker: str) -> psutil.Process:
        for proc in self.launcher.children():
            if marker in " ".join(proc.cmdline()):
                return proc
        raise RuntimeError(f"no child of the launcher runs {marker!r}")

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.state:
            env["HELPDESK_STATE_DIR"] = self.state
            for key in ("DATABASE_URL", "REDIS_URL"):
                env.pop(key, None)
        return env

    def terminate_db_connections(self) -> int:
        code = ("from django.db import connection\n"
                "with connection.cursor() as c:\n"
                "    c.execute('SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()')\n"
                "    print(c.fetchone()[0])\n")
        out = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=self.env(),
                             capture_output=True, text=True, timeout=60)
        return int(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else -1


    def turn_bounds(self) -> Bounds:
        """The stack's own settings for stalled turns (its environment: an attached stack shares ours)."""
        code = ("from django.conf import settings as s\n"
                "print(s.TURN_LEASE_SECONDS, s.TURN_SWEEP_SECONDS, s.TURN_REQUEUE_GRACE_SECONDS)\n")
        out = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=self.env(),
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            sys.exit(f"could not read the stack's turn settings:\n{out.stderr[-2000:]}")
        lease, sweep, grace = (float(x) for x in out.stdout.split()[-3:])
        return Bounds(lease=lease, sweep=sweep, grace=grace)


@dataclass
class Bounds:
    """How long a stalled turn may take, by the product's own settings."""
    lease: float
    sweep: float
    grace: float

    @property
    def settle(self) -> float:
        """The longest wait for an outcome: a dead claim's lease lapses, a sweep queues it, the turn runs."""
        return self.lease + 2 * self.sweep + 2 * TURN_SECONDS

    @property
    def prompt(self) -> float:
        """An outcome later than this after the stack is ready again is late (a restarted worker
        releases its claims at once; an unclaimed message is queued after the grace)."""
        return self.grace + 2 * self.sweep + TURN_SECONDS


def inject(stack: Stack, fault: str) -> str:
    if fault == "kill-web":
        stack.child("helpdesk.web").kill()
    elif fault == "kill-worker":
        stack.child("-n turns@").kill()  # the turns worker, not the jobs worker
    elif fault == "kill-redis":
        stack.child("redis-server").kill()
    elif fault == "restart-redis":
        stack.child("redis-server").send_signal(signal.SIGTERM)
    elif fault == "kill-postgres":
        stack.child("postgres -D").kill()
    elif fault == "terminate-db-connections":
        return f"{stack.terminate_db_connections()} connections terminated"
    elif fault == "hang-redis":
        redis_server = stack.child("redis-server")
        redis_server.suspend()
        threading.Timer(HANG_SECONDS, redis_server.resume).start()
        return f"Redis answered nothing for {HANG_SECONDS:.0f} s"
    return ""


# --- a visitor ------------------------------------------------------------------------------------


class Visitor:
    """One widget conversation: REST like the widget, and a socket that reconnects like the widget."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = httpx.Client(base_url=url, timeout=10)
        created = self._retry(lambda: self.client.post("/api/v1/widget/conversations/", json={}), 201, 60)
        body = created.json()
        self.id, self.token = body["id"], body["visitor_token"]
        self.client.headers["Authorization"] = f"Visitor {self.token}"
        self.typing: bool | None = None
        self.stop = threading.Event()
        self.socket = threading.Thread(target=self._listen, daemon=True)
        self.socket.start()
        self.sent = False
        self.send_seconds: float | None = None

    @staticmethod
    def _retry(call, status: int, timeout: float) -> httpx.Response | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                response = call()
                if response.status_code == status:
                    return response
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        return None

    def _listen(self) -> None:
        from websockets.sync.client import connect

        ws_url = self.url.replace("http", "ws", 1) + f"/ws/widget/{self.id}/?token={self.token}"
        while not self.stop.is_set():
            try:
                with connect(ws_url, open_timeout=5) as ws:
                    while not self.stop.is_set():
                        try:
                            frame = json.loads(ws.recv(timeout=0.5))
                        except TimeoutError:
                            continue
                        if frame.get("type") == "ai.typing":
                            self.typing = bool(frame.get("active"))
            except Exception:  # the server went away: reconnect, like the widget
                pass
            # Like the widget: an ai.typing{false} sent while offline never arrives, so a closed
            # socket clears the indicator; only one switched on after reconnecting can stay on.
            self.typing = False
            self.stop.wait(0.5)

    def send(self) -> bool:
        key = uuid.uuid4().hex  # one key for every retry: the message is stored once
        started = time.monotonic()
        self.sent = self._retry(lambda: self.client.post(
            f"/api/v1/widget/conversations/{self.id}/messages/", json={"body": QUESTION},
            headers={"Idempotency-Key": key}), 201, SEND_TIMEOUT) is not None
        self.send_seconds = time.monotonic() - started if self.sent else None
        return self.sent

    def outcome(self) -> tuple[int, int]:
        """(visitor questions stored, AI messages after the first of them)."""
        response = self._retry(lambda: self.client.get(f"/api/v1/widget/conversations/{self.id}/messages/"), 200, 30)
        messages = response.json() if response is not None else []
        seen_question, questions, answers = False, 0, 0
        for message in messages:
            if message["sender_type"] == "visitor" and message["body"] == QUESTION:
                seen_question = True
                questions += 1
            elif seen_question and message["sender_type"] == "ai":
                answers += 1
        return questions, answers

    def close(self) -> None:
        self.stop.set()
        self.socket.join(timeout=5)
        self.client.close()


def run_fault(stack: Stack, fault: str, visitors: int, bounds: Bounds) -> Result:
    result = Result(fault, visitors=visitors)
    people = [Visitor(stack.url) for _ in range(visitors)]
    time.sleep(1.0)  # sockets connected
    # Half write just before the fault (their turns are running when it hits), half just after.
    before, after = people[: visitors // 2], people[visitors // 2:]
    senders = [threading.Thread(target=p.send) for p in before]
    for t in senders:
        t.start()
    time.sleep(IN_FLIGHT_SECONDS)
    note = inject(stack, fault)
    started = time.monotonic()
    if note:
        result.notes.append(note)
    senders += [threading.Thread(target=p.send) for p in after]
    for t in senders[len(before):]:
        t.start()
    recovered_at = None
    deadline = started + RECOVERY_TIMEOUT
    time.sleep(0.5)
    if fault == "kill-worker":
        # the dead worker's heartbeat outlives it by up to its TTL: "ready" before that was the dead one's (a trial of
        # 3 Dec read "recovered 0.6 s" for a worker that took ~30 s to start again)
        lapsed_by = started + heartbeat.TTL_SECONDS + 2
        while time.monotonic() < lapsed_by and stack.ready():
            time.sleep(0.25)
    while time.monotonic() < deadline:
        if stack.ready():
            recovered_at = time.monotonic()
            break
        time.sleep(0.5)
    for t in senders:
        t.join()
    result.recovered = recovered_at is not None
    result.recovery_seconds = round(recovered_at - started, 1) if recovered_at else None

    settle = time.monotonic() + bounds.settle
    answered_at: dict[int, float] = {}

    def poll() -> list[tuple[int, int]]:
        found = [p.outcome() for p in people]
        now = time.monotonic()
        for i, (_questions, answers) in enumerate(found):
            if answers and i not in answered_at:
                answered_at[i] = now
        return found

    outcomes = poll()
    while time.monotonic() < settle and any(a == 0 or p.typing for p, (_q, a) in zip(people, outcomes)):
        time.sleep(1.0)
        outcomes = poll()
    time.sleep(2.0)  # a late duplicate would show up now
    outcomes = poll()
    ready_again = recovered_at if recovered_at is not None else started
    for i, (person, (questions, answers)) in enumerate(zip(people, outcomes)):
        if questions == 0:
            result.messages_lost += 1
            continue
        result.outcomes_lost += answers == 0
        result.outcomes_late += bool(answers) and answered_at[i] - ready_again > bounds.prompt
        result.outcomes_doubled += answers > 1
        result.indicators_left_on += bool(person.typing)
    if answered_at:
        result.slowest_answer_seconds = round(max(answered_at.values()) - started, 1)
    if sends := [p.send_seconds for p in people if p.send_seconds is not None]:
        result.slowest_send_seconds = round(max(sends), 2)
    for person in people:
        person.close()
    return result


def print_table(results: list[Result]) -> None:
    head = f"{'fault':26} {'recovered':>9} {'seconds':>8} {'visitors':>8} {'msgs lost':>9} " \
           f"{'AI lost':>7} {'AI late':>7} {'AI twice':>8} {'slowest s':>9} {'send s':>6} {'typing on':>9}"
    print(head)
    print("-" * len(head))
    for r in results:
        print(f"{r.fault:26} {'yes' if r.recovered else 'NO':>9} {r.recovery_seconds if r.recovered else '-':>8} "
              f"{r.visitors:>8} {r.messages_lost:>9} {r.outcomes_lost:>7} {r.outcomes_late:>7} "
              f"{r.outcomes_doubled:>8} {r.slowest_answer_seconds if r.slowest_answer_seconds is not None else '-':>9} "
              f"{r.slowest_send_seconds if r.slowest_send_seconds is not None else '-':>6} "
              f"{r.indicators_left_on:>9}  {'; '.join(r.notes)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running stack (else one is started on --port)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8500))
    parser.add_argument("--faults", default=",".join(FAULTS))
    parser.add_argument("--visitors", type=int, default=4,
                        help="visitors per fault: half write just before it, half just after")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    faults = [f for f in args.faults.split(",") if f]
    unknown = set(faults) - set(FAULTS)
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")

    stack = Stack.attach(args.url) if args.url else Stack.start(args.port)
    results = []
    try:
        bounds = stack.turn_bounds()
        print(f"outcomes awaited {bounds.settle:.0f} s (lease {bounds.lease:.0f} + 2 sweeps of {bounds.sweep:.0f} "
              f"+ 2 x {TURN_SECONDS:.0f}); late: answered over {bounds.prompt:.0f} s after the stack was ready "
              f"(grace {bounds.grace:.0f} + 2 sweeps + {TURN_SECONDS:.0f})", flush=True)
        for fault in faults:
            if not stack.wait_ready(RECOVERY_TIMEOUT):
                print(f"the stack is not ready before {fault}; skipping it", flush=True)
                results.append(Result(fault, notes=["not ready before the fault"]))
                continue
            print(f"fault {fault} ...", flush=True)
            results.append(run_fault(stack, fault, args.visitors, bounds))
    finally:
        stack.stop()
    print_table(results)
    if args.json:
        write_json(args.json, {"bounds": {**asdict(bounds), "settle": bounds.settle, "prompt": bounds.prompt},
                               "faults": [asdict(r) for r in results]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
