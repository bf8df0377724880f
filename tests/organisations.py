"""The sample organisation narrowed to fewer duties, for test modules about one lifecycle:
a module on the ASYE's reminders counts every mail by hand, and supervision or training
never done and CPD would add mails it is not about. Tests of those duties use the whole sample."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from definitions.loader import SAMPLE_ORGANISATION


def without_duties(folder: Path) -> Path:
    """A copy of the sample with no supervision.yaml, no registration.yaml, no dated
    programmes besides the ASYE (programmes.yaml) and no required training."""
    shutil.copytree(SAMPLE_ORGANISATION, folder, dirs_exist_ok=True)
    (folder / "supervision.yaml").unlink()
    (folder / "programmes.yaml").unlink()
    (folder / "registration.yaml").unlink()
    training = folder / "training.yaml"
    text = training.read_text(encoding="utf-8")
    # The `required:` block runs to the next top-level key.
    narrowed = re.sub(r"\nrequired:\n(?:[ #].*\n|\n)*?(?=\S)", "\n", text)
    narrowed = re.sub(r"\nrequired_reminder_policy: .*\n", "\n", narrowed)
    training.write_text(narrowed, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def organisation_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Override of conftest's fixture, imported by a test module that wants fewer duties."""
    return without_duties(tmp_path_factory.mktemp("sample-without-duties") / "org")
