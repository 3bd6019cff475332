"""Write a batch to score as a team's source delivers it: original names, no row id, no target.

Run in a generated project's environment: `python raw_batch.py SOURCE TARGET OUT ROWS`. The
target is found by its cleaned name, as the contract spells it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def main() -> None:
    """Read the source's first rows, drop the target, write them in the source's format."""
    source, target, out, rows = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), sys.argv[4]
    parquet = source.suffix == ".parquet"
    frame = (pd.read_parquet(source) if parquet else pd.read_csv(source)).head(int(rows))
    spelled = [name for name in frame.columns if name.lower().replace(" ", "_") == target]
    batch = frame.drop(columns=spelled)
    out.parent.mkdir(parents=True, exist_ok=True)
    if parquet:
        batch.to_parquet(out, index=False)
    else:
        batch.to_csv(out, index=False)


if __name__ == "__main__":
    main()
