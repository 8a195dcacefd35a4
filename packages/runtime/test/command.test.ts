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

describe('command deadlines', () => {
  it('kills a program that runs past its deadline and names it', async () => {
    const bounded = createCommandRunner({ deadlineMs: 200 });
    const error = await bounded(['sleep', '1000']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error).toMatchObject({ cutOff: 'deadline', exitCode: undefined });
    expect((error as Error).message).toBe('sleep 1000 did not finish within 0.2 s and was killed');
  });

  it('kills a running program when its caller gives up, and starts none after that', async () => {
    const stop = new AbortController();
    const running = run(['sleep', '1000'], undefined, { signal: stop.signal }).catch((e: unknown) => e);
    stop.abort();
    expect(await running).toMatchObject({ cutOff: 'aborted', message: 'sleep 1000 was killed: the sync was given up' });
    expect(await run(['true'], undefined, { signal: stop.signal }).catch((e: unknown) => e)).toMatchObject({ cutOff: 'aborted' });
  });

  it('runs in the given directory and keeps the output of a failing program', async () => {
    expect(await createCommandRunner({ cwd: '/' })(['pwd'])).toEqual({ stdout: '/\n', stderr: '' });
    const error = await run(['sh', '-c', 'echo findings; exit 1']).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: 1, stdout: 'findings\n', stderr: '' });
  });

  it('lets a program that finishes in time succeed', async () => {
    expect(await createCommandRunner({ deadlineMs: 5000 })(['echo', 'ok'])).toEqual({ stdout: 'ok\n', stderr: '' });
  });
});
