import { InputError } from '@overlap/runtime';
import { type Manifest, isObject } from '../manifest.ts';

interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly Rule[];
}

/** The rule groups of a PrometheusRule: the plain Prometheus rule file that promtool reads. */
export function ruleGroups(prometheusRule: Manifest): RuleGroup[] {
  const spec = prometheusRule.spec;
  if (prometheusRule.kind !== 'PrometheusRule' || !isObject(spec) || !Array.isArray(spec.groups)) {
    throw new InputError('PrometheusRule', prometheusRule.metadata.name, 'has no spec.groups');
  }
  return spec.groups as RuleGroup[];
}
