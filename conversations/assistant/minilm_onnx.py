"""MiniLM's six transformer layers as an ONNX graph, run by onnxruntime on the caller's thread.

The numpy forward pass (`encoder.MiniLMEncoder`) spends most of a message's time in 24 small
matrix products (a dozen tokens times a 384 x 1536 weight matrix): OpenBLAS re-packs the weights on
every call and its kernels are tuned for larger products. onnxruntime packs the weights once, when
the session is built, and runs the whole pass in C++ without holding Python's interpreter lock, so
the decision's second thread (the multilingual encoder, the n-grams: Python-heavy work) no longer
makes this pass wait for the lock between two products. Same weights, same operations (the tanh
GELU included), float32 throughout: the embeddings agree with the numpy pass to ~3e-7
(docs/assistant.md, "Decision latency: MiniLM on onnxruntime").

The graph is built here from the numpy weights (the `onnx` package writes it; nothing is
converted or downloaded) and kept only inside the session. Without onnxruntime or onnx installed
the encoder keeps its numpy pass.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np

logger = logging.getLogger(__name__)

GELU_K = 0.7978845608  # sqrt(2 / pi); the tanh GELU of both passes (encoder._gelu and this graph)
GELU_A = 0.044715


def layers_graph(layers: Sequence[tuple[np.ndarray, ...]], heads: int, dim: int) -> bytes:
    """The serialized ONNX model of `layers` (encoder.MiniLMEncoder.layers: each a tuple of qkv_w,
    qkv_b, o_w, o_b, ln1_g, ln1_b, i_w, i_b, f_w, f_b, ln2_g, ln2_b with (in, out) matrices).
    Inputs: `hidden` (batch, tokens, dim) after the embedding layer norm, `mask` (batch, tokens),
    1.0 for a token and 0.0 for padding. Output: `hidden_out`, the last layer's (batch, tokens, dim)."""
    from onnx import TensorProto, helper, numpy_helper

    initializers, nodes = [], []

    def const(name: str, value) -> str:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(value) if np.ndim(value) else np.asarray(value), name))
        return name

    def op(kind: str, *inputs: str, **attrs) -> str:
        out = f"n{len(nodes)}"
        nodes.append(helper.make_node(kind, list(inputs), [out], **attrs))
        return out

    head_dim = dim // heads
    f32 = np.float32
    # padding keys get -1e9 before the softmax, as in the numpy pass: (batch, 1, 1, keys)
    one = const("one", f32(1.0))
    key_bias = op("Unsqueeze", op("Mul", op("Sub", one, "mask"), const("minus_1e9", f32(-1e9))),
                  const("axes_1_2", np.array([1, 2], dtype=np.int64)))
    scale = const("scale", f32(1.0 / np.sqrt(head_dim)))
    split_heads = const("split_heads", np.array([0, 0, 3, heads, head_dim], dtype=np.int64))
    join_heads = const("join_heads", np.array([0, 0, dim], dtype=np.int64))
    half, gelu_k, gelu_a = (const(n, f32(v)) for n, v in (("half", 0.5), ("gelu_k", GELU_K), ("gelu_a", GELU_A)))
    which = [const(f"qkv_{i}", np.array(i, dtype=np.int64)) for i in range(3)]
    h = "hidden"
    for i, (qkv_w, qkv_b, o_w, o_b, ln1_g, ln1_b, i_w, i_b, f_w, f_b, ln2_g, ln2_b) in enumerate(layers):
        w = {name: const(f"l{i}.{name}", value) for name, value in (
            ("qkv_w", qkv_w), ("qkv_b", qkv_b), ("o_w", o_w), ("o_b", o_b), ("ln1_g", ln1_g), ("ln1_b", ln1_b),
            ("i_w", i_w), ("i_b", i_b), ("f_w", f_w), ("f_b", f_b), ("ln2_g", ln2_g), ("ln2_b", ln2_b))}
        qkv = op("Add", op("MatMul", h, w["qkv_w"]), w["qkv_b"])
        qkv = op("Transpose", op("Reshape", qkv, split_heads), perm=[2, 0, 3, 1, 4])  # (3, batch, heads, tokens, hd)
        q, k, v = (op("Gather", qkv, which[j], axis=0) for j in range(3))
        scores = op("Add", op("Mul", op("MatMul", q, op("Transpose", k, perm=[0, 1, 3, 2])), scale), key_bias)
        ctx = op("MatMul", op("Softmax", scores, axis=-1), v)
        ctx = op("Reshape", op("Transpose", ctx, perm=[0, 2, 1, 3]), join_heads)
        h = op("LayerNormalization", op("Add", op("Add", op("MatMul", ctx, w["o_w"]), w["o_b"]), h),
               w["ln1_g"], w["ln1_b"], axis=-1, epsilon=1e-12)
        x = op("Add", op("MatMul", h, w["i_w"]), w["i_b"])
        inner = op("Mul", gelu_k, op("Add", x, op("Mul", gelu_a, op("Mul", op("Mul", x, x), x))))
        gelu = op("Mul", op("Mul", half, x), op("Add", one, op("Tanh", inner)))
        h = op("LayerNormalization", op("Add", op("Add", op("MatMul", gelu, w["f_w"]), w["f_b"]), h),
               w["ln2_g"], w["ln2_b"], axis=-1, epsilon=1e-12)
    nodes.append(helper.make_node("Identity", [h], ["hidden_out"]))
    graph = helper.make_graph(
        nodes, "minilm_layers",
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "tokens", dim]),
         helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["batch", "tokens"])],
        [helper.make_tensor_value_info("hidden_out", TensorProto.FLOAT, ["batch", "tokens", dim])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    return model.SerializeToString()


def compile_layers(layers: Sequence[tuple[np.ndarray, ...]], heads: int, dim: int) \
        -> Callable[[np.ndarray, np.ndarray], np.ndarray] | None:
    """`run(hidden, mask) -> hidden_out` on an onnxruntime session of `layers`, or None when
    onnxruntime or onnx is not installed (logged once: the numpy pass is used instead)."""
    try:
        import onnxruntime
    except ImportError as exc:
        logger.warning("onnxruntime unavailable, MiniLM runs on numpy (slower): %s", exc)
        return None
    try:
        model = layers_graph(layers, heads, dim)
    except ImportError as exc:
        logger.warning("onnx unavailable, MiniLM runs on numpy (slower): %s", exc)
        return None
    options = onnxruntime.SessionOptions()
    # One thread, the caller's: no pool threads (a forked Celery child inherits none, and nothing
    # spins on the other core, which the decision's second thread uses; see encoder.in_background).
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    # No memory arena: it keeps the largest activations it ever held (a knowledge-base build encodes
    # batches of 64 passages of up to 128 tokens: ~0.9 GB kept for good); malloc returns them.
    options.enable_cpu_mem_arena = False
    session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    del model

    def run(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return session.run(["hidden_out"], {"hidden": hidden, "mask": mask})[0]

    return run
