"""Points along lines, as in the seed system's ``PointSamples(x, y, label, datetime)`` table.

``append FILE --line N --count C --first-id K --minutes-ago M`` appends C points of line N to a CSV (created with
its header when absent), with ids K.. and times spread over the minute before M minutes ago (so that batches
appended at different ages never overlap in time). ``outcomes FILE
--first-id K --count C [--line N]`` prints the ground truth of those ids as the body of ``POST
/v1/pipelines/:id/ground-truth``: the ``y`` the file holds, or, with ``--line``, what line N says (observations
that disagree with the data). Standard library only: it runs before any environment is installed.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

# y = slope * x + intercept: the first line, the one the world moves to, and a burst of bad observations.
LINES = {1: (2.0, 1.0), 2: (-1.5, 20.0), 3: (6.0, -40.0)}
NOISE = 0.3
HEADER = ["id", "x", "y", "label", "datetime"]


def line_y(line: int, x: float, rng: random.Random) -> float:
    slope, intercept = LINES[line]
    return slope * x + intercept + rng.gauss(0.0, NOISE)


def append(path: Path, line: int, count: int, first_id: int, minutes_ago: float) -> None:
    rng = random.Random(first_id)
    now = datetime.now(UTC)
    new_file = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", newline="") as handle:
        writer = csv.writer(handle)
        if new_file:
            writer.writerow(HEADER)
        for i in range(count):
            x = rng.uniform(0.0, 10.0)
            at = now - timedelta(minutes=minutes_ago + 1 - i / count)
            writer.writerow(
                [first_id + i, f"{x:.4f}", f"{line_y(line, x, rng):.4f}", f"line{line}", at.isoformat()]
            )
    print(f"{count} points of line {line} (ids {first_id}..{first_id + count - 1}) appended to {path}")


def outcomes(path: Path, first_id: int, count: int, line: int | None) -> None:
    wanted = range(first_id, first_id + count)
    rng = random.Random(-first_id)
    items = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if int(row["id"]) in wanted:
                y = float(row["y"]) if line is None else line_y(line, float(row["x"]), rng)
                items.append({"rowKey": row["id"], "outcome": round(y, 4)})
    json.dump({"items": items}, sys.stdout)
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("append")
    truth = commands.add_parser("outcomes")
    for command in (add, truth):
        command.add_argument("file", type=Path)
        command.add_argument("--first-id", type=int, required=True)
        command.add_argument("--count", type=int, required=True)
    add.add_argument("--line", type=int, choices=sorted(LINES), required=True)
    add.add_argument("--minutes-ago", type=float, required=True)
    truth.add_argument("--line", type=int, choices=sorted(LINES))
    args = parser.parse_args()
    if args.command == "append":
        append(args.file, args.line, args.count, args.first_id, args.minutes_ago)
    else:
        outcomes(args.file, args.first_id, args.count, args.line)


if __name__ == "__main__":
    main()
