"""Finding and killing processes by their executable, for the local stack (stack.py), its router (router.py) and
the router's IAM and limits (iam.py)."""
import os
import signal


def matching(matches):
    """(pid, executable path) of every process whose executable path satisfies `matches`."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            exe = os.readlink(f"/proc/{pid}/exe")
        except OSError:
            continue
        if matches(exe):
            yield int(pid), exe


def kill_matching(matches):
    """SIGKILLs every process whose executable path satisfies `matches`."""
    for pid, _ in list(matching(matches)):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
