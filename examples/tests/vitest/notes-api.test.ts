import { describe, expect } from 'vitest';
import { test } from './fixtures.js';

async function post(url: string, note: unknown) {
  return fetch(`${url}/notes`, { method: 'POST', body: JSON.stringify(note) });
}

describe('notes API on postgres', () => {
  test('stores a note and lists it', async ({ api }) => {
    const created = await post(api.url, { title: 'buy rope', body: 'twenty metres' });
    expect(created.status).toBe(201);
    const note = (await created.json()) as { id: number };
    expect(created.headers.get('location')).toBe(`/notes/${note.id}`);
    const list = (await (await fetch(`${api.url}/notes`)).json()) as { title: string }[];
    expect(list.map((n) => n.title)).toEqual(['buy rope']);
  });

  test('this file sees only its own rows', async ({ api }) => {
    const { rows } = await api.pool.query<{ n: string }>('SELECT count(*) AS n FROM notes');
    expect(Number(rows[0]?.n)).toBe(1);
  });

  test('refuses a note without a title, and unknown ids', async ({ api }) => {
    expect((await post(api.url, { body: 'no title' })).status).toBe(400);
    expect((await fetch(`${api.url}/notes/999999`)).status).toBe(404);
    expect((await fetch(`${api.url}/notes/abc`)).status).toBe(404);
  });

  test('updates and deletes', async ({ api }) => {
    const note = (await (await post(api.url, { title: 'draft' })).json()) as { id: number };
    const put = await fetch(`${api.url}/notes/${note.id}`, {
      method: 'PUT',
      body: JSON.stringify({ title: 'final' }),
    });
    expect(((await put.json()) as { title: string }).title).toBe('final');
    expect((await fetch(`${api.url}/notes/${note.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${api.url}/notes/${note.id}`)).status).toBe(404);
  });
});
