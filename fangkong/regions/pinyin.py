"""Search keys for Chinese names: full pinyin and initials (长春市 → changchunshi, ccs)."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def pinyin_keys(name: str) -> tuple[str, str]:
    full = "".join(lazy_pinyin(name, style=Style.NORMAL, errors="ignore")).lower()
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()
    return full[:400], initials[:100]
