"""The test suite's own PostgreSQL server answers, and each test's database is its own."""

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


async def test_a_second_test_does_not_see_the_first_ones_tables(postgres_url: str) -> None:
    conn = await asyncpg.connect(postgres_url)
    try:
        assert await conn.fetchval("SELECT to_regclass('mine')") is None
    finally:
        await conn.close()
