"""How fast mail may go: a token bucket, in this process or in Redis so that every worker shares it."""

import threading
import time
from typing import Protocol

import redis

# Take one token from the bucket at KEYS[1] (ARGV: rate per second, capacity, now in seconds); returns
# 0 when taken, else the milliseconds to wait. Run inside Redis, so no two workers take the same token.
_TAKE = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / rate * 1000) end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 60)
return wait
"""


class Limiter(Protocol):
    """Blocks until one more message may go."""

    def take(self) -> None: ...


class Unlimited:
    """No limit set."""

    def take(self) -> None:
        return None


class LocalBucket:
    """A bucket shared by this process's threads."""

    def __init__(self, per_minute: float) -> None:
        self.rate = per_minute / 60
        # Up to one second's worth at once: a burst is no faster than the rate over any second.
        self.capacity = max(1.0, self.rate)
        self.tokens = self.capacity
        self.at = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
                self.at = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                wait = (1 - self.tokens) / self.rate
            time.sleep(wait)


class RedisBucket:
    """A bucket in Redis, shared by every worker on every machine."""

    def __init__(self, redis_url: str, per_minute: float, key: str) -> None:
        self.rate = per_minute / 60
        self.capacity = max(1.0, self.rate)
        self.key = key
        self._client = redis.Redis.from_url(redis_url)
        self._take = self._client.register_script(_TAKE)

    def take(self) -> None:
        while True:
            # Redis's own clock, so that workers on machines whose clocks differ agree.
            seconds, micros = self._client.time()
            wait_ms = int(self._take(keys=[self.key], args=[self.rate, self.capacity, seconds + micros / 1e6]))
            if wait_ms <= 0:
                return
            time.sleep(wait_ms / 1000)


def limiter_for(per_minute: float | None, redis_url: str | None, key: str) -> Limiter:
    """The limiter the settings ask for: none, this process's, or one in Redis shared by all workers."""
    if not per_minute:
        return Unlimited()
    if redis_url and redis_url.startswith(("redis://", "rediss://")):
        return RedisBucket(redis_url, per_minute, key)
    return LocalBucket(per_minute)
