"""A SAML 2.0 identity provider for the tests: a small HTTP server in a thread (`server.py`), its fixtures in
`fixtures.py`. It signs its assertions with a key it makes at start; Charter knows only its certificate."""
