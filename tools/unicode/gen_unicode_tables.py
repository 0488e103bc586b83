#!/usr/bin/env python3
"""Generates core/src/embed/unicode/unicode_tables.inc from the Unicode Character Database.

Input: Debian's `unicode-data` package (/usr/share/unicode, Unicode 15.0.0): UnicodeData.txt,
PropList.txt, SpecialCasing.txt. Output: compact sorted tables the C++ normalizer searches with
binary search (ranges for the predicates, pairs for the mappings), so the tables stay tens of KB.

It also writes tests/fixtures/unicode/properties.txt: expectations for the C++ unit tests computed
by Python's own `unicodedata` module (a different implementation and Unicode version), only for
code points assigned in both versions, so the tests do not check the tables against themselves.

Run: /usr/bin/python3 tools/unicode/gen_unicode_tables.py   (from the repository root)
"""
import os
import sys
import unicodedata

UCD = os.environ.get("RUV_UCD_DIR", "/usr/share/unicode")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "core/src/embed/unicode/unicode_tables.inc")
FIXTURE = os.path.join(ROOT, "tests/fixtures/unicode/properties.txt")
MAX_CP = 0x10FFFF


def read_unicode_data():
    """Returns {cp: (category, ccc, decomposition field, simple lowercase)}; expands First/Last ranges."""
    out = {}
    pending_first = None
    with open(os.path.join(UCD, "UnicodeData.txt"), encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split(";")
            cp = int(fields[0], 16)
            name, cat, ccc, decomp, lower = fields[1], fields[2], int(fields[3]), fields[5], fields[13]
            row = (cat, ccc, decomp, int(lower, 16) if lower else None)
            if name.endswith(", First>"):
                pending_first = cp
                continue
            if name.endswith(", Last>"):
                for c in range(pending_first, cp + 1):
                    out[c] = row
                pending_first = None
                continue
            out[cp] = row
    return out


def read_version():
    with open(os.path.join(UCD, "ReadMe.txt"), encoding="utf-8") as f:
        text = f.read()
    # DerivedAge.txt's header names the version exactly.
    with open(os.path.join(UCD, "DerivedAge.txt"), encoding="utf-8") as f:
        first = f.readline().strip()  # "# DerivedAge-15.0.0.txt"
    return first.split("-")[1].rsplit(".", 1)[0] if "-" in first else "unknown"


def read_prop_list(wanted):
    cps = set()
    with open(os.path.join(UCD, "PropList.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.split("#")[0].strip()
            if not line:
                continue
            rng, prop = [x.strip() for x in line.split(";")]
            if prop != wanted:
                continue
            a, _, b = rng.partition("..")
            for c in range(int(a, 16), int(b or a, 16) + 1):
                cps.add(c)
    return cps


def read_special_lowercase():
    """Unconditional multi-character lowercase mappings (Rust's char::to_lowercase uses them)."""
    out = {}
    with open(os.path.join(UCD, "SpecialCasing.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.split("#")[0].strip()
            if not line:
                continue
            fields = [x.strip() for x in line.split(";")]
            if len(fields) > 4 and fields[4]:
                continue  # conditional (Final_Sigma, locale): not applied by char::to_lowercase
            cp = int(fields[0], 16)
            lower = [int(x, 16) for x in fields[1].split()]
            if lower != [cp]:
                out[cp] = lower
    return out


def ranges_of(pred):
    """Sorted inclusive [first, last] ranges of code points where pred(cp) holds."""
    out = []
    start = None
    for cp in range(MAX_CP + 2):
        ok = cp <= MAX_CP and pred(cp)
        if ok and start is None:
            start = cp
        elif not ok and start is not None:
            out.append((start, cp - 1))
            start = None
    return out


def full_canonical_decomposition(cp, data):
    row = data.get(cp)
    if row is None or not row[2] or row[2].startswith("<"):
        return [cp]
    out = []
    for part in row[2].split():
        out.extend(full_canonical_decomposition(int(part, 16), data))
    return out


def emit_ranges(lines, name, ranges, comment):
    lines.append(f"// {comment} ({len(ranges)} ranges)")
    lines.append(f"inline constexpr CodepointRange {name}[] = {{")
    row = []
    for a, b in ranges:
        row.append(f"{{0x{a:X}, 0x{b:X}}}")
        if len(row) == 6:
            lines.append("    " + ", ".join(row) + ",")
            row = []
    if row:
        lines.append("    " + ", ".join(row) + ",")
    lines.append("};")
    lines.append("")


def main():
    data = read_unicode_data()
    version = read_version()
    white = read_prop_list("White_Space")
    other_alpha = read_prop_list("Other_Alphabetic")
    join_control = read_prop_list("Join_Control")
    special_lower = read_special_lowercase()
    cat = lambda cp: data[cp][0] if cp in data else "Cn"

    lines = [
        "// GENERATED by tools/unicode/gen_unicode_tables.py from the Unicode Character Database",
        f"// {version} (Debian unicode-data: UnicodeData.txt, PropList.txt, SpecialCasing.txt).",
        "// Do not edit: change the generator and run it again.",
        "// clang-format off",
        "",
        f'inline constexpr char kUnicodeVersion[] = "{version}";',
        "",
    ]
    # Other (Cc, Cf, Co, Cs): what Hugging Face's BertNormalizer removes as "control". Cn
    # (unassigned) is not in it: HF and transformers.js both keep unassigned code points.
    emit_ranges(lines, "kOtherRanges", ranges_of(lambda c: cat(c) in ("Cc", "Cf", "Co", "Cs")),
                "General_Category Cc | Cf | Co | Cs")
    emit_ranges(lines, "kPunctuationRanges", ranges_of(lambda c: cat(c).startswith("P")),
                "General_Category P* (Pc Pd Ps Pe Pi Pf Po)")
    emit_ranges(lines, "kNonspacingMarkRanges", ranges_of(lambda c: cat(c) == "Mn"),
                "General_Category Mn")
    emit_ranges(lines, "kWhiteSpaceRanges", ranges_of(lambda c: c in white), "PropList White_Space")
    # A word character as a regex \\w means (UTS #18): Alphabetic, marks, Nd, Pc, Join_Control.
    # Added tokens with single_word look at it.
    emit_ranges(lines, "kWordRanges", ranges_of(
        lambda c: cat(c)[0] in "LM" or cat(c) in ("Nl", "Nd", "Pc") or c in other_alpha or c in join_control),
        "Alphabetic | M* | Nd | Pc | Join_Control")

    # Canonical combining classes, as runs of equal non-zero class.
    runs = []
    for cp in sorted(c for c in data if data[c][1] != 0):
        ccc = data[cp][1]
        if runs and runs[-1][1] == cp - 1 and runs[-1][2] == ccc:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp, ccc])
    lines.append(f"// Canonical_Combining_Class != 0 ({len(runs)} runs)")
    lines.append("inline constexpr CombiningClassRun kCombiningClassRuns[] = {")
    for i in range(0, len(runs), 5):
        lines.append("    " + ", ".join(f"{{0x{a:X}, 0x{b:X}, {c}}}" for a, b, c in runs[i:i + 5]) + ",")
    lines.append("};")
    lines.append("")

    # Full canonical decompositions (Hangul syllables are algorithmic and not listed).
    decomp = {}
    for cp in sorted(data):
        if 0xAC00 <= cp <= 0xD7A3:
            continue
        d = full_canonical_decomposition(cp, data)
        if d != [cp]:
            decomp[cp] = d
    pool = []
    entries = []
    for cp, d in decomp.items():
        entries.append((cp, len(pool), len(d)))
        pool.extend(d)
    assert max(len(d) for d in decomp.values()) <= 255 and len(pool) < 65536
    lines.append(f"// Full canonical decompositions: {len(entries)} code points -> slices of kDecompositionPool")
    lines.append("inline constexpr char32_t kDecompositionPool[] = {")
    for i in range(0, len(pool), 10):
        lines.append("    " + ", ".join(f"0x{c:X}" for c in pool[i:i + 10]) + ",")
    lines.append("};")
    lines.append("inline constexpr DecompositionEntry kDecompositions[] = {")
    for i in range(0, len(entries), 5):
        lines.append("    " + ", ".join(f"{{0x{c:X}, {o}, {n}}}" for c, o, n in entries[i:i + 5]) + ",")
    lines.append("};")
    lines.append("")

    # Lowercase: simple mappings from UnicodeData, plus SpecialCasing's unconditional ones.
    simple = [(cp, data[cp][3]) for cp in sorted(data) if data[cp][3] is not None and cp not in special_lower]
    lines.append(f"// Simple lowercase mappings ({len(simple)})")
    lines.append("inline constexpr CaseMapping kLowercase[] = {")
    for i in range(0, len(simple), 6):
        lines.append("    " + ", ".join(f"{{0x{a:X}, 0x{b:X}}}" for a, b in simple[i:i + 6]) + ",")
    lines.append("};")
    assert all(len(v) <= 3 for v in special_lower.values())
    lines.append(f"// Unconditional multi-character lowercase mappings from SpecialCasing ({len(special_lower)})")
    lines.append("inline constexpr SpecialLowercase kSpecialLowercase[] = {")
    for cp, low in sorted(special_lower.items()):
        padded = low + [0] * (3 - len(low))
        lines.append(f"    {{0x{cp:X}, {len(low)}, {{{', '.join(f'0x{c:X}' for c in padded)}}}}},")
    lines.append("};")
    lines.append("// clang-format on")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")

    write_fixture(data)
    print(f"wrote {OUT} (Unicode {version}) and {FIXTURE}")


def write_fixture(data):
    """Python's unicodedata (its own version) as the oracle: for code points assigned there and in
    the UCD read above, with the same category in both, records category, NFD and lowercase."""
    # Every code point of the scripts BERT text mostly has, then samples of the rest.
    cps = list(range(0, 0x3100)) + list(range(0xA000, 0xAC00, 5)) + list(range(0xAC00, 0xD7A4, 37)) + \
        list(range(0xF900, 0x10000, 2)) + list(range(0x10000, 0x11300, 9)) + list(range(0x1D000, 0x1D250, 3)) + \
        list(range(0x1F000, 0x1FB00, 4)) + [0x20000, 0x2A700, 0x2B740, 0x2B81F, 0x2F800, 0xE0001, 0xF0000]
    os.makedirs(os.path.dirname(FIXTURE), exist_ok=True)
    with open(FIXTURE, "w", encoding="utf-8") as f:
        f.write(f"# Made by tools/unicode/gen_unicode_tables.py with Python {sys.version.split()[0]}'s unicodedata "
                f"(Unicode {unicodedata.unidata_version}).\n")
        f.write("# codepoint category nfd(hex,...) lower(hex,...)   one line per code point\n")
        for cp in cps:
            if 0xD800 <= cp <= 0xDFFF:
                continue
            ch = chr(cp)
            c = unicodedata.category(ch)
            if c == "Cn" or cp not in data or data[cp][0] != c:
                continue
            nfd = unicodedata.normalize("NFD", ch)
            low = ch.lower()
            f.write(f"{cp:X} {c} {','.join(f'{ord(x):X}' for x in nfd)} {','.join(f'{ord(x):X}' for x in low)}\n")


if __name__ == "__main__":
    main()
