"""Who may open which sign-in address: allauth's pages mounted under /accounts/ (tests/alignment/test_permissions.py
covers the site's own). One row per URL name, answers for someone signed out and for someone signed in.

The two-factor pages are the signed-in person's own: signed out, each sends to the login page; a passkey or
authenticator that is not theirs is not found; changing one asks for the password again first. A provider
that is not an organisation's is not found.
"""

from __future__ import annotations

import pytest
from django.urls import URLResolver, get_resolver, reverse

LOGIN = "login"  # redirected to the login page with ?next=
TO_LOGIN = "to-login"  # redirected to the login page, nothing pending to come back to
HOME = "home"  # a signed-in person is sent on to their home page
REAUTH = "reauthenticate"  # asked for their password again before changing a sign-in method

# fmt: off
ANSWERS = {
    #                                 signed out  signed in
    "account_login":                  (200,       HOME),
    "account_signup":                 (200,       HOME),
    "account_email":                  (LOGIN,     200),   # allauth's name for the profile page
    "account_logout":                 (405,       405),   # signing out is a POST
    "account_inactive":               (200,       200),   # says an account is switched off
    "account_reauthenticate":         (LOGIN,     200),
    "account_change_password":        (LOGIN,     200),
    "account_reset_password":         (200,       200),
    "mfa_index":                      (LOGIN,     200),
    "mfa_authenticate":               (TO_LOGIN,  HOME),  # only between a right password and the code
    "mfa_reauthenticate":             (LOGIN,     REAUTH),
    "mfa_activate_totp":              (LOGIN,     REAUTH),
    "mfa_deactivate_totp":            (LOGIN,     404),   # no authenticator app to turn off
    "mfa_view_recovery_codes":        (LOGIN,     404),   # no recovery codes yet
    "mfa_generate_recovery_codes":    (LOGIN,     REAUTH),
    "mfa_download_recovery_codes":    (LOGIN,     404),
    "mfa_list_webauthn":              (LOGIN,     200),
    "mfa_add_webauthn":               (LOGIN,     REAUTH),
    "mfa_reauthenticate_webauthn":    (LOGIN,     REAUTH),
    "mfa_remove_webauthn":            (LOGIN,     REAUTH),
    "mfa_edit_webauthn":              (LOGIN,     REAUTH),
    "mfa_login_webauthn":             (TO_LOGIN,  HOME),  # a passkey sign-in is posted from the login page
    "socialaccount_login_cancelled":  (200,       200),
    "socialaccount_login_error":      (401,       401),
    "socialaccount_signup":           (TO_LOGIN,  TO_LOGIN),  # only in the middle of a provider's sign-in
    "openid_connect_login":           (404,       404),   # "org<id>" of no organisation
    "openid_connect_callback":        (404,       404),
    "saml_login":                     (404,       404),   # "org<id>" of no organisation
    "saml_acs":                       (302,       302),   # passed on to …/acs/finish/, which answers 404
    "saml_finish_acs":                (404,       404),
    "saml_sls":                       (404,       404),
    "saml_metadata":                  (404,       404),
    "usersessions_list":              (LOGIN,     200),
}
# fmt: on
KWARGS = {"mfa_remove_webauthn": {"pk": 1}, "mfa_edit_webauthn": {"pk": 1},
          "openid_connect_login": {"provider_id": "org999999"}, "openid_connect_callback": {"provider_id": "org999999"},
          **{f"saml_{name}": {"organization_slug": "org999999"} for name in ("login", "acs", "finish_acs", "sls",
                                                                            "metadata")}}
SITE_OWN = {"signup", "profile", "login", "logout", "password_change", "password_change_done", "password_reset",
            "password_reset_done", "password_reset_confirm", "password_reset_complete", "data_export_request",
            "data_export_download", "account_delete", "account_delete_cancel"}


def _names_under_accounts():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern.name
    return {name for path, name in walk(get_resolver().url_patterns) if path.startswith("accounts/")}


def test_table_covers_every_sign_in_url():
    assert _names_under_accounts() - SITE_OWN == set(ANSWERS)


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
@pytest.mark.parametrize("url_name", ANSWERS)
def test_each_gets_the_answer_in_the_table(url_name, signed_in, client, make_user):
    if signed_in:
        client.force_login(make_user("nadia@example.com", "Nadia"))
    url = reverse(url_name, kwargs=KWARGS.get(url_name))

    response = client.get(url)

    expected = ANSWERS[url_name][signed_in]
    location = response.get("Location", "")
    if expected == LOGIN:
        assert response.status_code == 302
        assert location.startswith(reverse("login") + "?next=")
    elif expected == TO_LOGIN:
        assert (response.status_code, location) == (302, reverse("login"))
    elif expected == HOME:
        assert (response.status_code, location) == (302, reverse("home"))
    elif expected == REAUTH:
        assert response.status_code == 302 and location.startswith(reverse("account_reauthenticate"))
    else:
        assert response.status_code == expected
