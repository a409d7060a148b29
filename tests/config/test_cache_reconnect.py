"""The shared cache outlives a Redis restart: the first command after it makes its connection again.

Sessions are read from the cache (`cached_db`), so a connection Redis dropped would otherwise fail the
next request of every web process with a 500 (the cluster test met one or two at each restart).
"""

from __future__ import annotations

import shutil
import threading

import pytest
import redis
from django.conf import settings
from django.core.cache.backends.redis import RedisCache

pytestmark = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server to start a Redis of its own")


def _read_while_restarting(own_redis, cache: RedisCache):
    """Read while Redis is down for a restart, as a request arriving then does (it is back a moment later)."""
    cache.set("session", "kept", 60)
    own_redis.stop()
    back = threading.Thread(target=own_redis.start)  # start() returns once the server accepts connections
    back.start()
    try:
        return cache.get("session")
    finally:
        back.join()


def test_the_site_cache_answers_a_read_made_while_redis_restarts(own_redis):
    cache = RedisCache(own_redis.url, {"OPTIONS": settings.REDIS_CACHE_OPTIONS})
    assert _read_while_restarting(own_redis, cache) is None  # nothing persisted: the key is gone
    cache.set("session", "again", 60)
    assert cache.get("session") == "again"


def test_without_retries_the_same_read_fails(own_redis):
    """What the options prevent: redis-py's default gives a refused connection no second try."""
    with pytest.raises(redis.exceptions.ConnectionError):
        _read_while_restarting(own_redis, RedisCache(own_redis.url, {}))


def test_the_settings_use_the_options_with_redis():
    """Read from the settings module itself: the suite's conftest gives each test a local-memory cache."""
    from config import settings as project

    if project.REDIS_URL:
        assert project.CACHES["default"]["OPTIONS"] is project.REDIS_CACHE_OPTIONS
    else:
        assert project.CACHES["default"]["BACKEND"].endswith("LocMemCache")
