"""Unicode sparklines for daily series in the terminal and in Markdown."""

from __future__ import annotations

from collections.abc import Sequence

BLOCKS = "▁▂▃▄▅▆▇█"
MISSING = " "


def sparkline(values: Sequence[float | int | None]) -> str:
    """One block per value, scaled from zero to the series maximum.

    Scaling from zero (not from the minimum) keeps a flat series flat and a small dip small;
    a day with no data (None) is a blank, so a gap never looks like a zero.
    """
    present = [v for v in values if v is not None]
    top = max(present, default=0)
    out: list[str] = []
    for value in values:
        if value is None:
            out.append(MISSING)
        elif top <= 0 or value <= 0:
            out.append(BLOCKS[0])
        else:
            index = round(value / top * (len(BLOCKS) - 1))
            out.append(BLOCKS[min(max(index, 0), len(BLOCKS) - 1)])
    return "".join(out)
