import { main } from '../../src/cli/main.ts';

/** A stream for main()'s stdout or stderr that hands each chunk written to it to `write`. */
export function textSink(write: (text: string) => void): NodeJS.WritableStream {
  return {
    write: (chunk: string) => {
      write(chunk);
      return true;
    },
  } as unknown as NodeJS.WritableStream;
}

/** `overlap ARGS…` in this process (a Node start per case would make the suites slow): exit code and both streams. */
export async function runOverlap(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(
    args,
    textSink((t) => (stdout += t)),
    textSink((t) => (stderr += t)),
  );
  return { code, stdout, stderr };
}
