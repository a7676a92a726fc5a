// Comparison peer for `make bench`: the smallest honest Socket.IO 4 chat server. Every `send`
// event is emitted to every connected socket as `message` (one room, no auth, no storage),
// the same work the bare actix peer does. Port: first argument (default 18300).
const { Server } = require("socket.io");

const port = Number(process.argv[2] || 18300);
const io = new Server(port, { transports: ["websocket"], serveClient: false, perMessageDeflate: false });
io.on("connection", (socket) => {
  socket.on("send", (data) => io.emit("message", data));
});
console.log(`socket.io peer on 127.0.0.1:${port}`);
