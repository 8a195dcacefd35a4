/** What an operator chooses for the injected sidecars; everything else follows from the Cluster. */
export interface InjectionSettings {
  readonly envoyImage: string;
  readonly agentImage: string;
  /**
   * The Secrets of the shoot's own small PKI, which the controller issues and keeps in the shoot namespace (names
   * of our own: Gardener's secrets manager suffixes its names with a hash, so they cannot be mounted by name).
   * The CA bundle under `bundle.crt`: egress selector's caBundle and the CA Envoy verifies clients with.
   */
  readonly caBundleSecret: string;
  /** Envoy's serving certificate for `kube-apiserver-http-proxy` (chain included), signed by that CA. */
  readonly proxyServerSecret: string;
  /** kube-apiserver's client certificate towards Envoy, signed by that CA. */
  readonly proxyClientSecret: string;
  readonly agentBackend: 'auto' | 'iptables' | 'nftables';
  readonly agentLogLevel: string;
  /**
   * Opt-in mode: only shoots listing this type in `spec.extensions` are injected (gardenlet labels their namespaces
   * `extensions.gardener.cloud/<type>: "true"`, which the webhook then selects). Unset: automatic mode.
   */
  readonly extensionType?: string;
}

export const DEFAULT_INJECTION_SETTINGS: InjectionSettings = {
  envoyImage: 'europe-docker.pkg.dev/gardener-project/releases/3rd/envoyproxy/envoy:distroless-v1.39.0',
  agentImage: 'overlap/seed-vpn-agent:0.1.0',
  caBundleSecret: 'overlap-vpn-ca-bundle',
  proxyServerSecret: 'overlap-kube-apiserver-http-proxy',
  proxyClientSecret: 'overlap-kube-apiserver-http-proxy-client',
  agentBackend: 'auto',
  agentLogLevel: 'info',
};
