/** What an operator chooses for the injected sidecars; everything else follows from the Cluster. */
export interface InjectionSettings {
  readonly envoyImage: string;
  readonly agentImage: string;
  /** Secret with the VPN CA bundle under the key `bundle.crt` (Gardener: `ca-vpn-bundle-<hash>`). */
  readonly caBundleSecret: string;
  /** Envoy's serving certificate for `kube-apiserver-http-proxy`, signed by the VPN CA. */
  readonly proxyServerSecret: string;
  /** kube-apiserver's client certificate towards Envoy, signed by the VPN CA. */
  readonly proxyClientSecret: string;
  readonly agentBackend: 'auto' | 'iptables' | 'nftables';
  readonly agentLogLevel: string;
}

export const DEFAULT_INJECTION_SETTINGS: InjectionSettings = {
  envoyImage: 'europe-docker.pkg.dev/gardener-project/releases/3rd/envoyproxy/envoy:distroless-v1.39.0',
  agentImage: 'overlap/seed-vpn-agent:0.1.0',
  caBundleSecret: 'ca-vpn-bundle',
  proxyServerSecret: 'kube-apiserver-http-proxy',
  proxyClientSecret: 'kube-apiserver-http-proxy-client',
  agentBackend: 'auto',
  agentLogLevel: 'info',
};
