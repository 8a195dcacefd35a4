import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getField, renderKustomization } from '../src/index.ts';
import { type Instruction, copies, dockerfileInstructions as instructions } from './support/dockerfile.ts';
import { DEPLOY, REPO } from './support/paths.ts';

const one = (list: Instruction[], keyword: string): string => {
  const found = list.filter((instruction) => instruction.keyword === keyword);
  expect(found, keyword).toHaveLength(1);
  return found[0]?.args ?? '';
};
const version = (app: string): string => (JSON.parse(readFileSync(join(REPO, 'apps', app, 'package.json'), 'utf8')) as { version: string }).version;
const entrypoint = (list: Instruction[]): string[] => JSON.parse(one(list, 'ENTRYPOINT')) as string[];

const copied = (list: Instruction[]): string[] => copies(list).flatMap((copy) => copy.sources);

describe('the seed controller image', () => {
  const dockerfile = instructions('seed-controller');

  it('is Node 24 on Alpine running the bundle as the non-root user the Deployment asks for', () => {
    expect(one(dockerfile, 'FROM')).toBe('node:24-alpine');
    const deployment = renderKustomization(join(DEPLOY, 'seed')).find((manifest) => manifest.kind === 'Deployment');
    expect(one(dockerfile, 'USER')).toBe(`${String(getField(deployment, 'spec.template.spec.securityContext.runAsUser'))}:65532`);
    expect(entrypoint(dockerfile)).toEqual(['node', '--max-semi-space-size=1', '--optimize-for-size', '/app/dist/controller.js']);
    expect(getField(deployment, 'spec.template.spec.containers.[name=controller].image')).toBe(`overlap/seed-controller:${version('seed-controller')}`);
  });

  it('copies files the build produces (run `npx nx run-many -t build` first)', () => {
    for (const source of copied(dockerfile)) expect(existsSync(join(REPO, 'apps/seed-controller', source)), source).toBe(true);
  });
});

describe.each(['seed-vpn-agent', 'shoot-vpn-agent'])('the %s image', (app) => {
  const dockerfile = instructions(app);

  it('is Node 24 on Debian slim with the nf_tables iptables, nft, ip and sysctl, running as root', () => {
    expect(one(dockerfile, 'FROM')).toBe('node:24-bookworm-slim');
    expect(one(dockerfile, 'RUN')).toMatch(
      /apt-get install -y --no-install-recommends iptables nftables iproute2 procps && rm -rf \/var\/lib\/apt\/lists\/\*$/,
    );
    expect(one(dockerfile, 'USER')).toBe('0:0');
    expect(entrypoint(dockerfile)).toEqual(['node', '--max-semi-space-size=1', '--lite-mode', '/app/main.js']);
  });

  it('copies the bundle the build produces', () => {
    expect(copied(dockerfile)).toEqual(['dist/main.js']);
    expect(existsSync(join(REPO, 'apps', app, 'dist/main.js'))).toBe(true);
  });
});

describe('image references in the manifests', () => {
  it('name each agent image with its app version', () => {
    const [statefulSet] = renderKustomization(join(DEPLOY, 'examples/shoot'));
    expect(getField(statefulSet, 'spec.template.spec.containers.[name=shoot-vpn-agent].image')).toBe(
      `registry.example.com/overlap/shoot-vpn-agent:${version('shoot-vpn-agent')}`,
    );
    const injected = renderKustomization(join(DEPLOY, 'seed')).find((manifest) => manifest.kind === 'PodTemplate');
    for (const app of ['seed-vpn-agent', 'shoot-vpn-agent']) {
      expect(getField(injected, `template.spec.containers.[name=${app}].image`)).toBe(`overlap/${app}:${version(app)}`);
    }
  });
});
