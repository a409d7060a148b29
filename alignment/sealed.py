"""Secrets kept in the database sealed (Fernet), with a key derived from `SECRET_KEY`.

An identity provider's client secret must be read back to be sent to the provider, so it cannot be a digest;
sealed, a copy of the database alone does not give it away. Rotating `SECRET_KEY` keeps sealed values readable
while the old key is in `SECRET_KEY_FALLBACKS`; `seal` always uses the current one.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet(secret: str) -> Fernet:
    digest = hashlib.sha256(f"charter.sealed:{secret}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _keys() -> MultiFernet:
    return MultiFernet([_fernet(settings.SECRET_KEY), *(_fernet(old) for old in settings.SECRET_KEY_FALLBACKS)])


def seal(value: str) -> str:
    return _keys().encrypt(value.encode()).decode() if value else ""


def unseal(sealed: str) -> str:
    """The value `seal` was given; empty when nothing was sealed or no key of this site can open it."""
    if not sealed:
        return ""
    try:
        return _keys().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return ""
