import { execFile } from 'node:child_process';

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to its end; a non-zero exit is a result to assert on, not an exception. */
export function run(program: string, args: readonly string[], options: { cwd?: string; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile(program, [...args], { cwd: options.cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
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
