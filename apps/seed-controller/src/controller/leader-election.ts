import type { V1Lease } from '@kubernetes/client-node';
import { Backoff, type Logger } from '@overlap/runtime';
import type { KubeClient } from '../kube/client.ts';
import { type Resource, httpStatus, resourcePath } from '../kube/request.ts';

const LEASES: Resource = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' };

/** A Lease's times are MicroTime: RFC 3339 with six fractional digits, as client-go writes them. */
export const microTime = (date: Date): string => date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** The Lease as JSON carries its times as text (the wire format), not as client-node's Date objects. */
type Lease = Omit<V1Lease, 'spec'> & {
  spec?: Omit<NonNullable<V1Lease['spec']>, 'acquireTime' | 'renewTime'> & { acquireTime?: string; renewTime?: string };
};

export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseSeconds: number;
  /** How often the holder renews and the others look; a replica that cannot reach the API backs off from here. */
  readonly retryMs: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
}

/**
 * client-go's Lease lock: the holder renews `spec.renewTime`; anyone may take a Lease whose renewal is older
 * than its duration. Writes carry the read resourceVersion, so two candidates cannot both win.
 */
export class LeaderElector {
  readonly #api: KubeClient;
  readonly #path: string;
  readonly #options: LeaderElectionOptions;
  readonly #logger: Logger;
  #leading = false;
  #lastRenew = 0;
  /** The holder's record as last read, and when this process first saw it (its own clock, never the holder's). */
  #observedRecord = '';
  #observedAt = 0;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  /**
   * Failed rounds of a replica that does not lead: doubling with jitter up to a lease duration, so that replicas
   * cut off together do not all return at once; a takeover has to wait that long anyway.
   */
  readonly #backoff: Backoff;

  constructor(api: KubeClient, options: LeaderElectionOptions, logger: Logger, now: () => number = Date.now) {
    this.#api = api;
    this.#path = resourcePath(LEASES, options.namespace, options.name);
    this.#options = options;
    this.#logger = logger;
    this.#now = now;
    this.#backoff = new Backoff({ initialMs: options.retryMs, maxMs: Math.max(options.retryMs, options.leaseSeconds * 1000) });
  }

  get leading(): boolean {
    return this.#leading;
  }

  start(): void {
    const tick = (): void => {
      void this.#round().then((delayMs) => {
        if (this.#timer !== undefined) this.#timer = setTimeout(tick, delayMs);
      });
    };
    this.#timer = setTimeout(tick, 0);
  }

  /** Stops campaigning and, if leading, gives the Lease up so another replica takes over at once. */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#leading) return;
    this.#setLeading(false);
    try {
      const lease = await this.#api.get<Lease>(this.#path);
      if (lease.spec?.holderIdentity !== this.#options.identity) return;
      lease.spec.holderIdentity = '';
      await this.#api.replace(this.#path, lease);
    } catch (error) {
      this.#logger.warn({ err: error }, 'could not release the leader Lease; it expires by itself');
    }
  }

  /** One round; resolves with the delay until the next. */
  async #round(): Promise<number> {
    let failed = false;
    try {
      const won = await this.#tryAcquireOrRenew();
      if (won) this.#lastRenew = Date.now();
      if (won && !this.#leading) this.#setLeading(true);
    } catch (error) {
      failed = true;
      this.#logger.warn({ err: error }, 'leader election round failed');
    }
    if (this.#leading && Date.now() - this.#lastRenew > this.#renewDeadlineMs()) this.#setLeading(false);
    // The holder retries at the renew period whatever happens: it must renew or step down within the deadline.
    if (!failed || this.#leading) {
      this.#backoff.reset();
      return this.#options.retryMs;
    }
    return this.#backoff.next();
  }

  /** client-go's renew deadline (10 s of a 15 s lease): step down before anyone else may take the Lease. */
  #renewDeadlineMs(): number {
    return (this.#options.leaseSeconds * 1000 * 2) / 3;
  }

  #setLeading(leading: boolean): void {
    this.#leading = leading;
    this.#logger.info({ identity: this.#options.identity, lease: this.#options.name }, leading ? 'became leader' : 'stopped leading');
    if (leading) this.#options.onStartedLeading();
    else this.#options.onStoppedLeading();
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseSeconds } = this.#options;
    const now = microTime(new Date());
    let lease: Lease;
    try {
      lease = await this.#api.get<Lease>(this.#path);
    } catch (error) {
      if (httpStatus(error) !== 404) throw error;
      const body: Lease = {
        metadata: { name, namespace },
        spec: { holderIdentity: identity, leaseDurationSeconds: leaseSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
      };
      return this.#write(() => this.#api.create(resourcePath(LEASES, namespace), body));
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const expired = this.#expired(lease, leaseSeconds);
    if (holder !== identity && holder !== '' && !expired) return false;
    const taking = holder !== identity;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: leaseSeconds,
      renewTime: now,
      ...(taking ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
    };
    return this.#write(() => this.#api.replace(this.#path, lease));
  }

  /**
   * client-go's rule: a Lease has expired when its record (holder, renewTime, transitions) has not changed for a
   * lease duration *as this process measured it*. Comparing renewTime with our clock instead would let a holder
   * whose clock runs ahead (a renewTime an hour in the future) block every takeover for that hour.
   */
  #expired(lease: Lease, fallbackSeconds: number): boolean {
    const spec = lease.spec ?? {};
    const record = JSON.stringify([spec.holderIdentity ?? '', String(spec.renewTime ?? ''), spec.leaseTransitions ?? 0]);
    const now = this.#now();
    if (record !== this.#observedRecord) {
      this.#observedRecord = record;
      this.#observedAt = now;
    }
    return this.#observedAt + (spec.leaseDurationSeconds ?? fallbackSeconds) * 1000 < now;
  }

  async #write(call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (error) {
      if (httpStatus(error) === 409) return false;
      throw error;
    }
  }
}
