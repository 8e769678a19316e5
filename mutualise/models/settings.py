"""The network's own settings: one row."""

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from mutualise.extensions import db


class NetworkSettings(db.Model):
    __tablename__ = "network_settings"
    NAME_MAX = 120
    SINGLETON_ID = 1

    id: Mapped[int] = mapped_column(primary_key=True, default=SINGLETON_ID)
    name: Mapped[str] = mapped_column(String(NAME_MAX), default="Mutualise")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    default_locale: Mapped[str] = mapped_column(String(5), default="fr")
    # French public holidays generated as closures: "none", "france" or "alsace_moselle"
    public_holidays: Mapped[str] = mapped_column(String(20), default="none", server_default="none")
    # the network's own SIREN: names its FEC file (SIRENFECYYYYMMDD.txt)
    siren: Mapped[str | None] = mapped_column(String(9))

    __table_args__ = (
        CheckConstraint("id = 1", name="singleton"),
        CheckConstraint("public_holidays IN ('none','france','alsace_moselle')", name="public_holidays"),
    )
