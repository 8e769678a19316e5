"""Test factories with sensible defaults: `make.user(is_admin=True)`. They write rows directly, so a
test can set up any state; the behaviour under test always goes through the services."""

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from mutualise.extensions import db
from mutualise.models import (
    AllocationKey,
    AllocationKeyVersion,
    AllocationWeight,
    Membership,
    Resource,
    Site,
    Structure,
    User,
)
from mutualise.services.accounts import hash_password, new_session_nonce
from mutualise.services.checks import name_key

_NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
_HASH_CACHE: dict[str, str] = {}


def _hash(password: str) -> str:
    # argon2 is slow on purpose; one hash per distinct password keeps the suite fast
    if password not in _HASH_CACHE:
        _HASH_CACHE[password] = hash_password(password)
    return _HASH_CACHE[password]


class Factories:
    PASSWORD = "correct horse battery"

    def __init__(self, session: Session, sequence):
        self.session = session
        self.sequence = sequence

    def _save(self, obj):
        self.session.add(obj)
        self.session.commit()
        return obj

    def user(self, *, structures=(), role: str = "member", password: str | None = PASSWORD, **overrides):
        n = next(self.sequence)
        values = {"email": f"person{n}@example.org", "name": f"Person {n}", "created_at": _NOW,
                  "session_nonce": new_session_nonce(),
                  "password_hash": _hash(password) if password else None}
        user = User(**{**values, **overrides})
        for structure in structures:
            user.memberships.append(Membership(structure=structure, role=role, created_at=_NOW))
        return self._save(user)

    def structure(self, **overrides):
        n = next(self.sequence)
        values = {"name": f"Structure {n}", "short_code": f"S{n}", "legal_form": "association",
                  "created_at": _NOW}
        values.update(overrides)
        values.setdefault("name_key", name_key(values["name"]))
        return self._save(Structure(**values))

    def site(self, **overrides):
        n = next(self.sequence)
        values = {"name": f"Site {n}", "address": "1 rue de Lille", "created_at": _NOW}
        values.update(overrides)
        values.setdefault("name_key", name_key(values["name"]))
        return self._save(Site(**values))

    def resource(self, **overrides):
        n = next(self.sequence)
        values = {"kind": "room", "name": f"Room {n}", "quantity": 1, "attributes": {}, "created_at": _NOW}
        return self._save(Resource(**{**values, **overrides}))


def make_key(method: str, weights: dict, name: str = "Clé égale",
             valid_from: date = date(2025, 1, 1)) -> AllocationKey:
    """An allocation key with one version valid from `valid_from` and the given {structure: weight},
    written directly and committed (the key pages and service have their own tests)."""
    created = datetime.combine(valid_from, datetime.min.time(), tzinfo=UTC)
    key = AllocationKey(name=name, method=method, created_at=created)
    db.session.add(key)
    db.session.flush()
    version = AllocationKeyVersion(key_id=key.id, number=1, valid_from=valid_from, created_at=created)
    db.session.add(version)
    db.session.flush()
    db.session.add_all([AllocationWeight(version_id=version.id, structure_id=s.id, weight=w)
                        for s, w in weights.items()])
    db.session.commit()
    return key
