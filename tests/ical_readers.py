"""The three parsers every calendar file we produce must satisfy: icalendar, vobject with validation, and
ical.js (Thunderbird's parser, through tests/js/parse.mjs, which also refuses floating times)."""

import json
import subprocess
from pathlib import Path

import icalendar
import vobject

REPO = Path(__file__).resolve().parents[1]


def with_icaljs(data: bytes) -> dict:
    """The JSON summary ical.js gives of `data`; fails the test when ical.js refuses it."""
    done = subprocess.run(["node", "tests/js/parse.mjs"], input=data, capture_output=True, cwd=REPO,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def with_icalendar(data: bytes) -> icalendar.Calendar:
    calendar = icalendar.Calendar.from_ical(data)
    for component in calendar.walk():
        assert component.errors == [], (component.name, component.errors)
    return calendar


def with_vobject(data: bytes):
    return vobject.readOne(data.decode("utf-8"), validate=True)


def parsed(data: bytes):
    """The three readings of `data`: (icalendar calendar, vobject calendar, ical.js summary)."""
    return with_icalendar(data), with_vobject(data), with_icaljs(data)
