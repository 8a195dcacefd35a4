import { parseCidr } from '@overlap/cidr';
import { describe, expect, it } from 'vitest';
import { planRouteChanges } from '../src/index.ts';

const route = (destination: string, device = 'tun0') => ({ destination: parseCidr(destination, 'test'), device });

describe('planRouteChanges', () => {
  it('adds what is missing and removes only our routes to vanished destinations', () => {
    const changes = planRouteChanges(
      [route('244.0.0.0/16'), route('243.0.0.0/20')],
      [
        { destination: '244.0.0.0/16', device: 'tun0' },
        { destination: '242.0.0.0/24', device: 'tun0' },
      ],
    );
    expect(changes.replace.map((r) => r.destination.text)).toEqual(['243.0.0.0/20']);
    expect(changes.remove).toEqual([{ destination: '242.0.0.0/24', device: 'tun0' }]);
  });

  it('moves a route to a new device by replacing it, not by removing it', () => {
    const changes = planRouteChanges([route('244.0.0.0/16', 'tun1')], [{ destination: '244.0.0.0/16', device: 'tun0' }]);
    expect(changes.replace.map((r) => r.device)).toEqual(['tun1']);
    expect(changes.remove).toEqual([]);
  });

  it('changes nothing when everything is in place, and removes everything for an empty plan', () => {
    const owned = [{ destination: '241.1.0.0/16', device: 'tun0' }];
    expect(planRouteChanges([route('241.1.0.0/16')], owned)).toEqual({ replace: [], remove: [] });
    expect(planRouteChanges([], owned)).toEqual({ replace: [], remove: owned });
  });
});
