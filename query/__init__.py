"""The read side: plain SQL over read tables (asyncpg), scoped to the caller."""
