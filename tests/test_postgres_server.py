"""The test suite's own PostgreSQL server answers, and each test's database is its own."""

from collections.abc import Callable

import asyncpg

from tests import sql


async def test_each_test_gets_an_empty_database_of_its_own(postgres_url: str) -> None:
    conn = await asyncpg.connect(postgres_url)
    try:
        tables = await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        await conn.execute("CREATE TABLE mine (id int)")
        name = await conn.fetchval("SELECT current_database()")
    finally:
        await conn.close()
    assert tables == 0
    assert name in postgres_url


def test_a_new_database_does_not_see_another_ones_tables(
    new_postgres_database: Callable[[], str],
) -> None:
    first, second = new_postgres_database(), new_postgres_database()
    assert first != second
    sql.rows(first, "CREATE TABLE mine (id int)")
    seen = [sql.scalar(url, "SELECT to_regclass('mine') IS NOT NULL") for url in (first, second)]
    assert seen == [True, False]
