"""Child processes that never outlive a run, free ports, waiting.

Every process started by `spawn` runs in its own session and is tracked; `cleanup()` ends
those still running, at exit and, for a script that calls `cleanup_on_signals()`, on SIGINT
and SIGTERM, so an interrupted run leaves nothing behind.
"""
import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

_children = []
_temp_dirs = []


def spawn(args, cpu=None, **popen):
    """Starts a tracked child in its own session, pinned to `cpu` when given (taskset execs
    the program, so the pid is the program's)."""
    if cpu is not None and shutil.which("taskset"):
        args = ["taskset", "-c", str(cpu)] + list(args)
    process = subprocess.Popen(args, start_new_session=True, **popen)
    _children.append(process)
    return process


def _signal_group(process, sig):
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def stop(process, sig=signal.SIGTERM, timeout=5.0):
    """Signals the child's process group and waits; kills it after `timeout`. Returns the exit
    code, or None if it had to be killed."""
    killed = False
    if process.poll() is None:
        _signal_group(process, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
            killed = True
    if process in _children:
        _children.remove(process)
    return None if killed else process.returncode


def stop_all(processes):
    """Signals them all first, so they stop in parallel, then waits for each."""
    for process in processes:
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
    for process in processes:
        stop(process)


def temp_dir(prefix):
    """A directory removed by `cleanup()`; readable by all, as the database servers and nginx
    may run as another user when we are root."""
    path = tempfile.mkdtemp(prefix=prefix)
    os.chmod(path, 0o755)
    _temp_dirs.append(path)
    return path


def cleanup():
    stop_all(list(_children))
    for path in _temp_dirs:
        shutil.rmtree(path, ignore_errors=True)
    _temp_dirs.clear()


def _on_signal(signum, _frame):
    cleanup()
    sys.exit(128 + signum)


def cleanup_on_signals():
    """For scripts (pytest handles its own signals): Ctrl-C or SIGTERM ends every child."""
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)


atexit.register(cleanup)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, interval=0.05):
    """Polls `predicate` until it returns something truthy, which is returned; on timeout,
    its last value (falsy), so a test can assert on it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def wait_for(what, predicate, timeout, interval=0.1):
    """`wait_until` that raises TimeoutError naming `what`: for scripts, where a condition that
    never comes is the end of the run."""
    value = wait_until(predicate, timeout, interval)
    if not value:
        raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
    return value
