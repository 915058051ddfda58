"""Personal data (ID numbers, phones): encrypted at rest, found by a keyed blind index, masked on screen.

Values are encrypted with Fernet under a list of keys (MultiFernet: the first encrypts, all decrypt), so a
new key can be put in front and `gongzhi rotate_pii_keys` re-encrypts every row under it. Exact look-ups go
through an HMAC of the normalised value (the blind index): the database never holds the clear value.

Keys come from the environment (GONGZHI_PII_KEYS, GONGZHI_PII_INDEX_KEY). In demo mode, debug and tests a key
is generated once into var/ so that the demo runs with no configuration; in production a missing key is an
error, never a silent default.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy


def _generated_key(name: str) -> str:
    path = settings.VAR_DIR / name
    if not path.exists():
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


def _may_generate() -> bool:
    return settings.DEMO_MODE or settings.DEBUG or getattr(settings, "PII_GENERATE_KEYS", False)


@lru_cache(maxsize=1)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def encryption_keys() -> tuple[str, ...]:
    keys = tuple(settings.PII_KEYS)
    if keys:
        return keys
    if _may_generate():
        return (_generated_key("pii_key"),)
    raise ImproperlyConfigured("GONGZHI_PII_KEYS is not set: personal data cannot be encrypted.")


def index_key() -> bytes:
    key = settings.PII_INDEX_KEY
    if not key:
        if not _may_generate():
            raise ImproperlyConfigured("GONGZHI_PII_INDEX_KEY is not set: personal data cannot be indexed.")
        key = _generated_key("pii_index_key")
    return base64.urlsafe_b64decode(key.encode()) if len(key) == 44 else key.encode()


def encrypt(value: str) -> str:
    return _cipher(encryption_keys()).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _cipher(encryption_keys()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("Personal data cannot be decrypted with the configured keys.") from exc


def rotate(token: str) -> str:
    """The same value, encrypted under the first (newest) key."""
    return _cipher(encryption_keys()).rotate(token.encode()).decode()


def normalise(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "").upper()


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed digest for exact look-ups; `purpose` keeps an ID number and a phone from colliding."""
    if not value:
        return ""
    message = f"{purpose}:{normalise(value)}".encode()
    return hmac.new(index_key(), message, hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column holding Fernet tokens; Python code sees the clear value."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)


# GB 11643-1999: 17 digits weighted, then a check character from this table.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}\d{7,8})$", re.ASCII)  # ASCII: not full-width digits


def id_number_check_char(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str) -> str:
    """The normalised 18-character resident ID number, or a ValidationError saying what is wrong."""
    value = normalise(value)
    if not _ID_RE.match(value):
        raise ValidationError(gettext_lazy("An ID number has 18 characters: 17 digits and a digit or X."))
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise ValidationError(
            gettext_lazy("The birth date inside the ID number is not a real date.")
        ) from exc
    if id_number_check_char(value[:17]) != value[17]:
        raise ValidationError(
            gettext_lazy("The check digit of the ID number is wrong: please check the number.")
        )
    return value


# How people write a number: "+86 138 0013 8000", "0086-13800138000", "(0755) 8888-1234".
_PHONE_PUNCTUATION = re.compile(r"[\s\-()（）.]")
_COUNTRY_PREFIX = re.compile(r"^(\+|00)86(?=1\d{10}$|0?[1-9]\d{8,10}$)", re.ASCII)


def validate_phone(value: str) -> str:
    """The number as stored: digits only, without the country code; a landline keeps its area code's 0."""
    written = _PHONE_PUNCTUATION.sub("", value or "").upper()
    value = _COUNTRY_PREFIX.sub("", written)
    is_mobile = len(value) == 11 and value.startswith("1")
    if value != written and not is_mobile and not value.startswith("0"):
        value = "0" + value  # a landline written +86 755 … or +86 10 …: the area code's 0 comes back
    if not _PHONE_RE.match(value):
        raise ValidationError(
            gettext_lazy("Enter an 11-digit mobile number or a landline with its area code.")
        )
    return value


def mask_id_number(value: str) -> str:
    """4403**********1234: region and last four only."""
    if not value:
        return ""
    return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "*" * len(value)


def mask_phone(value: str) -> str:
    """138****5678."""
    if not value:
        return ""
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) > 7 else "*" * len(value)


# Seven digits or more, also written in groups ("138 0013 8000", "138-0013-8000", "4403 0119 …").
# Not a date ("2026-10-13"), and never from the middle of a longer run of digits.
_LONG_NUMBER = re.compile(r"(?<!\d)(?!\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?!\d))\d(?:[\s\-]?\d){6,}[\dXx]?")


def mask_numbers_in(text: str) -> str:
    """Free text with each number of seven digits or more (a phone, an ID number), however grouped, masked
    as mask_phone does: for showing what one resident wrote to other people."""
    return _LONG_NUMBER.sub(lambda m: mask_phone(m.group()), text or "")


def person_search_q(query: str) -> Q | None:
    """Find people by name or pinyin initials; a full ID number or phone matches exactly by blind index.

    For models with `name`, `pinyin`, `id_index` and `phone_index` (members, recruits). None: no filter.
    """
    query = query.strip()
    if not query:
        return None
    q = Q(name__icontains=query) | Q(pinyin__contains=query.lower())
    digits = normalise(query)
    with contextlib.suppress(ValidationError):  # a phone as people write it, found by its stored form
        digits = validate_phone(query)
    if len(digits) == 18:
        q |= Q(id_index=blind_index(digits, purpose="id_number"))
    elif digits.isdigit() and len(digits) >= 7:
        q |= Q(phone_index=blind_index(digits, purpose="phone"))
    return q
