"""The test identity provider as a local process, and Charter's side of it, as pytest fixtures.

    from tests.oidc_provider.fixtures import Person, connect_identity_provider, oidc_provider  # noqa: F401

    def test_…(connect_identity_provider, organisation, live_server):
        provider = connect_identity_provider(organisation, charter_url=live_server.url,
                                             people=[Person("ana@harbour.example", claims={"groups": ["eng"]})])

`oidc_provider` (one per test session and xdist worker) generates an RSA key, migrates a SQLite database in a
temporary directory and runs the provider project (this package) with `manage.py runserver` on a free port of
127.0.0.1, with a Python path that holds only this package's parent: Charter's settings are never loaded there.
`connect_identity_provider` gives an organisation its `IdentityProvider` row pointing at it, and seeds the
provider with the people the test names and a client whose one redirect URI is Charter's callback for that
organisation at `charter_url` (allauth builds it from the request's host, so it must be the host the browser or
test client uses).
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

TESTS_DIR = Path(__file__).resolve().parent.parent
START_TIMEOUT = 20.0  # seconds for the provider to answer its discovery document
PASSWORD = "provider-password"


@dataclass
class Person:
    """Someone the provider can sign in; `claims` are added to their ID token and user info."""

    email: str
    password: str = PASSWORD
    name: str = ""
    claims: dict = field(default_factory=dict)


class ProviderProcess:
    """allauth's OpenID Connect provider, run by `manage.py runserver` in a process of its own."""

    client_id = "charter"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _free_port()
        self.issuer = f"http://127.0.0.1:{self.port}/"
        self.client_secret = secrets.token_urlsafe(24)
        self.log = directory / "provider.log"
        self._process: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {name: value for name, value in os.environ.items() if not name.startswith("DJANGO_")}
        return {**env, "PYTHONPATH": str(TESTS_DIR), "DJANGO_SETTINGS_MODULE": "oidc_provider.settings",
                "OIDC_PROVIDER_DIR": str(self.directory), "OIDC_PROVIDER_KEY_FILE": str(self.directory / "key.pem")}

    def manage(self, *args: str, stdin: str | None = None) -> None:
        done = subprocess.run([sys.executable, "-m", "django", *args], input=stdin, env=self.env,
                              cwd=self.directory, capture_output=True, text=True, timeout=60)
        if done.returncode:
            raise RuntimeError(f"The test identity provider's `{' '.join(args)}` failed:\n{done.stderr}")

    def start(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (self.directory / "key.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        self.manage("migrate", "--run-syncdb", "--verbosity", "0")
        with self.log.open("w") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{self.port}", "--noreload",
                 "--skip-checks"], env=self.env, cwd=self.directory, stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_answering()

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        url = self.issuer + ".well-known/openid-configuration"
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"The test identity provider did not answer {url}:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def seed(self, *, redirect_uri: str, people: list[Person], skip_consent: bool = True) -> None:
        """Replace the provider's people and its client (whose only redirect URI is `redirect_uri`)."""
        self.manage("seed_provider", stdin=json.dumps({
            "client": {"id": self.client_id, "secret": self.client_secret, "redirect_uris": [redirect_uri],
                       "skip_consent": skip_consent},
            "people": [asdict(person) for person in people],
        }))


    def sign_in(self, authorize_url: str, *, email: str, password: str = PASSWORD, until: str) -> str:
        """A person's browser at the provider, played by `requests`: from the authorization request through its
        login page (and consent, if asked) to the redirect back; returns that URL (the first starting `until`)."""
        browser, url = requests.Session(), authorize_url
        for _ in range(10):
            response = browser.get(url, allow_redirects=False, timeout=10)
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                if url.startswith(until):
                    return url
                continue
            form = {name: html.unescape(value)
                    for name, value in re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', response.text)}
            if "/accounts/login/" in url:
                form.update(login=email, password=password)
            else:  # the consent page: grant every scope asked for
                form.update(action="grant", scopes=re.findall(r'name="scopes" value="([^"]*)"', response.text))
            response = browser.post(url, data=form, headers={"Referer": url}, allow_redirects=False, timeout=10)
            if not response.is_redirect:
                raise AssertionError(f"The provider answered {response.status_code} at {url}:\n{response.text[:2000]}")
            url = urljoin(url, response.headers["Location"])
            if url.startswith(until):
                return url
        raise AssertionError(f"The provider never sent the person back to {until}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    process = ProviderProcess(tmp_path_factory.mktemp("oidc-provider"))
    process.start()
    yield process
    process.stop()


@pytest.fixture
def connect_identity_provider(oidc_provider, db):
    """`connect(organisation, charter_url=…, people=[…], domains=[…], **row_fields)` → its `IdentityProvider`."""
    from alignment import sealed
    from alignment.models import IdentityProvider, IdentityProviderDomain

    def connect(organisation, *, charter_url: str, people: list[Person], domains=("harbour.example",),
                skip_consent: bool = True, **row_fields) -> IdentityProvider:
        provider = IdentityProvider.objects.create(
            organisation=organisation, name=row_fields.pop("name", "Harbour Sign-In"),
            issuer_url=oidc_provider.issuer, client_id=oidc_provider.client_id,
            client_secret_sealed=sealed.seal(oidc_provider.client_secret), **row_fields)
        IdentityProviderDomain.objects.bulk_create(
            IdentityProviderDomain(provider=provider, domain=domain) for domain in domains)
        callback = f"{charter_url.rstrip('/')}/accounts/oidc/{provider.provider_id}/login/callback/"
        oidc_provider.seed(redirect_uri=callback, people=people, skip_consent=skip_consent)
        return provider

    return connect
