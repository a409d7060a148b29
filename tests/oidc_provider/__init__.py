"""An OpenID Connect identity provider for the single sign-on tests: allauth's own (`allauth.idp.oidc`), in a tiny
Django project of its own that the tests start as a separate process (`fixtures.py`).

It knows nothing of Charter: its settings, its SQLite database and its users are its own, and Charter reaches it
over HTTP like any company's provider. What a test needs of it (people, their groups, the registered client) it
seeds with `manage.py seed_provider` (`management/commands/seed_provider.py`).
"""
