import type { Inspection, ProbeResult } from '@overlap/agent-core';
import { AGENT_CONTAINER, ENVOY_CONTAINER, PATH_CONTROLLER_CONTAINER } from '../inject/names.ts';
import type { DeploymentState } from '../status/shoot-status.ts';

/** What the seed agent of one kube-apiserver pod said about itself (`main.js inspect --output json`). */
export interface AgentFacts {
  readonly pod: string;
  readonly inspection: Inspection | undefined;
  /** Why there is no inspection (exec refused, the container not running, output not JSON). */
  readonly error: string | undefined;
}

export interface ProbeFacts {
  readonly pod: string;
  readonly target: string;
  readonly result: ProbeResult | undefined;
  readonly error: string | undefined;
}

/** Everything `overlap diagnose` collected for one shoot; the checks are a pure function of it. */
export interface DiagnoseFacts {
  readonly namespace: string;
  readonly plan: { readonly inject: boolean; readonly reason: string } | { readonly skipped: string };
  readonly deployment: DeploymentState;
  readonly agents: readonly AgentFacts[];
  readonly probe: ProbeFacts | { readonly skipped: string };
}

export interface Check {
  readonly check: string;
  /** The pod, or the shoot. */
  readonly subject: string;
  readonly result: 'pass' | 'fail' | 'skip';
  readonly detail: string;
  /** What to do about a failure (empty for a pass). */
  readonly action: string;
}

const logsOf = (namespace: string, pod: string, container: string): string => `kubectl logs -n ${namespace} ${pod} -c ${container}`;

/** The devices a pattern such as `bond0+` matched, when they are not just the name itself. */
const devices = (i: Inspection): string =>
  i.tunnelDevice.matched.length === 0 || (i.tunnelDevice.matched.length === 1 && i.tunnelDevice.matched[0] === i.tunnelDevice.name)
    ? ''
    : ` (${i.tunnelDevice.matched.join(', ')})`;

function agentChecks(namespace: string, agent: AgentFacts): Check[] {
  const at = (check: string, result: Check['result'], detail: string, action = ''): Check => ({ check, subject: agent.pod, result, detail, action });
  const i = agent.inspection;
  if (!i) {
    return [
      at(
        'agent inspect',
        'fail',
        agent.error ?? 'no answer',
        `is ${AGENT_CONTAINER} running? kubectl get pod -n ${namespace} ${agent.pod}; ${logsOf(namespace, agent.pod, AGENT_CONTAINER)}`,
      ),
    ];
  }
  const checks: Check[] = [];
  if (i.problem)
    checks.push(
      at(
        'networks translatable',
        'fail',
        i.problem,
        'the shoot networks cannot be packed into 240.0.0.0/4 (docs/OPERATIONS.md); nothing is installed for this shoot',
      ),
    );
  for (const rules of i.rules) {
    const differs = [...rules.missing.map((r) => `missing ${r}`), ...rules.stale.map((r) => `stale ${r}`), ...rules.foreign.map((r) => `foreign ${r}`)];
    checks.push(
      rules.state === 'in sync'
        ? at(`rules ${rules.family}`, 'pass', `in sync (${rules.desired} planned, ${rules.live} live, ${i.backend})`)
        : at(
            `rules ${rules.family}`,
            'fail',
            `${rules.state}${differs.length > 0 ? `: ${differs.slice(0, 3).join('; ')}${differs.length > 3 ? '; …' : ''}` : ''}`,
            rules.foreign.length > 0
              ? `something else writes into the overlap chains/table: find it (the agent removes what is not its own each sync); ${logsOf(namespace, agent.pod, AGENT_CONTAINER)}`
              : `the agent repairs this within one sync period; if it stays, read why: ${logsOf(namespace, agent.pod, AGENT_CONTAINER)}`,
          ),
    );
  }
  checks.push(
    i.tunnelDevice.state === 'up'
      ? at('tunnel device', 'pass', `${i.tunnelDevice.name} is up${devices(i)}`)
      : at(
          'tunnel device',
          'fail',
          i.tunnelDevice.state === 'missing' ? `${i.tunnelDevice.name} matches no device` : `${i.tunnelDevice.name} is down${devices(i)}`,
          `the VPN seed clients have not brought the tunnel up: ${logsOf(namespace, agent.pod, 'vpn-client-0')} (and the path controller's)`,
        ),
  );
  checks.push(
    i.routes.missing.length === 0
      ? at('routes', 'pass', i.routes.desired.length === 0 ? 'none needed from the agent' : `${i.routes.desired.length} present`)
      : at(
          'routes',
          'fail',
          i.routes.missing.join('; '),
          i.routes.missing.some((r) => r.startsWith('route missing (owned by'))
            ? `HA: the owner named (vpn2's path controller in this pod, the tunnel controller in vpn-shoot) installs these; ${logsOf(namespace, agent.pod, PATH_CONTROLLER_CONTAINER)}`
            : `they wait for the tunnel device; once it is up the agent sets them at its next sync (${logsOf(namespace, agent.pod, AGENT_CONTAINER)})`,
        ),
  );
  checks.push(
    !i.ipForward.needed
      ? at('IP forwarding', 'pass', `not needed on this side (net.ipv4.ip_forward=${i.ipForward.enabled ? 1 : 0})`)
      : i.ipForward.enabled
        ? at('IP forwarding', 'pass', 'net.ipv4.ip_forward=1')
        : at(
            'IP forwarding',
            'fail',
            'net.ipv4.ip_forward=0',
            'the agent sets it at its next sync; if it stays 0 the container lacks the right to (securityContext)',
          ),
  );
  return checks;
}

function probeCheck(namespace: string, probe: DiagnoseFacts['probe']): Check {
  if ('skipped' in probe) return { check: 'request through Envoy', subject: namespace, result: 'skip', detail: probe.skipped, action: '' };
  const detail = probe.result
    ? `CONNECT ${probe.target}: ${probe.result.answer} (${probe.result.ms} ms)`
    : `CONNECT ${probe.target}: ${probe.error ?? 'no answer'}`;
  return probe.result?.ok
    ? { check: 'request through Envoy', subject: probe.pod, result: 'pass', detail, action: '' }
    : {
        check: 'request through Envoy',
        subject: probe.pod,
        result: 'fail',
        detail,
        action: `a 503 means Envoy could not reach the shoot address: check the checks above, then ${logsOf(namespace, probe.pod, ENVOY_CONTAINER)}; a TLS error means Envoy's certificates and kube-apiserver's differ (overlap status -n ${namespace})`,
      };
}

/** Every check for one shoot, in the order an operator would go through them. */
export function diagnoseChecks(facts: DiagnoseFacts): Check[] {
  const shoot = (check: string, result: Check['result'], detail: string, action = ''): Check => ({ check, subject: facts.namespace, result, detail, action });
  if ('skipped' in facts.plan) {
    return [shoot('Cluster', 'fail', facts.plan.skipped, 'the controller skips this shoot until the named field is valid; nothing of overlap runs for it')];
  }
  if (!facts.plan.inject) return [shoot('decision', 'pass', `overlap leaves this shoot alone: ${facts.plan.reason}`)];
  const checks = [shoot('decision', 'pass', `inject: ${facts.plan.reason}`)];
  if (facts.deployment !== 'injected') {
    checks.push(
      shoot(
        'injection',
        'fail',
        `kube-apiserver is ${facts.deployment === 'missing' ? 'not there' : facts.deployment === 'gardener' ? "Gardener's own (it translates itself)" : 'not injected'}`,
        `overlap status -n ${facts.namespace}; the controller's events: kubectl get events -n default --field-selector involvedObject.name=${facts.namespace}`,
      ),
    );
    return checks;
  }
  checks.push(shoot('injection', 'pass', 'kube-apiserver carries Envoy, the egress selector and the seed agent'));
  if (facts.agents.length === 0)
    checks.push(shoot('pods', 'fail', 'no kube-apiserver pods', `kubectl get pods -n ${facts.namespace} -l app=kubernetes,role=apiserver`));
  for (const agent of facts.agents) checks.push(...agentChecks(facts.namespace, agent));
  checks.push(probeCheck(facts.namespace, facts.probe));
  return checks;
}

export const allPass = (checks: readonly Check[]): boolean => checks.every((c) => c.result !== 'fail');
