"""Passwords, access tokens and refresh-token sessions."""
