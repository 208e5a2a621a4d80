"""The PostgreSQL backend (asyncpg): connections, migrations, backup, the Asterisk lease."""
