"""Finding and killing processes by their executable, for the local stack (stack.py) and its router (router.py)."""
import os
import signal


def kill_matching(matches):
    """SIGKILLs every process whose executable path satisfies `matches`."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            exe = os.readlink(f"/proc/{pid}/exe")
        except OSError:
            continue
        if matches(exe):
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
