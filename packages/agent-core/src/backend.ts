import type { Family } from '@overlap/cidr';
import { APPLY_COMMANDS, type Backend, type LiveState, READ_COMMANDS, parseLive } from '@overlap/natrules';
import { CommandError, type CommandRunner } from '@overlap/runtime';
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
const isMissingNftTable = (error: unknown): boolean => error instanceof CommandError && error.exitCode === 1 && /No such file or directory/.test(error.stderr);

/** What nft would list for a table without anything in it. */
const NO_NFT_OBJECTS = '{"nftables": []}';

/** The output of one read of the owned chains or table of one family (IPv4 unless told), as the parsers take it. */
export async function readOutput(backend: Backend, run: CommandRunner, family: Family = 'IPv4'): Promise<string> {
  const read = READ_COMMANDS[family][backend];
  try {
    return (await run(read)).stdout;
  } catch (error) {
    if (backend === 'nftables' && isMissingNftTable(error)) return NO_NFT_OBJECTS;
    throw error;
  }
}

/** Every nft table at once, which parseNftJson reads like one family's table: one process for both families. */
const NFT_RULESET_READ = ['nft', '-j', 'list', 'ruleset'] as const;

export async function readNftRuleset(run: CommandRunner): Promise<string> {
  return (await run(NFT_RULESET_READ)).stdout;
}

/**
 * readOutput for a family where nothing is desired: a host without IPv6 (no ip6tables tables, no ip6 nft family)
 * cannot hold rules of ours either, so a failing read there means nothing to remove (undefined).
 */
export async function readOutputIfAny(backend: Backend, run: CommandRunner, family: Family): Promise<string | undefined> {
  try {
    return await readOutput(backend, run, family);
  } catch (error) {
    if (family === 'IPv6' && error instanceof CommandError) return undefined;
    throw error;
  }
}

/** The owned chains or table of one family (IPv4 unless told), as the backend shows them now. */
export async function readLive(backend: Backend, run: CommandRunner, family: Family = 'IPv4'): Promise<LiveState> {
  return parseLive(backend, await readOutput(backend, run, family), family);
}

/** readLive for a family where nothing is desired (readOutputIfAny). */
export async function readLiveIfAny(backend: Backend, run: CommandRunner, family: Family): Promise<LiveState | undefined> {
  const output = await readOutputIfAny(backend, run, family);
  return output === undefined ? undefined : parseLive(backend, output, family);
}

/**
 * Seconds iptables-restore waits for the xtables lock when the caller does not say: without `-w` the legacy
 * variant waits forever behind a held lock.
 */
const DEFAULT_LOCK_WAIT_SECONDS = 1;

/**
 * The apply argv of one family; (ip6)iptables-restore gets a bounded wait for the xtables lock (the nft variant
 * accepts and ignores it).
 */
const applyCommand = (backend: Backend, family: Family = 'IPv4', lockWaitSeconds = DEFAULT_LOCK_WAIT_SECONDS): readonly string[] =>
  backend === 'iptables' ? [...APPLY_COMMANDS[family].iptables, '-w', String(lockWaitSeconds)] : APPLY_COMMANDS[family].nftables;

/** One transaction: (ip6)iptables-restore and nft -f all apply the whole script or none of it. */
export async function applyScript(backend: Backend, run: CommandRunner, script: string, family: Family = 'IPv4', lockWaitSeconds?: number): Promise<void> {
  await run(applyCommand(backend, family, lockWaitSeconds), script);
}
