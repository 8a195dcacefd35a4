import { randomBytes } from 'node:crypto';
import type { CommandRunner } from '@overlap/runtime';

/** A network namespace of our own, for tests and benchmarks: `ovl-<part>-<random>`. */
export interface Namespace {
  readonly name: string;
  /** Runs commands inside the namespace. */
  readonly run: CommandRunner;
  delete(): Promise<void>;
}

/** Creates the namespace with its loopback up; the caller deletes it (in `finally` / `afterAll`). */
export async function createNamespace(part: string): Promise<Namespace> {
  // Loaded on use, not on import: most suites import this package for a sample or `isRoot` only.
  const { createCommandRunner } = await import('@overlap/runtime');
  const host = createCommandRunner();
  const name = `ovl-${part}-${randomBytes(4).toString('hex')}`;
  await host(['ip', 'netns', 'add', name]);
  const run = createCommandRunner({ netns: name });
  try {
    await run(['ip', 'link', 'set', 'lo', 'up']);
  } catch (error) {
    await host(['ip', 'netns', 'delete', name]);
    throw error;
  }
  return { name, run, delete: () => host(['ip', 'netns', 'delete', name]).then(() => undefined) };
}

/** A tun device named `name`, up: without a reader it stands in for the VPN's tunnel device. */
export async function addTunnel(run: CommandRunner, name: string): Promise<void> {
  await run(['ip', 'tuntap', 'add', 'dev', name, 'mode', 'tun']);
  await run(['ip', 'link', 'set', name, 'up']);
}
