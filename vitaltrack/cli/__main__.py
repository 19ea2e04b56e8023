"""`python -m vitaltrack.cli`."""

from vitaltrack.cli import main

main()
