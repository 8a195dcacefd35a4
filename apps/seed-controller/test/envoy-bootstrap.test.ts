import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { controlPlaneConfigMaps } from '../src/inject/configmaps.ts';
import { envoyBootstrap } from '../src/inject/envoy-bootstrap.ts';
import { EnvoyValidator, loadEnvoyRoot } from './support/envoy-schema.ts';

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
let validator: EnvoyValidator;

beforeAll(() => {
  validator = new EnvoyValidator(loadEnvoyRoot());
});

/** The bootstrap as Envoy would read it: parsed back from the ConfigMap's YAML, not the object we built. */
// biome-ignore lint/suspicious/noExplicitAny: the bootstrap as Envoy parses it: the tests walk and edit it freely
const fromConfigMap = (): Record<string, any> => parse(controlPlaneConfigMaps('shoot--a--b').envoy.data!['envoy.yaml']!);

describe('the Envoy bootstrap', () => {
  it('is valid against Envoy’s own API protos, every typed_config resolved by its @type', () => {
    expect(validator.validate(BOOTSTRAP, fromConfigMap())).toEqual([]);
  });

  it('survives the YAML round trip unchanged (no anchors, no folding)', () => {
    expect(fromConfigMap()).toEqual(envoyBootstrap());
    expect(controlPlaneConfigMaps('x').envoy.data!['envoy.yaml']).not.toMatch(/[&*]\w/);
  });

  it('the validator catches an unknown field deep inside a typed_config', () => {
    const bootstrap = fromConfigMap();
    bootstrap.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.stat_prefixx = 'oops';
    expect(validator.validate(BOOTSTRAP, bootstrap)).toEqual([
      '$.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.stat_prefixx: unknown field of .envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    ]);
  });

  it('the validator catches a bad enum value and an unknown @type', () => {
    const bootstrap = fromConfigMap();
    bootstrap.static_resources.clusters[0].lb_policy = 'ROUND_ROBBIN';
    bootstrap.static_resources.listeners[0].listener_filters[0].typed_config['@type'] = 'type.googleapis.com/envoy.Nope';
    expect(validator.validate(BOOTSTRAP, bootstrap)).toEqual([
      '$.static_resources.listeners[0].listener_filters[0].typed_config: @type type.googleapis.com/envoy.Nope is not a known message',
      '$.static_resources.clusters[0].lb_policy: "ROUND_ROBBIN" is not a value of enum .envoy.config.cluster.v3.Cluster.LbPolicy',
    ]);
  });

  it('listens for CONNECT on 9443 with mutual TLS (client certificate required) and the shoot CA, and serves /metrics on 15000 from the admin socket', () => {
    const { static_resources: resources, admin } = fromConfigMap();
    const [proxy, metrics] = resources.listeners;
    expect(proxy.address.socket_address).toMatchObject({ address: '0.0.0.0', port_value: 9443 });
    expect(proxy.additional_addresses[0].address.socket_address).toMatchObject({ address: '::', port_value: 9443 });
    const tls = proxy.filter_chains[0].transport_socket.typed_config.common_tls_context;
    expect(tls.validation_context.trusted_ca.filename).toBe('/srv/secrets/envoy-proxy/ca.crt');
    expect(proxy.filter_chains[0].transport_socket.typed_config.require_client_certificate).toBe(true);
    const hcm = proxy.filter_chains[0].filters[0].typed_config;
    expect(hcm.route_config.virtual_hosts[0].routes[0]).toEqual({
      match: { connect_matcher: {} },
      route: { cluster: 'dynamic_forward_proxy_cluster', upgrade_configs: [{ upgrade_type: 'CONNECT', connect_config: {} }] },
    });
    expect(metrics.address.socket_address.port_value).toBe(15000);
    expect(metrics.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route.prefix_rewrite).toBe('/stats/prometheus');
    expect(resources.clusters.map((c: { name: string }) => c.name)).toEqual(['dynamic_forward_proxy_cluster', 'prometheus_stats']);
    expect(admin).toEqual({ address: { pipe: { path: '/home/nonroot/envoy.admin' } } });
  });
});
