"""--jobs: the last files are handed out in smaller batches, so no process waits long on another's last one."""

from __future__ import annotations

from pathlib import Path

import pytest

from k8slint import scheduler
from k8slint.sources.discover import InputFile


def _files(root: Path, count: int, size: int) -> list[InputFile]:
    files = []
    for number in range(count):
        path = root / f"f{number:03}.yaml"
        path.write_text("x" * (size - 1), encoding="utf-8")  # _batches counts a file's size plus one
        files.append(InputFile(str(path), str(path)))
    return files


def test_the_last_batches_are_a_quarter_as_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler, "BATCH_BYTES", 400)
    files = _files(tmp_path, 100, 100)  # 10,000 bytes: 25 batches' worth
    batches = scheduler._batches(files)
    assert [f for batch in batches for f in batch] == files  # every file once, in order
    sizes = [len(batch) for batch in batches]
    # 4 files a batch until 4 batches' worth (1,600 bytes) is left, then one file a batch
    assert sizes == [4] * 21 + [1] * 16


def test_standard_input_and_unreadable_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler, "BATCH_BYTES", 400)
    files = [InputFile("-", None), *_files(tmp_path, 8, 100), InputFile("gone.yaml", str(tmp_path / "gone.yaml"))]
    batches = scheduler._batches(files)
    assert [f for batch in batches for f in batch] == files[1:]  # standard input is read by the main process alone
    assert len(batches) == 9  # all within the last 4 batches' worth: a file a batch


def test_small_batches_only_at_the_end_of_a_large_run(tmp_path: Path) -> None:
    files = _files(tmp_path, 210, 4096)  # 840 KiB at the real BATCH_BYTES: the last 512 KiB or less in quarter batches
    sizes = [len(batch) for batch in scheduler._batches(files)]
    assert sizes[:3] == [32, 32, 32]
    assert max(sizes[3:]) == 8
    assert sum(sizes) == 210
