import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type JsonObject, dashboardQueries, withVariablesResolved } from '../src/index.ts';
import { ENVOY_METRICS } from '@overlap/seed-controller';
import { PROMETHEUS_SERIES, loadDashboard, loadDashboards, monitoringExpressions, usedMetricNames } from './support/monitoring.ts';
import { run } from './support/tools.ts';

const dashboard = loadDashboard();
const allPanels = dashboard.panels as JsonObject[];
const panels = allPanels.filter((panel) => panel.type !== 'row');
const variables = ((dashboard.templating as JsonObject).list as JsonObject[]).map((variable) => variable.name);
const scratch = mkdtempSync(join(tmpdir(), 'ovl-deploy-dashboard-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the Grafana dashboard', () => {
  it('has a data source and a shoot (namespace) variable, and every panel queries through them', () => {
    expect(variables).toEqual(['datasource', 'namespace']);
    for (const panel of panels) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${datasource} is a Grafana variable, not JavaScript
      expect(panel.datasource, String(panel.title)).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect((panel.targets as unknown[]).length, String(panel.title)).toBeGreaterThan(0);
    }
  });

  it('shows per shoot what the operator asked for', () => {
    expect(panels.map((panel) => panel.title)).toEqual(
      expect.arrayContaining([
        'NAT active per side',
        'Mappings per kind',
        'Translated packets per mapping',
        'Translated bytes per mapping',
        'Sync duration p99',
        'Drift repairs',
        'Stale rules removed',
        'Admissions by outcome',
        'Admission latency',
        'Reconciles and errors',
      ]),
    );
    const perShoot = panels.filter((panel) => JSON.stringify(panel.targets).includes('namespace=~\\"$namespace\\"'));
    expect(perShoot.length).toBeGreaterThanOrEqual(14);
  });

  it('lays panels out on the 24-column grid without overlaps, with unique ids', () => {
    const boxes = allPanels.map((panel) => ({ id: panel.id, ...(panel.gridPos as { x: number; y: number; w: number; h: number }) }));
    expect(new Set(boxes.map((box) => box.id)).size).toBe(boxes.length);
    for (const [index, a] of boxes.entries()) {
      expect(a.x + a.w, `panel ${String(a.id)}`).toBeLessThanOrEqual(24);
      for (const b of boxes.slice(index + 1)) {
        const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
        expect(apart, `panels ${String(a.id)} and ${String(b.id)} overlap`).toBe(true);
      }
    }
  });

  it('queries valid PromQL: promtool accepts every panel and variable query as a recording rule', async () => {
    const queries = monitoringExpressions().filter((query) => query.where.startsWith('dashboard'));
    const rules = queries.map((query, index) => ({ record: `overlap:dashboard_query_${index}`, expr: query.expr }));
    writeFileSync(join(scratch, 'dashboard.rules.yaml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
    const checked = await run('promtool', ['check', 'rules', 'dashboard.rules.yaml'], { cwd: scratch });
    expect(checked.stdout + checked.stderr).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('reads the queries of panels inside rows and of query variables, and refuses a target without expr', () => {
    const queries = dashboardQueries({
      panels: [{ type: 'row', panels: [{ title: 'inner', targets: [{ refId: 'A', expr: 'up' }] }] }],
      templating: {
        list: [
          { type: 'query', name: 'ns', query: { query: 'label_values(overlap_agent_info{role="seed"}, namespace)' } },
          { type: 'custom', name: 'c' },
        ],
      },
    });
    expect(queries).toEqual([
      { panel: 'inner', refId: 'A', expr: 'up' },
      { panel: 'variable ns', refId: 'query', expr: 'overlap_agent_info{role="seed"}' },
    ]);
    expect(() => dashboardQueries({ panels: [{ title: 'broken', targets: [{ refId: 'A' }] }] })).toThrow(/broken/);
    expect(() => dashboardQueries({ templating: { list: [{ type: 'query', name: 'v', query: 'query_result(up)' }] } })).toThrow(/label_values/);
  });

  it('resolves Grafana variables to PromQL that parses, and leaves other text alone', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${role} is a Grafana variable, not JavaScript
    expect(withVariablesResolved('rate(x{namespace=~"$namespace", a="${role}"}[$__rate_interval])')).toBe('rate(x{namespace=~".*", a=".*"}[5m])');
  });

  it('uses only overlap_ metrics and the series Prometheus adds itself', () => {
    const envoy = new Set<string>(ENVOY_METRICS);
    for (const name of usedMetricNames().keys()) expect(name.startsWith('overlap_') || PROMETHEUS_SERIES.has(name) || envoy.has(name), name).toBe(true);
  });
});

/**
 * The panel types Plutono has (credativ/plutono public/app/plugins/panel, a fork of Grafana 7.5), plus rows; all of
 * them also exist in current Grafana (graph and singlestat are migrated there, so neither is used).
 */
const PLUTONO_PANELS = new Set([
  'row',
  'alertlist',
  'annolist',
  'barchart',
  'bargauge',
  'dashlist',
  'gauge',
  'heatmap',
  'logs',
  'news',
  'nodeGraph',
  'piechart',
  'pluginlist',
  'stat',
  'table',
  'text',
  'timeseries',
]);
const panelsOf = (dashboard: JsonObject): JsonObject[] =>
  (dashboard.panels as JsonObject[]).flatMap((panel) => [panel, ...((panel.panels as JsonObject[] | undefined) ?? [])]);
const dashboards = loadDashboards();

describe.each(Object.keys(dashboards))('the %s dashboard, for Plutono and current Grafana alike', (name) => {
  const dashboard = dashboards[name]!;

  it('uses only panel types Plutono has (no state-timeline), in the schema version of Grafana 7.5', () => {
    for (const panel of panelsOf(dashboard)) expect(PLUTONO_PANELS, `${String(panel.title)}: ${String(panel.type)}`).toContain(panel.type);
    expect(dashboard.schemaVersion).toBe(27);
  });

  it('says "never" for an agent that never synced, instead of the age of the epoch', () => {
    const lastSync = panelsOf(dashboard).filter((panel) => JSON.stringify(panel.targets ?? []).includes('overlap_sync_last_success_timestamp_seconds'));
    for (const panel of lastSync) {
      expect(JSON.stringify(panel.targets)).not.toContain('time() -');
      expect((panel.fieldConfig as { defaults: { mappings: unknown[] } }).defaults.mappings).toContainEqual(
        expect.objectContaining({ value: '0', text: 'never' }),
      );
    }
  });

  it('shows each panel exactly as the generic dashboard does (one definition, three layouts)', () => {
    const generic = new Map(panelsOf(dashboards.generic!).map((panel) => [panel.title, panel]));
    const strip = (panel: JsonObject): JsonObject => ({ ...panel, id: 0, gridPos: {} });
    for (const panel of panelsOf(dashboard)) expect(strip(panel), String(panel.title)).toEqual(strip(generic.get(panel.title)!));
  });
});

describe('the Plutono panel check', () => {
  it('refuses the panel types Plutono lacks', () => {
    expect(PLUTONO_PANELS.has('state-timeline')).toBe(false);
    expect(PLUTONO_PANELS.has('status-history')).toBe(false);
  });
});
