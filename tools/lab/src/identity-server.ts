// A shoot workload of the lab: answers every HTTP request with who it is, the address it was reached on and the
// address the request came from, so a reader sees where the double NAT delivered the request.
//   node identity-server.ts <name> <port>
import { createServer } from 'node:http';

const [name, portText] = process.argv.slice(2);
const port = Number(portText);
if (!name || !Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`usage: identity-server.ts <name> <port>; got name ${JSON.stringify(name)}, port ${JSON.stringify(portText)}`);
  process.exit(2);
}

const server = createServer((request, response) => {
  const local = `${request.socket.localAddress}:${request.socket.localPort}`;
  const body = `${name} answered on ${local} to ${request.socket.remoteAddress}\n`;
  response.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  response.end(body);
});
// Held connections (the agent-restart test keeps one open for a while) must not be closed by the server.
server.keepAliveTimeout = 10 * 60_000;
server.listen(port, '0.0.0.0', () => console.log(`${name} listening on 0.0.0.0:${port}`));
