import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { controlPlaneConfigMaps } from '../src/inject/configmaps.ts';

/**
 * k8s.io/apiserver/pkg/apis/apiserver/v1beta1 EgressSelectorConfiguration, field by field (json tags), with the
 * enums and rules of its validation (validation.go: ValidateEgressSelectorConfiguration).
 */
type Shape = { readonly [field: string]: 'string' | Shape | readonly [Shape] };
const TLS_CONFIG: Shape = { caBundle: 'string', clientKey: 'string', clientCert: 'string' };
const TRANSPORT: Shape = { tcp: { url: 'string', tlsConfig: TLS_CONFIG }, uds: { udsName: 'string' } };
const CONFIGURATION: Shape = {
  apiVersion: 'string',
  kind: 'string',
  egressSelections: [{ name: 'string', connection: { proxyProtocol: 'string', transport: TRANSPORT } }],
};

/** A selection's connection, as far as the validation rules below read it (Direct has no transport). */
interface Connection {
  readonly proxyProtocol: string;
  readonly transport?: { readonly tcp: { readonly url: string; readonly tlsConfig: { readonly clientCert?: string; readonly clientKey?: string } } };
}

function unknownFields(value: unknown, shape: Shape, path: string): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: must be an object`];
  return Object.entries(value).flatMap(([key, child]) => {
    const expected = shape[key];
    const at = `${path}.${key}`;
    if (expected === undefined) return [`${at}: unknown field`];
    if (expected === 'string') return typeof child === 'string' ? [] : [`${at}: must be a string`];
    if (Array.isArray(expected)) {
      return Array.isArray(child) ? child.flatMap((item, i) => unknownFields(item, expected[0], `${at}[${i}]`)) : [`${at}: must be a list`];
    }
    return unknownFields(child, expected as Shape, at);
  });
}

// biome-ignore lint/suspicious/noExplicitAny: the configuration as the API server parses it: the tests walk and edit it freely
const configuration = (): any => parse(controlPlaneConfigMaps('shoot--a--b').egress.data!['egress-selector-configuration.yaml']!);

describe('the EgressSelectorConfiguration', () => {
  it('has only fields of the v1beta1 Go type', () => {
    const config = configuration();
    expect(unknownFields(config, CONFIGURATION, '$')).toEqual([]);
    expect([config.apiVersion, config.kind]).toEqual(['apiserver.k8s.io/v1beta1', 'EgressSelectorConfiguration']);
  });

  it('the field check does catch a misspelt field', () => {
    const config = configuration();
    config.egressSelections[0].connection.transport.tcp.tlsconfig = {};
    expect(unknownFields(config, CONFIGURATION, '$')).toEqual(['$.egressSelections[0].connection.transport.tcp.tlsconfig: unknown field']);
  });

  it('sends the cluster selection over HTTPConnect to the local Envoy with mutual TLS', () => {
    expect(configuration().egressSelections[0]).toEqual({
      name: 'cluster',
      connection: {
        proxyProtocol: 'HTTPConnect',
        transport: {
          tcp: {
            url: 'https://kube-apiserver-http-proxy:9443',
            tlsConfig: {
              caBundle: '/srv/kubernetes/ca-vpn/bundle.crt',
              clientCert: '/etc/srv/kubernetes/envoy/tls.crt',
              clientKey: '/etc/srv/kubernetes/envoy/tls.key',
            },
          },
        },
      },
    });
  });

  it('keeps control plane and etcd direct, and passes the API server’s validation rules', () => {
    const selections = configuration().egressSelections as Array<{ name: string; connection: Connection }>;
    expect(selections.slice(1)).toEqual([
      { name: 'controlplane', connection: { proxyProtocol: 'Direct' } },
      { name: 'etcd', connection: { proxyProtocol: 'Direct' } },
    ]);
    const names = selections.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const { name, connection } of selections) {
      expect(['cluster', 'controlplane', 'etcd']).toContain(name);
      expect(['HTTPConnect', 'GRPC', 'Direct']).toContain(connection.proxyProtocol);
      // Direct forbids a transport; HTTPConnect needs exactly one, and an https URL needs both client files.
      if (connection.proxyProtocol === 'Direct') expect(connection.transport).toBeUndefined();
      else {
        expect(Object.keys(connection.transport ?? {})).toHaveLength(1);
        const { url, tlsConfig } = connection.transport!.tcp;
        expect(url).toMatch(/^https:\/\//);
        expect(tlsConfig.clientCert && tlsConfig.clientKey).toBeTruthy();
      }
    }
  });
});
