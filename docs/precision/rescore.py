"""Lint every reviewed repository again at its reviewed commit and score the reports against the verdicts.

    python docs/precision/rescore.py CHECKOUTS OUT [--git-dirs DIR] [--clone] [--only NAME ...] [--k8slint CMD]

The sets are listed in ``sets.tsv`` (name, GitHub repository, commit, verdict folder, extra
arguments). Each is linted from the root of ``CHECKOUTS/<name>`` as a new user would
(``k8slint check --no-config --format json --jobs 1 .``; the shared corpus from ``../shared/corpus``),
and its report is written to ``OUT/<verdict folder>/<name>.json``. A missing checkout is made from a
bare git directory ``DIR/<owner>+<repository>/repo`` (``--git-dirs``: every blob of the commit that is
present; large objects absent from a partial mirror are listed in ``CHECKOUTS/<name>.absent``; an empty
``.git`` folder marks the repository's root, as a clone's does), or cloned from github.com (``--clone``). Then each verdict folder's reports are scored as ``score.py``
scores them. Exits 1 while an error has no verdict.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from score import score, verdicts  # noqa: E402

CORPUS = HERE.parent.parent.parent / "shared" / "corpus"


@dataclass(frozen=True)
class ReviewedSet:
    name: str
    repository: str  # "-" for the shared corpus
    commit: str
    verdicts: str
    arguments: tuple[str, ...]


def reviewed_sets(path: Path = HERE / "sets.tsv") -> list[ReviewedSet]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, repository, commit, folder, *rest = line.split("\t")
        found.append(ReviewedSet(name, repository, commit, folder, tuple(shlex.split(rest[0])) if rest else ()))
    return found


def checkout(item: ReviewedSet, checkouts: Path, git_dirs: Path | None, clone: bool) -> Path:
    if item.repository == "-":
        return CORPUS
    target = checkouts / item.name
    if target.is_dir():
        (target / ".git").mkdir(exist_ok=True)  # the repository's root, as in a clone (checkouts made before this)
        return target
    if git_dirs is not None:
        git_dir = git_dirs / item.repository.replace("/", "+") / "repo"
        _extract(git_dir, item.commit, target, checkouts / f"{item.name}.absent")
        (target / ".git").mkdir(exist_ok=True)  # the repository's root, as in a clone: k8slint finds it by .git
    elif clone:
        subprocess.run(["git", "clone", "--quiet", f"https://github.com/{item.repository}", str(target)], check=True)
        subprocess.run(["git", "-C", str(target), "checkout", "--quiet", item.commit], check=True)
    else:
        raise SystemExit(f"no checkout of {item.name} in {checkouts}: give --git-dirs or --clone")
    return target


def _extract(git_dir: Path, commit: str, target: Path, absent: Path) -> None:
    """Every blob of ``commit`` that ``git_dir`` holds, written under ``target``; the others listed in ``absent``."""
    listing = subprocess.run(["git", f"--git-dir={git_dir}", "ls-tree", "-r", "-z", commit], check=True, capture_output=True).stdout.decode(
        "utf-8", "surrogateescape"
    )
    entries = []
    for entry in filter(None, listing.split("\0")):
        meta, path = entry.split("\t", 1)
        mode, kind, blob = meta.split()
        if kind == "blob":
            entries.append((mode, blob, path))
    batch = subprocess.Popen(["git", f"--git-dir={git_dir}", "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert batch.stdin is not None and batch.stdout is not None
    missing = []
    for mode, blob, path in entries:
        batch.stdin.write(f"{blob}\n".encode())
        batch.stdin.flush()
        header = batch.stdout.readline().split()
        if header[-1] == b"missing":
            missing.append(path)
            continue
        content = batch.stdout.read(int(header[2]))
        batch.stdout.read(1)  # the line feed after each object
        destination = target / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        if mode == "120000":
            destination.symlink_to(content.decode("utf-8", "surrogateescape"))
        else:
            destination.write_bytes(content)
    batch.stdin.close()
    batch.wait()
    if missing:
        absent.write_text("".join(f"{path}\n" for path in missing), encoding="utf-8")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkouts", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--git-dirs", type=Path)
    parser.add_argument("--clone", action="store_true")
    parser.add_argument("--only", nargs="+", default=[])
    parser.add_argument("--k8slint", default=f"{shlex.quote(sys.executable)} -m k8slint")
    args = parser.parse_args(argv)
    args.checkouts.mkdir(parents=True, exist_ok=True)
    sets = [item for item in reviewed_sets() if not args.only or item.name in args.only]
    for item in sets:
        root = checkout(item, args.checkouts, args.git_dirs, args.clone)
        report = args.out / item.verdicts / f"{item.name}.json"
        report.parent.mkdir(parents=True, exist_ok=True)
        command = [*shlex.split(args.k8slint), "check", "--no-config", "--format", "json", "--jobs", "1", *item.arguments, "."]
        run = subprocess.run(command, cwd=root, capture_output=True)
        if run.returncode not in (0, 1):
            print(f"{item.name}: k8slint exited {run.returncode}: {run.stderr.decode(errors='replace').strip()}", file=sys.stderr)
            return 2
        report.write_bytes(run.stdout)
    unjudged_total = 0
    print("| set | repository | errors | by verdict | findings | false (any severity) |")
    print("|---|---|---:|---|---:|---|")
    totals: Counter[str] = Counter()
    false_total: Counter[str] = Counter()
    findings = 0
    for item in sets:
        report = json.loads((args.out / item.verdicts / f"{item.name}.json").read_text(encoding="utf-8"))
        errors, false, unjudged = score(report, verdicts(HERE / item.verdicts / f"findings-{item.name}.txt"))
        totals.update(errors)
        false_total.update(false)
        findings += len(report["findings"])
        unjudged_total += len(unjudged)
        shown = ", ".join(f"{verdict} {count}" for verdict, count in sorted(errors.items())) or "none"
        print(f"| {item.verdicts} | {item.name} | {sum(errors.values())} | {shown} | {len(report['findings'])} | {dict(false) or 0} |")
        for line in unjudged:
            print(f"UNJUDGED {item.name}: {line}", file=sys.stderr)
    print(f"\nerrors {sum(totals.values())}: {dict(totals)}; findings {findings}, false {dict(false_total)}")
    return 1 if unjudged_total else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
