"""The second CPU: nbval in a Jupyter kernel under QEMU user-mode emulation.

``python -m embedbook emulated [PYTEST ARGS] NOTEBOOK...`` is ``make test``'s second
nbval pass.
"""
from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence

from .preloaded import PRELOAD, PRELOAD_NATIVE, nbval
from .provenance import cpu_model

#: The CPU model that ``make test``'s second nbval pass emulates: AVX2 without
#: AVX-512, an Intel design (the native pass usually runs on a CPU with AVX-512).
#: AVX2 is the floor: torch and Paddle die with an illegal instruction on older
#: models (QEMU's ``SandyBridge``, ``Nehalem``).
EMULATED_CPU = "Haswell-v4"
EMULATOR = "qemu-x86_64"
EMULATED_KERNEL = "embedloss-emulated-cpu"
#: The oldest QEMU under which the server preloads torch too (:data:`PRELOAD_NATIVE`):
#: 10.0.2 (Debian 13, and bookworm-backports) runs the whole pass so; 7.2 (Debian 12)
#: faults in the training chapter (see :data:`embedbook.preloaded.PRELOAD`). Releases
#: in between are not tested, so they import torch in each kernel.
TORCH_PRELOAD_QEMU = (10, 0)


def qemu_version(qemu: str) -> tuple[int, int]:
    """(major, minor) of the emulator ``qemu``, from its ``--version``; (0, 0) if it
    prints none."""
    out = subprocess.run([qemu, "--version"], capture_output=True, text=True).stdout
    found = re.search(r"version (\d+)\.(\d+)", out)
    return (int(found[1]), int(found[2])) if found else (0, 0)


def wait_for(path: str, poll: float = 0.2) -> bool:
    """Wait until the file ``path`` exists: True then; False as soon as this process's
    parent has ended instead (an interrupted ``make test``), so that a waiting pass and
    its emulated server do not outlive the run that started them."""
    import time

    parent = os.getppid()
    while not os.path.exists(path):
        if os.getppid() != parent:
            return False
        time.sleep(poll)
    return True


def emulated(pytest_args: Sequence[str], cpu: str = EMULATED_CPU,
             preload: Sequence[str] | None = None, after: str | None = None) -> int:
    """Run nbval (``pytest --nbval`` with ``pytest_args``) in Jupyter kernels that run
    under ``qemu-x86_64 -cpu <cpu>``: the same Python, venv and notebooks, another
    CPU. Returns pytest's exit status.

    The kernels are forked, one a notebook, by a server that runs under the emulator
    and has imported ``preload`` once (:mod:`embedbook.preloaded`). By default that is
    what the native pass preloads, torch included, under QEMU 10 or newer
    (:data:`TORCH_PRELOAD_QEMU`), and everything but torch under an older QEMU: a
    kernel then spends about 10 s importing torch itself. Measured on a 2-core AMD EPYC:
    the whole pass took 90 s under QEMU 10.0.2 with torch preloaded, 153-164 s without.

    With ``after`` (a path), the server starts at once and pytest waits until that file
    exists (:func:`wait_for`): ``make test`` starts the pass when its native pass
    starts, so that the server's start, about 40 s on one core under emulation, runs
    beside that pass instead of after it, and creates the file when the native pass
    has ended. Nothing is printed until then.

    Without ``qemu-x86_64`` (Debian's ``qemu-user``), or on a machine that is not
    x86-64, the pass is skipped with a message and returns 0, except under
    ``CI=true``, where a skipped pass is a failure (1).
    """
    import platform
    import shutil
    import time

    qemu = shutil.which(EMULATOR)
    why = (f"`{EMULATOR}` not found (Debian: apt-get install qemu-user)" if qemu is None
           else f"this machine is {platform.machine()}, not x86_64"
           if platform.machine() != "x86_64" else None)

    def resume() -> bool:  # print nothing while the native pass runs (``after``)
        return after is None or wait_for(after)

    if why:
        if not resume():
            return 1
        in_ci = os.environ.get("CI", "").lower() == "true"
        print(f"emulated-CPU nbval pass {'FAILED' if in_ci else 'skipped'}: {why}", flush=True)
        return 1 if in_ci else 0
    assert qemu is not None
    version = qemu_version(qemu)
    if preload is None:
        preload = PRELOAD_NATIVE if version >= TORCH_PRELOAD_QEMU else PRELOAD
    torch = "preloaded" if "torch" in preload else "imported by each kernel"
    start = time.perf_counter()
    resumed = start  # when pytest may run: at once, or once ``after`` exists

    def ready() -> bool:
        nonlocal resumed
        started = time.perf_counter() - start
        if not resume():
            return False
        resumed = time.perf_counter()
        print(f"emulated-CPU nbval pass: kernels under `{EMULATOR} -cpu {cpu}` "
              f"(QEMU {'.'.join(map(str, version))}, torch {torch}; this machine: "
              f"{cpu_model()})\n  its kernel server started in {started:.0f} s"
              f"{', beside the native pass' if after is not None else ''}", flush=True)
        return True
    try:
        status = nbval(pytest_args, EMULATED_KERNEL, f"Python 3 on an emulated {cpu}",
                       (qemu, "-cpu", cpu), preload, ready)
    except RuntimeError as error:
        resume()
        print(f"emulated-CPU nbval pass FAILED: {error}", flush=True)
        return 1
    print(f"emulated-CPU nbval pass ({cpu}): exit {status}, "
          f"pytest {time.perf_counter() - resumed:.0f} s", flush=True)
    return status
