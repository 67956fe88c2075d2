"""The workshop stays true: a chapter per checkpoint with its five parts, and every command, setting,
file and picture it mentions exists and works as written."""

import re
import shlex

import pytest
from support import ROOT

from backend.settings import SETTINGS as BACKEND
from collector.settings import SETTINGS as COLLECTOR
from common.settings import SettingError
from journey.check import CHECK_SETTINGS
from journey.checkpoints import CHECKPOINTS, checkpoint
from journey.cli import build_parser
from journey.load import LOAD_SETTINGS
from journey.up import UP_SETTINGS
from ratings.settings import SETTINGS as RATINGS_SETTINGS

WORKSHOP = ROOT / "docs" / "workshop"
PAGES = {path.name: path.read_text() for path in sorted(WORKSHOP.glob("*.md"))}
SETTINGS = {s.env: s for s in (*UP_SETTINGS, *COLLECTOR, *BACKEND, *RATINGS_SETTINGS, *LOAD_SETTINGS, *CHECK_SETTINGS)}
PARTS = ["## Goal", "## Steps", "## What you should see", "## Exercise", "## Checkpoint"]


@pytest.mark.parametrize("point", CHECKPOINTS, ids=lambda p: p.slug)
def test_each_checkpoint_has_its_chapter_with_all_five_parts(point):
    name = f"{point.number:02d}-{point.slug}.md"
    assert name in PAGES, f"docs/workshop/{name} is missing"
    text = PAGES[name]
    assert text.startswith(f"# {point.number}. {point.title}\n")
    positions = [text.find(part) for part in PARTS]
    assert -1 not in positions and positions == sorted(positions), f"{name} lacks or misorders {PARTS}"
    checkpoint_part = text[positions[-1] :]
    assert f"journey check {point.number}" in checkpoint_part
    assert f"({name})" in PAGES["README.md"], "the index links every chapter"


def commands():
    """Every `journey ...` and `make ...` command line in the workshop, with the page it is on."""
    for name, text in PAGES.items():
        for line in re.findall(r"`([^`\n]*\b(?:journey|make) [^`\n]+)`", text) + re.findall(
            r"^((?:[A-Z_]+=\S+ )*(?:journey|make) .+)$", text, flags=re.MULTILINE
        ):
            if "<" not in line:  # `journey check <chapter>` is a pattern, not a command
                yield name, line.split("  #")[0].strip()


@pytest.mark.parametrize("page,line", sorted(set(commands())))
def test_every_command_in_the_workshop_parses_with_the_settings_it_names(page, line):
    words = shlex.split(line)
    while "=" in words[0]:
        key, value = words.pop(0).split("=", 1)
        assert key in SETTINGS, f"{page}: {key} is not a setting any command reads"
        try:
            SETTINGS[key].parse(value)
        except SettingError as error:
            pytest.fail(f"{page}: {key}={value}: {error}")
    if words[0] == "make":
        assert all(re.search(rf"^{target}:", (ROOT / "Makefile").read_text(), re.MULTILINE) for target in words[1:])
        return
    try:
        args = build_parser().parse_args(words[1:])
    except SystemExit:
        pytest.fail(f"{page}: `{line}` does not parse")
    for chapter in getattr(args, "chapters", None) or []:
        assert checkpoint(chapter), f"{page}: no checkpoint {chapter}"


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_file_and_picture_a_page_names_exists(page):
    text = PAGES[page]
    for path in re.findall(r"`((?:backend|frontend|journey|collector|docs)/[\w/.-]+\.\w+|otel-collector\.yaml)`", text):
        assert (ROOT / path).is_file(), f"{page} names {path}"
    screenshots = (ROOT / "docs" / "screenshots.py").read_text()
    for image in re.findall(r"\]\(\.\./images/([\w.-]+\.png)\)", text):
        assert (ROOT / "docs" / "images" / image).is_file(), f"{page} shows {image}"
        assert f'"{image}"' in screenshots or f'/ "{image}"' in screenshots, f"{image} is not made by make screenshots"


def test_the_code_an_attendee_rewrites_is_marked_where_the_chapters_say():
    for path, marker in (("frontend/src/views/talks.js", "workshop 03"), ("backend/schema.py", "workshop 04")):
        text = (ROOT / path).read_text()
        assert f"{marker} start" in text and f"{marker} end" in text, f"{path} lacks the {marker} markers"
