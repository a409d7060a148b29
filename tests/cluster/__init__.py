"""The cluster test: the app as several nodes, killed in parts under load (`make test-cluster`; root, minutes)."""
