"""Members browse the resources and read each one's rules and tariff in plain words."""

import pytest


@pytest.fixture
def member(make, login):
    user = make.user(structures=[make.structure()], locale="en")
    login(user)
    return user


def _titles(page: str) -> set[str]:
    """Names of the resources listed as cards (their links), whatever else the page says."""
    return {chunk.split("</a>")[0].split(">")[-1] for chunk in page.split('<h2><a href="/resources/')[1:]}


def test_member_filters_the_inventory(client, member, make):
    fives = make.site(name="Fives")
    make.resource(name="Grande salle", capacity=40, site_id=fives.id, attributes={"accessible": True})
    make.resource(name="Petite salle", capacity=8, site_id=fives.id, attributes={"accessible": False})
    make.resource(name="Trafic", kind="vehicle", capacity=3, attributes={"fuel": "diesel"})
    make.resource(name="Old van", kind="vehicle", active=False)

    def titles(query: str) -> set[str]:
        response = client.get(f"/resources/?{query}")
        assert response.status_code == 200
        return _titles(response.get_data(as_text=True))

    assert titles("") == {"Grande salle", "Petite salle", "Trafic"}
    assert titles("kind=vehicle") == {"Trafic"}
    assert titles(f"site_id={fives.id}") == {"Grande salle", "Petite salle"}
    assert titles("min_capacity=10") == {"Grande salle"}
    assert titles("attribute=accessible") == {"Grande salle"}
    assert titles("attribute=diesel&kind=vehicle") == {"Trafic"}
    assert titles("q=petite") == {"Petite salle"}


def test_a_bad_capacity_filter_is_reported_not_a_crash(client, member, make):
    make.resource(name="Grande salle", capacity=40)
    response = client.get("/resources/?min_capacity=lots")
    assert response.status_code == 422
    assert _titles(response.get_data(as_text=True)) == {"Grande salle"}


def test_resource_page_states_rules_and_tariff_in_words(client, member, make):
    referent = make.user(name="Camille Martin")
    resource = make.resource(
        name="Salle polyvalente", step_minutes=15, min_duration_minutes=60, max_duration_minutes=240,
        min_notice_minutes=120, max_advance_days=90, cancel_deadline_minutes=1440, late_cancel_fee_cents=1000,
        opening_hours={day: [["08:00", "12:00"], ["14:00", "18:00"]]
                       for day in ("mon", "tue", "wed", "thu", "fri")},
        hourly_cents=1200, tariff_step_minutes=30, daily_cap_cents=6000, per_km_cents=25,
        requires_approval=True, referents=[referent])
    page = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    for sentence in (
        "Bookable by steps of 15 minutes, from 1 hour to 4 hours.",
        "Book at least 2 hours in advance.",
        "Up to 90 days ahead.",
        "Open Monday to Friday 08:00–12:00 and 14:00–18:00.",
        "Closed on other days.",
        "Cancel free of charge until 1 day before the start.",
        "After that, cancelling costs €10.00.",
        "€12.00 per hour, billed by 30 minutes, capped at €60.00 per day.",
        "€0.25 per km.",
        "Needs a referent&#39;s approval.",
        "Referents: Camille Martin.",
    ):
        assert sentence in page


def test_a_resource_with_default_rules_reads_simply(client, member, make):
    resource = make.resource(name="Chaises", kind="equipment", quantity=40)
    page = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert "Bookable by steps of 15 minutes." in page
    assert "Open at all times." in page
    assert "Free of charge." in page
    assert "40 in stock" in page


def test_weekday_names_follow_the_readers_language(client, make, login):
    login(make.user(locale="fr"))
    resource = make.resource(opening_hours={"sat": [["09:00", "12:00"]]}, hourly_cents=1200)
    page = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert "samedi 09:00–12:00" in page
    assert "12,00\u00a0€" in page


def test_archived_resource_page_is_not_found_for_members(client, member, make):
    resource = make.resource(active=False)
    assert client.get(f"/resources/{resource.id}").status_code == 404
    assert client.get("/resources/999999").status_code == 404


def test_inventory_needs_a_signed_in_person(client):
    assert client.get("/resources/").status_code == 302
