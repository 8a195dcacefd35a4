import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Family } from '@overlap/cidr';
import type { Backend, LiveState } from '../src/index.ts';
import { APPLY_COMMANDS, READ_COMMANDS, parseIptablesSave, parseNftJson } from '../src/index.ts';

/** A throw-away network namespace; everything the kernel tests and the benchmark touch lives in one of these. */
export class Netns {
  readonly name = `ovl-natrules-${randomBytes(4).toString('hex')}`;

  constructor() {
    execFileSync('ip', ['netns', 'add', this.name]);
  }

  run(argv: readonly string[], input = ''): string {
    return execFileSync('ip', ['netns', 'exec', this.name, ...argv], { input, encoding: 'utf8', stdio: 'pipe', maxBuffer: 256 * 2 ** 20 });
  }

  /** Applies a rendered transaction exactly as the agents do: the whole text on standard input. */
  apply(backend: Backend, text: string, family: Family = 'IPv4'): void {
    this.run(APPLY_COMMANDS[family][backend], text);
  }

  read(backend: Backend, family: Family = 'IPv4'): LiveState {
    if (backend === 'iptables') return parseIptablesSave(this.run(READ_COMMANDS[family].iptables), family);
    // The table may not exist; the whole ruleset parses the same and never fails for a missing table.
    return parseNftJson(this.run(['nft', '-j', 'list', 'ruleset']), family);
  }

  /** Everything in the namespace's netfilter, counters and generated comments left out, for before/after checks. */
  snapshot(): { iptables: string; ip6tables: string; nft: string } {
    const saved = (command: string): string =>
      this.run([command])
        .split('\n')
        .filter((line) => !line.startsWith('#'))
        .join('\n');
    return { iptables: saved('iptables-save'), ip6tables: saved('ip6tables-save'), nft: this.run(['nft', 'list', 'ruleset']) };
  }

  delete(): void {
    execFileSync('ip', ['netns', 'delete', this.name]);
  }
}
