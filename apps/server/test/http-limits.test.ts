import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveServer, startLiveServer } from './support/live-server';

let server: LiveServer;
let auth: string;
const open: Socket[] = [];

beforeAll(async () => {
  server = await startLiveServer({
    CARIOSAN_HTTP_REQUEST_TIMEOUT_S: '1',
    CARIOSAN_MAX_CONNECTIONS: '8',
  });
  const { credentials } = await server.workspace();
  auth = `Bearer ${credentials.api_key}:${credentials.api_secret}`;
});

afterAll(async () => {
  for (const socket of open) socket.destroy();
  await server.close();
});

/** A raw TCP connection to the server; resolves with everything it answered once it closes. */
function rawHttp(write: (socket: Socket) => void): Promise<{ answer: string; ms: number }> {
  const started = Date.now();
  const url = new URL(server.url);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname, () => write(socket));
    open.push(socket);
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ answer, ms: Date.now() - started }));
  });
}

describe('HTTP limits every client sees', () => {
  it('cuts a body that trickles in after the request timeout', async () => {
    const { answer, ms } = await rawHttp((socket) => {
      socket.write(
        `PUT /v1/users/slow HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
      );
    });
    // Node answers 408 when it can, else it closes: either way the socket is not held.
    expect(answer === '' || /^HTTP\/1\.1 408/.test(answer)).toBe(true);
    expect(ms).toBeLessThan(20_000);
  });

  it('cuts headers that never end', async () => {
    const { answer } = await rawHttp((socket) =>
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'),
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('answers oversized headers with a JSON 431', async () => {
    const { answer } = await rawHttp((socket) =>
      socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`),
    );
    expect(answer).toMatch(/^HTTP\/1\.1 431/);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(body.error.code).toBe('invalid_request');
  });

  it('drops connections past CARIOSAN_MAX_CONNECTIONS and serves again once they close', async () => {
    const url = new URL(server.url);
    const held: Socket[] = [];
    for (let i = 0; i < 8; i++) {
      const socket = connect(Number(url.port), url.hostname);
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('connect', resolve));
      held.push(socket);
      open.push(socket);
    }
    // The server accepts the TCP connection and closes it at once: no answer.
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    for (const socket of held) socket.destroy();
    await expect
      .poll(async () => (await fetch(`${server.url}/healthz`).catch(() => undefined))?.status, {
        timeout: 10_000,
      })
      .toBe(200);
  });
});
