"""Column names as the contract spells them: one cleaning step shared by import, ingest and scoring.

A file's header may hold spaces, capitals, punctuation or accents ("Mean Radius", "CO2 (ppm)");
every stage and every batch to score goes through `clean_names`, so a column has one name
everywhere: lowercase letters, digits and underscores, starting with a letter.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^a-z0-9]+")


def clean_name(name: object) -> str:
    """Spell one column name as the contract does: `Mean Radius (mm)` becomes `mean_radius_mm`."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    cleaned = _NOT_WORD.sub("_", text.lower()).strip("_") or "column"
    return cleaned if cleaned[0].isalpha() else f"c_{cleaned}"


def clean_names(names: list[object]) -> list[str]:
    """Clean every name; a name that two columns would share gets a suffix `_2`, `_3`, ..."""
    seen: dict[str, int] = {}
    result = []
    for name in names:
        base = clean_name(name)
        count = seen.get(base, 0) + 1
        seen[base] = count
        candidate = base if count == 1 else f"{base}_{count}"
        while candidate in seen and candidate != base:
            count += 1
            candidate = f"{base}_{count}"
        seen.setdefault(candidate, 1)
        result.append(candidate)
    return result
