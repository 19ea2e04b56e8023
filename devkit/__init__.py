"""Development helpers shared by tests/ and bench/, so that bench imports nothing from tests/:
PostgreSQL for throwaway databases, the release app's sync operations. Not in the wheel."""
