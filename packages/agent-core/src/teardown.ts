import { type Backend, type LiveState, renderTeardown } from '@overlap/natrules';
import { applyScript, readLive } from './backend.ts';
import type { CommandRunner } from './command.ts';
import { applyRouteChanges, readOwnedRoutes } from './routes.ts';

export interface TeardownResult {
  readonly backend: Backend;
  /** Rules that were in the owned chains or table (foreign ones inside them go with the chain). */
  readonly rulesRemoved: number;
  readonly chainsRemoved: number;
}

const holdsAnything = (live: LiveState): boolean => live.chains.length + live.jumps.length + live.rules.length > 0;

/** Removes the owned chains/table and the jumps into them, in one transaction, and checks that they are gone. */
export async function teardownRules(backend: Backend, run: CommandRunner, lockWaitSeconds?: number): Promise<TeardownResult> {
  const live = await readLive(backend, run);
  const script = renderTeardown(backend, live);
  if (script !== '') await applyScript(backend, run, script, lockWaitSeconds);
  const after = await readLive(backend, run);
  if (holdsAnything(after)) {
    throw new Error(`${backend}: owned chains or rules are still there after the teardown`);
  }
  return { backend, rulesRemoved: live.rules.length, chainsRemoved: live.chains.length };
}

/** Removes every route carrying our protocol number; returns how many. */
export async function teardownRoutes(run: CommandRunner): Promise<number> {
  const owned = await readOwnedRoutes(run);
  await applyRouteChanges(run, { replace: [], remove: owned });
  return owned.length;
}
