import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabOptions } from './spec.ts';

/** A process the lab started, enough to find it again and to make sure a reused pid is not mistaken for it. */
export interface DaemonRecord {
  readonly name: string;
  readonly netns: string;
  readonly pid: number;
  readonly argv: readonly string[];
  readonly log: string;
}

/** What `down` and `status` read back: the options the lab was built from and every process it runs. */
export interface LabState {
  readonly options: LabOptions;
  readonly daemons: Readonly<Record<string, DaemonRecord>>;
}

const statePath = (runDir: string): string => join(runDir, 'state.json');

export function readState(runDir: string): LabState | undefined {
  const path = statePath(runDir);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as LabState;
}

/** Written through a rename so that a crash never leaves half a state file behind. */
export function writeState(state: LabState): void {
  mkdirSync(state.options.runDir, { recursive: true });
  const path = statePath(state.options.runDir);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}
