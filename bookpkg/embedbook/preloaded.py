"""Kernels with their imports done: a fork server for the emulated nbval pass.

Under QEMU's user-mode emulation a notebook's kernel spends about 20 s before its
first cell's work: importing ipykernel, Paddle, torch, matplotlib and myst-nb's glue,
once per notebook. The server makes those imports once, on the emulated CPU
(:data:`PRELOAD_NATIVE`; under a QEMU older than 10, :data:`PRELOAD`, without torch),
and then forks one kernel per notebook. Each notebook still runs
in a process of its own, on the emulated CPU, and starts with nothing of another
notebook's: only the imports are shared, as if each kernel had made them itself
before its first cell.

Two halves::

    python -m embedbook.preloaded serve SOCKET [MODULE...]       # under qemu-x86_64
    python -m embedbook.preloaded kernel SOCKET CONNECTION_FILE  # a kernel.json's argv

:func:`kernel_server` starts a server with its kernel spec; ``make test``'s native nbval
pass (``python -m embedbook.preloaded nbval PYTEST_ARGS``, with torch preloaded too) and
its emulated pass (:func:`embedbook.emulated.emulated`) run their kernels so.

``serve`` imports the modules (:data:`PRELOAD` unless some are named), listens on the
Unix socket ``SOCKET``, prints ``ready`` and then forks a kernel for each ``kernel``
that connects. ``kernel`` is what Jupyter starts as the kernel: a native process that
hands the server its working directory, environment and standard streams, and then
stands for the forked kernel: it passes on the signals Jupyter sends it (interrupt,
terminate) and exits with the kernel's exit status. If it dies (Jupyter kills a
kernel that does not stop), the server kills its kernel.

The server is single-threaded (``fork`` in a process with other threads may copy a
held lock), and nothing it imports starts a thread (``tests/test_emulated_cpu.py``).
"""
from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence

#: What every notebook's kernel imports before its first cell's work: ipykernel itself,
#: Paddle (``embedbook.kernel.setup``), matplotlib (the figures) and myst-nb's glue (the
#: numbers in the prose); torch too in :data:`PRELOAD_NATIVE`. This is what an emulated
#: kernel preloads under a QEMU older than 10 (:data:`embedbook.emulated.TORCH_PRELOAD_QEMU`):
#: with torch imported before the fork, QEMU 7.2 (Debian 12) faults in a cell of the
#: training chapter, every time, in NumPy's AVX2 ``np.maximum``, on a ``vpgatherdd``
#: whose masked-out lanes hold addresses that the hardware never reads.
PRELOAD = ("ipykernel.kernelapp", "embedbook.kernel", "paddle", "matplotlib.pyplot",
           "myst_nb.ext.glue", "embedloss.paddle")
#: With torch: on the real CPU, and under QEMU 10 or newer.
PRELOAD_NATIVE = (*PRELOAD, "torch", "embedloss.torch")
NATIVE_KERNEL = "embedloss-preloaded"
#: nbval's limit on one cell, in seconds: its default, 2000, is how long a run hangs on
#: a kernel that died in a cell (nbval does not notice). The slowest cell takes 8 s
#: under emulation.
CELL_TIMEOUT = 300
#: The signals a kernel's stand-in passes on to its kernel.
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
             signal.SIGUSR2)
_CHUNK = 1 << 16
_MODULE = "embedbook.preloaded"  # (not __name__: that is "__main__" under -m)


@contextlib.contextmanager
def kernel_server(name: str, display_name: str, prefix: Sequence[str] = (),
                  modules: Sequence[str] = PRELOAD) -> Iterator[dict[str, str]]:
    """Start a server (under the command ``prefix``, an emulator say) that preloads
    ``modules``, and a kernel spec ``name`` whose kernels it forks; yields the
    environment (``JUPYTER_PATH``) in which Jupyter finds that spec. Raises
    RuntimeError if the server does not start."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = os.path.join(tmp, "kernels", name)
        os.makedirs(spec)
        path = os.path.join(tmp, "kernels.sock")
        with open(os.path.join(spec, "kernel.json"), "w") as f:
            json.dump({"argv": [sys.executable, "-m", _MODULE, "kernel", path, "{connection_file}"],
                       "display_name": display_name, "language": "python"}, f)
        env = dict(os.environ, JUPYTER_PATH=os.pathsep.join(
            p for p in (tmp, os.environ.get("JUPYTER_PATH")) if p))
        server = subprocess.Popen([*prefix, sys.executable, "-m", _MODULE, "serve", path, *modules],
                                  stdout=subprocess.PIPE, text=True, env=env)
        try:
            assert server.stdout is not None
            if server.stdout.readline().strip() != "ready":
                raise RuntimeError(f"the kernel server ({' '.join([*prefix, sys.executable])}) "
                                   f"did not start: exit {server.wait()}")
            yield env
        finally:
            server.terminate()
            server.wait()


def nbval(pytest_args: Sequence[str], name: str = NATIVE_KERNEL,
          display_name: str = "Python 3 (preloaded)", prefix: Sequence[str] = (),
          modules: Sequence[str] = PRELOAD_NATIVE,
          ready: Callable[[], bool] | None = None) -> int:
    """``pytest --nbval`` with ``pytest_args``, its kernels forked by a server (under
    ``prefix``; by default on this CPU, where the preload saves about 4 s a notebook)
    that has imported ``modules``: see :func:`kernel_server`. Returns pytest's status.

    ``ready``, if given, is called once the server has started: pytest runs when it
    returns True; when it returns False, pytest does not run and 1 is returned."""
    with kernel_server(name, display_name, prefix, modules) as env:
        if ready is not None and not ready():
            return 1
        return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval",
                               "--nbval-kernel-name", name, f"--nbval-cell-timeout={CELL_TIMEOUT}",
                               *pytest_args], env=env).returncode


def preload(modules: Sequence[str] = PRELOAD) -> None:
    """Import ``modules`` as a kernel would: with the environment that ipykernel
    (matplotlib's inline backend) and :func:`embedbook.kernel.setup` (one OpenMP
    thread, Paddle imported quietly) give them."""
    import importlib

    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    for name in modules:
        if name == "paddle":
            from embedloss import import_paddle

            import_paddle()
        else:
            importlib.import_module(name)


def serve(path: str, modules: Sequence[str] = PRELOAD) -> None:
    """Preload ``modules``, then fork a kernel for each stand-in that connects to the
    Unix socket ``path``; runs until it is terminated (SIGTERM), then kills its kernels."""
    preload(modules)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    kernels: dict[int, socket.socket] = {}  # kernel pid -> its stand-in's connection
    stopping = []

    def stop(signum: int, frame: object) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGTERM, stop)
    selector = selectors.PollSelector()  # (no descriptor of its own for a kernel to inherit)
    selector.register(listener, selectors.EVENT_READ)
    print("ready", flush=True)
    try:
        while not stopping:
            for key, _ in selector.select(timeout=0.2):
                if key.fileobj is listener:
                    inherited = [c.fileno() for c in kernels.values()]
                    pid, conn = _fork_kernel(listener, inherited)
                    kernels[pid] = conn
                    selector.register(conn, selectors.EVENT_READ, pid)
                elif not _from_stand_in(key.fileobj, key.data):  # type: ignore[arg-type]
                    selector.unregister(key.fileobj)  # its stand-in is gone, its kernel killed
            while kernels:  # reap the kernels that ended; tell their stand-ins
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
                conn = kernels.pop(pid)
                if conn.fileno() in selector.get_map():  # (not if its stand-in died first)
                    selector.unregister(conn)
                try:
                    conn.sendall(f"exit {os.waitstatus_to_exitcode(status)}\n".encode())
                except OSError:
                    pass
                conn.close()
    finally:
        for pid in kernels:
            _kill(pid, signal.SIGKILL)
        for pid in kernels:
            os.waitpid(pid, 0)


def _fork_kernel(listener: socket.socket, inherited: Sequence[int]) -> tuple[int, socket.socket]:
    conn, _ = listener.accept()
    data, fds, _, _ = socket.recv_fds(conn, _CHUNK, 3)
    size, data = int.from_bytes(data[:8], "big"), data[8:]
    while len(data) < size:
        chunk = conn.recv(_CHUNK)
        if not chunk:
            raise ConnectionError("a kernel's stand-in hung up before its request was read")
        data += chunk
    request = json.loads(data)
    pid = os.fork()
    if pid == 0:  # the kernel: none of the server's sockets, its stand-in's streams
        try:
            for fd in (listener.fileno(), conn.fileno(), *inherited):
                os.close(fd)
            _run_kernel(request, fds)
        finally:
            os._exit(1)  # (_run_kernel exits itself; this is for an exception before it does)
    for fd in fds:
        os.close(fd)
    conn.sendall(f"{pid}\n".encode())
    return pid, conn


def _run_kernel(request: dict, fds: Sequence[int]) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.setsid()  # a session of its own, as Jupyter starts a kernel
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["ipykernel_launcher", "-f", request["connection_file"]]
    from ipykernel import kernelapp

    code = 0
    try:
        kernelapp.launch_new_instance()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def _from_stand_in(conn: socket.socket, pid: int) -> bool:
    """Pass on the signals that kernel ``pid``'s stand-in sent; if it is gone, kill the
    kernel and return False."""
    try:
        data = conn.recv(64)
    except OSError:
        data = b""
    if not data:
        _kill(pid, signal.SIGKILL)
        return False
    for line in data.split():
        _kill(pid, int(line))
    return True


def _kill(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def kernel(path: str, connection_file: str) -> int:
    """Stand in for a kernel that the server at ``path`` forks: returns its exit status."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
    request = {"connection_file": os.path.abspath(connection_file), "cwd": os.getcwd(),
               "env": dict(os.environ)}
    data = json.dumps(request).encode()
    socket.send_fds(conn, [len(data).to_bytes(8, "big") + data], [0, 1, 2])
    replies = conn.makefile("r")
    if not replies.readline().strip().isdigit():
        print(f"embedbook.preloaded: the server at {path} forked no kernel", file=sys.stderr)
        return 1

    def forward(signum: int, frame: object) -> None:
        conn.sendall(f"{signum}\n".encode())

    for signum in FORWARDED:
        signal.signal(signum, forward)
    reply = replies.readline().split()
    return int(reply[1]) if len(reply) == 2 and reply[0] == "exit" else 1


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if len(argv) >= 2 and argv[0] == "serve":
        serve(argv[1], argv[2:] or PRELOAD)
        return 0
    if len(argv) == 3 and argv[0] == "kernel":
        return kernel(argv[1], argv[2])
    if argv and argv[0] == "nbval":
        return nbval(argv[1:])
    print(__doc__.split("Two halves::")[1].split("``serve``")[0], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
