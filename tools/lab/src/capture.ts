import { waitFor } from '@overlap/test-support';
import { spawn } from 'node:child_process';
import { type Cidr, containsAddress, parseAddress, parseCidr } from '@overlap/cidr';

/** One conversation seen on the tunnel device: client, server and packets each way. */
export interface Flow {
  readonly client: string;
  readonly server: string;
  /** The server's port when tcpdump printed ports (TCP/UDP), otherwise undefined. */
  readonly port: number | undefined;
  readonly outbound: number;
  readonly inbound: number;
}

export interface CaptureSummary {
  readonly packets: number;
  readonly flows: readonly Flow[];
  readonly addresses: readonly string[];
}

// tcpdump -n on a tun device: "12:00:00.000000 IP 241.1.0.10.41234 > 244.0.5.20.8080: Flags [S], ..."
const PACKET = /\bIP (\d+\.\d+\.\d+\.\d+)(?:\.(\d+))? > (\d+\.\d+\.\d+\.\d+)(?:\.(\d+))?:/;

/**
 * Groups tcpdump's lines into conversations, in order of first appearance. The side with the lower port is taken
 * as the server (clients use ephemeral ports from 32768 up), so a request and its answers land in one flow.
 */
/** One conversation: client, server and the server's port. */
const flowKey = (client: string, server: string, port: string | number | undefined): string => `${client}>${server}:${port ?? ''}`;

export function summarizeCapture(output: string): CaptureSummary {
  const flows = new Map<string, { client: string; server: string; port: number | undefined; outbound: number; inbound: number }>();
  let packets = 0;
  for (const line of output.split('\n')) {
    const match = PACKET.exec(line);
    if (!match) continue;
    packets += 1;
    const [, source, sourcePort, destination, destinationPort] = match as unknown as [string, string, string | undefined, string, string | undefined];
    const toServer = sourcePort === undefined || destinationPort === undefined || Number(destinationPort) <= Number(sourcePort);
    const [client, server, port] = toServer ? [source, destination, destinationPort] : [destination, source, sourcePort];
    const key = flowKey(client, server, port);
    const flow = flows.get(key) ?? { client, server, port: port === undefined ? undefined : Number(port), outbound: 0, inbound: 0 };
    if (toServer) flow.outbound += 1;
    else flow.inbound += 1;
    flows.set(key, flow);
  }
  const addresses = [...new Set([...flows.values()].flatMap((f) => [f.client, f.server]))];
  return { packets, flows: [...flows.values()], addresses };
}

const MAPPED_BLOCKS: readonly Cidr[] = ['241.0.0.0/8', '242.0.0.0/8', '243.0.0.0/8', '244.0.0.0/8'].map((text) => parseCidr(text, 'mapped block'));

/** The addresses of a capture that are not inside 241–244.0.0.0/8 (empty when only mapped traffic crossed). */
export function unmappedAddresses(summary: CaptureSummary): string[] {
  return summary.addresses.filter((text) => {
    const address = parseAddress(text, 'captured address');
    return !MAPPED_BLOCKS.some((block) => containsAddress(block, address));
  });
}

/**
 * Captures IPv4 packets on a device inside a namespace while `during` runs. tcpdump is started first and its
 * "listening" line awaited, so no packet of the action is missed.
 */
export async function captureWhile<T>(netns: string, device: string, during: () => Promise<T>): Promise<{ result: T; summary: CaptureSummary }> {
  const tcpdump = spawn('ip', ['netns', 'exec', netns, 'tcpdump', '-i', device, '-n', '-l', '-p', '--immediate-mode', 'ip'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  tcpdump.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  tcpdump.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => tcpdump.once('close', () => resolve()));
  try {
    await waitFor(
      `tcpdump on ${device} in ${netns}`,
      async () => {
        if (tcpdump.exitCode !== null) throw new Error(`tcpdump exited: ${stderr.trim()}`);
        return stderr.includes('listening on') ? true : undefined;
      },
      10_000,
      50,
    );
    const result = await during();
    // Interrupted, tcpdump drops what it has not printed yet: let its output settle first, then read the summary
    // only after it has exited.
    let seen = -1;
    const settled = async () => {
      const unchanged = seen === stdout.length;
      seen = stdout.length;
      return unchanged ? true : undefined;
    };
    await waitFor('tcpdump to print the last packets', settled, 10_000, 300);
    tcpdump.kill('SIGINT');
    await exited;
    return { result, summary: summarizeCapture(stdout) };
  } finally {
    if (tcpdump.exitCode === null && tcpdump.signalCode === null) {
      tcpdump.kill('SIGKILL');
      await exited;
    }
  }
}

/** captureWhile on several devices at once: one tcpdump each, all listening before `during` starts. */
export async function captureOnEach<T>(
  netns: string,
  devices: readonly string[],
  during: () => Promise<T>,
): Promise<{ result: T; summaries: ReadonlyMap<string, CaptureSummary> }> {
  const [device, ...rest] = devices;
  if (device === undefined) return { result: await during(), summaries: new Map() };
  const { result, summary } = await captureWhile(netns, device, () => captureOnEach(netns, rest, during));
  return { result: result.result, summaries: new Map([[device, summary], ...result.summaries]) };
}

/** The devices whose capture saw a conversation with this server address. */
export function devicesThatCarried(summaries: ReadonlyMap<string, CaptureSummary>, server: string): string[] {
  return [...summaries].filter(([, summary]) => summary.flows.some((flow) => flow.server === server)).map(([device]) => device);
}

/**
 * Several devices' captures as one: every packet and conversation (for the "only mapped addresses" verdict). A
 * conversation seen on more than one device (the path switched during it) is one, with its packets added up.
 */
export function mergeCaptures(summaries: Iterable<CaptureSummary>): CaptureSummary {
  const all = [...summaries];
  const flows = new Map<string, Flow>();
  for (const flow of all.flatMap((s) => s.flows)) {
    const key = flowKey(flow.client, flow.server, flow.port);
    const seen = flows.get(key);
    flows.set(key, seen ? { ...seen, outbound: seen.outbound + flow.outbound, inbound: seen.inbound + flow.inbound } : flow);
  }
  return {
    packets: all.reduce((sum, s) => sum + s.packets, 0),
    flows: [...flows.values()],
    addresses: [...new Set(all.flatMap((s) => s.addresses))],
  };
}
