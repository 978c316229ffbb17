"""One group's part of ``tools/twins.py``: run in that group's side venv as

    python tools/twins_probe.py GROUP SEED.npz OUT.json

Each twin is called on the seed tutorial's data as its documentation says to call it
(its own label convention and defaults), then through a conversion: a short function,
stored with its source, that makes it equal ``CosineEmbeddingLoss(margin=0.2)``
(``tools/twins.py`` asserts the equality against ``embedloss.reference``). Where no
conversion exists, the row says why. The deployment part exports the native losses and
``embedloss``'s and runs the exported graph on the seed data and on a bad label.
"""
# ruff: noqa: B023 (each closure over a loop variable is called in its own iteration)
from __future__ import annotations

import inspect
import json
import subprocess
import sys
import textwrap
import warnings
from importlib import metadata
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")
M = 0.2  # the seed tutorial's margin


def source(fn) -> str:
    return textwrap.dedent(inspect.getsource(fn)).strip()


def row(library, api, *, labels, margin, reduction, eps, out, value, zero_label=None,
        conversion=None, converted=None, no_conversion=None, note=None,
        reference="cosine") -> dict:
    out = np.asarray(out)
    return {"library": library, "api": api, "labels": labels, "margin": margin,
            "reduction": reduction, "eps": eps, "shape": list(out.shape),
            "dtype": str(out.dtype), "value": float(np.mean(out)),
            "value_raw": value, "zero_label": zero_label,
            "conversion": None if conversion is None else source(conversion),
            "converted": None if converted is None else float(converted),
            "no_conversion": no_conversion, "note": note, "reference": reference}


def versions(*names: str) -> dict:
    return {n: metadata.version(n) for n in names}


def outcome(fn) -> dict:
    """What running an exported graph on a bad label does: raises, NaN or a value."""
    try:
        v = float(np.asarray(fn()).reshape(-1)[0])
    except Exception as e:  # noqa: BLE001 (the kind of failure is the result)
        return {"result": "raises", "error": type(e).__name__,
                "message": str(e).strip().splitlines()[0][:160] if str(e).strip() else ""}
    return {"result": "NaN" if np.isnan(v) else "value", "value": v}


# ---------------------------------------------------------------- torch group

def torch_group(a, b, y) -> dict:
    import torch
    from pytorch_metric_learning import distances, losses, reducers
    from sentence_transformers import losses as st_losses

    ta, tb, ty = (torch.from_numpy(v) for v in (a, b, y))
    n = len(ty)
    rows = []

    # pytorch-metric-learning: pairs given as indices_tuple (a1, p, a2, n)
    emb = torch.cat([ta, tb])
    idx = torch.arange(n)
    pos, neg = idx[ty == 1], idx[ty == -1]
    pairs = (pos, pos + n, neg, neg + n)

    def pml(reducer=None, **kw):
        loss = losses.ContrastiveLoss(distance=distances.CosineSimilarity(),
                                      reducer=reducer, **kw)
        return loss(emb, indices_tuple=pairs)

    def pml_convert(emb, pairs, n, m=0.2):
        loss = losses.ContrastiveLoss(
            pos_margin=1, neg_margin=m,
            distance=distances.CosineSimilarity(),
            reducer=reducers.SumReducer())
        return loss(emb, indices_tuple=pairs) / n

    for reducer, name in ((None, "AvgNonZeroReducer (default)"),
                          (reducers.MeanReducer(), "MeanReducer")):
        v = pml(reducer, pos_margin=1, neg_margin=M)
        rows.append(row(
            "pytorch-metric-learning", f"losses.ContrastiveLoss, CosineSimilarity, {name}",
            labels="class labels (pairs of equal labels are positive), or pairs "
                   "given as indices_tuple (a1, p, a2, n)",
            margin="pos_margin, neg_margin: bounds of the similarity (pos default 0, "
                   "neg default 1; set 1 and 0.2 here)",
            reduction=name + ": positive and negative losses reduced apart, then summed",
            eps="cosine of rows normalized by F.normalize (norm floor 1e-12)",
            out=v.detach().numpy(), value=float(v),
            conversion=pml_convert, converted=float(pml_convert(emb, pairs, n)),
            note="CosineEmbeddingLoss's mean divides by all N pairs: SumReducer / N"))

    class Stub(torch.nn.Module):
        """Stands in for a SentenceTransformer: its 'sentence_embedding' is the input."""

        def forward(self, features):
            return {"sentence_embedding": features["x"]}

    stub = Stub()
    features = [{"x": ta}, {"x": tb}]
    y01 = (ty == 1).float()
    d = 1 - torch.nn.functional.cosine_similarity(ta, tb)
    cel_terms = torch.where(ty == 1, d, (1 - d - M).clamp_min(0))

    st = st_losses.ContrastiveLoss(stub)
    v = st(features, y01)
    st_m = st_losses.ContrastiveLoss(stub, margin=1 - M)
    same_zeros = bool(torch.equal(
        (0.5 * (1 - y01) * torch.relu(1 - M - d).pow(2) > 0)[ty == -1],
        (cel_terms > 0)[ty == -1]))
    rows.append(row(
        "sentence-transformers", "losses.ContrastiveLoss",
        labels="1 similar, 0 dissimilar", margin=f"on the cosine distance 1 - cos "
        f"(default {st.margin}); dissimilar pairs closer than it are pushed apart",
        reduction="mean (size_average=True)", eps="torch cosine_similarity (1e-8)",
        out=v.detach().numpy(), value=float(v),
        no_conversion="squared hinges: 0.5 d^2 and 0.5 relu(margin - d)^2. With "
        "margin = 1 - m the same dissimilar pairs are zero "
        f"({'yes' if same_zeros else 'NO'}), the values differ",
        note=f"margin=1-m gives {float(st_m(features, y01)):.6f}"))

    online = st_losses.OnlineContrastiveLoss(stub)
    v = online(features, y01)
    rows.append(row(
        "sentence-transformers", "losses.OnlineContrastiveLoss",
        labels="1 similar, 0 dissimilar", margin=f"on 1 - cos (default {online.margin})",
        reduction="sum over the hard pairs only (positives farther than the nearest "
                  "negative, negatives nearer than the farthest positive)",
        eps="torch cosine_similarity (1e-8)", out=v.detach().numpy(), value=float(v),
        no_conversion="mines hard pairs in the batch, squares the hinges, sums"))

    cos_loss = st_losses.CosineSimilarityLoss(stub)
    v = cos_loss(features, y01)

    def st_convert(stub, features, y, m=0.2):
        def cel(cos, y):
            return torch.where(y == 1, 1 - cos, (cos - m).clamp_min(0)).mean()

        loss = st_losses.CosineSimilarityLoss(stub, loss_fct=cel)
        return loss(features, y)

    rows.append(row(
        "sentence-transformers", "losses.CosineSimilarityLoss",
        labels="a similarity score to regress the cosine on (here 1 and 0)",
        margin="none", reduction="mean (MSELoss by default)",
        eps="torch cosine_similarity (1e-8)", out=v.detach().numpy(), value=float(v),
        conversion=st_convert, converted=float(st_convert(stub, features, ty))))

    return {"versions": versions("torch", "pytorch-metric-learning",
                                 "sentence-transformers", "transformers", "onnx",
                                 "onnxruntime", "onnxscript", "numpy"),
            "rows": rows, "deployment": torch_deployment(ta, tb, ty)}


def torch_deployment(ta, tb, ty) -> list[dict]:
    import tempfile

    import onnx
    import onnxruntime as ort
    import torch

    import embedloss.torch as et

    x = 1 - torch.nn.functional.cosine_similarity(ta, tb)
    bad = ty.clone()
    bad[int(torch.nonzero(ty == 1)[0])] = 0.0  # a similar pair's label made 0
    models = {
        "torch.nn.CosineEmbeddingLoss": (torch.nn.CosineEmbeddingLoss(margin=M), (ta, tb)),
        "embedloss.torch.CosineEmbeddingLoss": (et.CosineEmbeddingLoss(margin=M), (ta, tb)),
        "torch.nn.HingeEmbeddingLoss": (torch.nn.HingeEmbeddingLoss(margin=M), (x,)),
        "embedloss.torch.HingeEmbeddingLoss": (et.HingeEmbeddingLoss(margin=M), (x,)),
    }
    out = []
    for name, (model, inputs) in models.items():
        eager = float(model(*inputs, ty))
        cell = {"framework": "PyTorch", "loss": name, "eager": eager,
                "eager_bad_label": outcome(lambda: model(*inputs, bad).detach())}
        try:
            ep = torch.export.export(model, (*inputs, ty))
            run = ep.module()
            cell["torch.export"] = {"value": float(run(*inputs, ty)),
                                    "bad_label": outcome(lambda: run(*inputs, bad).detach()),
                                    "assert_in_graph": any("assert" in str(n.target)
                                                           for n in ep.graph.nodes)}
        except Exception as e:  # noqa: BLE001
            cell["torch.export"] = {"error": f"{type(e).__name__}: {str(e)[:160]}"}
        try:
            with tempfile.TemporaryDirectory() as tmp:
                path = f"{tmp}/m.onnx"
                torch.onnx.export(model, (*inputs, ty), path, dynamo=True)
                sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
                names = [i.name for i in sess.get_inputs()]

                def feed(label):
                    arrays = [t.numpy() for t in (*inputs, label)]
                    return sess.run(None, dict(zip(names, arrays)))[0]

                cell["onnx (dynamo) + onnxruntime"] = {
                    "value": float(feed(ty)), "bad_label": outcome(lambda: feed(bad)),
                    "inputs": names,
                    "ops": sorted({n.op_type for n in onnx.load(path).graph.node})}
        except Exception as e:  # noqa: BLE001
            cell["onnx (dynamo) + onnxruntime"] = {"error": f"{type(e).__name__}: "
                                                   f"{str(e).splitlines()[0][:160]}"}
        out.append(cell)
    return out


# ---------------------------------------------------------------- paddle group

def paddle_group(a, b, y) -> dict:
    import tempfile

    import onnxruntime as ort

    import embedloss.paddle as ep
    from embedloss._paddle import import_paddle

    paddle = import_paddle()

    pa, pb, py = (paddle.to_tensor(v) for v in (a, b, y))
    x = 1 - paddle.nn.functional.cosine_similarity(pa, pb, axis=1)
    bad = y.copy()
    bad[int(np.flatnonzero(y == 1)[0])] = 0.0  # a similar pair's label made 0
    def spec(name, rank=1):
        return paddle.static.InputSpec([None, a.shape[1]][:rank], "float32", name=name)

    cosine_spec = [spec("input1", 2), spec("input2", 2), spec("label")]
    hinge_spec = [spec("input"), spec("label")]
    models = {
        "paddle.nn.CosineEmbeddingLoss": (paddle.nn.CosineEmbeddingLoss(margin=M),
                                          (pa, pb), cosine_spec),
        "embedloss.paddle.CosineEmbeddingLoss": (ep.CosineEmbeddingLoss(margin=M),
                                                 (pa, pb), cosine_spec),
        "paddle.nn.HingeEmbeddingLoss": (paddle.nn.HingeEmbeddingLoss(margin=M),
                                         (x,), hinge_spec),
        "embedloss.paddle.HingeEmbeddingLoss": (ep.HingeEmbeddingLoss(margin=M),
                                                (x,), hinge_spec),
    }
    out = []
    for name, (layer, inputs, spec) in models.items():
        eager = float(layer(*inputs, py))
        cell = {"framework": "Paddle", "loss": name, "eager": eager,
                "eager_bad_label": outcome(lambda: layer(*inputs, paddle.to_tensor(bad))
                                           .numpy())}
        arrays = [t.numpy() for t in inputs]
        with tempfile.TemporaryDirectory() as tmp:
            prefix = f"{tmp}/m"
            try:
                static = paddle.jit.to_static(layer, input_spec=spec, full_graph=True)
                cell["paddle.jit.to_static"] = {
                    "value": float(static(*inputs, py)),
                    "bad_label": outcome(lambda: static(*inputs, paddle.to_tensor(bad))
                                         .numpy())}
                paddle.jit.save(static, prefix)
                files = sorted(p.name for p in Path(tmp).iterdir())
                model_file = next(f"{tmp}/{f}" for f in files
                                  if f.endswith((".json", ".pdmodel")))
                saved_assert = "assert" in Path(model_file).read_text(errors="replace")
                for ir_optim in (False, True):
                    config = paddle.inference.Config(model_file, f"{prefix}.pdiparams")
                    config.disable_gpu()
                    config.switch_ir_optim(ir_optim)
                    predictor = paddle.inference.create_predictor(config)
                    if not ir_optim:
                        plain = predictor

                def infer(label, predictor=predictor):
                    for nm, arr in zip(predictor.get_input_names(), [*arrays, label]):
                        h = predictor.get_input_handle(nm)
                        h.reshape(arr.shape)
                        h.copy_from_cpu(np.ascontiguousarray(arr))
                    predictor.run()
                    return predictor.get_output_handle(
                        predictor.get_output_names()[0]).copy_to_cpu()

                cell["paddle.jit.save + paddle.inference"] = {
                    "value": float(np.asarray(infer(y)).reshape(-1)[0]),
                    "bad_label": outcome(lambda: infer(bad)), "files": files,
                    "bad_label_ir_optim_off": outcome(lambda: infer(bad, plain)),
                    "assert_op_in_saved_model": saved_assert}
            except Exception as e:  # noqa: BLE001
                cell["paddle.jit.save + paddle.inference"] = {
                    "error": f"{type(e).__name__}: {str(e).strip().splitlines()[0][:160]}"}
                out.append(cell)
                continue
            onnx_file = f"{tmp}/m.onnx"
            # in a child: paddle2onnx aborts the process (SIGABRT) on what it cannot read
            child = subprocess.run(
                [sys.executable, "-c", "import sys, paddle2onnx; "
                 "paddle2onnx.export(sys.argv[1], sys.argv[2], sys.argv[3])",
                 model_file, f"{prefix}.pdiparams", onnx_file],
                capture_output=True, text=True)
            if child.returncode != 0 or not Path(onnx_file).exists():
                errors = [ln for ln in (child.stdout + child.stderr).splitlines()
                          if "[ERROR]" in ln]
                cell["paddle2onnx + onnxruntime"] = {
                    "error": f"paddle2onnx exited with {child.returncode}: "
                             + (errors[0].split("]", 2)[-1].strip() if errors else "")}
            else:
                sess = ort.InferenceSession(onnx_file, providers=["CPUExecutionProvider"])
                names = [i.name for i in sess.get_inputs()]

                def feed(label):
                    return sess.run(None, dict(zip(names, [*arrays, label])))[0]

                cell["paddle2onnx + onnxruntime"] = {
                    "value": float(np.asarray(feed(y)).reshape(-1)[0]),
                    "bad_label": outcome(lambda: feed(bad))}
        out.append(cell)
    return {"versions": versions("paddlepaddle", "paddle2onnx", "onnxruntime", "numpy"),
            "rows": [], "deployment": out}


# ---------------------------------------------------------------- jax group

def jax_group(a, b, y) -> dict:
    import jax
    import jax.numpy as jnp
    import keras
    import optax

    ja, jb, jy = (jnp.asarray(v) for v in (a, b, y))
    rows = []
    cos = optax.losses.cosine_similarity(ja, jb)
    dist = optax.losses.cosine_distance(ja, jb)

    def optax_convert(a, b, y, m=0.2):
        cos = optax.losses.cosine_similarity(a, b)
        return jnp.where(y == 1, 1 - cos, jax.nn.relu(cos - m)).mean()

    rows.append(row(
        "optax", "losses.cosine_similarity", labels="none (a similarity per pair)",
        margin="none", reduction="none: one value per pair",
        eps="epsilon=0.0: bounds each norm below", out=np.asarray(cos),
        value=float(cos.mean()), conversion=optax_convert,
        converted=float(optax_convert(ja, jb, jy))))

    def optax_distance_convert(a, b, y, m=0.2):
        d = optax.losses.cosine_distance(a, b)  # 1 - cos
        return jnp.where(y == 1, d, jax.nn.relu(1 - d - m)).mean()

    rows.append(row(
        "optax", "losses.cosine_distance", labels="none (1 - cos per pair)",
        margin="none", reduction="none: one value per pair", eps="epsilon=0.0",
        out=np.asarray(dist), value=float(dist.mean()),
        conversion=optax_distance_convert,
        converted=float(optax_distance_convert(ja, jb, jy))))

    ks = keras.losses.CosineSimilarity()
    v = ks(ja, jb)

    def keras_convert(a, b, y, m=0.2):
        neg_cos = keras.losses.CosineSimilarity(reduction=None)(a, b)
        ops = keras.ops
        return ops.mean(ops.where(y == 1, 1 + neg_cos, ops.relu(-neg_cos - m)))

    rows.append(row(
        "Keras", f"losses.CosineSimilarity ({keras.backend.backend()} backend)",
        labels="none: y_true is the second vector", margin="none",
        reduction="sum_over_batch_size (mean); minus the cosine",
        eps="l2_normalize, squared norm floor 1e-12", out=np.asarray(v),
        value=float(v), conversion=keras_convert,
        converted=float(keras_convert(ja, jb, jy))))
    return {"versions": versions("jax", "jaxlib", "optax", "keras", "numpy"),
            "rows": rows}


# ---------------------------------------------------------------- mindspore group

def mindspore_group(a, b, y) -> dict:
    import mindspore as ms
    from mindspore import mint, nn

    ms.set_context(mode=ms.PYNATIVE_MODE, device_target="CPU")
    ma, mb, my = (ms.Tensor(v) for v in (a, b, y))
    y0 = ms.Tensor(np.where(y == 1, 1.0, 0.0).astype(np.float32))
    d = 1 - (a.astype(np.float64) * b).sum(1) / (np.linalg.norm(a, axis=1)
                                                  * np.linalg.norm(b, axis=1))
    mx_ = ms.Tensor(d.astype(np.float32))
    rows = []
    eps = {"nn.CosineEmbeddingLoss": "none: dot / (sqrt(|a|^2) sqrt(|b|^2))",
           "mint.nn.CosineEmbeddingLoss": "the kernel's (documented for Ascend only)"}
    for api, cls in (("nn.CosineEmbeddingLoss", nn.CosineEmbeddingLoss),
                     ("mint.nn.CosineEmbeddingLoss", mint.nn.CosineEmbeddingLoss)):
        def ms_convert(a, b, y, m=0.2, cls=cls):
            return cls(margin=m)(a, b, y)  # labels 1/-1 as PyTorch's

        try:
            loss = cls(margin=M)
            v = loss(ma, mb, my)
            rows.append(row(
                "MindSpore", api, labels="1 or -1", margin="on the cosine, default 0.0",
                reduction="mean (default)", eps=eps[api], out=v.asnumpy(),
                value=float(v.asnumpy()), zero_label=float(loss(ma, mb, y0).asnumpy()),
                conversion=ms_convert,
                converted=float(ms_convert(ma, mb, my).asnumpy())))
        except Exception as e:  # noqa: BLE001 (what a CPU install does is the result)
            rows.append({"library": "MindSpore", "api": api, "labels": "1 or -1",
                         "error": f"{type(e).__name__}: "
                                  f"{str(e).strip().splitlines()[0][:160]}"})
    hinge = nn.HingeEmbeddingLoss(margin=M)
    v = hinge(mx_, my)

    def ms_hinge_convert(x, y, m=0.2):
        return nn.HingeEmbeddingLoss(margin=m)(x, y)  # x: a distance, 1 - cos

    rows.append(row(
        "MindSpore", "nn.HingeEmbeddingLoss (on 1 - cos)", labels="1 or -1",
        margin="on the distance, default 1.0", reduction="mean (default)", eps="none",
        out=v.asnumpy(), value=float(v.asnumpy()),
        zero_label=float(hinge(mx_, y0).asnumpy()), conversion=ms_hinge_convert,
        converted=float(ms_hinge_convert(mx_, my).asnumpy()), reference="hinge"))
    return {"versions": versions("mindspore", "numpy"), "rows": rows}


# ---------------------------------------------------------------- mxnet group

def mxnet_group(a, b, y) -> dict:
    import mxnet as mx

    loss = mx.gluon.loss.CosineEmbeddingLoss(margin=M)
    ma, mb, my = (mx.nd.array(v) for v in (a, b, y))
    v = loss(ma, mb, my).asnumpy()
    zero = loss(ma, mb, mx.nd.array(np.where(y == 1, 1.0, 0.0))).asnumpy()

    def mxnet_convert(a, b, y, m=0.2):
        return mx.gluon.loss.CosineEmbeddingLoss(margin=m)(a, b, y).mean()

    return {"versions": versions("mxnet", "numpy"), "rows": [row(
        "MXNet", "gluon.loss.CosineEmbeddingLoss", labels="1 or -1 (masks label == 1 "
        "and label == -1: 0 gives 0 in this release)", margin="on the cosine, default 0",
        reduction="none: one loss per pair", eps="max(|a| |b|, 1e-12)", out=v,
        value=float(v.mean()), zero_label=float(zero.mean()), conversion=mxnet_convert,
        converted=float(mxnet_convert(ma, mb, my).asnumpy()))]}


def main() -> None:
    group, data, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    arrays = np.load(data)
    a, b, y = arrays["a"], arrays["b"], arrays["y"]
    result = globals()[f"{group}_group"](a, b, y)
    out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
