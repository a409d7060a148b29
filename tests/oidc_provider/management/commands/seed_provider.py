"""`manage.py seed_provider < seed.json`: the provider's people and its one client, replacing whatever was there.

    {"client": {"id": "charter", "secret": "…", "redirect_uris": ["http://localhost:8000/…/callback/"],
                "skip_consent": false},
     "people": [{"email": "ana@example.org", "password": "…", "name": "Ana Example",
                 "claims": {"groups": ["engineering"], "amr": ["pwd"]}}]}
"""

from __future__ import annotations

import json
import sys

from allauth.account.models import EmailAddress
from allauth.idp.oidc.models import Client, Token
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction

from ...models import ExtraClaims


class Command(BaseCommand):
    help = "Replace the provider's people and client with those read as JSON from standard input."

    def handle(self, *args, **options) -> None:
        seed = json.load(sys.stdin)
        with transaction.atomic():
            Token.objects.all().delete()
            Client.objects.all().delete()
            User.objects.all().delete()
            client = Client(id=seed["client"]["id"], name="Charter",
                            skip_consent=seed["client"].get("skip_consent", False))
            client.set_secret(seed["client"]["secret"])
            client.set_scopes(["openid", "profile", "email"])
            client.set_redirect_uris(seed["client"]["redirect_uris"])
            client.save()
            for number, person in enumerate(seed.get("people", []), start=1):
                first, _, last = person.get("name", "").partition(" ")
                user = User.objects.create_user(f"person{number}", person["email"], person["password"],
                                                first_name=first, last_name=last)
                EmailAddress.objects.create(user=user, email=person["email"], verified=True, primary=True)
                ExtraClaims.objects.create(user=user, claims=person.get("claims", {}))
