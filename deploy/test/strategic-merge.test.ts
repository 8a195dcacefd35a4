import { describe, expect, it } from 'vitest';
import { InputError } from '@overlap/runtime';
import { applyImages, getField, parseFieldPath, setField, strategicMerge } from '../src/index.ts';

describe('strategicMerge', () => {
  const original = {
    spec: {
      replicas: 1,
      containers: [
        {
          name: 'a',
          image: 'a',
          args: ['x', 'y'],
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
        },
        { name: 'b', image: 'b', ports: [{ containerPort: 80, name: 'http' }] },
      ],
    },
  };

  it('merges keyed lists element by element, patch elements first (as kustomize orders them)', () => {
    const merged = strategicMerge(original, {
      spec: {
        containers: [
          { name: 'c', image: 'c' },
          {
            name: 'a',
            args: ['z'],
            env: [
              { name: 'C', value: '3' },
              { name: 'A', value: '9' },
            ],
          },
        ],
      },
    });
    expect(merged).toEqual({
      spec: {
        replicas: 1,
        containers: [
          { name: 'c', image: 'c' },
          {
            name: 'a',
            image: 'a',
            args: ['z'],
            env: [
              { name: 'C', value: '3' },
              { name: 'A', value: '9' },
              { name: 'B', value: '2' },
            ],
          },
          { name: 'b', image: 'b', ports: [{ containerPort: 80, name: 'http' }] },
        ],
      },
    });
  });

  it('merges container ports by containerPort and Service ports by port', () => {
    const container = strategicMerge(original, { spec: { containers: [{ name: 'b', ports: [{ containerPort: 80, protocol: 'TCP' }] }] } });
    expect(getField(container, 'spec.containers.[name=b].ports')).toEqual([{ containerPort: 80, name: 'http', protocol: 'TCP' }]);
    const service = strategicMerge({ spec: { ports: [{ port: 443, name: 'webhook' }] } }, { spec: { ports: [{ port: 443, targetPort: 9443 }] } });
    expect(service).toEqual({ spec: { ports: [{ port: 443, name: 'webhook', targetPort: 9443 }] } });
  });

  it('deletes fields set to null, replaces scalars and lists without a merge key, leaves the input alone', () => {
    const before = structuredClone(original);
    const merged = strategicMerge(original, { spec: { replicas: null, containers: [{ name: 'a', args: ['only'] }] } });
    expect(merged.spec).not.toHaveProperty('replicas');
    expect(getField(merged, 'spec.containers.[name=a].args')).toEqual(['only']);
    expect(original).toEqual(before);
  });

  it('refuses directives and keyed elements without their key', () => {
    expect(() => strategicMerge(original, { spec: { $patch: 'replace' } })).toThrow(InputError);
    expect(() => strategicMerge(original, { spec: { containers: [{ image: 'nameless' }] } })).toThrow(/merge key name/);
  });
});

describe('kustomize field paths', () => {
  const object = { spec: { containers: [{ name: 'vpn-shoot-s0', env: [{ name: 'SEED_POD_NETWORK', value: '10.1.0.0/16' }] }] } };

  it('selects list elements by [key=value], dots inside the brackets included', () => {
    expect(parseFieldPath('a.[name=x.y].b')).toEqual([{ field: 'a' }, { key: 'name', value: 'x.y' }, { field: 'b' }]);
    expect(getField(object, 'spec.containers.[name=vpn-shoot-s0].env.[name=SEED_POD_NETWORK].value')).toBe('10.1.0.0/16');
    expect(getField(object, 'spec.containers.[name=other].env')).toBeUndefined();
  });

  it('sets existing fields only', () => {
    const copy = structuredClone(object);
    setField(copy, 'spec.containers.[name=vpn-shoot-s0].env.[name=SEED_POD_NETWORK].value', '10.9.0.0/16');
    expect(getField(copy, 'spec.containers.[name=vpn-shoot-s0].env.[name=SEED_POD_NETWORK].value')).toBe('10.9.0.0/16');
    expect(() => setField(copy, 'spec.containers.[name=vpn-shoot-s0].env.[name=MISSING].value', 'x')).toThrow(/existing field/);
    expect(() => parseFieldPath('a.[name].b')).toThrow(InputError);
  });
});

describe('applyImages', () => {
  it('renames and retags matching images in containers and init containers, keeping registry ports', () => {
    const pod = {
      spec: {
        initContainers: [{ name: 'i', image: 'overlap/agent' }],
        containers: [
          { name: 'c', image: 'overlap/agent:0.0.1' },
          { name: 'o', image: 'localhost:5000/other:1' },
        ],
      },
    };
    applyImages(pod, [
      { name: 'overlap/agent', newName: 'registry.example.com/overlap/agent', newTag: '0.2.0' },
      { name: 'localhost:5000/other', newTag: '2' },
    ]);
    expect(pod.spec.initContainers[0]?.image).toBe('registry.example.com/overlap/agent:0.2.0');
    expect(pod.spec.containers.map((c) => c.image)).toEqual(['registry.example.com/overlap/agent:0.2.0', 'localhost:5000/other:2']);
  });
});
