"""Limits for a child process forked to run untrusted or heavy work (an uploaded Word
template: documents/sandbox.py; a large dossier file: indicators/importing/child.py)."""

import resource


def limit_address_space(extra: int) -> None:
    """Let this process map at most what it maps now plus `extra` bytes: past it, Python
    raises MemoryError instead of the host running out (`extra` in all, where /proc is
    missing)."""
    try:
        with open("/proc/self/statm") as statm:
            mapped = int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError):
        mapped = 0
    resource.setrlimit(resource.RLIMIT_AS, (mapped + extra, mapped + extra))
