"""Daphne, as the launcher runs it: `python -m helpdesk.web [daphne options] helpdesk.asgi:application`.

Daphne stops its reactor on SIGTERM, but the interpreter's exit then joins every
non-daemon thread, and a thread blocked in a call that never returns (a database or
Redis call of a request still running) kept a stopped Daphne alive for hours.
Once the server has stopped serving, nothing else is worth waiting for: exit at once.
"""
from __future__ import annotations

import os
import sys


def main() -> None:
    from daphne.cli import CommandLineInterface

    code = 0
    try:
        CommandLineInterface().run(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
