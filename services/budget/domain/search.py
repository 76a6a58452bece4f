"""Search normalisation: one folded form for Kazakh and Russian names, so that a citizen typing
`березовка`, `Берёзовка` or `қосшы`/`косшы` finds the same institution."""
from __future__ import annotations

import re

# Kazakh-specific letters fold to the Russian letter people type on a Russian keyboard; ё to е.
_FOLD = str.maketrans({
    "ё": "е", "ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х", "і": "и",
    "й": "и", "ъ": "", "ь": "",
})
_NOT_WORD = re.compile(r"[^0-9a-zа-я]+")


def normalise(text: str) -> str:
    """Lower case, fold letter forms, keep letters and digits separated by single spaces."""
    folded = (text or "").lower().translate(_FOLD)
    return _NOT_WORD.sub(" ", folded).strip()


def search_text(*names: str) -> str:
    return " ".join(normalise(n) for n in names if n)
