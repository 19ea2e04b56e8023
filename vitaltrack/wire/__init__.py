"""The wire contract (API.md): response shapes shared by the command and query sides."""
