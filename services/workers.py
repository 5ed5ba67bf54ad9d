"""Who is sending: a name for this process that says which machine and which process it is."""

import functools
import os
import socket
from pathlib import Path


def _started(pid: int) -> str | None:
    """When a process started (clock ticks since boot), or None if there is no such process: with the
    pid, it names one process even after the pid is reused."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    return stat.rsplit(")", 1)[1].split()[19]


@functools.cache
def _name_for(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}:{_started(pid) or '-'}"


def this_worker() -> str:
    """This process's name: host, pid and start time (recomputed after a fork)."""
    return _name_for(os.getpid())


def is_dead(worker: str) -> bool:
    """True only when `worker` ran on this machine and its process is certainly gone."""
    host, _, rest = worker.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit() or started == "-":
        return False
    return _started(int(pid)) != started
