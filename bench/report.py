"""What every bench does with `--json FILE`: write its figures there, creating the folder
(bench/results/ is not in git, so on a fresh clone it does not exist yet)."""
from __future__ import annotations

import json
from pathlib import Path


def write_json(path: str | Path, figures: object) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # numpy scalars (the assistant's figures) are written as plain numbers
    path.write_text(json.dumps(figures, indent=2, default=lambda o: o.item() if hasattr(o, "item") else str(o)) + "\n")
