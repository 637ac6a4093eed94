"""A `limits` storage backend on the hub's database, so every web process on every host shares the counters.

The library keeps the algorithm (fixed windows); this class only keeps its counters in the `rate_limits` table.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from limits.storage import Storage

from dailypapers.adapters.sql.engine import WRITE
from dailypapers.adapters.sql.schema import rate_limits


class SqlLimitsStorage(Storage):
    STORAGE_SCHEME = ["dailypapers-sql"]  # noqa: RUF012 - the limits storage registry reads this class attribute

    def __init__(self, engine: sa.Engine) -> None:
        super().__init__(wrap_exceptions=False)
        self.engine = engine

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sa.exc.SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self.engine.connect().execution_options(**WRITE) as conn, conn.begin():
            row = conn.execute(sa.select(rate_limits).where(rate_limits.c.key == key).with_for_update()).first()
            if row is None:
                conn.execute(rate_limits.insert().values(key=key, count=amount, expires_at=now + expiry))
                return amount
            if row.expires_at <= now:  # the window is over: start a new one
                conn.execute(
                    rate_limits.update().where(rate_limits.c.key == key).values(count=amount, expires_at=now + expiry)
                )
                return amount
            count = int(row._mapping["count"]) + amount  # Row.count is the tuple method, hence _mapping
            conn.execute(rate_limits.update().where(rate_limits.c.key == key).values(count=count))
            return count

    def get(self, key: str) -> int:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(rate_limits).where(rate_limits.c.key == key)).first()
        return int(row._mapping["count"]) if row is not None and row.expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        with self.engine.connect() as conn:
            expires = conn.scalar(sa.select(rate_limits.c.expires_at).where(rate_limits.c.key == key))
        return float(expires) if expires is not None else time.time()

    def check(self) -> bool:
        with self.engine.connect() as conn:
            conn.execute(sa.select(1))
        return True

    def reset(self) -> int | None:
        with self.engine.connect().execution_options(**WRITE) as conn, conn.begin():
            return conn.execute(rate_limits.delete()).rowcount

    def clear(self, key: str) -> None:
        with self.engine.connect().execution_options(**WRITE) as conn, conn.begin():
            conn.execute(rate_limits.delete().where(rate_limits.c.key == key))
