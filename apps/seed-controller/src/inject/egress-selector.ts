import { CA_VPN_DIR, ENVOY_PROXY_PORT, PROXY_CLIENT_CERT_DIR, PROXY_HOST } from './names.ts';

/**
 * kube-apiserver's EgressSelectorConfiguration (apiserver.k8s.io/v1beta1): everything towards the shoot
 * (`cluster`) goes through the local Envoy by HTTP CONNECT over mutual TLS; control plane and etcd stay direct.
 */
export function egressSelectorConfiguration(): Record<string, unknown> {
  return {
    apiVersion: 'apiserver.k8s.io/v1beta1',
    kind: 'EgressSelectorConfiguration',
    egressSelections: [
      {
        name: 'cluster',
        connection: {
          proxyProtocol: 'HTTPConnect',
          transport: {
            tcp: {
              url: `https://${PROXY_HOST}:${ENVOY_PROXY_PORT}`,
              tlsConfig: {
                caBundle: `${CA_VPN_DIR}/bundle.crt`,
                clientCert: `${PROXY_CLIENT_CERT_DIR}/tls.crt`,
                clientKey: `${PROXY_CLIENT_CERT_DIR}/tls.key`,
              },
            },
          },
        },
      },
      { name: 'controlplane', connection: { proxyProtocol: 'Direct' } },
      { name: 'etcd', connection: { proxyProtocol: 'Direct' } },
    ],
  };
}
