"""Run a command and write its wall time, peak RSS (KB) and exit code to a file descriptor.

Started with `python -S` so this process stays small: the command is forked from it, and Linux
counts the memory a process had before exec in its peak.
"""

from __future__ import annotations

import os
import sys
import time


def main() -> None:
    """launch.py FD COMMAND...: run COMMAND with our stdin/stdout/stderr, then report on FD."""
    fd, argv = int(sys.argv[1]), sys.argv[2:]
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    os.write(fd, f"{elapsed!r} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}".encode())
    os.close(fd)


if __name__ == "__main__":
    main()
