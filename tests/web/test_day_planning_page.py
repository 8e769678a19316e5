"""The day planning page: what it must keep showing while it stays light enough for 1,000 resources
(issue 3): each block's times, the title to those who may see it and "Busy" to others, pending marked,
closures with their reason, units of stocked resources, every text escaped, each row linking to the
resource's week (where free slots link to the prefilled booking form), and the grid classes it relies on
defined in the stylesheet."""

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from mutualise.extensions import db
from mutualise.services.bookings import BookingInput, create_booking
from mutualise.services.closures import ClosureInput, create_closure

PARIS = ZoneInfo("Europe/Paris")


def _next_monday():
    today = datetime.now(PARIS).date()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=1)


def _local(day, clock: str) -> datetime:
    hours, minutes = map(int, clock.split(":"))
    return datetime(day.year, day.month, day.day, tzinfo=PARIS) + timedelta(hours=hours, minutes=minutes)


def _book(user, structure, resource, day, start: str, end: str, title: str, quantity: int = 1, now=None):
    result = create_booking(db.session, user, now or datetime.now(UTC), BookingInput(
        resource_id=resource.id, structure_id=structure.id, start=_local(day, start), end=_local(day, end),
        title=title, quantity=quantity))
    db.session.commit()
    return result.bookings[0]


def _planning(client, day, query: str = "") -> str:
    response = client.get(f"/calendar/day?date={day}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _blocks(page: str, resource) -> list[tuple[str, str]]:
    """(class, inner HTML) of each block of the resource's row."""
    row = re.search(rf'<div class="planning-row" data-resource="{resource.id}">(.*?)</ol>', page, re.S)
    assert row is not None, f"no row for {resource.name}"
    return re.findall(r'<li class="([^"]*)">(.*?)</li>', row[1], re.S)


@pytest.fixture
def people(make):
    ours, theirs = make.structure(short_code="RDW"), make.structure(short_code="ACL")
    referent = make.user(name="Camille", locale="en")
    return {"ours": ours, "theirs": theirs, "referent": referent,
            "room": make.resource(name="Salle Germinal", referents=[referent]),
            "member": make.user(structures=[ours], locale="en"),
            "other": make.user(structures=[theirs], locale="en"),
            "admin": make.user(is_admin=True, locale="en")}


def test_each_viewer_sees_the_titles_they_may_see_and_busy_elsewhere(client, login, people):
    monday = _next_monday()
    ours = _book(people["member"], people["ours"], people["room"], monday, "09:00", "10:00", "Atelier vélo")
    theirs = _book(people["other"], people["theirs"], people["room"], monday, "14:00", "15:30", "Chorale")
    expected = {  # viewer: (09:00 block, 14:00 block) as (class, text, linked)
        "member": (("c9 s4 mine", "Atelier vélo (RDW)", True), ("c29 s6", "Busy", False)),
        "other": (("c9 s4", "Busy", False), ("c29 s6 mine", "Chorale (ACL)", True)),
        "referent": (("c9 s4 seen", "Atelier vélo (RDW)", True), ("c29 s6 seen", "Chorale (ACL)", True)),
        "admin": (("c9 s4 seen", "Atelier vélo (RDW)", True), ("c29 s6 seen", "Chorale (ACL)", True)),
    }
    for viewer, blocks in expected.items():
        client.post("/logout")
        login(people[viewer])
        page = _planning(client, monday)
        found = _blocks(page, people["room"])
        assert [css for css, _inner in found] == [css for css, _text, _linked in blocks], viewer
        for (_css, inner), (_c, text, linked), booking, when in zip(
                found, blocks, (ours, theirs), ("09:00–10:00", "14:00–15:30"), strict=True):
            assert inner.startswith(f"<span>{when}</span> "), (viewer, inner)
            assert text in inner, (viewer, inner)
            assert (f'<a href="/bookings/{booking.id}">{text}</a>' in inner) is linked, (viewer, inner)
        hidden = {"member": "Chorale", "other": "Atelier vélo"}.get(viewer)
        assert hidden is None or hidden not in page, viewer


def test_pending_bookings_are_marked_pending_for_every_viewer(client, login, make, people):
    room = make.resource(name="Salle du conseil", requires_approval=True, referents=[people["referent"]])
    monday = _next_monday()
    _book(people["member"], people["ours"], room, monday, "10:00", "11:00", "Bureau")
    login(people["other"])
    [(css, inner)] = _blocks(_planning(client, monday), room)
    assert css == "c13 s4 pending" and inner == "<span>10:00–11:00</span> Busy <em>pending</em>"
    client.post("/logout")
    login(people["member"])
    [(css, inner)] = _blocks(_planning(client, monday), room)
    assert css == "c13 s4 mine pending" and "Bureau (RDW)</a> <em>pending</em>" in inner


def test_closures_show_their_reason_and_stocked_resources_their_units(client, login, make, people):
    chairs = make.resource(name="Chaises", kind="equipment", quantity=20)
    monday = _next_monday()
    create_closure(db.session, people["admin"], datetime.now(UTC), ClosureInput(
        resource_id=people["room"].id, start=_local(monday, "00:00"), end=_local(monday, "12:00"),
        reason="Travaux de peinture"))
    db.session.commit()
    _book(people["other"], people["theirs"], chairs, monday, "10:00", "12:00", "Fête", quantity=3)
    _book(people["member"], people["ours"], chairs, monday, "14:00", "15:00", "Repas", quantity=20)
    login(people["member"])
    page = _planning(client, monday)
    # the closure began at midnight: it is drawn from the first column shown (07:00)
    assert _blocks(page, people["room"]) == [
        ("c1 s20 closure", "<span>07:00–12:00</span> Travaux de peinture")]
    busy, ours = _blocks(page, chairs)
    assert busy == ("c13 s8", "<span>10:00–12:00</span> Busy · 3/20") and "Fête" not in page
    assert ours[0] == "c29 s4 mine" and "Repas (RDW) · 20/20" in ours[1]


def test_a_day_changing_to_winter_time_keeps_wall_clock_columns(client, login, make, people):
    # Sunday 25 October 2026: Paris goes back from 03:00 to 02:00, so the day lasts 25 hours
    sunday, before = date(2026, 10, 25), datetime(2026, 10, 1, tzinfo=UTC)
    van = make.resource(name="Trafic", kind="vehicle")
    _book(people["member"], people["ours"], people["room"], sunday, "-02:00", "02:00", "Nuit", now=before)
    _book(people["member"], people["ours"], van, sunday, "01:00", "04:00", "Navette", now=before)
    login(people["member"])
    page = _planning(client, sunday)
    # the night began the day before: drawn from midnight, and the grid starts at 00:00
    assert re.search(r'<span class="hour c1 s4">00:00</span>', page)
    [(css, inner)] = _blocks(page, people["room"])
    assert css == "c1 s8 mine" and inner.startswith("<span>00:00–02:00</span>")
    [(css, inner)] = _blocks(page, van)
    assert css == "c5 s12 mine" and inner.startswith("<span>01:00–04:00</span>")


def test_titles_names_and_reasons_are_escaped(client, login, make, people):
    room = make.resource(name='Salle <b>"A"</b>')
    monday = _next_monday()
    _book(people["member"], people["ours"], room, monday, "10:00", "11:00",
          "<script>alert('x')</script> & co")
    create_closure(db.session, people["admin"], datetime.now(UTC), ClosureInput(
        resource_id=room.id, start=_local(monday, "18:00"), end=_local(monday, "19:00"),
        reason="<img src=x onerror=alert(1)>"))
    db.session.commit()
    login(people["member"])
    page = _planning(client, monday)
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co (RDW)" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "Salle &lt;b&gt;&#34;A&#34;&lt;/b&gt;" in page


def test_each_row_links_to_the_week_whose_free_slots_open_the_prefilled_form(client, login, people):
    monday = _next_monday()
    login(people["member"])
    page = _planning(client, monday)
    week = re.search(rf'data-resource="{people["room"].id}"><div class="planning-name"><a href="([^"]+)">'
                     r"Salle Germinal</a>", page)
    assert week is not None and week[1] == f"/calendar/resources/{people['room'].id}?week={monday}"
    # a resource with nothing booked says so to screen readers
    assert _blocks(page, people["room"]) == [("visually-hidden", "Free all day")]
    week_page = client.get(week[1]).get_data(as_text=True)
    link = re.search(rf'data-start="{monday}T10:00"[^>]*>.*?<a class="book" href="([^"]+)"', week_page, re.S)
    query = parse_qs(urlsplit(link[1].replace("&amp;", "&")).query)
    assert query == {"resource_id": [str(people["room"].id)], "start": [f"{monday}T10:00"],
                     "end": [f"{monday}T10:30"]}


def test_rows_follow_the_names_and_leave_archived_resources_out_even_for_admins(client, login, make,
                                                                               people):
    names = ["bureau", "Atelier", "Cuisine"]
    made = {name: make.resource(name=name) for name in names}
    make.resource(name="Annexe", active=False)
    login(people["admin"])
    page = _planning(client, _next_monday())
    ids = re.findall(r'data-resource="(\d+)"', page)
    order = [made["Atelier"], made["bureau"], made["Cuisine"], people["room"]]
    assert ids == [str(resource.id) for resource in order]
    assert "Annexe" not in page and "4 resources" in page


def test_rows_sharing_opening_hours_share_one_gradient(client, login, make, people):
    hours = {day: [["09:00", "12:00"], ["14:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    first, second = make.resource(name="A", opening_hours=hours), make.resource(name="B", opening_hours=hours)
    evenings = make.resource(name="C", opening_hours={"mon": [["18:00", "23:00"]]})
    login(people["member"])
    page = _planning(client, _next_monday())

    def off(resource) -> str:
        match = re.search(rf'data-resource="{resource.id}">.*?<ol class="track"([^>]*)>', page)
        return match[1]

    assert off(first) == off(second) == ' style="--off: var(--off-0)"'
    assert off(evenings) == ' style="--off: var(--off-1)"' and off(people["room"]) == ""
    planning = re.search(r'<div class="planning" style="([^"]+)"', page)[1]
    # 07:00 to 23:00 is 64 columns; A and B are closed before 09:00, between 12:00 and 14:00, after 18:00
    assert planning.startswith("--columns: 64; --hours: 16; --off-0: linear-gradient(to right, var(--closed) "
                               "0.00% 12.50%, transparent 12.50% 31.25%, var(--closed) 31.25% 43.75%")
    assert "--off-1: linear-gradient(" in planning and "--off-2" not in planning


def test_the_grid_classes_the_page_uses_are_defined_in_the_stylesheet(client, login, people):
    monday = _next_monday()
    _book(people["member"], people["ours"], people["room"], monday, "00:00", "23:45", "Salon")
    login(people["member"])
    page = _planning(client, monday)
    assert _blocks(page, people["room"])[0][0] == "c1 s95 mine"  # a whole day is 96 quarter-hours
    stylesheet = client.get("/static/css/calendar.css").get_data(as_text=True)
    used = set(re.findall(r'class="(?:hour )?c(\d+) s(\d+)', page))
    assert ("1", "95") in used and ("93", "4") in used  # the block and the 23:00 heading
    for column, span in used:
        assert f".track>.c{column}{{grid-column-start:{column}}}" in stylesheet
        assert f".track>.s{span}{{grid-column-end:span {span}}}" in stylesheet
    assert ".track>.c96{grid-column-start:96}" in stylesheet
    assert ".track>.s96{grid-column-end:span 96}" in stylesheet
