"""The bibliography docs/references.bib and the citations that refer to it.

Docstrings and comments cite a work by its key, as the Sphinx role :cite:`key` (sphinxcontrib-bibtex),
so that a reader of a clone can follow every citation to its entry. These tests read the .bib file with
a small parser (no dependency) and check that every key cited in the package, the tests and the
benchmarks has an entry, that the entries are complete, and that no source file points at notes that
are not in the repository.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "docs" / "references.bib"
#: Trees whose citations must resolve (README files and docstrings alike).
CITING_TREES = ("src", "tests", "benchmarks")
#: The fields every entry needs, whatever its type.
REQUIRED_FIELDS = ("author", "title", "year")

# An entry starts with "@type{key," at the start of a line; @comment/@string/@preamble are not entries.
ENTRY_START = re.compile(r"^@(?P<type>[A-Za-z]+)\s*\{\s*(?P<key>[^,\s]+)\s*,", re.MULTILINE)
FIELD_NAME = re.compile(r"(?P<name>[A-Za-z][A-Za-z0-9_-]*)\s*=\s*")
# :cite:`a`, :cite:`a,b`, and the sphinxcontrib-bibtex variants :cite:p:`a` / :cite:t:`a`.
CITE_ROLE = re.compile(":" + r"cite(?::[a-z]+)?:`(?P<keys>[^`]+)`")


def _value_end(text: str, start: int) -> int:
    """Index just past a field value starting at ``text[start]`` ({...}, "..." or a bare word)."""
    opener = text[start]
    if opener == "{":
        depth = 0
        for i in range(start, len(text)):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    return i + 1
        raise ValueError(f"unbalanced braces in the value at offset {start}")
    if opener == '"':
        end = text.index('"', start + 1)
        return end + 1
    match = re.match(r"[^,}\s]+", text[start:])
    if match is None:
        raise ValueError(f"no field value at offset {start}")
    return start + match.end()


def parse_bib(text: str) -> dict[str, dict[str, str]]:
    """Entries of a BibTeX text as {key: {field: raw value, "ENTRYTYPE": type}} (field names lower-case)."""
    entries: dict[str, dict[str, str]] = {}
    starts = list(ENTRY_START.finditer(text))
    for match in starts:
        kind = match["type"].lower()
        if kind in ("comment", "string", "preamble"):
            continue
        key = match["key"]
        if key in entries:
            raise ValueError(f"duplicate key {key!r}")
        fields = {"ENTRYTYPE": kind}
        pos = match.end()
        while True:
            while pos < len(text) and text[pos] in " \t\r\n,":
                pos += 1
            if pos >= len(text):
                raise ValueError(f"entry {key!r} is not closed")
            if text[pos] == "}":
                break
            name = FIELD_NAME.match(text, pos)
            if name is None:
                raise ValueError(f"entry {key!r}: cannot read a field at {text[pos : pos + 40]!r}")
            value_start = name.end()
            value_end = _value_end(text, value_start)
            value = text[value_start:value_end].strip()
            if value[:1] in '{"':
                value = value[1:-1]
            fields[name["name"].lower()] = " ".join(value.split())
            pos = value_end
        entries[key] = fields
    return entries


def cited_keys() -> dict[str, list[str]]:
    """Every key cited with the :cite: role in the citing trees, with where it is cited."""
    here = Path(__file__).resolve()
    found: dict[str, list[str]] = {}
    for tree in CITING_TREES:
        for path in sorted((ROOT / tree).rglob("*")):
            if path.suffix not in (".py", ".md", ".rst", ".txt") or not path.is_file() or path == here:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for match in CITE_ROLE.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                for key in match["keys"].split(","):
                    found.setdefault(key.strip(), []).append(f"{path.relative_to(ROOT)}:{line}")
    return found


@pytest.fixture(scope="module")
def entries():
    return parse_bib(BIB.read_text(encoding="utf-8"))


def test_parser_reads_fields_in_every_form():
    text = (
        "% a comment line\n"
        "@article{one2000,\n  author = {A. B{\\'e}ta and C. Gamma},\n"
        '  title = "Quoted {Title}",\n  year = 2000,\n  pages = {1--2}}\n'
        "@comment{ignored, x = {y}}\n"
        "@Book{two2001, author={D}, title={T {with} braces}, year={2001},}\n"
    )
    parsed = parse_bib(text)
    assert set(parsed) == {"one2000", "two2001"}
    assert parsed["one2000"]["author"] == "A. B{\\'e}ta and C. Gamma"
    assert parsed["one2000"]["title"] == "Quoted {Title}"
    assert parsed["one2000"]["year"] == "2000"
    assert parsed["two2001"]["ENTRYTYPE"] == "book"
    assert parsed["two2001"]["title"] == "T {with} braces"
    with pytest.raises(ValueError, match="duplicate"):
        parse_bib("@misc{a, title={x}}\n@misc{a, title={y}}\n")
    with pytest.raises(ValueError, match="unbalanced"):
        parse_bib("@misc{a, title={{x}\n")
    with pytest.raises(ValueError, match="not closed"):
        parse_bib("@misc{a, title={x}\n")


def test_bibliography_parses_and_has_entries(entries):
    assert len(entries) > 50
    # every "@" entry line of the file was read as an entry (none swallowed by a bad value)
    starts = re.findall(r"^@(?!comment|string|preamble)", BIB.read_text(encoding="utf-8"), re.M | re.I)
    assert len(starts) == len(entries)


def test_every_entry_has_author_title_and_year(entries):
    incomplete = {
        key: [name for name in REQUIRED_FIELDS if not fields.get(name)]
        for key, fields in entries.items()
        if not all(fields.get(name) for name in REQUIRED_FIELDS)
    }
    assert not incomplete, f"entries without {REQUIRED_FIELDS}: {incomplete}"


def test_years_are_years(entries):
    bad = {key: f["year"] for key, f in entries.items() if not re.fullmatch(r"\d{4}|n\.d\.", f["year"])}
    assert not bad, f"year must be four digits (or n.d. for an undated web page): {bad}"


def test_dois_are_bare(entries):
    # doi fields hold the DOI itself (10.xxxx/...), not a URL or a "doi:" prefix
    bad = {key: f["doi"] for key, f in entries.items() if "doi" in f and not f["doi"].startswith("10.")}
    assert not bad, f"doi fields must start with '10.': {bad}"


def test_every_cited_key_has_an_entry(entries):
    cited = cited_keys()
    assert cited, "no :cite: roles found in the citing trees"
    missing = {key: places for key, places in cited.items() if key not in entries}
    assert not missing, f"cited keys without an entry in docs/references.bib: {missing}"


def test_no_source_file_points_at_notes_outside_the_repository():
    # FACTS.md was a working sheet of the authors, not part of the repository: a user's clone cannot
    # follow it. Cite the paper or the mission document (docs/references.bib) instead.
    offenders = []
    for path in sorted((ROOT / "src").rglob("*")):
        if path.is_file() and path.suffix in (".py", ".md", ".rst", ".txt", ".toml", ".cfg"):
            text = path.read_text(encoding="utf-8", errors="replace")
            offenders += [
                f"{path.relative_to(ROOT)}:{n}"
                for n, line in enumerate(text.splitlines(), 1)
                if "FACTS.md" in line or re.search(r"\bFACTS\b", line)
            ]
    assert not offenders, f"mentions of FACTS.md in src/: {offenders}"
