import { expect, inject } from 'vitest';
import { test } from './fixtures.js';

test('the second read of a note comes from redis', async ({ api }) => {
  const note = (await (
    await fetch(`${api.url}/notes`, { method: 'POST', body: '{"title":"cached"}' })
  ).json()) as {
    id: number;
  };
  const first = await fetch(`${api.url}/notes/${note.id}`);
  const second = await fetch(`${api.url}/notes/${note.id}`);
  expect(first.headers.get('x-cache')).toBe('miss');
  expect(second.headers.get('x-cache')).toBe('hit');
  expect(await second.json()).toEqual(await first.json());
  expect(await api.redis.ttl(`note:${note.id}`)).toBeGreaterThan(0);
});

test('a write invalidates the cached copy', async ({ api }) => {
  const note = (await (
    await fetch(`${api.url}/notes`, { method: 'POST', body: '{"title":"v1"}' })
  ).json()) as {
    id: number;
  };
  await fetch(`${api.url}/notes/${note.id}`);
  await fetch(`${api.url}/notes/${note.id}`, { method: 'PUT', body: '{"title":"v2"}' });
  const read = await fetch(`${api.url}/notes/${note.id}`);
  expect(read.headers.get('x-cache')).toBe('miss');
  expect(((await read.json()) as { title: string }).title).toBe('v2');
});

test('the services reach the tests typed through inject()', () => {
  const db = inject('db');
  const cache = inject('cache');
  expect(db.database).toBe('notes');
  expect(db.uri).toMatch(/^postgres:\/\/test:test@127\.0\.0\.1:\d+\/notes$/);
  expect(cache.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+/);
});
