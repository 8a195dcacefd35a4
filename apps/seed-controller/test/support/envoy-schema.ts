// Validates an Envoy bootstrap (proto3 JSON) against Envoy's own .proto files, as shipped in @grpc/grpc-js-xds,
// without running Envoy: unknown fields, bad enum values, wrong scalar types and unresolvable `@type`s all fail.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const xdsDeps = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const protobufjsDir = dirname(require.resolve('protobufjs/package.json'));
const INCLUDE = [join(xdsDeps, 'envoy-api'), join(xdsDeps, 'xds'), join(xdsDeps, 'protoc-gen-validate'), join(xdsDeps, 'googleapis'), protobufjsDir];

/** Everything the generated bootstrap names by `@type`, plus the bootstrap itself. */
const ENTRY_PROTOS = [
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/dynamic_forward_proxy/v3/dynamic_forward_proxy.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/clusters/dynamic_forward_proxy/v3/cluster.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
];

export function loadEnvoyRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (existsSync(target)) return target;
    return INCLUDE.map((dir) => join(dir, target)).find((path) => existsSync(path)) ?? target;
  };
  root.loadSync(ENTRY_PROTOS, { keepCase: true });
  root.resolveAll();
  return root;
}

const WRAPPERS: Record<string, string> = {
  '.google.protobuf.DoubleValue': 'double',
  '.google.protobuf.FloatValue': 'float',
  '.google.protobuf.Int64Value': 'int64',
  '.google.protobuf.UInt64Value': 'uint64',
  '.google.protobuf.Int32Value': 'int32',
  '.google.protobuf.UInt32Value': 'uint32',
  '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.StringValue': 'string',
  '.google.protobuf.BytesValue': 'bytes',
};

const camel = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export class EnvoyValidator {
  readonly #root: protobuf.Root;
  readonly errors: string[] = [];

  constructor(root: protobuf.Root) {
    this.#root = root;
  }

  validate(typeName: string, value: unknown): string[] {
    this.errors.length = 0;
    this.#message(this.#root.lookupType(typeName), value, '$');
    return [...this.errors];
  }

  #message(type: protobuf.Type, value: unknown, path: string, skip: readonly string[] = []): void {
    if (!isObject(value)) {
      this.errors.push(`${path}: ${type.fullName} must be an object`);
      return;
    }
    const oneofs = new Map<string, string>();
    for (const [key, fieldValue] of Object.entries(value)) {
      if (skip.includes(key)) continue;
      const field = type.fields[key] ?? Object.values(type.fields).find((f) => camel(f.name) === key);
      if (!field) {
        this.errors.push(`${path}.${key}: unknown field of ${type.fullName}`);
        continue;
      }
      if (field.partOf) {
        const other = oneofs.get(field.partOf.name);
        if (other) this.errors.push(`${path}.${key}: oneof ${field.partOf.name} already set by ${other}`);
        oneofs.set(field.partOf.name, key);
      }
      const at = `${path}.${key}`;
      if (field instanceof protobuf.MapField) {
        if (!isObject(fieldValue)) this.errors.push(`${at}: map must be an object`);
        else for (const [k, v] of Object.entries(fieldValue)) this.#value(field, v, `${at}[${k}]`);
      } else if (field.repeated) {
        if (!Array.isArray(fieldValue)) this.errors.push(`${at}: repeated field must be a list`);
        else for (const [index, item] of fieldValue.entries()) this.#value(field, item, `${at}[${index}]`);
      } else {
        this.#value(field, fieldValue, at);
      }
    }
  }

  #value(field: protobuf.Field, value: unknown, path: string): void {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Enum) {
      const ok = typeof value === 'string' ? value in resolved.values : typeof value === 'number' && value in resolved.valuesById;
      if (!ok) this.errors.push(`${path}: ${JSON.stringify(value)} is not a value of enum ${resolved.fullName}`);
      return;
    }
    if (resolved instanceof protobuf.Type) {
      this.#wellKnownOrMessage(resolved, value, path);
      return;
    }
    this.#scalar(field.type, value, path);
  }

  #wellKnownOrMessage(type: protobuf.Type, value: unknown, path: string): void {
    const name = type.fullName;
    if (name === '.google.protobuf.Any') {
      const typeUrl = isObject(value) ? value['@type'] : undefined;
      if (typeof typeUrl !== 'string') {
        this.errors.push(`${path}: Any without @type`);
        return;
      }
      const target = this.#root.lookup(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
      if (!(target instanceof protobuf.Type)) {
        this.errors.push(`${path}: @type ${typeUrl} is not a known message`);
        return;
      }
      this.#message(target, value, path, ['@type']);
    } else if (name === '.google.protobuf.Duration') {
      if (typeof value !== 'string' || !/^-?\d+(\.\d{1,9})?s$/.test(value)) this.errors.push(`${path}: ${JSON.stringify(value)} is not a Duration`);
    } else if (name in WRAPPERS) {
      this.#scalar(WRAPPERS[name]!, value, path);
    } else if (name === '.google.protobuf.Struct') {
      if (!isObject(value)) this.errors.push(`${path}: Struct must be an object`);
    } else if (name !== '.google.protobuf.Value') {
      this.#message(type, value, path);
    }
  }

  #scalar(type: string, value: unknown, path: string): void {
    const numeric = typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value));
    const ok =
      type === 'string' || type === 'bytes'
        ? typeof value === 'string'
        : type === 'bool'
          ? typeof value === 'boolean'
          : numeric && !(type.startsWith('uint') && Number(value) < 0);
    if (!ok) this.errors.push(`${path}: ${JSON.stringify(value)} is not a ${type}`);
  }
}
