"""The roster's and notify's temporary folder goes, with everything in it, whatever stops the
command: also a Ctrl-C or SIGTERM that lands while the folder is being removed."""

from __future__ import annotations

import shutil
import tempfile

import pytest

from marenew.store import atomic


def test_the_folder_and_its_files_go_when_the_block_ends(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # TMPDIR, as read once per process
    with atomic.scratch_folder("marenew-test-") as folder:
        (folder / "run-0.run").write_bytes(b"rows")
        (folder / "sub").mkdir()
        (folder / "sub" / "part").write_bytes(b"records")
    assert folder.parent == tmp_path and not folder.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_stop_that_cuts_the_removal_short_still_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # TMPDIR, as read once per process
    real = shutil.rmtree
    calls = []

    def cut_short(path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 1:  # a signal's handler raises in the middle of the first removal
            (next(path.iterdir())).unlink()
            raise KeyboardInterrupt
        real(path, *args, **kwargs)

    monkeypatch.setattr(atomic.shutil, "rmtree", cut_short)
    with pytest.raises(KeyboardInterrupt), atomic.scratch_folder("marenew-test-") as folder:
        for i in range(3):
            (folder / f"run-{i}.run").write_bytes(b"rows")
    assert calls == [folder, folder]
    assert folder.parent == tmp_path and list(tmp_path.iterdir()) == []


def test_a_stop_in_the_block_goes_on_once_the_folder_is_gone(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # TMPDIR, as read once per process
    with pytest.raises(SystemExit), atomic.scratch_folder("marenew-test-") as folder:
        (folder / "run-0.run").write_bytes(b"rows")
        raise SystemExit(143)
    assert folder.parent == tmp_path and list(tmp_path.iterdir()) == []
