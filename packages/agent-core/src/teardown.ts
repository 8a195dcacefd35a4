import type { Family } from '@overlap/cidr';
import { type Backend, type LiveState, renderTeardown } from '@overlap/natrules';
import type { CommandRunner } from '@overlap/runtime';
import { applyScript, readLive, readLiveIfAny } from './backend.ts';
import { applyRouteChanges, readOwnedRoutes } from './routes.ts';

export interface TeardownResult {
  readonly backend: Backend;
  /** Rules that were in the owned chains or table (foreign ones inside them go with the chain). */
  readonly rulesRemoved: number;
  readonly chainsRemoved: number;
}

const holdsAnything = (live: LiveState): boolean => live.chains.length + live.jumps.length + live.rules.length > 0;

const FAMILIES: readonly Family[] = ['IPv4', 'IPv6'];

/**
 * Removes the owned chains/tables of both families and the jumps into them, one transaction per family, and checks
 * that they are gone. A host without IPv6 has nothing of ours there.
 */
export async function teardownRules(backend: Backend, run: CommandRunner, lockWaitSeconds?: number): Promise<TeardownResult> {
  let rulesRemoved = 0;
  let chainsRemoved = 0;
  for (const family of FAMILIES) {
    const live = await readLiveIfAny(backend, run, family);
    if (!live) continue;
    const script = renderTeardown(backend, live);
    if (script !== '') await applyScript(backend, run, script, family, lockWaitSeconds);
    if (holdsAnything(await readLive(backend, run, family))) {
      throw new Error(`${backend}: owned ${family} chains or rules are still there after the teardown`);
    }
    rulesRemoved += live.rules.length;
    chainsRemoved += live.chains.length;
  }
  return { backend, rulesRemoved, chainsRemoved };
}

/** Removes every route carrying our protocol number; returns how many. */
export async function teardownRoutes(run: CommandRunner): Promise<number> {
  const owned = await readOwnedRoutes(run);
  await applyRouteChanges(run, { replace: [], remove: owned });
  return owned.length;
}
