"""The write side: HTTP commands that load aggregates, call one method, and save events."""
