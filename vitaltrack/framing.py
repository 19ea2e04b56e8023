"""Malformed HTTP (a broken request line, bad chunked framing, an invalid header) is refused
by uvicorn's parser before any app sees the request, with a text/plain line of its own.
This protocol, the one uvicorn picks here (httptools), answers it with the API's error body
(API.md 1.5), so every error a client can get is JSON."""

import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from wire.problems import problem_body

PROTOCOL = f"{__name__}:JsonErrorsProtocol"  # uvicorn.run(http=...), also in worker processes


class JsonErrorsProtocol(HttpToolsProtocol):
    def send_400_response(self, msg: str) -> None:
        body = json.dumps(problem_body(400, "bad_request", msg)).encode()
        head = [b"HTTP/1.1 400 Bad Request\r\n"]
        head += [
            name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers
        ]
        head += [
            b"content-type: application/json\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()
