"""A demo network drawn from the social economy of the Lille area: structures, people holding every
role, two sites and their rooms, vehicles and equipment.

The structures and people are fictional. Everything is built through the services, so the demo meets
the same rules as real data; loading it twice into empty databases gives the same network.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mutualise import mail
from mutualise.models import Resource, Site, Structure, User
from mutualise.services import (
    allocation_keys,
    bookings,
    charges,
    payments,
    quota_rules,
    resources,
    settings,
    sites,
    structures,
    users,
)

# DEMO ONLY. Published in the README and printed by `flask serve`: never load the demo on a real network.
DEMO_PASSWORD = "demo-mutualise-2026"

NETWORK_NAME = "Réseau des communs solidaires de la métropole lilloise"
# ".example" is reserved (RFC 2606) so these never reach anyone; ".test" is refused by the e-mail
# validator of the services, which the demo goes through.
_DOMAIN = "demo.mutualise.example"

# (name, short code, legal form, contact mailbox, accounting code)
_STRUCTURES = (
    ("Autopartage Lillois SCIC", "ALS", "scic", "contact", "411ALS"),
    ("Régie de quartier Fives-Moulins", "RQFM", "association", "regie", "411RQFM"),
    ("Coopérative d'activités et d'emploi Les Filatures", "CAEF", "cae", "cae", "411CAEF"),
    ("Couveuse d'activités Flandres-Métropole", "COUV", "association", "couveuse", "411COUV"),
    ("Association intermédiaire Coup de Main Roubaix", "AICM", "association", "coupdemain", "411AICM"),
    ("Haltes rurales de la Pévèle et des Weppes", "HRPW", "association", "haltes", "411HRPW"),
)


@dataclass(frozen=True)
class _Person:
    login: str  # the part of the e-mail address before @
    name: str
    role: str  # what the person does, printed beside the demo logins
    network_roles: tuple[str, ...] = ()
    memberships: tuple[tuple[str, str], ...] = ()  # (structure short code, member | manager)

    @property
    def email(self) -> str:
        return f"{self.login}@{_DOMAIN}"


# The administrator comes first: the command line creates them, then they create everything else.
_PEOPLE = (
    _Person("nadia.benali", "Nadia Benali", "network administrator", ("admin",)),
    _Person("herve.delcroix", "Hervé Delcroix", "treasurer", ("treasurer",)),
    _Person("sophie.vandenbussche", "Sophie Vandenbussche", "auditor", ("auditor",)),
    _Person("julien.lefebvre", "Julien Lefebvre", "manager, Autopartage Lillois", (), (("ALS", "manager"),)),
    _Person("aurelie.dhondt", "Aurélie Dhondt", "member, Autopartage Lillois; referent for the vehicles",
            (), (("ALS", "member"),)),
    _Person("fatima.zerrouki", "Fatima Zerrouki", "manager, Régie de quartier Fives-Moulins", (),
            (("RQFM", "manager"),)),
    _Person("karim.haddad", "Karim Haddad", "member, Régie de quartier; hygiene referent for the kitchen",
            (), (("RQFM", "member"),)),
    _Person("melanie.vasseur", "Mélanie Vasseur", "member, Régie de quartier Fives-Moulins", (),
            (("RQFM", "member"),)),
    _Person("thomas.decoster", "Thomas Decoster", "manager, CAE Les Filatures", (), (("CAEF", "manager"),)),
    _Person("ines.moreau", "Inès Moreau", "member of two structures: CAE Les Filatures and the couveuse",
            (), (("CAEF", "member"), ("COUV", "member"))),
    _Person("chloe.lemaire", "Chloé Lemaire", "manager, Couveuse d'activités", (), (("COUV", "manager"),)),
    _Person("youssef.amrani", "Youssef Amrani", "member, Couveuse d'activités", (), (("COUV", "member"),)),
    _Person("bernard.wattel", "Bernard Wattel", "manager, AI Coup de Main Roubaix", (),
            (("AICM", "manager"),)),
    _Person("samia.belkacem", "Samia Belkacem", "member, AI Coup de Main Roubaix", (), (("AICM", "member"),)),
    _Person("elise.duhamel", "Élise Duhamel", "manager, Haltes rurales Pévèle-Weppes", (),
            (("HRPW", "manager"),)),
    _Person("pierre.delannoy", "Pierre Delannoy", "member, Haltes rurales Pévèle-Weppes", (),
            (("HRPW", "member"),)),
)

DEMO_LOGINS: list[tuple[str, str]] = [(person.email, person.role) for person in _PEOPLE]

# key -> (name, address)
_SITES = {
    "fives": ("Tiers-lieu La Filature de Fives", "12 rue Pierre-Legrand, 59800 Lille"),
    "roubaix": ("Maison des associations de Roubaix", "40 boulevard de Belfort, 59100 Roubaix"),
}

# Opening hours in the compact text form people type in the web form.
_OFFICE_HOURS = "mon-fri 08:30-21:00\nsat 09:00-13:00"
# The same kind of rule in the stored (JSON) form: closed at lunch, late on Wednesdays.
_ROUBAIX_HOURS = {"mon": [["09:00", "12:30"], ["13:30", "20:00"]],
                  "tue": [["09:00", "12:30"], ["13:30", "20:00"]],
                  "wed": [["09:00", "20:00"]],
                  "thu": [["09:00", "12:30"], ["13:30", "20:00"]],
                  "fri": [["09:00", "12:30"], ["13:30", "18:00"]]}
_ROOM_RULES = {"step_minutes": 30, "min_duration_minutes": 60, "max_duration_minutes": 600,
               "min_notice_minutes": 120, "max_advance_days": 180, "cancel_deadline_minutes": 1440}
_CAR_RULES = {"step_minutes": 30, "min_duration_minutes": 60, "max_duration_minutes": 3 * 24 * 60,
              "buffer_minutes": 30, "min_notice_minutes": 60, "max_advance_days": 60,
              "cancel_deadline_minutes": 120, "opening_hours": None}
_CAR_TARIFF = {"hourly_cents": 250, "step_minutes": 30, "daily_cap_cents": 3500, "per_km_cents": 25,
               "late_cancel_fee_cents": 500}

# Resources come last: they need the sites and the referents. Each: site key, referent logins, fields.
_RESOURCES = (
    ("fives", (), dict(
        kind="room", name="Grande salle de la Filature", capacity=40, colour="#1f6feb",
        description="Ancienne salle des métiers, lumineuse, avec une cuisine d'appoint.",
        attributes={"accessible PMR": True, "visio": True, "paperboard": True, "sonorisation": True},
        rules={**_ROOM_RULES, "opening_hours": _OFFICE_HOURS},
        tariff={"hourly_cents": 1500, "step_minutes": 30, "daily_cap_cents": 9000,
                "late_cancel_fee_cents": 2000},
    )),
    ("fives", (), dict(
        kind="room", name="Salle du Peignage", capacity=12, colour="#2da44e",
        description="Salle de réunion au rez-de-chaussée, écran mural.",
        attributes={"accessible PMR": True, "visio": True, "paperboard": True},
        rules={**_ROOM_RULES, "min_notice_minutes": 60, "opening_hours": _OFFICE_HOURS},
        tariff={"hourly_cents": 800, "step_minutes": 30, "daily_cap_cents": 4800},
    )),
    ("fives", ("karim.haddad",), dict(
        kind="room", name="Cuisine partagée", capacity=8, colour="#bf3989", requires_approval=True,
        description="Cuisine professionnelle déclarée auprès de la DDPP. Réservation validée par le "
                    "référent hygiène ; nettoyage compris dans les frais de réservation.",
        attributes={"accessible PMR": True, "chambre froide": True, "agrément": "déclaration DDPP"},
        rules={"step_minutes": 60, "min_duration_minutes": 120, "max_duration_minutes": 720,
               "buffer_minutes": 60, "min_notice_minutes": 2880, "max_advance_days": 90,
               "cancel_deadline_minutes": 2880, "opening_hours": "mon-sat 07:00-22:00"},
        tariff={"hourly_cents": 1200, "step_minutes": 60, "booking_fee_cents": 1000,
                "late_cancel_fee_cents": 3000},
    )),
    ("fives", ("aurelie.dhondt",), dict(
        kind="vehicle", name="Renault Zoé GX-418-LM", capacity=5, colour="#0a7ea4",
        description="Voiture électrique, câble type 2 dans le coffre, badge de recharge dans la boîte "
                    "à gants.",
        attributes={"électrique": True, "autonomie": "300 km", "immatriculation": "GX-418-LM"},
        rules=_CAR_RULES, tariff=_CAR_TARIFF,
    )),
    ("roubaix", ("aurelie.dhondt",), dict(
        kind="vehicle", name="Peugeot e-208 GY-207-KA", capacity=5, colour="#8250df",
        description="Voiture électrique garée au parking de la Maison des associations, place 4.",
        attributes={"électrique": True, "autonomie": "340 km", "immatriculation": "GY-207-KA"},
        rules=_CAR_RULES, tariff=_CAR_TARIFF,
    )),
    ("fives", ("aurelie.dhondt",), dict(
        kind="vehicle", name="Vélo cargo Long John", capacity=1, colour="#d4a72c",
        description="Vélo cargo à assistance électrique, caisse de 80 kg, cadenas et housse de pluie.",
        attributes={"assistance électrique": True, "charge utile": "80 kg"},
        rules={"step_minutes": 30, "min_duration_minutes": 60, "max_duration_minutes": 2 * 24 * 60,
               "max_advance_days": 30, "opening_hours": "lun-sam 08:00-20:00"},
        tariff={"hourly_cents": 200, "step_minutes": 60, "daily_cap_cents": 1000},
    )),
    ("roubaix", (), dict(
        kind="room", name="Salle du Pile", capacity=25, colour="#cf222e",
        description="Salle polyvalente au premier étage, ascenseur.",
        attributes={"accessible PMR": True, "visio": True, "paperboard": True},
        rules={**_ROOM_RULES, "opening_hours": _ROUBAIX_HOURS},
        tariff={"hourly_cents": 1000, "step_minutes": 30, "daily_cap_cents": 6000,
                "late_cancel_fee_cents": 1500},
    )),
    ("roubaix", (), dict(
        kind="room", name="Bureau Motte-Bossut", capacity=6, colour="#57606a",
        description="Petit bureau pour les entretiens et les rendez-vous individuels.",
        attributes={"accessible PMR": False, "visio": True},
        rules={**_ROOM_RULES, "min_duration_minutes": 30, "opening_hours": _ROUBAIX_HOURS},
        tariff={"hourly_cents": 400, "step_minutes": 30, "daily_cap_cents": 2400},
    )),
    ("roubaix", (), dict(
        kind="equipment", name="Vidéoprojecteur", colour="#6e7781",
        description="Vidéoprojecteur portable avec écran sur pied et rallonge.",
        attributes={"HDMI": True, "luminosité": "3 600 lumens"},
        rules={"step_minutes": 60, "max_duration_minutes": 3 * 24 * 60, "max_advance_days": 90},
        tariff={},
    )),
    ("fives", (), dict(
        kind="equipment", name="Tables pliantes", quantity=20, colour="#953800",
        description="Tables pliantes 180 × 75 cm, six places chacune ; réservez le nombre qu'il vous faut.",
        attributes={"dimensions": "180 × 75 cm"},
        rules={"step_minutes": 60, "min_notice_minutes": 1440, "max_duration_minutes": 4 * 24 * 60,
               "max_advance_days": 120},
        tariff={"booking_fee_cents": 500},
    )),
)


# Every structure may book the rooms 12 hours a week, all its people together.
_ROOM_QUOTA = dict(name="Salles : 12 h par semaine et par structure", structure_id=None, kind="room",
                   unit="hours", window="week", limit=12)

# Bookings of next week and after: (booker login, structure code, resource name, weekday (0 = Monday),
# start "HH:MM", end "HH:MM", title, extra fields).
_BOOKINGS = (
    ("fatima.zerrouki", "RQFM", "Salle du Peignage", 1, "14:00", "16:00", "Permanence emploi",
     {"rrule": "FREQ=WEEKLY;COUNT=8", "on_conflict": "skip"}),
    ("thomas.decoster", "CAEF", "Grande salle de la Filature", 0, "09:30", "12:30",
     "Atelier « Créer son activité »", {}),
    ("chloe.lemaire", "COUV", "Grande salle de la Filature", 3, "14:00", "17:00", "Comité d'engagement", {}),
    ("julien.lefebvre", "ALS", "Renault Zoé GX-418-LM", 2, "08:00", "18:00", "Tournée des adhérents", {}),
    ("melanie.vasseur", "RQFM", "Cuisine partagée", 4, "10:00", "14:00", "Repas partagé du quartier", {}),
    ("samia.belkacem", "AICM", "Salle du Pile", 2, "14:00", "16:00", "Réunion des salariés en parcours", {}),
    ("pierre.delannoy", "HRPW", "Tables pliantes", 5, "09:00", "13:00", "Marché paysan de Phalempin",
     {"quantity": 8}),
    ("pierre.delannoy", "HRPW", "Vélo cargo Long John", 5, "09:00", "12:00", "Livraison des paniers", {}),
)


def network_is_empty(session: Session) -> bool:
    """True when nobody and nothing has been created yet: the demo may be loaded without clashing."""
    return all(session.scalar(select(func.count()).select_from(model)) == 0
               for model in (User, Structure, Site, Resource))


def load_demo(session: Session, now: datetime) -> list[tuple[str, str]]:
    """Create the demo network through the services and return the (e-mail, role) of every login.
    Flushes only: the caller commits."""
    admin_person, *others = _PEOPLE
    admin = _create_person(session, None, now, admin_person)
    settings.update_settings(session, admin, settings.SettingsInput(name=NETWORK_NAME))

    structure_ids = {}
    for name, code, legal_form, mailbox, accounting_code in _STRUCTURES:
        structure = structures.create_structure(session, admin, now, structures.StructureInput(
            name=name, short_code=code, legal_form=legal_form, email=f"{mailbox}@{_DOMAIN}",
            accounting_code=accounting_code))
        structure_ids[code] = structure.id

    people = {admin_person.login: admin}
    for person in others:
        user = _create_person(session, admin, now, person)
        people[person.login] = user
        for code, role in person.memberships:
            structures.set_member(session, admin, now, structure_ids[code], user.id, role)

    site_ids = {}
    for key, (name, address) in _SITES.items():
        site_ids[key] = sites.create_site(session, admin, now, sites.SiteInput(name=name, address=address)).id

    resource_ids = {}
    for site_key, referent_logins, fields in _RESOURCES:
        resource = resources.create_resource(session, admin, now, resources.ResourceInput(
            site_id=site_ids[site_key], referent_ids=[people[login].id for login in referent_logins],
            **fields))
        resource_ids[resource.name] = resource.id

    quota_rules.create_quota_rule(session, admin, now, quota_rules.QuotaRuleInput(**_ROOM_QUOTA))
    _book_next_week(session, now, people, structure_ids, resource_ids)
    _share_this_months_costs(session, now, people["herve.delcroix"], structure_ids)
    mail.discard_queued(session)  # the demo's people are made up: their bookings notify nobody
    return list(DEMO_LOGINS)


# m² each structure occupies at the Filature (the general assembly's surface key)
_SURFACES = {"ALS": "18", "RQFM": "62.5", "CAEF": "41", "COUV": "23.5", "AICM": "12", "HRPW": "9"}


def _share_this_months_costs(session: Session, now: datetime, treasurer: User, structure_ids) -> None:
    """Two keys voted by the general assembly and this month's shared charges, posted by the treasurer."""
    today = now.astimezone(ZoneInfo(settings.get_settings(session).timezone)).date()
    first = today.replace(day=1)
    equal = allocation_keys.create_key(session, treasurer, now, allocation_keys.KeyInput(
        name="Parts égales", method="equal", valid_from=first, decision_ref="AG du 14/03/2026, résolution 3"))
    surfaces = allocation_keys.create_key(session, treasurer, now, allocation_keys.KeyInput(
        name="Surfaces occupées (m²)", method="weights", valid_from=first,
        decision_ref="AG du 14/03/2026, résolution 4",
        weights=[{"structure_id": structure_ids[code], "weight": m2} for code, m2 in _SURFACES.items()]))
    for label, category, cents, parts, paid_by in (
            ("Loyer de la Filature", "rent", 240000, [(surfaces, 7000), (equal, 3000)], None),
            ("Assurance multirisque", "insurance", 41750, [(equal, 10000)], None),
            ("Électricité", "energy", 18733, [(surfaces, 10000)], "RQFM")):
        charges.create_charge(session, treasurer, now, charges.ChargeInput(
            label=label, category=category, amount_cents=cents, date=today,
            parts=[{"key_id": key.id, "share_bp": share} for key, share in parts],
            paid_by_structure_id=structure_ids[paid_by] if paid_by else None))
    payments.record_payment(session, treasurer, now, payments.PaymentInput(
        structure_id=structure_ids["ALS"], amount_cents=30000, date=today, reference="Virement ALS"))


def _book_next_week(session: Session, now: datetime, people, structure_ids, resource_ids) -> None:
    """Bookings from next Monday on, made by their bookers through the booking service."""
    zone = ZoneInfo(settings.get_settings(session).timezone)
    today = now.astimezone(zone).date()
    monday = today + timedelta(days=7 - today.weekday())

    def at(day: date, hhmm: str) -> datetime:
        return datetime.combine(day, time.fromisoformat(hhmm), zone)

    for login, code, resource_name, weekday, start, end, title, extra in _BOOKINGS:
        day = monday + timedelta(days=weekday)
        bookings.create_booking(session, people[login], now, bookings.BookingInput(
            resource_id=resource_ids[resource_name], structure_id=structure_ids[code], start=at(day, start),
            end=at(day, end), title=title, **extra))


def _create_person(session: Session, actor: User | None, now: datetime, person: _Person) -> User:
    return users.create_user(session, actor, now, users.UserInput(
        email=person.email, name=person.name, password=DEMO_PASSWORD, roles=list(person.network_roles)))
