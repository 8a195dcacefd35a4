import { main } from '../../src/cli/main.ts';

/** `overlap ARGS…` in this process (a Node start per case would make the suites slow): exit code and both streams. */
export async function runOverlap(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (write: (text: string) => void) => ({ write: (chunk: string) => (write(chunk), true) }) as unknown as NodeJS.WritableStream;
  const code = await main(args, sink((t) => (stdout += t)), sink((t) => (stderr += t)));
  return { code, stdout, stderr };
}
