import { ENVOY_ADMIN_SOCKET, ENVOY_CERTS_DIR, ENVOY_METRICS_PORT, ENVOY_PROXY_PORT } from './names.ts';

const TYPE = 'type.googleapis.com/envoy.extensions';
const HCM = `${TYPE}.filters.network.http_connection_manager.v3.HttpConnectionManager`;
const ROUTER = { name: 'envoy.filters.http.router', typed_config: { '@type': `${TYPE}.filters.http.router.v3.Router` } };
const DNS_CACHE = { name: 'dynamic_forward_proxy_cache_config', dns_lookup_family: 'ALL', max_hosts: 8192 };

/** Envoy answers on both families, as Gardener's does, whatever the pod's own families are. */
function listenOn(port: number): Record<string, unknown> {
  return {
    address: { socket_address: { protocol: 'TCP', address: '0.0.0.0', port_value: port } },
    additional_addresses: [{ address: { socket_address: { protocol: 'TCP', address: '::', port_value: port } } }],
  };
}

/** Only failures and slow tunnels are logged: a healthy CONNECT stream would otherwise log every kubectl exec. */
const ACCESS_LOG = {
  name: 'envoy.access_loggers.stdout',
  filter: {
    or_filter: {
      filters: [
        { status_code_filter: { comparison: { op: 'GE', value: { default_value: 500, runtime_key: 'access_log.status_code' } } } },
        { duration_filter: { comparison: { op: 'GE', value: { default_value: 1000, runtime_key: 'access_log.duration' } } } },
      ],
    },
  },
  typed_config: {
    '@type': `${TYPE}.access_loggers.stream.v3.StdoutAccessLog`,
    log_format: {
      text_format_source: {
        inline_string:
          '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% ' +
          '%BYTES_RECEIVED% %BYTES_SENT% %DURATION% "%DOWNSTREAM_REMOTE_ADDRESS%" "%REQ(X-REQUEST-ID)%" ' +
          '"%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n',
      },
    },
  },
};

/** The CONNECT proxy on 9443: mutual TLS with the shoot's CA, dynamic forward proxy to whatever host:port is asked for. */
const PROXY_LISTENER = {
  name: 'listener_0',
  ...listenOn(ENVOY_PROXY_PORT),
  listener_filters: [
    {
      name: 'envoy.filters.listener.tls_inspector',
      typed_config: { '@type': `${TYPE}.filters.listener.tls_inspector.v3.TlsInspector` },
    },
  ],
  filter_chains: [
    {
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': `${TYPE}.transport_sockets.tls.v3.DownstreamTlsContext`,
          // Only kube-apiserver, holding the client certificate of the shoot's CA, may open tunnels.
          require_client_certificate: true,
          common_tls_context: {
            tls_certificates: [
              {
                certificate_chain: { filename: `${ENVOY_CERTS_DIR}/tls.crt` },
                private_key: { filename: `${ENVOY_CERTS_DIR}/tls.key` },
              },
            ],
            validation_context: { trusted_ca: { filename: `${ENVOY_CERTS_DIR}/ca.crt` } },
          },
        },
      },
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type': HCM,
            stat_prefix: 'ingress_http',
            access_log: [ACCESS_LOG],
            route_config: {
              name: 'local_route',
              virtual_hosts: [
                {
                  name: 'local_service',
                  domains: ['*'],
                  routes: [
                    {
                      match: { connect_matcher: {} },
                      route: {
                        cluster: 'dynamic_forward_proxy_cluster',
                        upgrade_configs: [{ upgrade_type: 'CONNECT', connect_config: {} }],
                      },
                    },
                  ],
                },
              ],
            },
            http_filters: [
              {
                name: 'envoy.filters.http.dynamic_forward_proxy',
                typed_config: {
                  '@type': `${TYPE}.filters.http.dynamic_forward_proxy.v3.FilterConfig`,
                  dns_cache_config: DNS_CACHE,
                },
              },
              ROUTER,
            ],
            http_protocol_options: { accept_http_10: true },
            upgrade_configs: [{ upgrade_type: 'CONNECT' }],
          },
        },
      ],
    },
  ],
};

/** Plain HTTP on 15000 exposing only `/metrics` (Envoy's Prometheus stats); the admin API stays on a socket. */
const METRICS_LISTENER = {
  name: 'metrics_listener',
  ...listenOn(ENVOY_METRICS_PORT),
  filter_chains: [
    {
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type': HCM,
            stat_prefix: 'stats_server',
            route_config: {
              virtual_hosts: [
                {
                  name: 'admin_interface',
                  domains: ['*'],
                  routes: [
                    {
                      match: { path: '/metrics' },
                      route: { cluster: 'prometheus_stats', prefix_rewrite: '/stats/prometheus' },
                    },
                  ],
                },
              ],
            },
            http_filters: [ROUTER],
          },
        },
      ],
    },
  ],
};

const CLUSTERS = [
  {
    name: 'dynamic_forward_proxy_cluster',
    connect_timeout: '20s',
    circuit_breakers: { thresholds: [{ max_connections: 8192 }] },
    lb_policy: 'CLUSTER_PROVIDED',
    cluster_type: {
      name: 'envoy.clusters.dynamic_forward_proxy',
      typed_config: {
        '@type': `${TYPE}.clusters.dynamic_forward_proxy.v3.ClusterConfig`,
        dns_cache_config: DNS_CACHE,
      },
    },
  },
  {
    name: 'prometheus_stats',
    connect_timeout: '0.25s',
    type: 'STATIC',
    load_assignment: {
      cluster_name: 'prometheus_stats',
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: ENVOY_ADMIN_SOCKET } } } }] }],
    },
  },
];

/** The bootstrap (proto3 JSON, snake_case) of the kube-apiserver's Envoy sidecar, as Gardener's HA layout has it. */
export function envoyBootstrap(): Record<string, unknown> {
  return {
    static_resources: { listeners: [PROXY_LISTENER, METRICS_LISTENER], clusters: CLUSTERS },
    admin: { address: { pipe: { path: ENVOY_ADMIN_SOCKET } } },
  };
}
