"""The Simplified Chinese catalogue: complete for the current source, compiled, and used by the pages.

The catalogue lives in gongzhi/locale/zh_Hans/LC_MESSAGES/ (django.po and the committed django.mo).
When a test here fails, run `make messages`, translate the new entries in django.po, and run it again.
"""

from __future__ import annotations

import ast
import gettext
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

import gongzhi

PACKAGE_DIR = Path(gongzhi.__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
LOCALE = "zh_Hans"
CATALOGUE_DIR = PACKAGE_DIR / "locale" / LOCALE / "LC_MESSAGES"
PO_FILE = CATALOGUE_DIR / "django.po"
MO_FILE = CATALOGUE_DIR / "django.mo"
# The same flags as `make messages`.
MAKEMESSAGES_ARGS = ["makemessages", "-l", LOCALE, "--no-obsolete", "--no-location", "-i", "static/*"]
FIX = "run `make messages`, translate the new entries in django.po, then `make messages` again"


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # msgstr is index 0 for a singular entry
    flags: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        text = self.msgid if self.msgid_plural is None else f"{self.msgid} / {self.msgid_plural}"
        return text if self.msgctxt is None else f"[{self.msgctxt}] {text}"


def parse_po(text: str) -> list[Entry]:
    """The entries of a .po file (header included, obsolete `#~` entries left out)."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None  # the string a continuation line extends

    def start_entry() -> None:
        nonlocal entry, target
        if entry.msgstr or entry.flags:
            entries.append(entry)
        entry, target = Entry(), None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#~"):
            continue
        keyword, _sep, rest = line.partition(" ")
        if not line or ((line.startswith("#") or keyword in ("msgctxt", "msgid")) and entry.msgstr):
            start_entry()
        if not line:
            continue
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if target is None:
                raise ValueError(f"line {number}: a string that continues nothing")
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += ast.literal_eval(line)
            else:
                setattr(entry, name, getattr(entry, name) + ast.literal_eval(line))
        elif keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(entry, keyword, ast.literal_eval(rest.strip()))
            target = (keyword, 0)
        elif keyword == "msgstr" or (keyword.startswith("msgstr[") and keyword.endswith("]")):
            index = 0 if keyword == "msgstr" else int(keyword[7:-1])
            entry.msgstr[index] = ast.literal_eval(rest.strip())
            target = ("msgstr", index)
        else:
            raise ValueError(f"line {number}: cannot read {raw!r}")
    start_entry()
    return entries


def problems(entries: list[Entry]) -> list[str]:
    """Every entry that is fuzzy or has an empty translation, as a readable line."""
    found = []
    for e in entries:
        if e.msgid == "" and e.msgctxt is None:
            if "fuzzy" in e.flags:
                found.append("  (header) is marked fuzzy")
            continue
        if "fuzzy" in e.flags:
            found.append(f"  fuzzy:        {e.label!r}")
        elif not e.msgstr or any(not s for s in e.msgstr.values()):
            found.append(f"  untranslated: {e.label!r}")
    return found


def test_parse_po_reads_multiline_plural_and_fuzzy_entries():
    text = (
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        '#, python-format\nmsgid ""\n"Row %(row)d, "\n"column"\nmsgstr "第 %(row)d 行，"\n"列"\n\n'
        '#, python-format\nmsgid "%(counter)s record"\nmsgid_plural "%(counter)s records"\nmsgstr[0] ""\n\n'
        '#, fuzzy\n#| msgid "Old"\nmsgid "New \\"one\\""\nmsgstr "旧"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "已删"\n'
    )
    header, multiline, plural, fuzzy = parse_po(text)
    assert header.msgstr[0] == "Language: zh_Hans\n"
    assert (multiline.msgid, multiline.msgstr) == ("Row %(row)d, column", {0: "第 %(row)d 行，列"})
    assert plural.msgid_plural == "%(counter)s records" and plural.msgstr == {0: ""}
    assert fuzzy.msgid == 'New "one"' and "fuzzy" in fuzzy.flags
    assert len(problems([header, multiline, plural, fuzzy])) == 2


def test_committed_catalogue_is_well_formed():
    entries = parse_po(PO_FILE.read_text(encoding="utf-8"))
    header = entries[0].msgstr[0]
    assert "Language: zh_Hans\n" in header
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header
    wrong_plurals = [e.label for e in entries if e.msgid_plural is not None and set(e.msgstr) != {0}]
    assert not wrong_plurals, f"Chinese has one plural form: give msgstr[0] only for {wrong_plurals}"
    assert not (bad := problems(entries)), "django.po has entries to translate:\n" + "\n".join(bad)


def test_catalogue_covers_every_source_string(tmp_path):
    """makemessages on a copy of the current source, merged into the committed .po, leaves nothing to do."""
    committed_po = PO_FILE.read_bytes()
    copy = tmp_path / "src" / "gongzhi"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "*.mo"))
    # The copy's own locale directory, so the real catalogue is never touched.
    settings_dir = tmp_path / "settings"
    settings_dir.mkdir()
    (settings_dir / "i18n_check_settings.py").write_text(
        f"from gongzhi.settings import *  # noqa: F403\nLOCALE_PATHS = [{str(copy / 'locale')!r}]\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "i18n_check_settings",
        "PYTHONPATH": os.pathsep.join([str(settings_dir), str(PROJECT_DIR)]),
    }
    # -P: the copied package directory (the working directory) must not shadow top-level modules.
    result = subprocess.run(
        [sys.executable, "-P", "-m", "django", *MAKEMESSAGES_ARGS],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    merged = copy / "locale" / LOCALE / "LC_MESSAGES" / "django.po"
    assert merged.exists(), f"makemessages wrote no {merged}:\n{result.stdout}\n{result.stderr}"
    assert PO_FILE.read_bytes() == committed_po, "makemessages touched the real catalogue"

    bad = problems(parse_po(merged.read_text(encoding="utf-8")))
    if bad:
        pytest.fail(
            f"{len(bad)} UI string(s) in the source have no Chinese translation; {FIX}:\n" + "\n".join(bad),
            pytrace=False,
        )


def test_committed_mo_matches_the_po(tmp_path):
    compiled = tmp_path / "django.mo"
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(compiled), str(PO_FILE)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"msgfmt --check rejects django.po:\n{result.stderr}"
    assert MO_FILE.exists(), f"django.mo is missing; {FIX}"
    with compiled.open("rb") as fresh, MO_FILE.open("rb") as committed:
        fresh_catalogue = gettext.GNUTranslations(fresh)._catalog
        committed_catalogue = gettext.GNUTranslations(committed)._catalog
    stale = sorted(
        str(key)
        for key in fresh_catalogue.keys() | committed_catalogue.keys()
        if fresh_catalogue.get(key) != committed_catalogue.get(key) and key != ""
    )
    assert not stale and fresh_catalogue.get("") == committed_catalogue.get(""), (
        f"django.mo is out of date with django.po; {FIX}. Differing messages: {stale[:20]}"
    )


@pytest.mark.django_db
def test_sign_in_page_is_in_chinese_by_default(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "登录" in html
    assert "Sign in" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["accept-language", "cookie"])
def test_sign_in_page_is_in_english_when_asked(client, how):
    if how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.get(reverse("accounts:login"))
    else:
        response = client.get(reverse("accounts:login"), headers={"accept-language": "en"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="en"' in html
    assert "Sign in" in html
    assert "登录" not in html
