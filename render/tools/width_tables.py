#!/usr/bin/env python3
"""Generate render/src/width_tables.rs from the Unicode Character Database, Unicode 15.0.0.

Usage: python3 render/tools/width_tables.py /usr/share/unicode > render/src/width_tables.rs

The UCD directory is the one Debian 12's `unicode-data` package installs (Unicode 15.0.0).
Files read:
  EastAsianWidth.txt                  WIDE (East_Asian_Width W and F) and the `combining`
                                      part of RW_ZERO
  auxiliary/GraphemeBreakProperty.txt GRAPHEME (Grapheme_Cluster_Break)
  emoji/emoji-data.txt                GRAPHEME (Extended_Pictographic)

Why 15.0.0: the docker CLI 28.2 measures text with golang.org/x/text/width and
github.com/mattn/go-runewidth, whose tables are built from Unicode 15.0.0. Any other
version of the data files is refused.
"""

import os
import sys

VERSION = "15.0.0"

# go-runewidth's `nonprint` table. It is a fixed list in go-runewidth, not a Unicode property:
# it mixes format characters (only some of them: 2060..2069 are absent), line/paragraph
# separators, surrogates, Mongolian variation selectors and the noncharacters FFFE/FFFF, so no
# rule over the data files yields it. Only the part at or above U+0300 goes into RW_ZERO
# (below U+0300 the width code handles controls itself).
NONPRINT = [
    (0x0000, 0x001F), (0x007F, 0x009F), (0x00AD, 0x00AD),
    (0x070F, 0x070F), (0x180B, 0x180E), (0x200B, 0x200F),
    (0x2028, 0x202E), (0x206A, 0x206F), (0xD800, 0xDFFF),
    (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0xFFFE, 0xFFFF),
]

# Grapheme_Cluster_Break values -> variants of `Gp` in render/src/grapheme.rs. LV and LVT (the
# precomposed Hangul syllables) are computed by the Rust code and left out of the table.
GCB_NAMES = {
    "Prepend": "Prepend",
    "CR": "Cr",
    "LF": "Lf",
    "Control": "Control",
    "Extend": "Extend",
    "Regional_Indicator": "RegionalIndicator",
    "SpacingMark": "SpacingMark",
    "L": "L",
    "V": "V",
    "T": "T",
    "ZWJ": "Zwj",
}
GCB_COMPUTED = {"LV", "LVT"}

MAX_WIDTH = 99  # a table line holds as many entries as fit in 99 columns


def fail(message):
    print(f"width_tables.py: {message}", file=sys.stderr)
    sys.exit(1)


def read_lines(ucd, name, version_line, at):
    """The lines of a UCD file whose line number `at` (from 0) must be `version_line`."""
    path = os.path.join(ucd, name)
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror}")
    found = lines[at].strip() if len(lines) > at else "(no such line)"
    if found != version_line:
        fail(
            f"{path} is not Unicode {VERSION} data: line {at + 1} should be "
            f"{version_line!r}, it is {found!r}; this script only reproduces the "
            f"Unicode {VERSION} tables"
        )
    return lines


def records(lines):
    """(first, last, fields, whole line) for each data line of a UCD property file."""
    for line in lines:
        data = line.split("#", 1)[0].strip()
        if not data:
            continue
        fields = [f.strip() for f in data.split(";")]
        first, _, last = fields[0].partition("..")
        yield int(first, 16), int(last or first, 16), fields[1:], line


def merge(ranges):
    """Sort (lo, hi[, value]) ranges and join the adjacent ones that have the same value."""
    out = []
    for r in sorted(ranges):
        lo, hi, rest = r[0], r[1], r[2:]
        if out and out[-1][2:] == rest and out[-1][1] + 1 >= lo:
            if out[-1][1] < hi:
                out[-1] = (out[-1][0], hi) + rest
        else:
            out.append((lo, hi) + rest)
    return out


def check_disjoint(ranges, what):
    for a, b in zip(ranges, ranges[1:]):
        if b[0] <= a[1]:
            fail(f"{what}: overlapping ranges {a} and {b}")


def wide(eaw):
    return merge((lo, hi) for lo, hi, fields, _ in records(eaw) if fields[0] in ("W", "F"))


def rw_zero(eaw):
    # go-runewidth's `combining` table: the EastAsianWidth.txt lines whose text (with the
    # comment that names the first and last character of the range) contains COMBINING. The
    # whole line's range counts, so 0D00..0D01, 11300..11301, 1133B..1133C and 1CF30..1CF46
    # take in characters whose own name lacks COMBINING.
    combining = [(lo, hi) for lo, hi, _, line in records(eaw) if "COMBINING" in line]
    nonprint = [(max(lo, 0x300), hi) for lo, hi in NONPRINT if hi >= 0x300]
    return merge(combining + nonprint)


def grapheme(gbp, emoji):
    ranges = []
    for lo, hi, fields, _ in records(gbp):
        if fields[0] in GCB_COMPUTED:
            continue
        if fields[0] not in GCB_NAMES:
            fail(f"GraphemeBreakProperty.txt: unknown value {fields[0]!r}")
        ranges.append((lo, hi, GCB_NAMES[fields[0]]))
    for lo, hi, fields, _ in records(emoji):
        if fields[0] == "Extended_Pictographic":
            ranges.append((lo, hi, "ExtPict"))
    table = merge(ranges)
    check_disjoint(table, "GRAPHEME")
    return table


def entry(r):
    parts = [f"0x{v:X}" for v in r[:2]] + [f"Gp::{v}" for v in r[2:]]
    return "(" + ", ".join(parts) + "),"


def body(table):
    lines, line = [], "   "
    for e in map(entry, table):
        if len(line) + 1 + len(e) > MAX_WIDTH:
            lines.append(line)
            line = "   "
        line += " " + e
    lines.append(line)
    # Every entry ends in a comma; between entries on a line it is followed by one space.
    return "\n".join(lines)


HEADER = f"""\
//! The Unicode {VERSION} tables behind the width rules of [`crate::format`], generated by
//! `render/tools/width_tables.py` from the Unicode Character Database files. Do not edit by hand:
//! run `python3 render/tools/width_tables.py /usr/share/unicode > render/src/width_tables.rs`.

use crate::grapheme::Gp;
"""


def static(doc, name, ty, table):
    return (
        "\n"
        + "".join(f"/// {d}\n" for d in doc)
        + "#[rustfmt::skip]\n"
        + f"pub(crate) static {name}: &[{ty}] = &[\n"
        + body(table)
        + "\n];\n"
    )


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} UCD-DIRECTORY > render/src/width_tables.rs", file=sys.stderr)
        return 2
    ucd = argv[1]
    eaw = read_lines(ucd, "EastAsianWidth.txt", f"# EastAsianWidth-{VERSION}.txt", 0)
    gbp = read_lines(
        ucd, "auxiliary/GraphemeBreakProperty.txt", f"# GraphemeBreakProperty-{VERSION}.txt", 0
    )
    emoji = read_lines(
        ucd,
        "emoji/emoji-data.txt",
        "# Used with Emoji Version 15.0 and subsequent minor revisions (if any)",
        7,
    )

    out = HEADER
    out += static(
        [f"East Asian Width `W` and `F` ranges, Unicode {VERSION} (`EastAsianWidth.txt`)."],
        "WIDE", "(u32, u32)", wide(eaw),
    )
    out += static(
        [
            "Zero-width ranges (at or above U+0300) of go-runewidth: its `nonprint` table plus its",
            "`combining` table (the `EastAsianWidth.txt` ranges whose line names a COMBINING",
            f"character), Unicode {VERSION}.",
        ],
        "RW_ZERO", "(u32, u32)", rw_zero(eaw),
    )
    out += static(
        [
            f"Grapheme cluster break properties (Unicode {VERSION} `GraphemeBreakProperty.txt` plus",
            "`Extended_Pictographic` from `emoji-data.txt`). Hangul LV/LVT syllables are computed.",
        ],
        "GRAPHEME", "(u32, u32, Gp)", grapheme(gbp, emoji),
    )
    sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
