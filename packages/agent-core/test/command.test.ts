import { describe, expect, it } from 'vitest';
import { CommandError, createCommandRunner } from '../src/index.ts';

const run = createCommandRunner();

describe('createCommandRunner', () => {
  it('passes standard input and returns the output', async () => {
    expect(await run(['cat'], 'hello\n')).toEqual({ stdout: 'hello\n', stderr: '' });
  });

  it('rejects with the exit code and standard error of a failing program', async () => {
    const error = await run(['sh', '-c', 'echo broken >&2; exit 3']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error).toMatchObject({ exitCode: 3, stderr: 'broken\n' });
    expect((error as Error).message).toBe('sh -c echo broken >&2; exit 3 exited with 3: broken');
  });

  it('rejects without an exit code when the program does not exist', async () => {
    const error = await run(['overlap-no-such-program']).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: undefined });
    expect((error as Error).message).toContain('could not be started');
  });
});
