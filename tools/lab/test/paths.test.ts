import fc from 'fast-check';
import { parseNetworks } from '@overlap/cidr';
import { describe, expect, it } from 'vitest';
import {
  INTERACTIVE_LAB,
  MAX_DEVICE_NAME,
  type TimedAnswer,
  announcedAddress,
  choosePath,
  labPaths,
  labSpec,
  openvpnArgs,
  parseRoutes,
  recoveryTime,
  routedNetworks,
  shadowingRoutes,
  shootDeviceFor,
} from '../src/index.ts';

const overlapping = parseNetworks({ seedPods: '10.1.0.0/16', pods: '10.1.0.0/16', services: '10.2.0.0/16', nodes: '10.250.0.0/16' });
const apart = parseNetworks({ seedPods: '10.1.0.0/16', pods: '100.96.0.0/16', services: '100.64.0.0/16', nodes: '10.250.0.0/16' });

describe('HA paths', () => {
  it("use Gardener's device names within the 15-character limit, one transfer /112 each", () => {
    const paths = labPaths(2, 1194);
    expect(paths.map((p) => [p.seedDevice, p.shootDevice, p.seedAddress, p.shootAddress, p.port])).toEqual([
      ['bond0-ip6tnl0', 'bond0ip6tnl00c0', 'fd8f:6d53:b97a:10::c0', 'fd8f:6d53:b97a:10::b0', 1194],
      ['bond0-ip6tnl1', 'bond0ip6tnl00c1', 'fd8f:6d53:b97a:11::c1', 'fd8f:6d53:b97a:11::b1', 1195],
    ]);
    for (const path of labPaths(16, 1194)) {
      expect(path.seedDevice.length).toBeLessThanOrEqual(MAX_DEVICE_NAME);
      expect(path.shootDevice.length).toBeLessThanOrEqual(MAX_DEVICE_NAME);
    }
  });

  it('names the receiving device after the last two bytes of the sender, as vpn2 does, and refuses IPv4 senders', () => {
    expect(shootDeviceFor('fd8f:6d53:b97a:1::a:ff01')).toBe('bond0ip6tnlff01');
    expect(() => shootDeviceFor('10.0.0.1')).toThrow(/announcement sender.*IPv6/);
  });

  it('routes the mapped /8 blocks with an overlap, the real IPv4 networks without', () => {
    expect(routedNetworks(overlapping).map((c) => c.text)).toEqual(['242.0.0.0/8', '243.0.0.0/8', '244.0.0.0/8']);
    expect(routedNetworks(apart).map((c) => c.text)).toEqual(['100.96.0.0/16', '100.64.0.0/16', '10.250.0.0/16']);
  });

  it('announces the pod IP mapped into 241/8 with an overlap (host bits kept), unchanged without', () => {
    expect(announcedAddress(overlapping, '10.1.0.10')).toBe('241.1.0.10');
    expect(announcedAddress(apart, '10.1.0.10')).toBe('10.1.0.10');
    expect(() => announcedAddress(overlapping, '')).toThrow(/POD_IP/);
  });

  it('keeps the active path while it answers, else takes the lowest that does, else none', () => {
    expect(choosePath(1, new Set([0, 1]))).toBe(1);
    expect(choosePath(0, new Set([1]))).toBe(1);
    expect(choosePath(undefined, new Set([1, 0]))).toBe(0);
    expect(choosePath(0, new Set())).toBeUndefined();
    fc.assert(
      fc.property(fc.option(fc.nat(3), { nil: undefined }), fc.uniqueArray(fc.nat(3)), (current, good) => {
        const chosen = choosePath(current, new Set(good));
        if (good.length === 0) return chosen === undefined;
        return chosen !== undefined && good.includes(chosen) && (current === undefined || !good.includes(current) || chosen === current);
      }),
    );
  });

  it('derives the HA spec: two seed devices, two shoot devices; the point-to-point spec has tun0 and no paths', () => {
    expect(labSpec(INTERACTIVE_LAB).tunnelDevices).toEqual({ seed: ['bond0-ip6tnl0', 'bond0-ip6tnl1'], shoot: ['bond0ip6tnl00c0', 'bond0ip6tnl00c1'] });
    const p2p = labSpec({ ...INTERACTIVE_LAB, ha: false });
    expect([p2p.paths, p2p.tunnelDevices]).toEqual([[], { seed: ['tun0'], shoot: ['tun0'] }]);
  });

  it('runs OpenVPN under the path device names with IPv6-only transfer addresses, kept across restarts', () => {
    const [path] = labPaths(1, 1194);
    const args = openvpnArgs('shoot', '/k', path).join(' ');
    expect(args).toContain('--dev bond0ip6tnl00c0 --dev-type tun');
    expect(args).toContain('--port 1194 --ifconfig-ipv6 fd8f:6d53:b97a:10::b0/112 fd8f:6d53:b97a:10::c0 --persist-tun');
    expect(args).not.toContain('--ifconfig ');
  });
});

describe('route listing', () => {
  const routes = parseRoutes(
    JSON.stringify([
      { dst: 'default', dev: 'eth0' },
      { dst: '244.0.0.0/8', dev: 'bond0-ip6tnl1' },
      { dst: '244.0.0.0/16', dev: 'bond0', protocol: '79' },
      { dst: '241.1.0.10', dev: 'bond0ip6tnl00c0' },
      { dst: '10.0.0.0/8', dev: 'eth0', protocol: '79' },
    ]),
  );

  it('tells agent routes (protocol 79) from the others and gives host routes their /32', () => {
    expect(routes.map((r) => `${r.destination.text} ${r.device} ${r.byAgent}`)).toEqual([
      '0.0.0.0/0 eth0 false',
      '244.0.0.0/8 bond0-ip6tnl1 false',
      '244.0.0.0/16 bond0 true',
      '241.1.0.10/32 bond0ip6tnl00c0 false',
      '10.0.0.0/8 eth0 true',
    ]);
  });

  it("finds an agent route more specific than an owner's, and nothing else", () => {
    expect(shadowingRoutes(routes, ['bond0-ip6tnl0', 'bond0-ip6tnl1'])).toEqual(['244.0.0.0/16 dev bond0 (agent) shadows 244.0.0.0/8 dev bond0-ip6tnl1']);
    expect(
      shadowingRoutes(
        routes.filter((r) => r.device !== 'bond0'),
        ['bond0-ip6tnl0', 'bond0-ip6tnl1'],
      ),
    ).toEqual([]);
  });
});

describe('recoveryTime', () => {
  const answer = (startMs: number, endMs: number, ok: boolean): TimedAnswer => ({
    startMs,
    endMs,
    answer: { target: { label: 'shoot pod', kind: 'pods', address: '10.1.5.20', port: 8080 }, ok, status: ok ? 200 : undefined, text: '' },
  });

  it('is the end of the first success among requests started after the failure', () => {
    expect(recoveryTime([answer(-100, 50, true), answer(0, 3000, false), answer(2000, 2100, true), answer(1900, 2300, true)])).toBe(2100);
    expect(recoveryTime([answer(-100, 50, true), answer(10, 3010, false)])).toBeUndefined();
  });
});
