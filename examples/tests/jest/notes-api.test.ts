import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startApp } from './app-under-test.js';

let app: Awaited<ReturnType<typeof startApp>>;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

async function post(note: unknown) {
  return fetch(`${app.url}/notes`, { method: 'POST', body: JSON.stringify(note) });
}

describe('notes API on postgres (jest)', () => {
  test('stores a note and lists it', async () => {
    const created = await post({ title: 'buy rope', body: 'twenty metres' });
    expect(created.status).toBe(201);
    const list = (await (await fetch(`${app.url}/notes`)).json()) as { title: string }[];
    expect(list.map((n) => n.title)).toEqual(['buy rope']);
  });

  test("this file's database is its own, named after the worker", async () => {
    const { rows } = await app.pool.query<{ n: string }>('SELECT count(*) AS n FROM notes');
    expect(Number(rows[0]?.n)).toBe(1);
    expect(app.db.database).toMatch(new RegExp(`^test_j${process.env.JEST_WORKER_ID}_`));
  });

  test('refuses a note without a title, and unknown ids', async () => {
    expect((await post({ body: 'no title' })).status).toBe(400);
    expect((await fetch(`${app.url}/notes/999999`)).status).toBe(404);
  });

  test('updates and deletes', async () => {
    const note = (await (await post({ title: 'draft' })).json()) as { id: number };
    const put = await fetch(`${app.url}/notes/${note.id}`, {
      method: 'PUT',
      body: JSON.stringify({ title: 'final' }),
    });
    expect(((await put.json()) as { title: string }).title).toBe('final');
    expect((await fetch(`${app.url}/notes/${note.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${app.url}/notes/${note.id}`)).status).toBe(404);
  });
});
