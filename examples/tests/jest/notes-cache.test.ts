import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { service } from '@skiff/jest';
import { startApp } from './app-under-test.js';

let app: Awaited<ReturnType<typeof startApp>>;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

test('the second read of a note comes from redis', async () => {
  const note = (await (
    await fetch(`${app.url}/notes`, { method: 'POST', body: '{"title":"cached"}' })
  ).json()) as {
    id: number;
  };
  const first = await fetch(`${app.url}/notes/${note.id}`);
  const second = await fetch(`${app.url}/notes/${note.id}`);
  expect(first.headers.get('x-cache')).toBe('miss');
  expect(second.headers.get('x-cache')).toBe('hit');
  expect(await second.json()).toEqual(await first.json());
});

test('a write invalidates the cached copy', async () => {
  const note = (await (
    await fetch(`${app.url}/notes`, { method: 'POST', body: '{"title":"v1"}' })
  ).json()) as {
    id: number;
  };
  await fetch(`${app.url}/notes/${note.id}`);
  await fetch(`${app.url}/notes/${note.id}`, { method: 'PUT', body: '{"title":"v2"}' });
  const read = await fetch(`${app.url}/notes/${note.id}`);
  expect(read.headers.get('x-cache')).toBe('miss');
});

test('the services reach the tests typed through service()', async () => {
  const db = service('db');
  const status = service('status');
  expect(db.database).toBe('notes');
  expect(db.uri).toMatch(/^postgres:\/\/test:test@127\.0\.0\.1:\d+\/notes$/);
  const res = await fetch(`http://${status.host}:${status.ports['8080']}/status.json`);
  expect(await res.json()).toEqual({ service: 'status', greeting: 'ahoy' });
});
