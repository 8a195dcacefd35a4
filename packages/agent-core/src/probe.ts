import { parseArgs } from 'node:util';

/** The client side of kube-apiserver's egress selector: mutual TLS to Envoy, then HTTP CONNECT. */
export interface ProbeTls {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export interface ProbeResult {
  readonly ok: boolean;
  readonly target: string;
  /** Envoy's status line, or what failed before it answered. */
  readonly answer: string;
  readonly ms: number;
}

/**
 * One CONNECT through Envoy, exactly as kube-apiserver sends it (same proxy, same certificate, same server name):
 * Envoy answers 200 once it has a TCP connection to the target — through the seed NAT, the tunnel and the shoot
 * side — and an error status when it cannot get one.
 */
export async function probeThroughProxy(options: {
  readonly proxy: { readonly host: string; readonly port: number };
  readonly serverName: string;
  readonly target: string;
  readonly tls: ProbeTls;
  readonly timeoutMs: number;
}): Promise<ProbeResult> {
  // Loaded here, not with the agent: node:tls is memory every agent would carry for a command run only by hand.
  const { connect } = await import('node:tls');
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean, answer: string): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve({ ok, target: options.target, answer, ms: Math.round(performance.now() - started) });
    };
    const socket = connect({
      host: options.proxy.host,
      port: options.proxy.port,
      servername: options.serverName,
      ca: options.tls.ca,
      cert: options.tls.cert,
      key: options.tls.key,
    });
    socket.setTimeout(options.timeoutMs, () => done(false, `no answer within ${options.timeoutMs} ms`));
    socket.on('error', (error) => done(false, `${options.proxy.host}:${options.proxy.port}: ${error.message}`));
    socket.on('secureConnect', () => socket.write(`CONNECT ${options.target} HTTP/1.1\r\nHost: ${options.target}\r\n\r\n`));
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n');
      if (end === -1) return;
      const statusLine = head.slice(0, end);
      done(/^HTTP\/1\.[01] 200\b/.test(statusLine), statusLine);
    });
    socket.on('end', () => done(false, 'the proxy closed the connection without an answer'));
  });
}

export const PROBE_USAGE = `usage: main.js probe --connect HOST:PORT [--proxy HOST:PORT] [--server-name NAME] [--timeout SECONDS] < tls.json

One HTTP CONNECT through Envoy, as kube-apiserver makes it: mutual TLS with the certificate, key and CA given as
JSON {"ca","cert","key"} on stdin (overlap diagnose passes kube-apiserver's). Prints the result as JSON.
Exit 0 when Envoy connected to HOST:PORT, 1 when not, 2 bad arguments.
`;

const hostPort = (text: string, flag: string): { host: string; port: number } => {
  const match = /^(.+):(\d{1,5})$/.exec(text);
  if (!match || Number(match[2]) > 65535)
    throw Object.assign(new Error(`${flag}: "${text}" is not HOST:PORT`), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
  return { host: match[1]!, port: Number(match[2]) };
};

function parseProbeArgs(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      connect: { type: 'string' },
      proxy: { type: 'string', default: '127.0.0.1:9443' },
      'server-name': { type: 'string', default: 'kube-apiserver-http-proxy' },
      timeout: { type: 'string', default: '10' },
    },
  });
  if (values.connect === undefined) throw Object.assign(new Error('--connect: HOST:PORT is required'), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
  hostPort(values.connect, '--connect');
  const seconds = Number(values.timeout);
  if (!(seconds > 0 && seconds <= 120))
    throw Object.assign(new Error(`--timeout: "${values.timeout}" must be 0 < seconds <= 120`), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
  return { target: values.connect, proxy: hostPort(values.proxy, '--proxy'), serverName: values['server-name'], timeoutMs: seconds * 1000 };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `main.js probe`: exit 0 connected, 1 not, 2 bad arguments or TLS input (one line). */
export async function runProbe(name: string, argv: readonly string[]): Promise<number> {
  let options: ReturnType<typeof parseProbeArgs>;
  let tls: ProbeTls;
  try {
    options = parseProbeArgs(argv);
    const parsed = JSON.parse(await readStdin()) as Partial<ProbeTls>;
    if (typeof parsed.ca !== 'string' || typeof parsed.cert !== 'string' || typeof parsed.key !== 'string') {
      throw Object.assign(new Error('stdin: expected JSON {"ca","cert","key"} with PEM strings'), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
    }
    tls = parsed as ProbeTls;
  } catch (error) {
    process.stderr.write(`${name} probe: ${(error as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '')}\n`);
    return 2;
  }
  const result = await probeThroughProxy({ ...options, tls });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result.ok ? 0 : 1;
}
