"""Build the dataset shapes the own-data tests bring, from data that ships with scikit-learn.

Run in an environment with scikit-learn, pandas and pyarrow (the tests use `uv run --with`):
`python make_shapes.py OUT_DIR` writes one file per shape and prints a JSON line per shape with
its file, target and what it exercises. No download: scikit-learn's bundled data and generators.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine, make_classification


def binary_numeric(out: Path) -> dict[str, str]:
    """Binary 0/1 target, numeric features only (a generator's data), CSV."""
    features, labels = make_classification(
        n_samples=300, n_features=6, n_informative=4, random_state=3
    )
    frame = pd.DataFrame(features, columns=[f"signal_{index}" for index in range(6)])
    frame["label"] = labels
    path = out / "binary.csv"
    frame.to_csv(path, index=False)
    return {"shape": "binary", "file": path.name, "target": "label"}


def multiclass_text_missing(out: Path) -> dict[str, str]:
    """Three text classes, a category column, a free-text column, missing values, CSV."""
    rng = np.random.default_rng(7)
    frame = load_wine(as_frame=True).frame
    frame["target"] = frame["target"].map({0: "barolo", 1: "grignolino", 2: "barbera"})
    frame["region"] = rng.choice(["north", "south", "east"], len(frame))
    frame["notes"] = [f"tasting note {index}" for index in range(len(frame))]
    for column in ("alcohol", "hue"):
        frame.loc[rng.random(len(frame)) < 0.05, column] = np.nan
    path = out / "cellar.csv"
    frame.rename(columns={"target": "cultivar"}).to_csv(path, index=False)
    return {"shape": "multiclass", "file": path.name, "target": "cultivar"}


def regression(out: Path) -> dict[str, str]:
    """A numeric target, raw units, a true/false column, CSV."""
    frame = load_diabetes(as_frame=True, scaled=False).frame
    frame["smoker"] = np.where(frame["age"] % 3 == 0, "yes", "no")
    path = out / "progression.csv"
    frame.rename(columns={"target": "progression"}).to_csv(path, index=False)
    return {"shape": "regression", "file": path.name, "target": "progression"}


def text_labels_messy_parquet(out: Path) -> dict[str, str]:
    """Text class labels and messy column names (spaces, capitals, units), Parquet."""
    frame = load_breast_cancer(as_frame=True).frame
    frame["target"] = frame["target"].map({0: "malignant", 1: "benign"})
    frame.columns = [
        f"{name.title()} (mm)" if name != "target" else "Diagnosis" for name in frame.columns
    ]
    path = out / "Tumour Measurements.parquet"
    frame.to_parquet(path, index=False)
    return {"shape": "parquet", "file": path.name, "target": "Diagnosis"}


def main() -> None:
    """Write every shape to the folder named on the command line."""
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for build in (binary_numeric, multiclass_text_missing, regression, text_labels_messy_parquet):
        sys.stdout.write(json.dumps(build(out)) + "\n")


if __name__ == "__main__":
    main()
