export { InputError, MAX_SHOWN_VALUE } from './errors.ts';
export {
  type Env,
  type ListenAddress,
  type ValueParser,
  envValue,
  fromEnv,
  integerIn,
  oneOf,
  parseBoolean,
  parseListenAddress,
  secondsIn,
} from './values.ts';
export { type LogLevel, type Logger, LOG_LEVELS, createLogger } from './logger.ts';
export { type ProbeServer, type Readiness, answerProbe, send, startProbeServer } from './probe-server.ts';
export { metricFactory } from './metrics.ts';
export { type BackoffOptions, Backoff, backoffDelay } from './backoff.ts';
export { CommandError, type CommandRunner, createCommandRunner } from './command.ts';
