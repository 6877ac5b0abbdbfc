"""The load file: CSV ``seconds,requests_per_second``, a step function ending at the last row's time."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

HEADER = ["seconds", "requests_per_second"]


class LoadFileError(ValueError):
    """The load file is unreadable or malformed; the message names the file, the row and the problem."""


@dataclass(frozen=True)
class LoadCurve:
    """Times (seconds, increasing, the first 0) and the rate that holds from each time to the next."""
    seconds: tuple[int, ...]
    rates: tuple[float, ...]

    @property
    def end(self) -> int:
        return self.seconds[-1]

    def sampled(self, step: int) -> list[float]:
        """The rate at 0, step, 2*step, ... up to and including ``end``: the row in force at each time."""
        out, row = [], 0
        for t in range(0, self.end + 1, step):
            while row + 1 < len(self.seconds) and self.seconds[row + 1] <= t:
                row += 1
            out.append(self.rates[row])
        return out


def _number(text: str, what: str, where: str, integer: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise LoadFileError(f"{where}: {what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise LoadFileError(f"{where}: {what} {text!r} is not a finite number")
    if value < 0:
        raise LoadFileError(f"{where}: {what} {text} is negative; expected 0 or more")
    if integer and value != int(value):
        raise LoadFileError(f"{where}: {what} {text} is not a whole number of seconds")
    return value


def parse_load(text: str, name: str = "load file") -> LoadCurve:
    """Parse the CSV text; rows are numbered as a spreadsheet shows them (the header is row 1)."""
    rows = list(csv.reader(text.splitlines()))
    if not rows or [c.strip() for c in rows[0]] != HEADER:
        got = ",".join(rows[0]) if rows else "(empty file)"
        raise LoadFileError(f"{name}: row 1: header {got!r}; expected {','.join(HEADER)}")
    seconds: list[int] = []
    rates: list[float] = []
    for number, row in enumerate(rows[1:], start=2):
        where = f"{name}: row {number}"
        if not row or all(not c.strip() for c in row):
            continue  # a blank line (a trailing newline in an editor) carries no data
        if len(row) != 2:
            raise LoadFileError(f"{where}: {len(row)} column(s) {','.join(row)!r}; expected seconds,requests_per_second")
        t = int(_number(row[0].strip(), "seconds", where, integer=True))
        rate = _number(row[1].strip(), "requests_per_second", where, integer=False)
        if not seconds and t != 0:
            raise LoadFileError(f"{where}: the first row is at {t} s; expected 0 (the run starts at 0)")
        if seconds and t <= seconds[-1]:
            raise LoadFileError(f"{where}: seconds {t} is not after the previous row's {seconds[-1]}; "
                                "rows must be sorted by time without repeats")
        seconds.append(t)
        rates.append(rate)
    if len(seconds) < 2:
        raise LoadFileError(f"{name}: {len(seconds)} data row(s); expected at least two (the last row's time ends "
                            "the run)")
    return LoadCurve(tuple(seconds), tuple(rates))


def read_load(path: Path) -> LoadCurve:
    try:
        text = Path(path).read_text()
    except OSError as error:
        raise LoadFileError(f"{path}: cannot read: {error.strerror or error}") from None
    return parse_load(text, str(path))
