import { isRoot } from '@overlap/test-support';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { run } from './exec.ts';
import { REPO_ROOT } from './repo.ts';

class NotRootError extends Error {
  constructor(command: string) {
    super(`the lab builds network namespaces, a tunnel and NAT rules, which needs root; run: sudo ./dev lab ${command}`);
    this.name = 'NotRootError';
  }
}

export function assertRoot(command: string): void {
  if (!isRoot) throw new NotRootError(command);
}

/** Installs the Debian packages the lab runs (the project's one list, shared with CI) when any is missing. */
export function ensureDebianPackages(): void {
  const result = spawnSync('bash', [join(REPO_ROOT, 'tools/setup/debian-packages.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`installing the Debian packages failed (exit ${result.status ?? result.signal})`);
}

const AGENT_PROJECTS = ['@overlap/seed-vpn-agent', '@overlap/shoot-vpn-agent'] as const;

/** Builds both agents' bundles (nx skips the work when nothing changed). */
export async function buildAgents(): Promise<void> {
  await run(['npx', 'nx', 'run-many', '-t', 'build', '-p', ...AGENT_PROJECTS, '--output-style=static'], { timeoutMs: 10 * 60_000, cwd: REPO_ROOT });
}
