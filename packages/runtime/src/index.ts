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
export { type LogLevel, type Logger, type LoggerOptions, LOG_LEVELS, createLogger } from './logger.ts';
export { type ProbeServer, type ProbeServerOptions, type Readiness, answerProbe, send, startProbeServer } from './probe-server.ts';
export { type MetricFactory, metricFactory } from './metrics.ts';
export { type BackoffOptions, Backoff, backoffDelay } from './backoff.ts';
export {
  CommandError,
  type CommandCutOff,
  type CommandOptions,
  type CommandOutput,
  type CommandRunner,
  type CommandRunnerOptions,
  createCommandRunner,
} from './command.ts';
