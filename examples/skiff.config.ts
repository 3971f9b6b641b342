/**
 * The services of the example suite, declared once for both runners: `vitest.config.ts` passes
 * them to the `skiff()` plugin, the jest preset loads this file.
 */
import { Wait } from '@skiff/core';
import { container, defineServices, postgres, redis } from '@skiff/vitest/services';

export const services = defineServices({
  db: postgres({ database: 'notes', initScripts: ['./db/schema.sql'] }),
  cache: redis(),
  status: container(
    { context: './docker/status', buildArgs: { GREETING: 'ahoy' } },
    { ports: [8080], wait: Wait.forHttp('/status.json', 8080) },
  ),
});

export default services;
