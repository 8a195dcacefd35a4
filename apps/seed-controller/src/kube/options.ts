/** The connection options every command that talks to a seed takes, named as kubectl names them. */
export const KUBE_OPTIONS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
} as const;

/** An API server that cannot be reached or refuses us: the caller says it in one line and exits 2. */
export class ApiAccessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiAccessError';
  }
}
