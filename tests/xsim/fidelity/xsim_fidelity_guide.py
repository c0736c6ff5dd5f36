"""The weekly-report script of a published guide ("Complete working code"), rebuilt from
the page.

The reference file holds the scraped guide page: the script's lines are glued together, each
prefixed by its line number (``1#!/usr/bin/env python32import os3import logging...``), and every
indentation is collapsed to one space (none at module level). :func:`extract_script`
rebuilds the source:

1. split on the line numbers 1, 2, 3, ... in order: line ``n + 1`` starts at the first
   ``n + 1`` after line ``n``'s start that no other digit follows, except the next number
   (an empty line: ``timezone67logging``); ``python32import`` is ``python3`` + line 2.
   A cut inside a line would break the source, and the rebuilt script must compile;
2. restore indentation: module level where the page shows none; one more level after a
   line that opens a block (``... :``); ``else``/``elif`` back to their ``if``; continuation
   lines inside open brackets follow their opener. A statement *after* a nested block
   cannot be placed from the page alone (the page shows only "indented"), so
   :data:`BLOCK_ENDS` names the few lines that close a block, by line number, and
   :func:`extract_script` checks each one is a plain statement at the place it expects.

The result must compile; nothing in it is changed but whitespace.
"""

from __future__ import annotations

import re
from pathlib import Path

GUIDE = "seeds/000_a6099e90a49e53eb.txt"  # the page, under ../shared
HEADING = "Complete working code"
NEXT_HEADING = "Error handling"
INDENT = "    "

# Lines that close one or more nested blocks, with the level they return to. These are
# where the page's lost whitespace hides the structure; each was read off the script's
# logic (the retry block ends before raise_for_status; the paging loop body, the loop,
# and the for loop end before the lines that follow them).
BLOCK_ENDS: dict[int, int] = {
    27: 1,  # logging.info('Token refreshed ...') after "if 'refresh_token' in data:"
    42: 1,  # resp.raise_for_status() after the 401 retry block
    61: 2,  # data = twitter_get(...) after "if pagination_token:" inside the loop
    66: 1,  # logging.info(f'Fetched ...') after the while loop
    81: 1,  # return sorted(...) after the for loop
}


class GuideFormatError(ValueError):
    """The guide page no longer looks as this extractor expects."""


def guide_text(shared_dir: Path) -> str:
    return (shared_dir / GUIDE).read_text("utf-8")


def numbered_blob(text: str) -> str:
    """The glued, numbered code block under the "Complete working code" heading."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.strip() == HEADING:
            for candidate in lines[index + 1 : index + 4]:
                if candidate.startswith("1#!"):
                    return candidate
    raise GuideFormatError(f"no numbered script under {HEADING!r}")


def split_lines(blob: str) -> list[str]:
    """Cut ``1...2...3...`` into lines by their increasing numbers."""
    if blob.endswith(NEXT_HEADING):
        blob = blob[: -len(NEXT_HEADING)]
    if not blob.startswith("1"):
        raise GuideFormatError("the script does not start with line 1")
    out: list[str] = []
    pos, number = 1, 2
    while True:
        # Not followed by a digit, unless that digit starts the next number (empty line).
        match = re.compile(f"{number}(?![0-9])|{number}(?={number + 1})").search(blob, pos)
        if match is None:
            out.append(blob[pos:])
            return out
        out.append(blob[pos : match.start()])
        pos, number = match.end(), number + 1


def _open_brackets(line: str) -> int:
    """Net bracket depth a line opens (strings stripped; this script has no '#' in strings
    except inside quotes, which are removed first)."""
    code = re.sub(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"", "''", line)
    code = code.split("#", 1)[0]
    return sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}")


def indent(lines: list[str]) -> list[str]:
    """Put back the indentation the page collapsed (see the module docstring)."""
    out: list[str] = []
    level = 0  # level of the next statement
    depth = 0  # open brackets carried over from previous lines
    block_level: list[int] = []  # levels of open 'if' statements, for else/elif
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        nested = raw.startswith(" ")
        if not text:
            out.append("")
            continue
        if depth > 0:  # a continuation line: cosmetic indent one past its statement
            out.append(INDENT * (level + 1) + text)
            depth += _open_brackets(text)
            if depth <= 0 and text.rstrip().endswith(":"):
                level += 1
            continue
        if not nested:
            level = 0
            block_level = []
        elif number in BLOCK_ENDS:
            target = BLOCK_ENDS[number]
            if target >= level or target < 1:
                raise GuideFormatError(f"line {number} does not close a block: {text!r}")
            level = target
        elif re.match(r"(else|elif\b)", text):
            if not block_level:
                raise GuideFormatError(f"line {number}: {text!r} without an if")
            level = block_level.pop()
        if nested and level == 0:
            raise GuideFormatError(f"line {number} is indented on the page but at module level")
        out.append(INDENT * level + text)
        if re.match(r"(if|elif)\b", text):
            block_level.append(level)
        depth = _open_brackets(text)
        if depth <= 0 and text.endswith(":"):
            level += 1
        elif depth <= 0 and re.match(r"(return|break|continue|raise)\b", text):
            level = max(level - 1, 1)
    return out


def extract_script(shared_dir: Path) -> str:
    """The guide's complete working script as Python source (verified to compile)."""
    lines = split_lines(numbered_blob(guide_text(shared_dir)))
    source = "\n".join(indent(lines)) + "\n"
    compile(source, GUIDE, "exec")
    return source
