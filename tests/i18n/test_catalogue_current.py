"""Every text marked in the code is in the Dutch and French catalogues.

`make messages` collects the marked texts; a text marked but never collected would show in
English on a page no test renders. This runs `makemessages` over a copy of the code and names
every text of the copy's catalogue that the committed one lacks.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SOURCES = ("bookkeeping", "invoicing", "notifications", "config", "templates", "static")
IGNORE = ("--ignore=bookkeeping/simulators", "--ignore=static/vendor")

pytestmark = pytest.mark.skipif(shutil.which("xgettext") is None, reason="no GNU gettext here")


def msgids(path: Path) -> set[tuple[str | None, str]]:
    return {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(path)) if not entry.obsolete}


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_marked_text_is_in_the_catalogues(tmp_path, domain):
    committed = ROOT / "locale" / "nl" / "LC_MESSAGES" / f"{domain}.po"
    for name in SOURCES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    (tmp_path / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-d", domain, "-l", "nl", *IGNORE],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    collected = tmp_path / "locale" / "nl" / "LC_MESSAGES" / f"{domain}.po"
    if not collected.exists():
        assert not committed.exists() or msgids(committed) == set()
        return

    missing = sorted(msgid for _context, msgid in msgids(collected) - msgids(committed))
    assert missing == [], "not in the catalogues: run make messages and translate them"
