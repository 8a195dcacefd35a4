// Holds one connection through the CONNECT proxy open and sends an HTTP request over it for every line on stdin,
// printing `<status> <body>` per answer: the agent-restart test checks that a connection survives a restart. It
// talks to the proxy as kube-apiserver does: TLS to 127.0.0.1 checked for the proxy's name, with the client certificate.
//   node held-connection.ts <proxy name> <proxy port> <pki dir> <target host:port>
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { createInterface } from 'node:readline';

const [proxyName, proxyPort, pkiDir, target] = process.argv.slice(2);
if (!proxyName || !proxyPort || !pkiDir || !target) {
  console.error('usage: held-connection.ts <proxy name> <proxy port> <pki dir> <target host:port>');
  process.exit(2);
}

const socket = connect({
  host: '127.0.0.1',
  port: Number(proxyPort),
  servername: proxyName,
  ca: readFileSync(join(pkiDir, 'ca-vpn/bundle.crt')),
  cert: readFileSync(join(pkiDir, 'client/tls.crt')),
  key: readFileSync(join(pkiDir, 'client/tls.key')),
});
let buffer = '';
let waiting: ((response: { status: number; body: string }) => void) | undefined;

/** Takes one complete HTTP response (the CONNECT answer has no body) off the front of the buffer. */
function takeResponse(): { status: number; body: string } | undefined {
  const end = buffer.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const head = buffer.slice(0, end);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
  if (buffer.length < end + 4 + length) return undefined;
  const body = buffer.slice(end + 4, end + 4 + length);
  buffer = buffer.slice(end + 4 + length);
  return { status, body: body.trim() };
}

socket.setEncoding('utf8');
socket.on('data', (chunk: string) => {
  buffer += chunk;
  const response = waiting && takeResponse();
  if (response && waiting) {
    const done = waiting;
    waiting = undefined;
    done(response);
  }
});
socket.on('close', () => {
  console.log('closed');
  process.exit(1);
});

const exchange = (text: string) =>
  new Promise<{ status: number; body: string }>((resolve) => {
    waiting = resolve;
    socket.write(text);
  });

const connected = await exchange(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
console.log(`${connected.status} connected`);
for await (const _ of createInterface({ input: process.stdin })) {
  const answer = await exchange(`GET / HTTP/1.1\r\nHost: ${target}\r\nConnection: keep-alive\r\n\r\n`);
  console.log(`${answer.status} ${answer.body}`);
}
socket.destroy();
