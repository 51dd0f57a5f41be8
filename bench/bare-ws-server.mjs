// The baseline for bench/gateway.mjs: what a home-made chat server does at its simplest. One
// `ws` server, one room, no auth, no storage: each message is parsed, given an id and a seq,
// serialized once and sent to every socket. Prints its port on stdout, then serves until killed.
import { createRequire } from 'node:module';

// ws is the server's dependency, not the workspace root's.
const requireFromServer = createRequire(new URL('../apps/server/package.json', import.meta.url));
const { WebSocketServer } = requireFromServer('ws');

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  maxPayload: 64 * 1024,
  perMessageDeflate: false,
});
let seq = 0;
wss.on('connection', (socket) => {
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data));
    seq++;
    const event = JSON.stringify({
      type: 'event',
      event: 'message.new',
      channel_id: frame.channel_id,
      seq,
      data: { message: { id: `m${seq}`, seq, text: frame.text, client_id: frame.client_id } },
    });
    for (const client of wss.clients) client.send(event);
  });
});
wss.on('listening', () => console.log(JSON.stringify({ port: wss.address().port })));
