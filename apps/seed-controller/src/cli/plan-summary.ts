import type { KubernetesObject, V1Container, V1PodSpec } from '@kubernetes/client-node';
import { KUBE_APISERVER } from '../inject/names.ts';
import { objectRef } from '../owned/kinds.ts';

interface Workload {
  readonly spec?: { readonly template?: { readonly spec?: V1PodSpec } };
}

/** What a patch does to one pod template, in an operator's words. */
interface TemplateChange {
  readonly containersAdded: ReadonlyArray<{ readonly name: string; readonly image: string; readonly init: boolean }>;
  readonly volumesAdded: readonly string[];
  /** Command-line flags the named container gains (kube-apiserver's egress selector). */
  readonly flagsAdded: readonly string[];
  /** Environment variables that containers already there gain (e.g. vpn-path-controller's SEED_POD_NETWORK). */
  readonly envAdded: ReadonlyArray<{ readonly container: string; readonly name: string }>;
}

/** "What changes on my seed", before any rule or patch: the first thing `overlap plan` prints. */
export interface PlanSummary {
  readonly kubeApiserver: TemplateChange;
  readonly vpnShoot: TemplateChange;
  /** `Kind/name`, with `(in the shoot)` for what the ManagedResource delivers. */
  readonly objects: readonly string[];
  /** Which component installs each side's rule set, or why none does. */
  readonly seedRulesBy: string;
  readonly shootRulesBy: string;
}

const names = (items: readonly { name: string }[] | undefined): Set<string> => new Set((items ?? []).map((i) => i.name));

const argsOf = (container: V1Container | undefined): string[] => [...(container?.command ?? []), ...(container?.args ?? [])];

/** Compares a pod template before and after a mutation; `flagsOf` names the container whose flags matter. */
function templateChange(before: Workload, after: Workload, flagsOf: string): TemplateChange {
  const [was, is] = [before.spec?.template?.spec, after.spec?.template?.spec];
  const added = (list: 'containers' | 'initContainers') => {
    const known = names(was?.[list]);
    return (is?.[list] ?? []).filter((c) => !known.has(c.name)).map((c) => ({ name: c.name, image: c.image ?? '(no image)', init: list === 'initContainers' }));
  };
  const knownVolumes = names(was?.volumes);
  const oldFlags = new Set(argsOf(was?.containers.find((c) => c.name === flagsOf)));
  const envAdded = (is?.containers ?? []).flatMap((container) => {
    const before = was?.containers.find((c) => c.name === container.name);
    if (!before) return [];
    const known = names(before.env);
    return (container.env ?? []).filter((e) => !known.has(e.name)).map((e) => ({ container: container.name, name: e.name }));
  });
  return {
    envAdded,
    containersAdded: [...added('initContainers'), ...added('containers')],
    volumesAdded: (is?.volumes ?? []).map((v) => v.name).filter((name) => !knownVolumes.has(name)),
    flagsAdded: argsOf(is?.containers.find((c) => c.name === flagsOf)).filter((arg) => arg.startsWith('-') && !oldFlags.has(arg)),
  };
}

export interface SummaryInput {
  readonly inject: boolean;
  readonly ha: boolean;
  readonly seedNat: boolean;
  readonly shootNat: boolean;
  readonly deployment: { readonly before: Workload; readonly after: Workload };
  readonly vpnShoot: { readonly before: Workload; readonly after: Workload } | undefined;
  readonly objects: readonly KubernetesObject[];
}

const NONE: TemplateChange = { containersAdded: [], volumesAdded: [], flagsAdded: [], envAdded: [] };

function ruleSetOwner(side: 'seed' | 'shoot', translates: boolean, input: SummaryInput): string {
  if (!translates) return 'nobody: this side does not translate';
  if (input.inject) {
    return side === 'seed'
      ? 'seed-vpn-agent, added to each kube-apiserver pod by this controller'
      : 'shoot-vpn-agent, added to vpn-shoot by the webhook that the ManagedResource puts into the shoot';
  }
  if (!input.ha) return `Gardener's ${side === 'seed' ? 'vpn-seed-server' : 'vpn-shoot'} (non-HA VPN), not this project`;
  return 'nobody from this project: it does not inject here (see why)';
}

export function planSummary(input: SummaryInput): PlanSummary {
  return {
    kubeApiserver: templateChange(input.deployment.before, input.deployment.after, KUBE_APISERVER),
    vpnShoot: input.vpnShoot ? templateChange(input.vpnShoot.before, input.vpnShoot.after, '') : NONE,
    objects: input.objects.map((o) => `${objectRef(o)}${o.metadata?.namespace ? '' : ' (in the shoot)'}`),
    seedRulesBy: ruleSetOwner('seed', input.seedNat, input),
    shootRulesBy: ruleSetOwner('shoot', input.shootNat, input),
  };
}

function changeLines(title: string, change: TemplateChange): string[] {
  if (change.containersAdded.length + change.volumesAdded.length + change.flagsAdded.length + change.envAdded.length === 0) {
    return [`  ${title}: unchanged`];
  }
  return [
    `  ${title}:`,
    ...change.containersAdded.map((c) => `    + ${c.init ? 'init container' : 'container'} ${c.name}  (${c.image})`),
    ...(change.volumesAdded.length > 0 ? [`    + volumes ${change.volumesAdded.join(', ')}`] : []),
    ...(change.flagsAdded.length > 0 ? [`    + flags ${change.flagsAdded.join(' ')}`] : []),
    ...change.envAdded.map((e) => `    + env ${e.name} in ${e.container}`),
  ];
}

export function formatSummary(summary: PlanSummary): string[] {
  return [
    'what changes:',
    ...changeLines('kube-apiserver Deployment (seed)', summary.kubeApiserver),
    ...changeLines('vpn-shoot (shoot, through its webhook)', summary.vpnShoot),
    `  objects created: ${summary.objects.length === 0 ? 'none' : summary.objects.join(', ')}`,
    `  seed rules applied by: ${summary.seedRulesBy}`,
    `  shoot rules applied by: ${summary.shootRulesBy}`,
  ];
}

/** One line for `overlap plan --all`: the shoot, the decision, and what would be added where. */
export function impactLine(summary: PlanSummary, inject: boolean): string {
  if (!inject) return 'nothing';
  const change = summary.kubeApiserver;
  const parts = [
    change.containersAdded.length > 0 ? `kube-apiserver +${change.containersAdded.map((c) => c.name).join(' +')}` : 'kube-apiserver unchanged',
    change.flagsAdded.length > 0 ? change.flagsAdded.join(' ') : '',
    summary.vpnShoot.containersAdded.length > 0 ? `vpn-shoot +${summary.vpnShoot.containersAdded.map((c) => c.name).join(' +')}` : '',
    `${summary.objects.length} objects`,
  ];
  return parts.filter(Boolean).join(', ');
}
