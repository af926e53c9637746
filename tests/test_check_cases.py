"""The format check on the seeded cases (tests/check_cases.py): every defect found, no clean draft flagged."""

from __future__ import annotations

import pytest

from assistant.drafting.check import check_text
from assistant.drafting.formats import load_format

from .check_cases import clean_cases, defect_cases

DEFECTS = defect_cases()
CLEAN = clean_cases()


def test_there_are_enough_cases_of_every_defect():
    assert len(DEFECTS) + len(CLEAN) >= 40
    kinds = {case.name.split("/")[-1] for case in DEFECTS}
    assert kinds >= {"placeholder", "marker", "two_subjects_title", "unrelated_suggestions", "slogans", "unnumbered",
                     "missing_section", "no_data"}


@pytest.mark.parametrize("case", DEFECTS, ids=[c.name for c in DEFECTS])
def test_each_seeded_defect_is_reported(case):
    rules = {f.rule for f in check_text(case.text, load_format(case.kind))}
    assert set(case.expect) <= rules


@pytest.mark.parametrize("case", CLEAN, ids=[c.name for c in CLEAN])
def test_clean_drafts_pass(case):
    assert check_text(case.text, load_format(case.kind)) == []
