// A WebSocket stand-in for the node checks: the test plays the server by calling serverOpens/Sends/Closes.
"use strict";

function fakeWebSocketClass(sockets) {
  class FakeWebSocket {
    constructor(url) {
      this.url = url;
      this.sent = [];
      this.readyState = 0;
      sockets.push(this);
    }
    send(text) { this.sent.push(JSON.parse(text)); }
    close() { this.readyState = 3; }
    serverOpens() { this.readyState = FakeWebSocket.OPEN; this.onopen(); }
    serverSends(frame) { this.onmessage({ data: JSON.stringify(frame) }); }
    serverCloses(code) { this.readyState = 3; this.onclose({ code }); }
  }
  FakeWebSocket.OPEN = 1;
  return FakeWebSocket;
}

module.exports = { fakeWebSocketClass };
