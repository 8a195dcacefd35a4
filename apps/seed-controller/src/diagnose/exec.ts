import { Readable, Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { ApiAccessError } from '../kube/access.ts';

export interface ExecTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The exit code in the Status the API server sends last (Failure carries it as the `ExitCode` cause). */
function exitCodeOf(status: V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  return cause?.message !== undefined && /^\d+$/.test(cause.message) ? Number(cause.message) : 1;
}

const collector = (append: (text: string) => void): Writable =>
  new Writable({
    write(chunk: Buffer, _encoding, callback) {
      append(chunk.toString('utf8'));
      callback();
    },
  });

/**
 * `kubectl exec POD -c CONTAINER -- COMMAND` through client-node's Exec (a WebSocket to `pods/NAME/exec`), with
 * `stdin` as the command's standard input. Refusals become one line (ApiAccessError); so does a deadline.
 */
export function execIn(config: KubeConfig, target: ExecTarget, command: readonly string[], stdin?: string, timeoutMs = 30_000): Promise<ExecResult> {
  let stdout = '';
  let stderr = '';
  const where = `${target.namespace}/${target.pod} -c ${target.container}`;
  return new Promise<ExecResult>((resolve, reject) => {
    let settled = false;
    let close: (() => void) | undefined;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      close?.();
      outcome();
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`exec in ${where}: no answer within ${timeoutMs / 1000} s`))), timeoutMs);
    const input = stdin === undefined ? null : Readable.from([Buffer.from(stdin)]);
    new Exec(config)
      .exec(
        target.namespace,
        target.pod,
        target.container,
        [...command],
        collector((t) => (stdout += t)),
        collector((t) => (stderr += t)),
        input,
        false,
        (status) => finish(() => resolve({ exitCode: exitCodeOf(status), stdout, stderr })),
      )
      .then(
        (socket) => {
          close = () => socket.close();
          socket.addEventListener('close', () => finish(() => reject(new Error(`exec in ${where}: the connection closed without an exit status`))));
          if (settled) socket.close();
        },
        (error: unknown) => {
          const message = String((error as { message?: unknown }).message ?? error);
          const status = /Unexpected server response: (\d+)/.exec(message)?.[1];
          const line =
            status === '403'
              ? `forbidden to exec into ${where} (needs create on pods/exec)`
              : status
                ? `exec in ${where} refused with ${status} (is the container running?)`
                : `exec in ${where}: ${message.split('\n')[0]}`;
          finish(() => reject(status === '403' ? new ApiAccessError(line) : new Error(line)));
        },
      );
  });
}
