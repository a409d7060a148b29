"""A SAML 2.0 identity provider small enough to read: an HTTP server on 127.0.0.1, run in a thread.

- `GET /sso?SAMLRequest=…&RelayState=…` (the HTTP-Redirect binding): it inflates and reads the AuthnRequest (its
  ID, its issuer, the service provider's ACS) and shows a login page where the person types their address.
- `POST /sso` with that address: for someone it knows (`people`), a page holding a form that POSTs a signed
  `SAMLResponse` (and the `RelayState`) to the ACS, with a visible "Continue" button, so it works without
  JavaScript. NameID is the e-mail address; the attributes are `email`, `name` and `groups`; `InResponseTo` is
  the request's ID, the audience the request's issuer (the service provider's entity ID), the recipient its ACS.

Assertions are signed (RSA-SHA256, exclusive canonicalisation) by python3-saml's `add_sign`, on xmlsec, with a key
and self-signed certificate made by `cryptography` at start. A test may make it misbehave for the next answers:
sign nothing, sign only the response, sign with a stranger's key, or name another audience (`reset` undoes it).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from onelogin.saml2.utils import OneLogin_Saml2_Utils

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
XS = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
SSO_PATH = "/sso"
LIFETIME = dt.timedelta(minutes=5)  # how long an assertion may be used
PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


@dataclass(frozen=True)
class KeyPair:
    """A private key and its self-signed certificate, both PEM."""

    key_pem: str
    cert_pem: str

    @classmethod
    def make(cls, common_name: str) -> KeyPair:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = dt.datetime.now(dt.UTC)
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
                .sign(key, hashes.SHA256()))
        return cls(
            key_pem=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()).decode(),
            cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode())


@dataclass
class Person:
    """Someone the provider signs in."""

    email: str
    name: str = ""
    groups: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AuthnRequest:
    id: str
    issuer: str  # the service provider's entity ID
    acs_url: str

    @classmethod
    def read(cls, encoded: str) -> AuthnRequest:
        """An AuthnRequest as the HTTP-Redirect binding carries it: deflated, then base64."""
        try:
            root = etree.fromstring(OneLogin_Saml2_Utils.decode_base64_and_inflate(encoded), PARSER)
        except Exception as exc:
            raise ValueError(f"not an AuthnRequest: {exc}") from exc
        if root.tag != f"{{{SAMLP}}}AuthnRequest" or not root.get("ID") or not root.get("AssertionConsumerServiceURL"):
            raise ValueError("not an AuthnRequest with an ID and an AssertionConsumerServiceURL")
        return cls(id=root.get("ID"), issuer=root.findtext(f"{{{SAML}}}Issuer", "").strip(),
                   acs_url=root.get("AssertionConsumerServiceURL"))


@dataclass(frozen=True)
class Answer:
    """What the provider's last page POSTs to the service provider."""

    acs_url: str
    fields: dict[str, str]

    @property
    def xml(self) -> str:
        return base64.b64decode(self.fields["SAMLResponse"]).decode()

    def with_xml(self, xml: str) -> Answer:
        """The same answer carrying other XML: a tampered response."""
        return Answer(self.acs_url, {**self.fields, "SAMLResponse": base64.b64encode(xml.encode()).decode()})


class SamlIdentityProvider:
    def __init__(self) -> None:
        self.keys = KeyPair.make("Charter test identity provider")
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.reset()

    def reset(self) -> None:
        """Forget the people and behave again: sign each assertion with its own key, for the asking audience."""
        self.people: dict[str, Person] = {}
        self.signs: str = "assertion"  # or "response" (only the whole response), or "nothing"
        self.signing_keys: KeyPair = self.keys
        self.audience: str | None = None  # None: the request's issuer

    # Running ---------------------------------------------------------------------------------------------

    def start(self) -> SamlIdentityProvider:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.identity_provider = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="saml-idp", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def entity_id(self) -> str:
        return f"{self.url}/metadata"

    @property
    def sso_url(self) -> str:
        return self.url + SSO_PATH

    @property
    def certificate(self) -> str:
        return self.keys.cert_pem

    # People ----------------------------------------------------------------------------------------------

    def add(self, *people: Person) -> None:
        self.people.update({person.email.lower(): person for person in people})

    # The answer ------------------------------------------------------------------------------------------

    def response_for(self, request: AuthnRequest, person: Person) -> str:
        """The signed `<samlp:Response>` answering `request` for `person`, base64 as the HTTP-POST binding has it."""
        now = dt.datetime.now(dt.UTC)
        instant, until = _instant(now), _instant(now + LIFETIME)
        assertion = etree.Element(f"{{{SAML}}}Assertion", nsmap={"saml": SAML, "xs": XS, "xsi": XSI},
                                  ID=_new_id(), Version="2.0", IssueInstant=instant)
        _add(assertion, "Issuer", self.entity_id)
        subject = _add(assertion, "Subject")
        _add(subject, "NameID", person.email, Format=EMAIL_FORMAT)
        confirmation = _add(subject, "SubjectConfirmation", Method="urn:oasis:names:tc:SAML:2.0:cm:bearer")
        _add(confirmation, "SubjectConfirmationData", InResponseTo=request.id, Recipient=request.acs_url,
             NotOnOrAfter=until)
        conditions = _add(assertion, "Conditions", NotBefore=instant, NotOnOrAfter=until)
        _add(_add(conditions, "AudienceRestriction"), "Audience", self.audience or request.issuer)
        authn = _add(assertion, "AuthnStatement", AuthnInstant=instant, SessionIndex=_new_id())
        _add(_add(authn, "AuthnContext"), "AuthnContextClassRef",
             "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
        statement = _add(assertion, "AttributeStatement")
        for name, values in (("email", [person.email]), ("name", [person.name] if person.name else []),
                             ("groups", person.groups)):
            if values:
                attribute = _add(statement, "Attribute", Name=name,
                                 NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic")
                for value in values:
                    _add(attribute, "AttributeValue", value, **{f"{{{XSI}}}type": "xs:string"})
        if self.signs == "assertion":
            assertion = etree.fromstring(self._sign(assertion), PARSER)

        response = etree.Element(f"{{{SAMLP}}}Response", nsmap={"samlp": SAMLP, "saml": SAML}, ID=_new_id(),
                                 Version="2.0", IssueInstant=instant, Destination=request.acs_url,
                                 InResponseTo=request.id)
        _add(response, "Issuer", self.entity_id)
        status = etree.SubElement(response, f"{{{SAMLP}}}Status")
        etree.SubElement(status, f"{{{SAMLP}}}StatusCode", Value="urn:oasis:names:tc:SAML:2.0:status:Success")
        response.append(assertion)
        xml = self._sign(response) if self.signs == "response" else etree.tostring(response)
        return base64.b64encode(xml).decode()

    def _sign(self, element: etree._Element) -> bytes:
        return OneLogin_Saml2_Utils.add_sign(etree.tostring(element), self.signing_keys.key_pem,
                                             self.signing_keys.cert_pem)

    # A person's browser at the provider, for tests without one -------------------------------------------

    def sign_in(self, sso_redirect_url: str, *, email: str) -> Answer:
        """Follow Charter's redirect to this provider over HTTP, sign in as `email`, and return the form its
        answer page would POST to Charter (the test client posts it)."""
        login_page = requests.get(sso_redirect_url, timeout=10)
        login_page.raise_for_status()
        action, fields = _form_of(login_page.text)
        answer_page = requests.post(urljoin(sso_redirect_url, action), data={**fields, "email": email}, timeout=10)
        answer_page.raise_for_status()
        action, fields = _form_of(answer_page.text)
        if "SAMLResponse" not in fields:
            raise AssertionError(f"The provider did not answer with a SAMLResponse:\n{answer_page.text}")
        return Answer(action, fields)


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != SSO_PATH:
            return self._send(404, "<p>Nothing here.</p>")
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        return self._login_page(query.get("SAMLRequest", ""), query.get("RelayState", ""))

    def do_POST(self) -> None:
        if urlsplit(self.path).path != SSO_PATH:
            return self._send(404, "<p>Nothing here.</p>")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        form = {name: values[0] for name, values in parse_qs(body, keep_blank_values=True).items()}
        encoded, relay_state = form.get("SAMLRequest", ""), form.get("RelayState", "")
        idp: SamlIdentityProvider = self.server.identity_provider
        person = idp.people.get(form.get("email", "").strip().lower())
        if person is None:
            return self._login_page(encoded, relay_state, error="No one here has that address.")
        try:
            request = AuthnRequest.read(encoded)
        except ValueError as exc:
            return self._send(400, f"<p>{html.escape(str(exc))}</p>")
        self._send(200, f"""
<h1>Signed in</h1>
<p>You are signed in as {html.escape(person.email)}. Continue to {html.escape(request.issuer)}.</p>
<form method="post" action="{html.escape(request.acs_url)}">
  <input type="hidden" name="SAMLResponse" value="{idp.response_for(request, person)}">
  <input type="hidden" name="RelayState" value="{html.escape(relay_state)}">
  <button type="submit">Continue</button>
</form>""")

    def _login_page(self, encoded: str, relay_state: str, error: str = "") -> None:
        try:
            request = AuthnRequest.read(encoded)
        except ValueError as exc:
            return self._send(400, f"<p>{html.escape(str(exc))}</p>")
        self._send(200, f"""
<h1>Test identity provider</h1>
<p>Sign in to {html.escape(request.issuer)}.</p>
{f'<p role="alert">{html.escape(error)}</p>' if error else ''}
<form method="post" action="{SSO_PATH}">
  <input type="hidden" name="SAMLRequest" value="{html.escape(encoded)}">
  <input type="hidden" name="RelayState" value="{html.escape(relay_state)}">
  <label for="email">Email</label> <input id="email" name="email" type="email" required>
  <button type="submit">Sign in</button>
</form>""")

    def _send(self, status: int, body: str) -> None:
        page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title>'
                f'<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
                f"<body>{body}</body></html>").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        pass  # quiet: pytest shows what a failing test needs


def _add(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{SAML}}}{tag}", **attributes)
    element.text = text
    return element


def _new_id() -> str:
    return "_" + secrets.token_hex(20)  # an xs:ID may not start with a digit


def _instant(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _form_of(page: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of a page's one form."""
    action = re.search(r'<form[^>]*action="([^"]*)"', page)
    if action is None:
        raise AssertionError(f"No form on the provider's page:\n{page}")
    fields = {name: html.unescape(value)
              for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page)}
    return html.unescape(action.group(1)), fields
