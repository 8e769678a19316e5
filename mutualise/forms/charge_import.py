"""The import of a month's charges from the treasurer's spreadsheet: CSV text (pasted, or a file) read
into charges for services/charge_batches, which checks and posts them all or none.

One charge per line under a header line naming the columns, in English or French: date, label
(libellé), category (catégorie), amount (montant), key (clé), and optionally paid_by (payé par: a
structure's code or name) and receipt (pièce). Semicolons, commas or tabs separate the cells. A charge
split in parts names them in the key cell: "À parts égales 50 % + Heures de salle 50 %". Only turning
text into values happens here; every rule is the service's.
"""

import csv
import re
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField

from mutualise.blueprints.ledger_text import CATEGORY_LABELS
from mutualise.domain.money import AmountError, parse_amount
from mutualise.forms.ledger import AMOUNT_MESSAGES, PERCENT_MESSAGES, parse_percent
from mutualise.models import AllocationKey, Structure
from mutualise.services.charge_plans import ChargeInput
from mutualise.services.errors import ValidationError

MAX_TEXT = 1_000_000  # characters: far more than a month of charges
COLUMNS = {"date": "date", "label": "label", "libellé": "label", "category": "category",
           "catégorie": "category", "amount": "amount", "montant": "amount", "key": "key", "clé": "key",
           "paid_by": "paid_by", "payé par": "paid_by", "receipt": "receipt", "pièce": "receipt"}
REQUIRED = ("date", "label", "category", "amount", "key")
# the service's field of a charge -> the column that holds it
_SERVICE_COLUMNS = {"label": "label", "category": "category", "amount_cents": "amount", "date": "date",
                    "covers_from": "date", "covers_until": "date", "key_id": "key", "parts": "key",
                    "paid_by_structure_id": "paid_by", "receipt_ref": "receipt"}
_PART = re.compile(r"(.+?)\s+([0-9]+(?:[.,][0-9]+)?\s*%)")
_FRENCH_DAY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ChargeImportForm(FlaskForm):
    text = TextAreaField(_l("Charges (CSV)"), render_kw={"rows": 12, "spellcheck": "false"})
    upload = FileField(_l("Or a CSV file"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.problems: list[str] = []  # what is wrong, each naming its line
        self.lines: list[int] = []  # the line of each charge read
        self.column_names: dict[str, str] = {}  # column -> its name as the first line typed it

    def read_upload(self) -> None:
        """A file sent replaces the text, which the preview sends back when posting."""
        upload = self.upload.data
        if upload is None or not getattr(upload, "filename", ""):
            return
        raw = upload.read(MAX_TEXT * 4 + 1)
        try:
            self.text.data = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.text.data = raw.decode("cp1252", errors="replace")  # an older spreadsheet's export

    def to_inputs(self, keys: list[AllocationKey], structures: list[Structure]) -> list[ChargeInput]:
        """The charges of the text; `problems` says what could not be read."""
        text = (self.text.data or "").lstrip("\ufeff")
        if not text.strip():
            self.problems.append(_("Paste the charges, or choose a file."))
            return []
        if len(text) > MAX_TEXT:
            self.problems.append(_("The text is too long to be a month of charges."))
            return []
        rows = csv.reader(text.splitlines(), _dialect(text))
        typed = [cell.strip() for cell in next(rows, [])]
        header = [COLUMNS.get(cell.casefold(), "") for cell in typed]
        self.column_names = {name: cell for name, cell in zip(header, typed, strict=True) if name}
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            self.problems.append(_("The first line must name the columns; missing: %(names)s.",
                                   names=", ".join(missing)))
            return []
        lookup = _Lookup(keys, structures)
        inputs = []
        for cells in rows:
            if not any(cell.strip() for cell in cells):
                continue
            values = {name: cell.strip() for name, cell in zip(header, cells, strict=False) if name}
            charge = self._charge(rows.line_num, values, lookup)
            if charge is not None:
                inputs.append(charge)
                self.lines.append(rows.line_num)
        if not inputs and not self.problems:
            self.problems.append(_("There is no charge under the first line."))
        return inputs

    def attach(self, error: ValidationError) -> None:
        """The service's refusals ("charges.<index>.<field>"), each naming its line and column."""
        for name, message in error.fields.items():
            pieces = name.split(".")
            if pieces[0] == "charges" and len(pieces) >= 3 and pieces[1].isdigit() \
                    and int(pieces[1]) < len(self.lines):
                self._problem(self.lines[int(pieces[1])], _SERVICE_COLUMNS.get(pieces[2], pieces[2]),
                              str(message))
            else:
                self.problems.append(str(message))

    def _problem(self, line: int, column: str, message: Any) -> None:
        self.problems.append(_("Line %(line)d, %(column)s: %(message)s", line=line,
                               column=self.column_names.get(column, column), message=message))

    def _charge(self, line: int, values: dict[str, str], lookup: "_Lookup") -> ChargeInput | None:
        before = len(self.problems)
        day = _day(values.get("date", ""))
        if day is None:
            self._problem(line, "date", _("type a date such as 2026-03-31 or 31/03/2026."))
        try:
            amount = parse_amount(values.get("amount", ""))
        except AmountError as error:
            amount = None
            self._problem(line, "amount", AMOUNT_MESSAGES[error.reason])
        key_id, parts = self._split(line, values.get("key", ""), lookup)
        paid_by = None
        if values.get("paid_by"):
            paid_by = lookup.structure(values["paid_by"])
            if paid_by is None:
                self._problem(line, "paid_by", _("no structure has the code or name “%(name)s”.",
                                                 name=values["paid_by"]))
        if len(self.problems) > before:
            return None
        category = values.get("category", "")
        return ChargeInput(label=values.get("label", ""), category=lookup.category(category),
                           amount_cents=amount, date=day, key_id=key_id, parts=parts,
                           paid_by_structure_id=paid_by, receipt_ref=values.get("receipt") or None)

    def _split(self, line: int, text: str, lookup: "_Lookup") -> tuple[int | None, list | None]:
        """One key's id, or the parts of a split ("Name 50 % + Other 50 %")."""
        if not text:
            self._problem(line, "key", _("name the allocation key."))
            return None, None
        pieces = [piece.strip() for piece in text.split("+")]
        matches = [_PART.fullmatch(piece) for piece in pieces]
        if not all(matches):
            key_id = lookup.key(text)
            if key_id is None:
                self._problem(line, "key", _("no active key is called “%(name)s”.", name=text))
            return key_id, None
        parts = []
        for match in matches:
            name, typed = match.group(1).strip(), match.group(2)
            key_id = lookup.key(name)
            if key_id is None:
                self._problem(line, "key", _("no active key is called “%(name)s”.", name=name))
                continue
            try:
                parts.append({"key_id": key_id, "share_bp": parse_percent(typed)})
            except AmountError as error:
                self._problem(line, "key", PERCENT_MESSAGES[error.reason])
        return None, parts


class _Lookup:
    """Names as typed in a spreadsheet (any case) -> ids."""

    def __init__(self, keys: list[AllocationKey], structures: list[Structure]):
        self.keys = {key.name.casefold(): key.id for key in keys}
        self.structures = {s.short_code.casefold(): s.id for s in structures if s.short_code}
        self.structures.update((s.name.casefold(), s.id) for s in structures)
        self.categories = {str(label).casefold(): code for code, label in CATEGORY_LABELS.items()}

    def key(self, name: str) -> int | None:
        return self.keys.get(name.strip().casefold())

    def structure(self, name: str) -> int | None:
        return self.structures.get(name.strip().casefold())

    def category(self, text: str) -> str:
        """A category's code, from the code or its label in the reader's language."""
        return self.categories.get(text.casefold(), text)


def _dialect(text: str) -> type[csv.Dialect]:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        return _Semicolons


class _Semicolons(csv.excel):
    delimiter = ";"


def _day(text: str) -> date | None:
    """2026-03-31 or 31/03/2026 (as French spreadsheets write it)."""
    match = _FRENCH_DAY.fullmatch(text)
    try:
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return date.fromisoformat(text) if _ISO_DAY.fullmatch(text) else None
    except ValueError:
        return None
