/** What `overlap help COMMAND`, `overlap COMMAND --help` and `-h` print: one entry per command. */
export interface CommandHelp {
  readonly summary: string;
  readonly usage: string;
}

const KUBE = `      --kubeconfig FILE   kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)
      --context NAME      context of the kubeconfig to use (default: its current-context)`;

export const COMMANDS: Readonly<Record<string, CommandHelp>> = {
  status: {
    summary: 'what overlap decided and did for each shoot on a live seed (exit 1 when something is not as planned)',
    usage: `usage: overlap status [--namespace SHOOT_NAMESPACE] [--output text|json] [--kubeconfig FILE] [--context NAME]

One line per Cluster: HA VPN, overlap, the decision, whether kube-apiserver carries the injection, the objects
the controller keeps for the shoot (present/wanted), the seed agents ready, and what is not as planned.
Exit 0 when every shoot is as planned, 1 when one is not, 2 when the API server cannot be used.

  -n, --namespace NS      one shoot, in detail (each object, each kube-apiserver pod and its agent's /readyz)
  -o, --output FORMAT     text (default) or json
${KUBE}
`,
  },
  plan: {
    summary: "the operator's dry run: what overlap would change for a shoot, from files, flags or a live seed",
    usage: `usage:
  overlap plan -f FILE|- [--deployment FILE] [--vpn-shoot FILE] [--webhook-ca FILE] [options]
  overlap plan --cluster NAME [--kubeconfig FILE] [--context NAME] [options]
  overlap plan --all [--kubeconfig FILE] [--context NAME]
  overlap plan --seed-pods CIDR --shoot-pods LIST [--shoot-services LIST] [--shoot-nodes LIST] [--ha] [options]

Answers "what changes on my seed" first: containers and images added to kube-apiserver, volumes, flags, the
objects created, and which component applies each rule set; then the mappings and both sides' rules.

  -f, --file FILE         a Cluster (extensions.gardener.cloud/v1alpha1) as YAML or JSON; "-" reads stdin;
                          a "kind: List" or a multi-document file plans each Cluster in it
      --cluster NAME      read the Cluster NAME and its kube-apiserver Deployment from the seed
      --all               one impact line per Cluster on the seed (before an install)
      --deployment FILE   the kube-apiserver Deployment to patch (default: a sample of Gardener's)
      --vpn-shoot FILE    the vpn-shoot StatefulSet or Deployment (default: a sample of Gardener's)
      --webhook-ca FILE   the CA for the vpn-shoot webhook's caBundle
      --backend NAME      iptables (default) or nftables, for the rules shown
      --patch             also print the full JSON patches (always part of --output json)
  -o, --output FORMAT     text (default) or json
${KUBE}
`,
  },
  diagnose: {
    summary: 'the checks to run when an alert fires for one shoot: rules, devices, routes, forwarding, a request through Envoy',
    usage: `usage: overlap diagnose SHOOT_NAMESPACE [--output text|json] [--kubeconfig FILE] [--context NAME]

Runs "inspect" in each seed-vpn-agent of the shoot's kube-apiserver pods (the pod exec API, as kubectl exec
does) and checks: the live rules against the plan, the tunnel devices and the routes the agent depends on, IP
forwarding, and one request through Envoy to a mapped shoot address. Each check says pass or fail and what to do.
Exit 0 when every check passes, 1 when one fails, 2 when the API server cannot be used.

  -o, --output FORMAT     text (default) or json
${KUBE}
`,
  },
  uninstall: {
    summary: 'take overlap out of a seed, leaving nothing behind',
    usage: `usage: overlap uninstall [--dry-run] [--kubeconfig FILE] [--context NAME]

Stops the webhook and the controller, restores every kube-apiserver Deployment, deletes every object of overlap
in every shoot namespace and the controller's own objects. A second run finds nothing to do.

      --dry-run           print what would be done, change nothing
${KUBE}
`,
  },
  'dev-cert': {
    summary: "a CA and the webhook's serving certificate, for development and labs",
    usage: `usage: overlap dev-cert --out DIR [--service overlap-seed-controller] [--namespace overlap-system] [--days 365]
`,
  },
  'shoot-pki': {
    summary: "one shoot's PKI (CA, Envoy's serving and kube-apiserver's client certificate) as files, for the lab",
    usage: `usage: overlap shoot-pki --out DIR [--namespace shoot--example]
`,
  },
};

export const OVERVIEW = `usage: overlap COMMAND [options]

${Object.entries(COMMANDS)
  .map(([name, help]) => `  ${name.padEnd(10)} ${help.summary}`)
  .join('\n')}
  ${'help'.padEnd(10)} this text; "overlap help COMMAND" or "overlap COMMAND --help" for one command

Exit codes: 0 done, 1 not as planned (status, diagnose) or unexpected, 2 bad input or an API server that cannot be used.
`;

/** `--help` or `-h` anywhere before a `--`. */
export function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}
