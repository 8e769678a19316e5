"""Calendar pages: a resource's week (pick a free slot to open a prefilled booking form), the day planning
across resources, the month; times on the network's wall clock, others' bookings shown as busy only."""

import html
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from mutualise.extensions import db
from mutualise.services.bookings import BookingInput, create_booking
from mutualise.services.closures import ClosureInput, create_closure

PARIS = ZoneInfo("Europe/Paris")
CREATED = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # the services' clock when a test books in the past


def _next_monday(weeks_ahead: int = 1) -> date:
    """A Monday safely in the future of the real clock (web pages read the real clock)."""
    today = datetime.now(PARIS).date()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)


def _local(day: date, clock: str) -> datetime:
    hours, minutes = map(int, clock.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=PARIS)


def _book(user, structure, resource, day: date, start: str, end: str, title: str = "Réunion", *,
          quantity: int = 1, now: datetime | None = None):
    result = create_booking(db.session, user, now or datetime.now(UTC), BookingInput(
        resource_id=resource.id, structure_id=structure.id, start=_local(day, start), end=_local(day, end),
        title=title, quantity=quantity))
    db.session.commit()
    return result.bookings[0]


def _cell(page: str, day: date, clock: str) -> str:
    """The inner HTML of the week cell starting at `clock` on `day`."""
    match = re.search(rf'<li class="slot([^"]*)" data-start="{day}T{clock}"[^>]*>(.*?)</li>', page, re.S)
    assert match is not None, f"no cell {day} {clock}"
    return f'class="{match[1].strip()}" ' + match[2]


def _book_link(cell: str) -> dict[str, str] | None:
    match = re.search(r'<a class="book" href="([^"]+)"', cell)
    if match is None:
        return None
    query = parse_qs(urlsplit(html.unescape(match[1])).query)
    return {key: values[0] for key, values in query.items()}


@pytest.fixture
def people(make):
    """Two structures with one member each, English-speaking, and a room with the default rules."""
    ours, theirs = make.structure(short_code="RDW"), make.structure(short_code="ACL")
    return {"ours": ours, "theirs": theirs, "room": make.resource(name="Salle Germinal"),
            "member": make.user(structures=[ours], locale="en"),
            "other": make.user(structures=[theirs], locale="en")}


# Week view

def test_week_shows_the_title_to_its_structure_and_only_busy_to_another(client, login, people):
    monday = _next_monday()
    _book(people["member"], people["ours"], people["room"], monday, "10:00", "11:00", "Assemblée générale")
    url = f"/calendar/resources/{people['room'].id}?week={monday + timedelta(days=3)}"

    login(people["member"])
    own = client.get(url)
    assert own.status_code == 200
    cell = _cell(own.get_data(as_text=True), monday, "10:00")
    assert "Assemblée générale (RDW)" in cell
    assert _book_link(cell) is None

    client.post("/logout")
    login(people["other"])
    page = client.get(url).get_data(as_text=True)
    cell = _cell(page, monday, "10:30")
    assert "Busy" in cell and _book_link(cell) is None
    assert "Assemblée générale" not in page and "RDW" not in page


def test_a_free_future_cell_links_to_the_booking_form_with_its_local_start_and_end(client, login, people):
    monday = _next_monday()
    login(people["member"])
    page = client.get(f"/calendar/resources/{people['room'].id}?week={monday}").get_data(as_text=True)
    wednesday = monday + timedelta(days=2)
    cell = _cell(page, wednesday, "14:30")
    assert "Book" in cell
    assert _book_link(cell) == {"resource_id": str(people["room"].id), "start": f"{wednesday}T14:30",
                                "end": f"{wednesday}T15:00"}
    # the rows of a room open at all times run from 07:00 to 21:00, by half hours (15-minute steps)
    times = re.findall(rf'data-start="{monday}T(\d\d:\d\d)"', page)
    assert times[0] == "07:00" and times[-1] == "20:30" and len(times) == 28


def test_the_week_keeps_local_rows_across_the_change_to_summer_time(client, login, people):
    # Week of Sunday 29 March 2026: Paris moves from UTC+1 to UTC+2 that night.
    monday, sunday = date(2026, 3, 23), date(2026, 3, 29)
    for day in (monday, sunday):
        _book(people["member"], people["ours"], people["room"], day, "10:00", "11:00", "Permanence",
              now=CREATED)
    login(people["member"])
    page = client.get(f"/calendar/resources/{people['room'].id}?week=2026-03-29").get_data(as_text=True)
    for day in (monday, sunday):
        assert "Permanence" in _cell(page, day, "10:00") and "Permanence" in _cell(page, day, "10:30")
        assert "Permanence" not in _cell(page, day, "09:30") and "Permanence" not in _cell(page, day, "11:00")


def test_book_links_keep_local_wall_times_in_a_week_changing_to_summer_time(client, login, people):
    today = datetime.now(PARIS).date()
    year = today.year if today < date(today.year, 3, 20) else today.year + 1
    march_31 = date(year, 3, 31)
    change = march_31 - timedelta(days=(march_31.weekday() + 1) % 7)  # last Sunday of March
    login(people["member"])
    page = client.get(f"/calendar/resources/{people['room'].id}?week={change}").get_data(as_text=True)
    for day in (change - timedelta(days=1), change):
        assert _book_link(_cell(page, day, "10:00")) == {
            "resource_id": str(people["room"].id), "start": f"{day}T10:00", "end": f"{day}T10:30"}


def test_past_cells_offer_no_booking(client, login, people):
    login(people["member"])
    page = client.get(f"/calendar/resources/{people['room'].id}?week=2026-03-02").get_data(as_text=True)
    assert 'class="book"' not in page


def test_opening_hours_shape_the_rows_and_closed_cells_cannot_be_booked(client, login, make, people):
    room = make.resource(name="Atelier", step_minutes=60,
                         opening_hours={"mon": [["09:00", "12:00"]], "tue": [["14:00", "18:00"]]})
    monday = _next_monday()
    login(people["member"])
    page = client.get(f"/calendar/resources/{room.id}?week={monday}").get_data(as_text=True)
    times = re.findall(rf'data-start="{monday}T(\d\d:\d\d)"', page)
    assert times == ["09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00", "17:00"]
    assert _book_link(_cell(page, monday, "11:00"))["end"] == f"{monday}T12:00"
    closed = _cell(page, monday, "14:00")
    assert "closed" in closed.split('"')[1] and _book_link(closed) is None
    assert _book_link(_cell(page, monday + timedelta(days=1), "14:00")) is not None
    assert _book_link(_cell(page, monday + timedelta(days=2), "10:00")) is None


def test_closures_show_their_reason_and_block_booking(client, login, make, people):
    admin = make.user(is_admin=True)
    monday = _next_monday()
    create_closure(db.session, admin, datetime.now(UTC), ClosureInput(
        resource_id=people["room"].id, start=_local(monday, "00:00"), end=_local(monday, "12:00"),
        reason="Travaux de peinture"))
    db.session.commit()
    login(people["member"])
    page = client.get(f"/calendar/resources/{people['room'].id}?week={monday}").get_data(as_text=True)
    cell = _cell(page, monday, "09:00")
    assert "Travaux de peinture" in cell and _book_link(cell) is None
    assert _book_link(_cell(page, monday, "12:00")) is not None


def test_a_stocked_resource_shows_units_taken_and_stays_bookable_while_units_remain(client, login, make,
                                                                                    people):
    chairs = make.resource(name="Chaises", kind="equipment", quantity=20)
    monday = _next_monday()
    _book(people["other"], people["theirs"], chairs, monday, "10:00", "12:00", "Fête", quantity=3)
    _book(people["member"], people["ours"], chairs, monday, "14:00", "15:00", "Repas", quantity=20)
    login(people["member"])
    page = client.get(f"/calendar/resources/{chairs.id}?week={monday}").get_data(as_text=True)
    partly = _cell(page, monday, "10:00")
    assert "3/20 taken" in partly and _book_link(partly) is not None
    assert "Fête" not in page  # another structure's booking: only the count shows
    full = _cell(page, monday, "14:00")
    assert "20/20 taken" in full and "Repas (RDW)" in full and _book_link(full) is None


def test_pending_bookings_are_marked_pending(client, login, make, people):
    referent = make.user(name="Camille")
    room = make.resource(name="Salle du conseil", requires_approval=True, referents=[referent])
    monday = _next_monday()
    _book(people["member"], people["ours"], room, monday, "10:00", "11:00", "Bureau")
    login(people["other"])
    cell = _cell(client.get(f"/calendar/resources/{room.id}?week={monday}").get_data(as_text=True),
                 monday, "10:00")
    assert "Busy" in cell and "pending" in cell


def test_the_week_navigates_by_week_and_jumps_to_a_date(client, login, people):
    login(people["member"])
    page = client.get(f"/calendar/resources/{people['room'].id}?week=2026-04-16").get_data(as_text=True)
    assert "Week of April 13, 2026" in page
    assert "week=2026-04-06" in page and "week=2026-04-20" in page
    assert 'name="week" value="2026-04-13"' in page
    assert 'data-start="2026-04-19T07:00"' in page and 'data-start="2026-04-20T07:00"' not in page


# Day planning

def _row(page: str, resource) -> str:
    match = re.search(rf'<div class="planning-row" data-resource="{resource.id}">(.*?)</ol>', page, re.S)
    assert match is not None, f"no row for {resource.name}"
    return match[1]


def test_the_day_planning_draws_each_resources_bookings_on_quarter_hour_columns(client, login, make,
                                                                                people):
    van = make.resource(name="Trafic", kind="vehicle")
    monday = _next_monday()
    _book(people["member"], people["ours"], people["room"], monday, "10:00", "11:30", "Atelier vélo")
    _book(people["other"], people["theirs"], van, monday, "07:00", "08:00", "Livraison")
    login(people["member"])
    response = client.get(f"/calendar/day?date={monday}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    room_row, van_row = _row(page, people["room"]), _row(page, van)
    # columns from 07:00 by quarters: 10:00 is column 13, and 1 h 30 spans 6 columns
    assert '<li class="c13 s6 mine">' in room_row and "Atelier vélo (RDW)" in room_row
    assert "10:00–11:30" in room_row
    assert '<li class="c1 s4">' in van_row and "Busy" in van_row and "Livraison" not in page
    assert f"/calendar/resources/{van.id}?week={monday}" in page
    assert "07:00" in page and "21:00" in page and "22:00" not in page


def test_the_day_planning_widens_to_fit_late_bookings(client, login, people):
    monday = _next_monday()
    _book(people["member"], people["ours"], people["room"], monday, "22:00", "23:30", "Concert")
    login(people["member"])
    page = client.get(f"/calendar/day?date={monday}").get_data(as_text=True)
    assert "23:00" in page and "Concert (RDW)" in _row(page, people["room"])
    assert '<li class="c61 s6 mine">' in _row(page, people["room"])


def test_the_day_planning_filters_by_site_and_kind(client, login, make, people):
    fives, wazemmes = make.site(name="Fives"), make.site(name="Wazemmes")
    hall = make.resource(name="Grande salle", site_id=fives.id)
    van = make.resource(name="Kangoo", kind="vehicle", site_id=wazemmes.id)
    drill = make.resource(name="Perceuse", kind="equipment", site_id=fives.id)
    login(people["member"])

    def rows(query: str) -> set[str]:
        response = client.get(f"/calendar/day?{query}")
        assert response.status_code == 200
        return set(re.findall(r'data-resource="(\d+)"', response.get_data(as_text=True)))

    assert rows("") == {str(r.id) for r in (people["room"], hall, van, drill)}
    assert rows(f"site_id={fives.id}") == {str(hall.id), str(drill.id)}
    assert rows("kind=vehicle") == {str(van.id)}
    assert rows(f"site_id={fives.id}&kind=equipment") == {str(drill.id)}


def test_the_day_planning_keeps_filters_when_moving_to_the_next_day(client, login, make, people):
    site = make.site(name="Fives")
    login(people["member"])
    page = client.get(f"/calendar/day?date=2026-05-04&site_id={site.id}&kind=room").get_data(as_text=True)
    assert html.escape(f"/calendar/day?date=2026-05-05&site_id={site.id}&kind=room") in page
    assert "Planning of Monday, May 4, 2026" in page


def test_the_day_planning_reads_its_bookings_in_a_fixed_number_of_queries(client, login, make, people):
    monday = _next_monday()
    login(people["member"])

    def queries() -> int:
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/calendar/day?date={monday}").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    def add_resource(n: int, structure: str, user: str) -> None:
        resource = make.resource(name=f"Salle {n}", site_id=make.site().id, referents=[make.user()])
        _book(people[user], people[structure], resource, monday, "09:00", "10:00")

    add_resource(0, "ours", "member")
    few = queries()
    for n in range(1, 16):
        add_resource(n, "theirs", "other")
    assert queries() == few


# Month

def test_the_month_of_a_resource_lists_each_days_bookings_and_links_to_its_week(client, login, make, people):
    monday = _next_monday()
    _book(people["member"], people["ours"], people["room"], monday, "10:00", "11:30", "Atelier couture")
    _book(people["other"], people["theirs"], people["room"], monday + timedelta(days=1), "14:00", "15:00")
    login(people["member"])
    response = client.get(f"/calendar/month?resource_id={people['room'].id}&month={monday:%Y-%m}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    day = re.search(rf'data-date="{monday}"(.*?)</li>\s*</ul>', page, re.S)[1]
    assert "10:00–11:30" in day and "Atelier couture (RDW)" in day
    assert f"/calendar/resources/{people['room'].id}?week={monday}" in day
    after = re.search(rf'data-date="{monday + timedelta(days=1)}"(.*?)</li>\s*</ul>', page, re.S)[1]
    assert "14:00–15:00" in after and "Busy" in after


def test_without_a_resource_the_month_lists_the_bookings_of_my_structures_only(client, login, make, people):
    van = make.resource(name="Trafic", kind="vehicle")
    monday = _next_monday()
    _book(people["member"], people["ours"], van, monday, "08:00", "18:00", "Déménagement")
    _book(people["other"], people["theirs"], people["room"], monday, "10:00", "11:00", "Chorale")
    login(people["member"])
    page = client.get(f"/calendar/month?month={monday:%Y-%m}").get_data(as_text=True)
    assert "Trafic · Déménagement (RDW)" in page and "08:00–18:00" in page
    assert "Chorale" not in page and "ACL" not in page
    assert f"/calendar/day?date={monday}" in page


def test_a_booking_over_several_days_shows_on_each_day(client, login, make, people):
    van = make.resource(name="Trafic", kind="vehicle")
    monday = _next_monday()
    create_booking(db.session, people["member"], datetime.now(UTC), BookingInput(
        resource_id=van.id, structure_id=people["ours"].id, start=_local(monday, "18:00"),
        end=_local(monday + timedelta(days=2), "09:00"), title="Salon"))
    db.session.commit()
    login(people["member"])
    page = client.get(f"/calendar/month?resource_id={van.id}&month={monday:%Y-%m}").get_data(as_text=True)
    # the grid runs Monday to Sunday, so the three days show even when the month changes on the way
    expected = {monday: "18:00–24:00", monday + timedelta(days=1): "00:00–24:00",
                monday + timedelta(days=2): "00:00–09:00"}
    for day, span in expected.items():
        assert span in re.search(rf'data-date="{day}"(.*?)</li>\s*</ul>', page, re.S)[1]


# Bad input, access, language

@pytest.mark.parametrize("path", [
    "/calendar/resources/{room}?week=2026-13-40", "/calendar/resources/{room}?week=tomorrow",
    "/calendar/resources/{room}?week=0001-01-01", "/calendar/month?month=abc",
    "/calendar/month?month=2026-00", "/calendar/month?resource_id=abc", "/calendar/day?date=garbage",
    "/calendar/day?date=9999-12-31", "/calendar/day?site_id=abc", "/calendar/day?kind=spaceship",
])
def test_unreadable_query_values_get_a_clear_400_page(client, login, people, path):
    login(people["member"])
    response = client.get(path.format(room=people["room"].id))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r"YYYY-MM|cannot be read|Not a valid|Invalid Choice", page)


def test_unknown_or_archived_resources_are_not_found(client, login, make, people):
    archived = make.resource(name="Vieille salle", active=False)
    login(people["member"])
    for path in ("/calendar/resources/999999", f"/calendar/resources/{archived.id}",
                 "/calendar/month?resource_id=999999", f"/calendar/month?resource_id={archived.id}"):
        assert client.get(path).status_code == 404, path


def test_calendar_pages_need_a_signed_in_person(client, people):
    for path in (f"/calendar/resources/{people['room'].id}", "/calendar/day", "/calendar/month"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_approvals_link_shows_to_admins_and_referents_only(client, login, make, people):
    referent = make.user(name="Camille")
    make.resource(name="Salle du conseil", requires_approval=True, referents=[referent])
    for user, shown in ((people["member"], False), (referent, True), (make.user(is_admin=True), True)):
        client.post("/logout")
        login(user)
        page = client.get("/calendar/day").get_data(as_text=True)
        assert ('href="/bookings/approvals"' in page) is shown, user.name
        assert 'href="/bookings/mine"' in page and 'href="/calendar/day" aria-current="page"' in page


def test_the_resource_page_links_to_its_week_and_the_booking_form(client, login, people):
    login(people["member"])
    page = client.get(f"/resources/{people['room'].id}").get_data(as_text=True)
    assert f'href="/calendar/resources/{people["room"].id}"' in page
    assert f'href="/bookings/new?resource_id={people["room"].id}"' in page
    assert "See availability" in page


def test_the_week_speaks_french_by_default(client, login, make, people):
    french = make.user(structures=[people["theirs"]], locale="fr")
    monday = _next_monday()
    _book(people["member"], people["ours"], people["room"], monday, "10:00", "11:00", "Assemblée générale")
    login(french)
    page = client.get(f"/calendar/resources/{people['room'].id}?week={monday}").get_data(as_text=True)
    assert "Occupé" in _cell(page, monday, "10:00")
    assert ">Réserver</a>" in _cell(page, monday, "11:00")
    assert "Semaine suivante" in page and "Assemblée générale" not in page
