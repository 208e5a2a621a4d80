"""The test suite's own PostgreSQL server answers, and each test's database is its own."""

from collections.abc import Callable

import asyncpg


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


async def test_a_new_database_does_not_see_another_ones_tables(
    new_postgres_database: Callable[[], str],
) -> None:
    first, second = new_postgres_database(), new_postgres_database()
    assert first != second
    found = {}
    for url in (first, second):
        conn = await asyncpg.connect(url)
        try:
            if url == first:
                await conn.execute("CREATE TABLE mine (id int)")
            found[url] = await conn.fetchval("SELECT to_regclass('mine') IS NOT NULL")
        finally:
            await conn.close()
    assert found == {first: True, second: False}
