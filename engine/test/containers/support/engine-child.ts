// An engine in a child process, for the crash-recovery test: starts containers in several states,
// prints what it made as one JSON line, then idles until it is killed.
//   node --import ./ts-register.mjs engine-child.ts <base> <engineName>
import { ContainerEngineFixture } from '../engine-fixture.js';

const [base, engineName] = process.argv.slice(2);
if (!base || !engineName) throw new Error('usage: engine-child.ts <base> <engineName>');
const fx = new ContainerEngineFixture({ base, engineName });
await fx.setup();
const svc = fx.service;
const make = async (name: string, extra: Record<string, unknown>, start = true) => {
  const { id } = await svc.create({
    image: 'busybox',
    cmd: ['sleep', '600'],
    networkMode: 'none',
    name,
    ...extra,
  });
  if (start) await svc.start(id);
  return id;
};
const running = await make('running', { volumes: ['/anon'] });
const autoRemove = await make('auto-remove', { autoRemove: true });
const limited = await make('limited', { resources: { memory: 32 * 1024 * 1024, pidsLimit: 20 } });
const paused = await make('paused', {});
await svc.pause(paused);
const always = await make('always', { restartPolicy: { name: 'always', maximumRetryCount: 0 } });
const created = await make('created', {}, false);
const exited = await make('exited', { cmd: ['true'] }, false);
const exitWait = svc.wait(exited, 'next-exit');
await svc.start(exited);
await exitWait;
const ids = { running, autoRemove, limited, paused, always, created, exited };
const pids: Record<string, number> = {};
for (const [k, id] of Object.entries(ids)) pids[k] = (await svc.inspect(id)).state.pid;
process.stdout.write(`${JSON.stringify({ pid: process.pid, ids, pids })}\n`);
setInterval(() => {}, 60_000);
