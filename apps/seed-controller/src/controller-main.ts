import { readFileSync } from 'node:fs';
import { InputError, createLogger } from '@overlap/runtime';
import { KubeClient, clientOptions } from './kube/client.ts';
import { controllerSettings } from './kube/connection.ts';
import { CONTROLLER_USAGE, type ControllerConfig, parseControllerConfig, startupFields } from './controller/config.ts';
import { withInjectedImages } from './controller/images.ts';
import { apiErrorCause } from './telemetry/api-error.ts';
import { type RunningController, startController } from './controller/controller.ts';
import { ControllerMetrics } from './telemetry/metrics.ts';
import { VERSION } from './version.ts';

/** The seed controller process: Cluster informer, webhook on every replica, reconciler on the Lease holder. */
async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`usage: node controller.js [flags]\n${CONTROLLER_USAGE}\n`);
    return 0;
  }
  let config: ControllerConfig;
  try {
    config = parseControllerConfig(argv, process.env);
  } catch (error) {
    if (error instanceof InputError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`overlap-seed-controller: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
  const logger = createLogger({ name: 'overlap-seed-controller', level: config.logLevel });
  let api: KubeClient;
  try {
    api = new KubeClient(clientOptions(controllerSettings(config.kubeconfig, process.env, (path) => readFileSync(path, 'utf8'))));
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    process.stderr.write(`overlap-seed-controller: ${error.message}\n`);
    return 2;
  }

  const server = api.server;
  let controller: RunningController;
  try {
    config = await withInjectedImages(config, api);
    // One line with everything the controller was told, before anything can wait on the API server.
    logger.info(startupFields(config, server), 'starting');
    controller = await startController(config, api, logger, new ControllerMetrics(VERSION));
  } catch (error) {
    const cause = error instanceof InputError ? error.message : apiErrorCause(error);
    logger.fatal({ server, cause }, `cannot start: ${cause}`);
    return 1;
  }
  logger.info({ webhookPort: controller.webhookPort, metricsPort: controller.statusPort }, 'started');
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  logger.info('stopping');
  await controller.stop();
  api.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`overlap-seed-controller: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
