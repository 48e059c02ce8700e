"""Reading untrusted files in a child process, so that no file can take the server down.

The readers (calamine, fastexcel) are native code: a hostile workbook can make them abort the
process, allocate without bound or run for minutes. So every upload, from the page or the
command line, is parsed in a child process forked from a small server process started once
(``multiprocessing``'s forkserver: the parent's threads are never forked, and the readers are
already imported, so a child starts in milliseconds). The child runs under limits on its address
space, CPU time and the size of what it sends back (``loaders.limits.Limits``); an abort, a crash
or a limit becomes a ``ReadError`` naming what happened, and the server and its other sessions
carry on.

The child is a guard against exhaustion and crashes, not a privilege boundary: it runs as the
same user as the server.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.connection
import os
import pickle
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from multiprocessing import spawn
from typing import Any, Final, TypeVar

from .issues import ReadError, TrValue
from .limits import MB, Limits, using

T = TypeVar("T")

_CONTEXT_LOCK: Final = threading.Lock()
_context: multiprocessing.context.BaseContext | None = None
_M_ARENA_MAX: Final = -8  # glibc's mallopt parameter


_forking = threading.local()


@contextmanager
def forking() -> Iterator[None]:
    """Within this block, in a process with one thread (the command line, before it opens the
    store), fork the reader straight from this process, which is warm already, instead of
    starting a fork server. With other threads about, forking is not safe: the server is used."""
    _forking.on = threading.active_count() == 1
    try:
        yield
    finally:
        _forking.on = False


def start() -> None:
    """Start the fork server now (the dashboard does, in the background, so the first upload does
    not wait for it)."""
    ctx = _ctx()
    if isinstance(ctx, multiprocessing.context.ForkServerContext):
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _ctx() -> multiprocessing.context.BaseContext:
    global _context
    if getattr(_forking, "on", False):
        return multiprocessing.get_context("fork")
    with _CONTEXT_LOCK:
        if _context is None:
            # Arrow's allocator (mimalloc) reserves a gigabyte of address space at its first use;
            # in the fork server, which starts with this environment, it reserves as it needs
            os.environ.setdefault("MIMALLOC_ARENA_RESERVE", "64MiB")
            ctx = multiprocessing.get_context("forkserver")
            # the readers and the validation, imported and warmed once in the fork server
            ctx.set_forkserver_preload(["loaders.sandbox", "loaders.mapping", "loaders.sandbox_warm"])
            _context = ctx
        return _context


_NAME: Final = "pmo-reader"
_preparation = spawn.get_preparation_data


def _without_main(name: str) -> dict[str, object]:
    """What a child is told of its parent, less the main module: multiprocessing would run the
    parent's ``__main__`` again in every child, and while Streamlit runs a page, ``__main__`` is
    the app script itself. The reader needs only importable modules."""
    data: dict[str, object] = _preparation(name)
    if name.startswith(_NAME):
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
    return data


spawn.get_preparation_data = _without_main  # looked up by name at every start of a child


def _address_space() -> int:
    """Bytes of address space this process maps now (``VmSize``)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _restrain(limits: Limits) -> None:
    """The child's limits: what it maps now plus the memory budget, the CPU time, no core file."""
    with suppress(OSError, AttributeError):  # two malloc arenas, not eight per core of 64 MB each
        ctypes.CDLL("libc.so.6").mallopt(_M_ARENA_MAX, 2)
    budget = _address_space() + limits.memory_mb * MB
    resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 2))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _peak_kb() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _child(
    conn: multiprocessing.connection.Connection, fn: Callable[..., Any], args: tuple[Any, ...], limits: Limits
) -> None:
    _restrain(limits)
    outcome: tuple[str, Any]
    try:
        with using(limits):
            outcome = ("ok", fn(*args))
    except MemoryError:
        outcome = ("limit", "memory")
    except ReadError as exc:
        outcome = ("read_error", (exc.code, exc.params))
    except RecursionError:
        outcome = ("limit", "memory")
    except Exception as exc:  # a reader's own failure: told, not raised in the server
        outcome = ("failed", f"{type(exc).__name__}: {exc}"[:300])
    try:
        data = pickle.dumps((outcome, _peak_kb()), protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = pickle.dumps((("limit", "memory"), _peak_kb()))
    if len(data) > limits.output_mb * MB:
        data = pickle.dumps((("limit", "output"), _peak_kb()))
    conn.send_bytes(data)
    conn.close()


#: the peak resident memory (kB) of the last child, for the benchmark and README
last_peak_kb = 0


def run(fn: Callable[..., T], *args: Any, file: str, limits: Limits) -> T:
    """``fn(*args)`` in a child process under ``limits``; its result, or a ``ReadError`` saying
    why the file ``file`` could not be read safely. ``fn`` must be a module-level function."""
    global last_peak_kb
    ctx = _ctx()
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(  # type: ignore[attr-defined]  # every real context has one
        target=_child, args=(send, fn, args, limits), daemon=True, name=_NAME
    )
    child.start()
    send.close()
    deadline = time.monotonic() + limits.wall_seconds
    data: bytes | None = None
    reason = "crashed"
    try:
        while True:
            if receive.poll(0.05):
                try:
                    data = receive.recv_bytes(maxlength=limits.output_mb * MB + MB)
                except EOFError:  # the child died without an answer: its exit code says how
                    data = None
                except OSError:  # an answer longer than the output limit
                    data, reason = None, "output"
                break
            if not child.is_alive():
                if receive.poll(0):  # it answered and exited between the two looks: read the answer
                    continue
                break
            if time.monotonic() > deadline:
                reason = "time"
                break
    finally:
        receive.close()
        if data is None and reason == "crashed":
            child.join(5)  # reaped, so its exit code is known
        if child.is_alive():
            child.kill()
        child.join(5)
    if data is None:
        code = child.exitcode
        if reason == "crashed" and code is not None and -code in (signal.SIGXCPU, signal.SIGKILL):
            reason = "cpu"
        raise ReadError("unsafe_read", file=file, reason=_reason(reason, limits, code))
    (kind, value), last_peak_kb = pickle.loads(data)
    if kind == "ok":
        return value  # type: ignore[no-any-return]
    if kind == "read_error":
        code_, params = value
        raise ReadError(code_, **params)
    if kind == "limit":
        raise ReadError("unsafe_read", file=file, reason=_reason(value, limits, None))
    raise ReadError("unsafe_read", file=file, reason=_reason("failed", limits, None, detail=value))


def _reason(kind: str, limits: Limits, exitcode: int | None, detail: str = "") -> TrValue:
    """What stopped the reader, as a message parameter in the user's language."""
    values = {
        "memory": limits.memory_mb,
        "cpu": limits.cpu_seconds,
        "time": int(limits.wall_seconds),
        "output": limits.output_mb,
    }
    if kind in values:
        return TrValue(f"unsafe.{kind}", values[kind])
    if kind == "failed":
        return TrValue("unsafe.failed", detail)
    return TrValue("unsafe.crashed", _signal_name(exitcode))


def _signal_name(exitcode: int | None) -> str:
    if exitcode is None:
        return "?"
    if exitcode < 0:
        try:
            return signal.Signals(-exitcode).name
        except ValueError:
            return f"signal {-exitcode}"
    return f"exit {exitcode}"
