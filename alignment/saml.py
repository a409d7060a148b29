"""SAML 2.0 for an organisation's identity provider: the allauth `saml` app built from its row.

allauth's SAML provider (python3-saml, whose xmlsec comes as a wheel) finds an organisation's app by
`client_id` = "org<organisation id>". Charter is the service provider: it sends an AuthnRequest by HTTP-Redirect
to the provider's single sign-on URL, and takes the answer by HTTP-POST at `/accounts/saml/org<id>/acs/`.

What Charter asks of the answer (python3-saml, strict):
- the assertion is signed, with the provider's certificate (an unsigned, re-signed or altered assertion is
  refused; SHA-1 signatures are refused too); a signature on the whole response is checked when present but
  not required;
- it is for Charter: the audience is Charter's entity ID, the recipient and destination its ACS, and it is in
  time; allauth refuses an answer to a request this browser did not send (its `InResponseTo` must match the
  request stashed in the session) and an answer nobody asked for (provider-initiated sign-in);
- it names the person: the NameID is their identity at the provider (`SocialAccount.uid`); the e-mail comes from
  an e-mail attribute, or the NameID when its format is an e-mail address.

allauth builds Charter's entity ID (its metadata address), ACS and SLS from the request's host, as it does the
OpenID callback; `sp_urls` gives the same addresses at `SITE_URL` for the admins' settings page, and the two agree
when `SITE_URL` is the address people use. Not supported: encrypted assertions, signed AuthnRequests (Charter has
no key of its own), single logout, and reading the provider's metadata from a URL.
"""

from __future__ import annotations

from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.urls import reverse

from alignment.models import IdentityProvider

# Attribute names for each field, first found wins: the plain names many providers let admins choose, then the
# standard ones (LDAP OIDs as in eduPerson, and the claim URIs of Microsoft Entra ID and AD FS).
ATTRIBUTES = {
    "email": [
        "email", "mail", "emailAddress",
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    ],
    "name": [
        "name", "displayName",
        "urn:oid:2.16.840.1.113730.3.1.241",
        "http://schemas.microsoft.com/identity/claims/displayname",
    ],
    # No "uid": the NameID is the person's identity at the provider.
}


def sp_urls(provider_id: str) -> dict[str, str]:
    """Charter's entity ID (its metadata address), assertion consumer service and logout service at `SITE_URL`."""
    return {name: settings.SITE_URL + reverse(f"saml_{name}", kwargs={"organization_slug": provider_id})
            for name in ("metadata", "acs", "sls")}


def app_for(provider: IdentityProvider) -> SocialApp:
    """The allauth app for a SAML provider's row (not saved: allauth asks the adapter for it each time)."""
    return SocialApp(
        provider="saml", provider_id=provider.provider_id, client_id=provider.provider_id, name=provider.name,
        settings={
            "idp": {"entity_id": provider.saml_entity_id, "sso_url": provider.saml_sso_url,
                    "x509cert": provider.saml_certificate},
            # No "sp": allauth makes Charter's entity ID its metadata address at the request's host.
            "attribute_mapping": ATTRIBUTES,
            "advanced": {
                "strict": True,
                "want_assertion_signed": True,
                "want_message_signed": False,
                "want_name_id": True,
                "reject_deprecated_algorithm": True,
                "reject_idp_initiated_sso": True,
                # python3-saml checks its own settings' URLs; without this, "localhost" (development, the
                # browser tests) fails that check.
                "allow_single_label_domains": True,
            },
        },
    )


def claims_of(attributes: dict) -> dict[str, list[str]]:
    """The assertion's attributes as claims, each a list of values (SAML attributes are multi-valued, and one
    group such as "CN=Platform Team,OU=Groups" must stay one group)."""
    return {name: [str(value) for value in (values if isinstance(values, list) else [values])]
            for name, values in (attributes or {}).items()}
