// The pod exec transport of `overlap diagnose` (client-node's Exec over a WebSocket) against FakeApiServer — an
// in-process TEST DOUBLE of the Kubernetes API whose exec endpoint speaks v5.channel.k8s.io; the test plays the
// container.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer, podPath } from '@overlap/test-support';
import { execIn } from '../src/diagnose/exec.ts';
import { ApiAccessError } from '../src/kube/access.ts';

const api = new FakeApiServer();
const target = { namespace: 'shoot--p--x', pod: 'kube-apiserver-a', container: 'seed-vpn-agent' };

beforeAll(async () => {
  await api.start();
  api.put(podPath(target.namespace), { metadata: { name: target.pod } });
});
afterAll(() => api.stop());

describe('execIn', () => {
  it('passes the command, standard input and the exit code through; stdout and stderr stay apart', async () => {
    api.podExec = async (_, command, stdin) => ({ stdout: `${command.join(' ')} read ${stdin.length} bytes\n`, stderr: 'a warning\n', exitCode: 3 });
    const input = 'x'.repeat(100_000);
    expect(await execIn(api.kubeConfig(), target, ['node', '/app/main.js', 'probe'], input)).toEqual({
      exitCode: 3,
      stdout: 'node /app/main.js probe read 100000 bytes\n',
      stderr: 'a warning\n',
    });
  });

  it('a command that never ends: rejected at the deadline, naming the pod', async () => {
    api.podExec = () => new Promise(() => {});
    await expect(execIn(api.kubeConfig(), target, ['sleep'], undefined, 300)).rejects.toThrow(
      'exec in shoot--p--x/kube-apiserver-a -c seed-vpn-agent: no answer within 0.3 s',
    );
  });

  it('refusals: 403 is an access problem (exit 2 for the CLI), a pod that is not there says so', async () => {
    api.forbidden.add('GET /api/v1/namespaces/shoot--p--x/pods/kube-apiserver-a/exec');
    try {
      const refused = execIn(api.kubeConfig(), target, ['true']);
      await expect(refused).rejects.toBeInstanceOf(ApiAccessError);
      await expect(refused).rejects.toThrow('forbidden to exec into shoot--p--x/kube-apiserver-a -c seed-vpn-agent (needs create on pods/exec)');
    } finally {
      api.forbidden.clear();
    }
    await expect(execIn(api.kubeConfig(), { ...target, pod: 'gone' }, ['true'])).rejects.toThrow(
      'exec in shoot--p--x/gone -c seed-vpn-agent refused with 404 (is the container running?)',
    );
  });
});
