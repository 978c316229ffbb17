"""Parity report: embedloss, native PyTorch and native Paddle against the float64 reference.

``run(device="cpu")`` computes a fixed suite of cases and returns a plain dict (JSON
ready); ``format_table(report)`` renders it as text; ``python -m embedbook parity``
prints the table, optionally writes the dict as JSON, and exits 1 when a case is not ok.

How a case is judged
    Every implementation is compared with :mod:`embedloss.reference` given the eps that
    implementation uses: 1e-12 for embedloss and PyTorch, 1e-11 for Paddle's native
    cosine loss. ``max_abs_diff`` is the largest absolute difference over the output
    (NaN when an output is NaN where the reference is not). A case is ok when every
    number it reports is within ``tolerance`` (``1e-5`` for float32, ``1e-12`` for
    float64, times ``max(1, max|reference|)``).

    Cases with ``expected_native_failure: true`` are rows of extreme scale where the
    native formula overflows or is swamped by eps. They are compared with the exact
    cosine (reference with ``eps=0``), embedloss runs with ``stable=True`` and must be
    ok; the natives' numbers are reported (``native_failed`` says whether they indeed
    missed) but do not fail the report.

Where things run
    The cases are the rows of embedloss's case table marked ``parity``
    (``embedloss.testing.parity_samples()``, over every loss of ``embedloss.testing.LOSSES``:
    inputs drawn on the CPU by NumPy's seeded
    generators), cast to the case's dtype, and moved to ``device``. embedloss is run on torch tensors on
    ``device``, and on NumPy arrays and (CPU only, when Paddle is installed) paddle
    tensors; ``max_abs_diff["embedloss"]`` is the worst of these, each one is in
    ``embedloss_by_backend``. Native Paddle runs only with ``device="cpu"`` and only
    when Paddle is installed; otherwise its numbers are ``None``. A native function that
    refuses a case (Paddle's cosine loss takes no unbatched input) gives ``None`` and its
    message in ``native_errors``; that fails the case unless the case expects the refusal.
"""
from __future__ import annotations

import argparse
import datetime
import math
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from embedloss import import_paddle, reference, testing
from embedloss.testing import EPS, LOSSES, LossInfo, Sample, parity_samples

from .provenance import cpu_model
from .published import PADDLE_PAGE_INPUT, PADDLE_PAGE_LABEL, PUBLISHED

#: The eps of PyTorch's and Paddle's own cosine losses (``embedloss.testing.EPS``).
TORCH_EPS = EPS["torch"]
PADDLE_EPS = EPS["paddle"]
#: A case's tolerance is this relative tolerance (the table's ``rtol``) times
#: max(1, max|reference|).
RELATIVE_TOLERANCE = {dtype: testing.TOLERANCE[dtype].rtol for dtype in ("float32", "float64")}
IMPLEMENTATIONS = ("embedloss", "torch", "paddle")

Report = dict[str, Any]


# ---------------------------------------------------------------- running one case

def _torch() -> Any:
    import torch
    return torch


def _paddle_or_none() -> Any:
    try:
        return import_paddle()
    except ImportError:
        return None


def _diff(value: Any, expected: np.ndarray) -> float:
    """max |value - expected| (NaN where only one is NaN; inf for another shape)."""
    got = reference.as_float64(value)
    if got.shape != expected.shape:
        return math.inf
    if got.size == 0:
        return 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        d = np.abs(got - expected)
    both_nan = np.isnan(got) & np.isnan(expected)
    d = np.where(both_nan, 0.0, d)
    return float(np.max(d))


def _within(d: float | None, tol: float) -> bool:
    return d is not None and d <= tol  # NaN is never within


def _options(sample: Sample) -> dict[str, Any]:
    """The sample's keyword arguments that the frameworks' own losses take (not ``stable``)."""
    return {k: v for k, v in sample.kwargs.items() if k != "stable"}


def _expected(sample: Sample, info: LossInfo, arrays: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """The float64 reference of each implementation, given the eps it adds."""
    eps: dict[str, float | None] = {"embedloss": TORCH_EPS, "torch": TORCH_EPS, "paddle": PADDLE_EPS}
    ref = info.reference_implementation()
    expected = {}
    with np.errstate(all="ignore"):
        for who in IMPLEMENTATIONS:
            extra = {"eps": eps[who]} if info.uses_eps else {}
            expected[who] = np.asarray(ref(*arrays, **{**_options(sample), **extra, **sample.reference}),
                                       dtype=np.float64)
    return expected


def _embedloss_diffs(sample: Sample, info: LossInfo, arrays: Sequence[np.ndarray], on_device: Sequence[Any],
                     paddle: Any, expected: np.ndarray) -> dict[str, float]:
    """embedloss's difference from its reference on each backend it runs on here."""
    ours = info.implementation()
    by_backend = {"torch": _diff(ours(*on_device, **sample.kwargs), expected),
                  "numpy": _diff(ours(*arrays, **sample.kwargs), expected)}
    if paddle is not None:
        by_backend["paddle"] = _diff(ours(*[paddle.to_tensor(a) for a in arrays], **sample.kwargs), expected)
    return by_backend


def _native_diffs(sample: Sample, info: LossInfo, natives: dict[str, tuple[Callable[..., Any], Callable[[], Any]]],
                  expected: dict[str, np.ndarray]) -> tuple[dict[str, float | None], dict[str, str], dict[str, str]]:
    """Each framework's own loss against its reference: differences (None: not run),
    refusals (the exception's first line) and notes (a shape other than the reference's)."""
    diffs: dict[str, float | None] = {who: None for who in ("torch", "paddle")}
    errors, notes = {}, {}
    for who, (loss, inputs) in natives.items():
        try:
            with np.errstate(all="ignore"):
                out = loss(*inputs(), **_options(sample))
        except Exception as exc:  # a native refusing a case is reported, not fatal
            errors[who] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
            continue
        diffs[who] = _diff(out, expected[who])
        if tuple(out.shape) != expected[who].shape:
            notes[who] = f"returns shape {tuple(out.shape)} where the reference has {expected[who].shape}"
    return diffs, errors, notes


def _run_case(sample: Sample, device: str, paddle: Any) -> Report:
    """One row of the report: every implementation on ``sample``, judged."""
    torch = _torch()
    info = LOSSES[sample.loss]
    arrays = tuple(np.asarray(a, dtype=sample.dtype) for a in sample.arrays)  # (the labels too)
    expected = _expected(sample, info, arrays)
    tolerance = RELATIVE_TOLERANCE[sample.dtype] * max(1.0, float(np.max(np.abs(expected["torch"]), initial=0.0)))

    on_device = [torch.from_numpy(a).to(device) for a in arrays]
    paddle_here = paddle if device == "cpu" else None  # (native Paddle: CPU only)
    by_backend = _embedloss_diffs(sample, info, arrays, on_device, paddle_here, expected["embedloss"])
    natives: dict[str, tuple[Callable[..., Any], Callable[[], Any]]] = {
        "torch": (getattr(torch.nn.functional, info.function), lambda: on_device)}
    if paddle_here is not None:
        natives["paddle"] = (getattr(paddle.nn.functional, info.function),
                             lambda: [paddle.to_tensor(a) for a in arrays])
    native, errors, notes = _native_diffs(sample, info, natives, expected)
    diffs = {"embedloss": max(by_backend.values(), key=lambda d: (math.isnan(d), d)), **native}
    return _case_record(sample, diffs, by_backend, tolerance, errors, notes)


def _case_record(sample: Sample, diffs: dict[str, float | None], by_backend: dict[str, float], tolerance: float,
                 errors: dict[str, str], notes: dict[str, str]) -> Report:
    """The judged row: ok when embedloss is within tolerance and the natives are (or
    refuse only where the table says they do), unless the natives are expected to fail."""
    expected_failure = sample.expected_native_failure
    natives_ok = (all(_within(diffs[w], tolerance) for w in ("torch", "paddle") if diffs[w] is not None)
                  and all(w in sample.refused_by for w in errors))
    ok = _within(diffs["embedloss"], tolerance) and (expected_failure or natives_ok)
    kw = _options(sample)
    case: Report = {
        "case": sample.name, "loss": sample.loss, "dtype": sample.dtype, "reduction": kw["reduction"],
        "margin": kw["margin"], "stable": sample.kwargs.get("stable", False),
        "reference": "exact cosine (eps=0)" if sample.reference.get("eps") == 0.0 else "eps of each implementation",
        "max_abs_diff": diffs, "embedloss_by_backend": by_backend, "tolerance": tolerance, "ok": bool(ok),
        "expected_native_failure": expected_failure,
    }
    if expected_failure:
        case["native_failed"] = not natives_ok
    if errors:
        case["native_errors"] = errors
    if notes:
        case["native_notes"] = notes
    return case


# ---------------------------------------------------------------- the seed examples

def _published_inputs() -> dict[str, tuple[Any, ...]]:
    """The torch tensors of each published example (CPU): the tutorial's, drawn by
    its seed without touching the caller's RNG, and the Paddle page's."""
    torch = _torch()
    g = torch.Generator().manual_seed(20)  # the tutorial's torch.manual_seed(20)
    a, b = torch.randn(100, 128, generator=g), torch.randn(100, 128, generator=g)
    y = 2 * torch.empty(100).random_(2, generator=g) - 1
    x = 1 - torch.cosine_similarity(a, b)  # the hinge tutorial's distances
    page = (torch.tensor(PADDLE_PAGE_INPUT), torch.tensor(PADDLE_PAGE_LABEL))
    return {"cosine_mean": (a, b, y), "hinge_mean": (x, y), "paddle_page_hinge_none": page,
            "paddle_page_hinge_mean": page}


def _value(t: Any) -> Any:
    """A torch or paddle result as a float or nested lists."""
    if type(t).__module__.startswith("torch"):
        t = t.detach().cpu()
        return t.item() if t.dim() == 0 else t.tolist()
    arr = t.numpy()
    return float(arr) if arr.ndim == 0 else arr.tolist()


def _seed_examples(device: str, paddle: Any) -> dict[str, Report]:
    """Each published example computed by PyTorch, embedloss (on ``device``) and Paddle (CPU)."""
    torch = _torch()
    examples = {}
    for key, (example, args) in {k: (PUBLISHED[k], v) for k, v in _published_inputs().items()}.items():
        info = LOSSES[example.loss]
        kw = dict(margin=example.margin, reduction=example.reduction)
        dev = [t.to(device) for t in args]
        published = example.value if isinstance(example.value, float) else [list(r) for r in example.value]
        entry: Report = {"description": example.description, "loss": example.loss, "margin": example.margin,
                         "reduction": example.reduction, "published": published,
                         "torch": _value(getattr(torch.nn.functional, info.function)(*dev, **kw)),
                         "embedloss": _value(info.implementation()(*dev, **kw)), "paddle": None}
        if paddle is not None and device == "cpu":
            native = getattr(paddle.nn.functional, info.function)
            entry["paddle"] = _value(native(*[paddle.to_tensor(t.numpy()) for t in args], **kw))
        examples[key] = entry
    return examples


# ---------------------------------------------------------------- CPU against the device

def _values_and_grads(fn: Callable[..., Any], arrays: Sequence[np.ndarray], dev: str) -> tuple[Any, Any]:
    """``fn``'s per-pair losses on ``dev`` and the gradient of its mean, as float64 CPU tensors."""
    torch = _torch()
    ts = [torch.from_numpy(a).to(dev) for a in arrays]
    for t in ts[:-1]:
        t.requires_grad_(True)
    values = fn(*ts, margin=0.2, reduction="none").detach().cpu().double()
    fn(*ts, margin=0.2, reduction="mean").backward()
    return values, torch.cat([t.grad.reshape(-1) for t in ts[:-1]]).cpu().double()


def _cpu_vs_device(device: str) -> list[Report]:
    """Values and gradients of embedloss and PyTorch on the CPU against ``device``."""
    torch = _torch()
    rows = []
    batches = {(s.loss, s.dtype): s.arrays for s in parity_samples() if s.name == "random batch"}
    for dtype in ("float32", "float64"):
        for info in LOSSES.values():
            arrays = [a.astype(dtype) for a in batches[info.key, dtype]]
            for impl, fn in (("embedloss", info.implementation()),
                             ("torch", getattr(torch.nn.functional, info.function))):
                (v_cpu, g_cpu), (v_dev, g_dev) = (_values_and_grads(fn, arrays, d) for d in ("cpu", device))
                tol = RELATIVE_TOLERANCE[dtype]
                vd, gd = float((v_cpu - v_dev).abs().max()), float((g_cpu - g_dev).abs().max())
                rows.append({"loss": info.key, "dtype": dtype, "implementation": impl,
                             "value_max_abs_diff": vd, "grad_max_abs_diff": gd,
                             "tolerance": tol, "ok": bool(vd <= tol and gd <= tol)})
    return rows


# ---------------------------------------------------------------- environment

def _driver_version() -> str | None:
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "--query-gpu=driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.strip().splitlines()[0] if out.strip() else None


def _environment(device: str, paddle: Any) -> Report:
    torch = _torch()
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "paddle": getattr(paddle, "__version__", None) if paddle is not None else None,
        "device": torch.cuda.get_device_name() if device.startswith("cuda") else "cpu",
        "cpu": cpu_model(),
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "cuda": torch.version.cuda,
        "driver": _driver_version(),
    }


# ---------------------------------------------------------------- public entry points

def run(device: str = "cpu") -> Report:
    """Run the whole suite on ``device`` ("cpu" or "cuda") and return the report dict.

    Keys: ``environment``, ``cases`` (one dict per case, see the module docstring),
    ``seed_examples`` (the seed tutorial's and Paddle's API page's examples) and, for a
    CUDA device, ``cpu_vs_device`` (values and gradients, CPU against the device).
    Raises ``RuntimeError`` when ``device`` is CUDA and no CUDA device is present.
    """
    torch = _torch()
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise ValueError(f"parity.run: `device` must be 'cpu' or 'cuda', but got {device!r}.")
    if device != "cpu" and not torch.cuda.is_available():
        raise RuntimeError(f"parity.run: `device` {device!r} needs a CUDA device, but torch sees none.")
    paddle = _paddle_or_none()
    report: Report = {
        "environment": _environment(device, paddle),
        "cases": [_run_case(sample, device, paddle) for sample in parity_samples()],
        "seed_examples": _seed_examples(device, paddle),
    }
    if device != "cpu":
        report["cpu_vs_device"] = _cpu_vs_device(device)
    return report


def all_ok(report: Report) -> bool:
    """True when every case (and every CPU-vs-device row) is ok."""
    return all(c["ok"] for c in report["cases"]) and all(r["ok"] for r in report.get("cpu_vs_device", []))


def fmt_diff(d: float | None) -> str:
    """A largest difference as the report's tables write it: ``-`` not run, ``nan``,
    ``other shape`` (the output's shape differs from the reference's), ``0`` or
    ``1.2e-07``."""
    if d is None:
        return "-"
    if math.isnan(d):
        return "nan"
    if math.isinf(d):
        return "other shape"
    return f"{d:.1e}" if d > 0 else "0"


def case_status(c: Report) -> str:
    """A case's verdict in words: ``ok``, ``FAIL``, ``ok; native fails (documented)``,
    with ``, stable=True`` where embedloss ran with it."""
    if not c["ok"]:
        status = "FAIL"
    elif c["expected_native_failure"] and c.get("native_failed"):
        status = "ok; native fails (documented)"
    else:
        status = "ok"
    return status + (", stable=True" if c["stable"] else "")


def case_table(report: Report, loss: str | None = None) -> tuple[list[str], list[list[str]]]:
    """``(header, rows)``: one row per case (of ``loss`` only, without a loss column,
    when given), each implementation's largest difference, the tolerance, the verdict."""
    cases = [c for c in report["cases"] if loss is None or c["loss"] == loss]
    header = ["case", *(["loss"] if loss is None else []), "dtype", "reduction", "margin",
              "embedloss", "torch", "paddle", "tolerance", "status"]
    rows = [[c["case"], *([c["loss"]] if loss is None else []), c["dtype"], c["reduction"],
             f"{c['margin']:g}", *(fmt_diff(c["max_abs_diff"][k]) for k in ("embedloss", "torch", "paddle")),
             f"{c['tolerance']:.1e}", case_status(c)] for c in cases]
    return header, rows


def native_notes(report: Report) -> list[str]:
    """One line per native refusal or odd shape: ``case, loss dtype: native who: what``."""
    return [f"{c['case']}, {c['loss']} {c['dtype']}: native {who}: {text}"
            for c in report["cases"]
            for who, text in {**c.get("native_errors", {}), **c.get("native_notes", {})}.items()]


def show_value(v: Any, published: Any = None, digits: int = 10) -> str:
    """A seed example's value: a scalar to ``digits`` decimals, an array by its shape and
    its largest difference from ``published``; ``-`` when not run."""
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    shape = "x".join(map(str, np.shape(v)))
    if published is None:
        return f"{shape} array"
    return f"{shape} array, max diff {float(np.abs(np.subtract(v, published)).max()):.1e}"


def example_name(key: str) -> str:
    """A published example in words: ``tutorial, cosine mean``."""
    p = PUBLISHED[key]
    return f"{'tutorial' if p.source == 'tutorial' else 'Paddle page'}, {p.loss} {p.reduction}"


def seed_table(report: Report, digits: int = 10) -> tuple[list[str], list[list[str]]]:
    """``(header, rows)``: each seed example, published and as each implementation computed it."""
    return (["example", "published", "torch", "embedloss", "paddle"],
            [[example_name(key), show_value(e["published"], digits=digits),
              *(show_value(e[k], e["published"], digits) for k in ("torch", "embedloss", "paddle"))]
             for key, e in report["seed_examples"].items()])


def device_table(report: Report) -> tuple[list[str], list[list[str]]]:
    """``(header, rows)``: values and gradients, CPU against the device (a CUDA report)."""
    return (["loss", "dtype", "implementation", "values", "gradients", "tolerance", "status"],
            [[r["loss"], r["dtype"], r["implementation"], fmt_diff(r["value_max_abs_diff"]),
              fmt_diff(r["grad_max_abs_diff"]), f"{r['tolerance']:.0e}", "ok" if r["ok"] else "FAIL"]
             for r in report.get("cpu_vs_device", [])])


def device_seed_table(device_report: Report, cpu_report: Report) -> tuple[list[str], list[list[str]]]:
    """``(header, rows)``: the seed examples on the device next to this CPU's."""
    return (["example", "published", "torch, CPU", "torch, device", "embedloss, device"],
            [[example_name(key), show_value(e["published"]), show_value(e["torch"], e["published"]),
              show_value(device_report["seed_examples"][key]["torch"], e["published"]),
              show_value(device_report["seed_examples"][key]["embedloss"], e["published"])]
             for key, e in cpu_report["seed_examples"].items()])


def device_record_tables(record: Report, cpu_report: Report) -> list[tuple[list[str], list[list[str]]]]:
    """The tables that a device's record (``--device cuda --json``) shows beside this CPU's
    report: its environment, CPU against the device, and the seed examples there."""
    env = [[k, "not recorded" if v is None else str(v)] for k, v in record["environment"].items()]
    return [(["recorded with", "value"], env), device_table(record), device_seed_table(record, cpu_report)]


def format_table(report: Report) -> str:
    """The report as plain text: environment, one line per case, seed examples, CPU vs device."""
    env = report["environment"]
    lines = ["environment: " + ", ".join(f"{k} {v}" for k, v in env.items()), ""]
    header, rows = case_table(report)
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    lines += ["  ".join(f"{x:<{w}}" for x, w in zip(header, widths)).rstrip(), rule]
    lines += ["  ".join(f"{x:<{w}}" for x, w in zip(row, widths)).rstrip() for row in rows]
    lines += ["", "max |implementation - reference|; '-' = not run (Paddle not installed, not on "
              "this device, or the native function refuses the case)"]
    lines += [f"  {note}" for note in native_notes(report)]
    lines += ["", "seed examples:"]
    header, rows = seed_table(report)
    lines += ["  " + "; ".join(f"{h} {x}" for h, x in zip(header[1:], row[1:])) + f"  ({row[0]})" for row in rows]
    if "cpu_vs_device" in report:
        lines += ["", "CPU against the device (max abs difference):"]
        lines += ["  " + "  ".join(row) for row in device_table(report)[1]]
    bad = sum(not c["ok"] for c in report["cases"]) + sum(not r["ok"] for r in report.get("cpu_vs_device", []))
    lines += ["", "all ok" if bad == 0 else f"{bad} disagreement(s) beyond tolerance"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``parity [--device cpu|cuda] [--json PATH]``: print the table, exit 1 on a disagreement."""
    import json

    parser = argparse.ArgumentParser(prog="python -m embedbook parity", description=main.__doc__)
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--json", metavar="PATH", help="also write the report as JSON to PATH")
    args = parser.parse_args(argv)
    try:
        report = run(args.device)
    except (RuntimeError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    print(format_table(report))
    if args.json:  # a recorded run says when it ran (run() itself stays free of dates)
        report["environment"]["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        report["command"] = " ".join(["python -m embedbook parity", *(argv if argv is not None else sys.argv[2:])])
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=1)
            fh.write("\n")
    return 0 if all_ok(report) else 1
