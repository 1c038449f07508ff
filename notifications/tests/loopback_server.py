"""An HTTP server on a free loopback port, served from a thread, for the fake services the tests talk to."""

import threading
import time
from collections import deque
from http.server import ThreadingHTTPServer


class LoopbackServer:
    """Records requests in `received`; `scripted` answers wait their turn; a held request waits for `released`.

    Subclasses provide _handler_class().
    """

    def __init__(self):
        self.received = []
        self.scripted = deque()
        self.request_arrived = threading.Event()
        self.released = threading.Event()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return True
            time.sleep(0.1)
        return False

    def _handler_class(self):
        raise NotImplementedError
