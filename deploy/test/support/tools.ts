import { CommandError, createCommandRunner } from '@overlap/runtime';

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to its end; a non-zero exit is a result to assert on, not an exception. */
export async function run(program: string, args: readonly string[], options: { cwd?: string; input?: string } = {}): Promise<Run> {
  const runner = createCommandRunner(options.cwd === undefined ? {} : { cwd: options.cwd });
  try {
    return { code: 0, ...(await runner([program, ...args], options.input)) };
  } catch (error) {
    if (!(error instanceof CommandError) || error.exitCode === undefined) throw error;
    return { code: error.exitCode, stdout: error.stdout, stderr: error.stderr };
  }
}

/** `kubectl kustomize` with kustomize 4 or newer (components, replacements), if this machine has it. */
export async function kustomizeBinary(): Promise<boolean> {
  try {
    const version = await run('kubectl', ['version', '--client']);
    const major = /Kustomize Version: v(\d+)/.exec(version.stdout)?.[1];
    return version.code === 0 && Number(major) >= 4;
  } catch {
    return false;
  }
}
