import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { CommandRunner } from '@overlap/runtime';

/** net.ipv4.ip_forward, which the shoot side needs to forward between the tunnel and the shoot network. */
export interface Forwarding {
  enabled(): Promise<boolean>;
  enable(): Promise<void>;
}

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

/**
 * In the agent's own network namespace (the pod, the lab): /proc/sys is a file of that namespace, so checking it is
 * a read instead of a `sysctl` process on every sync. The kernel answers it at once: read in place, not through
 * four round trips of libuv's thread pool (open, stat, read, close) on every sync.
 */
export const procSysForwarding = (path = IP_FORWARD): Forwarding => ({
  enabled: async () => readFileSync(path, 'utf8').trim() === '1',
  enable: () => writeFile(path, '1\n'),
});

/** From outside the namespace (tests that drive a sync through `ip netns exec`): `sysctl` run inside it. */
export const sysctlForwarding = (run: CommandRunner): Forwarding => ({
  enabled: async () => (await run(['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim() === '1',
  enable: async () => {
    await run(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  },
});
