"""The wire contract (API.md), shared by the command and query sides and the feed
projection: request base model, response shapes, the error body, input bounds and
sanitising, cursors, path ids. Depends on FastAPI and pydantic only."""
