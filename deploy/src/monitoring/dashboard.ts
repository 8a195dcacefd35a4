import { InputError } from '@overlap/runtime';
import { type JsonObject, isObject } from '../manifest.ts';

export interface DashboardQuery {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
}

/** Every Prometheus query of a Grafana dashboard: panel targets (rows included) and query variables. */
export function dashboardQueries(dashboard: JsonObject): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  const visit = (panels: unknown): void => {
    if (!Array.isArray(panels)) return;
    for (const panel of panels.filter(isObject)) {
      for (const target of Array.isArray(panel.targets) ? panel.targets.filter(isObject) : []) {
        if (typeof target.expr !== 'string') throw new InputError(`panel "${String(panel.title)}" target ${String(target.refId)}`, 'expr', 'is missing');
        queries.push({ panel: String(panel.title), refId: String(target.refId), expr: target.expr });
      }
      visit(panel.panels);
    }
  };
  visit(dashboard.panels);
  const templating = isObject(dashboard.templating) && Array.isArray(dashboard.templating.list) ? dashboard.templating.list.filter(isObject) : [];
  for (const variable of templating.filter((candidate) => candidate.type === 'query')) {
    const query = isObject(variable.query) ? variable.query.query : variable.query;
    const labelValues = typeof query === 'string' ? /^label_values\((.+),\s*\w+\)$/.exec(query) : null;
    if (labelValues === null) throw new InputError(`variable ${String(variable.name)}`, String(query), 'is not label_values(SELECTOR, LABEL)');
    queries.push({ panel: `variable ${String(variable.name)}`, refId: 'query', expr: labelValues[1] as string });
  }
  return queries;
}

/**
 * Grafana's variables replaced by values PromQL accepts, so that a query can be parsed and checked by promtool:
 * `$__rate_interval` and friends by a duration, dashboard variables by a regex that matches everything.
 */
export function withVariablesResolved(expr: string): string {
  return expr.replaceAll(/\$__(rate_interval|interval|range)\b/g, '5m').replaceAll(/\$\{?(\w+)\}?/g, '.*');
}
