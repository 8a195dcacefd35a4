/**
 * What an operator should do about an error the kernel tools reported, when the cause is one a deployment makes:
 * the container lacks root or NET_ADMIN, or it runs where the VPN's tunnel device is not. Undefined otherwise.
 */
export function operatorHint(error: string, tunnelDevice: string): string | undefined {
  if (/permission denied|operation not permitted|you must be root|EPERM|EACCES/i.test(error)) {
    return 'the agent needs uid 0 and the NET_ADMIN capability: securityContext runAsUser: 0, capabilities.add: [NET_ADMIN] (see deploy/shoot or the injected seed-vpn-agent)';
  }
  if (error.includes(tunnelDevice) && /cannot find device|no such device|does not exist|not there/i.test(error)) {
    return `the tunnel device ${tunnelDevice} does not exist here: the agent must run in the network namespace of the VPN client (a sidecar of kube-apiserver or vpn-shoot), and OVERLAP_TUNNEL_DEVICE must name its device (bond0 with HA VPN)`;
  }
  return undefined;
}
