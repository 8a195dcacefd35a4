import { spawn } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import {
  type CaptureSummary,
  type Flow,
  type Lab,
  type LabOptions,
  PORTS,
  PROXY_HOST,
  attempt,
  labPkiDir,
  buildAgents,
  captureOnEach,
  down,
  inNetns,
  mergeCaptures,
  run,
  up,
} from '../../src/index.ts';

/**
 * A capture's conversations without Prometheus' scrapes of the shoot agent, which cross the tunnel every scrape
 * interval (through the kube-apiserver pod proxy): what a test's own requests did.
 */
export const requestFlows = (summary: CaptureSummary): Flow[] => summary.flows.filter((f) => f.port !== PORTS.shootAgent);

/**
 * What crossed the tunnel on the seed side while `during` ran, on every path at once: the path controller may switch
 * paths mid-capture (one probe unanswered within its second on a loaded machine), and a test about what crosses
 * must not depend on which path carried it.
 */
export async function captureTunnel<T>(lab: Lab, during: () => Promise<T>): Promise<{ result: T; summary: CaptureSummary }> {
  const { result, summaries } = await captureOnEach(lab.spec.namespaces.seed, lab.spec.tunnelDevices.seed, during);
  return { result, summary: mergeCaptures(summaries.values()) };
}

/** One lab for a whole suite: built (agents first) before its tests, removed after them; the getter gives it. */
export function labForSuite(options: LabOptions): () => Lab {
  let lab: Lab | undefined;
  beforeAll(async () => {
    await buildAgents();
    lab = await up(options);
  });
  afterAll(async () => {
    await down(options);
  });
  return () => {
    if (!lab) throw new Error('the suite lab is not up');
    return lab;
  };
}

/**
 * Every rule the agents could own in a namespace, with counters (of rules and of map elements) stripped so duplicates compare equal (read with
 * `iptables-legacy-save` in a lab whose agents run legacy iptables).
 */
export async function ownedRules(netns: string, iptablesSave = 'iptables-save'): Promise<{ iptables: string[]; nftables: string[] }> {
  const iptables = await savedRules(netns, iptablesSave, (line) => line.includes('OVERLAP') && !line.startsWith('#'));
  const nft = await attempt(inNetns(netns, ['nft', 'list', 'table', 'ip', 'overlap']));
  const nftables = nft.ok
    ? nft.stdout
        .split('\n')
        .map((line) => line.trim().replaceAll(/counter packets \d+ bytes \d+/g, 'counter'))
        .filter((line) => line !== '')
    : [];
  return { iptables, nftables };
}

/** The iptables rules in a namespace that are not the agents' (in the seed and vpn-shoot namespaces: vpn2's own). */
export const foreignRules = (netns: string): Promise<string[]> =>
  savedRules(netns, 'iptables-save', (line) => line.startsWith('-A ') && !line.includes('OVERLAP'));

/** Lines of an iptables-save that `keep` accepts, prefixed with their table: filter and mangle both have a `-A FORWARD -j OVERLAP-FORWARD`. */
async function savedRules(netns: string, iptablesSave: string, keep: (line: string) => boolean): Promise<string[]> {
  const save = await run(inNetns(netns, [iptablesSave]));
  let table = '';
  return save.split('\n').flatMap((line) => {
    if (line.startsWith('*')) table = line.slice(1);
    return keep(line) ? [`${table}: ${line}`] : [];
  });
}

/** Rules (iptables `-A` lines with their table, nft rules with a comment) that appear more than once; braces and headers are skipped. */
export function duplicates(lines: readonly string[]): string[] {
  const rules = lines.filter((line) => line.includes(': -A ') || line.includes('comment "'));
  return rules.filter((line, i) => rules.indexOf(line) !== i);
}

/** A connection through the proxy held open by a process inside the kube-apiserver pod; each ask() sends a GET on it. */
export class HeldConnection {
  private readonly child;
  private readonly lines: AsyncIterator<string>;

  private constructor(lab: Lab, target: string) {
    const script = join(import.meta.dirname, 'held-connection.ts');
    this.child = spawn(
      'ip',
      inNetns(lab.spec.namespaces.seed, [process.execPath, script, PROXY_HOST, String(PORTS.proxy), labPkiDir(lab.spec), target]).slice(1),
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  static async open(lab: Lab, target: string): Promise<HeldConnection> {
    const held = new HeldConnection(lab, target);
    const first = await held.next();
    if (!first.startsWith('200 ')) throw new Error(`CONNECT ${target} through the proxy: ${first}`);
    return held;
  }

  private async next(): Promise<string> {
    const line = await this.lines.next();
    return line.done ? 'closed' : line.value;
  }

  async ask(): Promise<string> {
    this.child.stdin.write('\n');
    return this.next();
  }

  close(): void {
    this.child.kill('SIGKILL');
  }
}
