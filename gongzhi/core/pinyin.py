"""Pinyin initials for searching Chinese names.

People look names up by initials ("zyj" for 曾拥军). Many characters have several readings, and surnames
often take the rarer one (曾 Zēng, 单 Shàn, 仇 Qiú…), so every reading of every character is indexed.
"""

import itertools
import re

from pypinyin import Style, lazy_pinyin, pinyin

# A name of n characters with several readings each could explode; past this many initial sequences
# the rest are not indexed (no real name comes near it).
MAX_SEQUENCES = 64
_ASCII_QUERY = re.compile(r"^[a-z0-9]+$")


def initials_index(text: str) -> str:
    """Space-separated initial sequences for every reading of `text`, plus its full pinyin."""
    if not text:
        return ""
    readings = pinyin(text, style=Style.FIRST_LETTER, heteronym=True, errors=lambda s: list(s.lower()))
    choices = [sorted({r.lower() for r in options if r}) or [""] for options in readings]
    sequences: list[str] = []
    for combo in itertools.product(*choices):
        sequences.append("".join(combo))
        if len(sequences) >= MAX_SEQUENCES:
            break
    full = "".join(lazy_pinyin(text, errors=lambda s: s.lower())).lower()
    words = dict.fromkeys([*sequences, full])
    return " ".join(w for w in words if w)


def is_pinyin_query(query: str) -> bool:
    """A query of plain Latin letters is matched against the pinyin index as well as the name."""
    return bool(_ASCII_QUERY.match(query.lower()))
