import {
  APPLY_COMMAND,
  type Backend,
  EMPTY_LIVE_STATE,
  type LiveState,
  READ_COMMAND,
  parseIptablesSave,
  parseNftJson,
} from '@overlap/natrules';
import { CommandError, type CommandRunner } from './command.ts';
import type { BackendChoice } from './config.ts';

export const BACKENDS: readonly Backend[] = ['iptables', 'nftables'];

/** A harmless read that fails when the tool is missing or the kernel lacks its subsystem. */
const PROBE: Readonly<Record<Backend, readonly string[]>> = {
  iptables: ['iptables-save', '-t', 'nat'],
  nftables: ['nft', 'list', 'tables'],
};

export async function backendWorks(backend: Backend, run: CommandRunner): Promise<boolean> {
  try {
    await run(PROBE[backend]);
    return true;
  } catch (error) {
    if (error instanceof CommandError) return false;
    throw error;
  }
}

/** `auto` prefers nftables (one table, one transaction, JSON read-back) whenever `nft` works here. */
export async function resolveBackend(choice: BackendChoice, run: CommandRunner): Promise<Backend> {
  if (choice !== 'auto') return choice;
  return (await backendWorks('nftables', run)) ? 'nftables' : 'iptables';
}

/** nft answers "No such file or directory" for a table that is not there: for us, nothing installed yet. */
const isMissingNftTable = (error: unknown): boolean =>
  error instanceof CommandError && error.exitCode === 1 && /No such file or directory/.test(error.stderr);

export async function readLive(backend: Backend, run: CommandRunner): Promise<LiveState> {
  if (backend === 'iptables') return parseIptablesSave((await run(READ_COMMAND.iptables)).stdout);
  try {
    return parseNftJson((await run(READ_COMMAND.nftables)).stdout);
  } catch (error) {
    if (isMissingNftTable(error)) return EMPTY_LIVE_STATE('nftables');
    throw error;
  }
}

/**
 * Seconds iptables-restore waits for the xtables lock when the caller does not say: without `-w` the legacy
 * variant waits forever behind a held lock.
 */
export const DEFAULT_LOCK_WAIT_SECONDS = 1;

/** The apply argv; iptables gets a bounded wait for the xtables lock (the nft variant accepts and ignores it). */
export const applyCommand = (backend: Backend, lockWaitSeconds = DEFAULT_LOCK_WAIT_SECONDS): readonly string[] =>
  backend === 'iptables' ? [...APPLY_COMMAND.iptables, '-w', String(lockWaitSeconds)] : APPLY_COMMAND.nftables;

/** One transaction: iptables-restore and nft -f both apply all of the script or none of it. */
export async function applyScript(backend: Backend, run: CommandRunner, script: string, lockWaitSeconds?: number): Promise<void> {
  await run(applyCommand(backend, lockWaitSeconds), script);
}
