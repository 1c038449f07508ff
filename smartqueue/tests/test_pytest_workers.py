"""Parallel test workers each get a Redis database of their own (smartqueue/pytest_workers.py)."""

from smartqueue.pytest_workers import give_this_worker_its_own_redis_databases, redis_url_for_worker


def test_each_worker_moves_the_database_number_up_by_its_own_number():
    assert redis_url_for_worker("redis://127.0.0.1:6379/1", "gw0") == "redis://127.0.0.1:6379/1"
    assert redis_url_for_worker("redis://127.0.0.1:6379/1", "gw2") == "redis://127.0.0.1:6379/3"
    assert redis_url_for_worker("redis://127.0.0.1:6379", "gw1") == "redis://127.0.0.1:6379/1"
    assert redis_url_for_worker("rediss://:secret@cache:6380/4", "gw1") == "rediss://:secret@cache:6380/5"


def test_a_worker_moves_the_channel_layer_broker_and_cache_urls_and_a_single_process_moves_none():
    worker = {"PYTEST_XDIST_WORKER": "gw1", "REDIS_URL": "redis://r:6379/1", "CACHE_URL": "redis://c:6379/2"}
    give_this_worker_its_own_redis_databases(worker)
    assert (worker["REDIS_URL"], worker["CACHE_URL"]) == ("redis://r:6379/2", "redis://c:6379/3")

    single = {"REDIS_URL": "redis://r:6379/1"}
    give_this_worker_its_own_redis_databases(single)
    assert single == {"REDIS_URL": "redis://r:6379/1"}

    without_redis = {"PYTEST_XDIST_WORKER": "gw1"}
    give_this_worker_its_own_redis_databases(without_redis)
    assert without_redis == {"PYTEST_XDIST_WORKER": "gw1"}
