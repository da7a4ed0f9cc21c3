"""Pickle with an allow-list: the bytes are our own (a Celery task or the setup step wrote
them), but a database row or a file on disk should still not be able to run arbitrary code
when loaded. Only numpy/scipy/scikit-learn types and this package's classes are accepted.
"""
from __future__ import annotations

import io
import pickle

_ALLOWED_PREFIXES = ("numpy", "scipy.sparse", "sklearn", "conversations.assistant")
_ALLOWED_EXACT = {
    ("builtins", name)
    for name in ("set", "frozenset", "slice", "range", "complex", "bytearray", "dict", "list", "tuple",
                 "int", "float", "str", "bool", "bytes", "object", "type")
} | {("copyreg", "_reconstructor"), ("collections", "OrderedDict"), ("collections", "defaultdict"),
     ("_codecs", "encode")}


class _Restricted(pickle.Unpickler):
    def find_class(self, module: str, name: str):  # noqa: ANN201 - pickle's protocol
        if (module, name) in _ALLOWED_EXACT or any(
            module == p or module.startswith(p + ".") for p in _ALLOWED_PREFIXES
        ):
            if name.startswith("__") and name not in ("__builtin__",):
                raise pickle.UnpicklingError(f"refusing {module}.{name}")
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def restricted_loads(data: bytes) -> object:
    return _Restricted(io.BytesIO(data)).load()
