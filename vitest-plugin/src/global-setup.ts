/**
 * Vitest's global setup for the `skiff()` plugin (registered by the plugin; users never list it).
 * Runs once in vitest's main process before the workers start: provisions the declared services
 * there — so their session lives exactly as long as the vitest process — and provides their
 * connection details to the tests. In watch mode the teardown runs only when vitest exits, so the
 * services stay up across reruns.
 */
import type { TestProject } from 'vitest/node';
import { isSkiffPluginApi, type SkiffPluginApi } from './plugin-api.js';
import { mergeServices } from './services/define-services.js';
import { type ProvisionedServices, provisionServices } from './services/provision-services.js';
import { ServicesUnavailableError } from './services/service-errors.js';
import { formatSummary } from './summary.js';

function pluginApis(project: TestProject): SkiffPluginApi[] {
  return project.vite.config.plugins.map((p) => (p as { api?: unknown }).api).filter(isSkiffPluginApi);
}

async function acquire(owner: SkiffPluginApi, apis: SkiffPluginApi[], project: TestProject) {
  if (!owner.shared) {
    const began = performance.now();
    const provisioned = provisionServices({
      services: mergeServices(...apis.map((a) => a.options.services)),
      root: project.config.root,
      ...(owner.options.runtime ? { runtimeOptions: owner.options.runtime } : {}),
    }).then((p) => {
      if (owner.options.summary ?? true) {
        project.vitest.logger.log(formatSummary(p, performance.now() - began));
      }
      return p;
    });
    owner.shared = { users: 0, provisioned };
    // A failed start is not kept: the next run (watch mode, config change) tries again.
    provisioned.catch(() => {
      if (owner.shared?.provisioned === provisioned) owner.shared = undefined;
    });
  }
  const shared = owner.shared;
  const provisioned = (await shared.provisioned) as ProvisionedServices;
  shared.users++;
  return provisioned;
}

async function release(owner: SkiffPluginApi): Promise<void> {
  const shared = owner.shared;
  if (!shared || --shared.users > 0) return;
  owner.shared = undefined;
  await ((await shared.provisioned) as ProvisionedServices).close();
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const apis = pluginApis(project);
  const owner = apis[0];
  if (!owner) {
    throw new ServicesUnavailableError(
      `@skiff/vitest's global setup runs in project "${project.name}", which has no skiff() plugin; ` +
        "add skiff({ services }) to the project's plugins instead of listing the setup file",
    );
  }
  const provisioned = await acquire(owner, apis, project);
  // `provide` is typed by the user's ProvidedContext augmentation; service names are only known at run time.
  const provide = project.provide as (key: string, value: unknown) => void;
  for (const [name, info] of Object.entries(provisioned.infos)) provide(name, info);
  provide('skiff', provisioned.context);
  return () => release(owner);
}
