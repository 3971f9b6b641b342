import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readProgress } from './progress-stream.js';

describe('readProgress', () => {
  it('reads JSON lines split across chunks and reports an in-band error', async () => {
    const body = Readable.from([
      '{"status":"Pulling"}\n{"stream":"Step 1',
      '/2\\n"}\n{"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}\n',
    ]);
    const seen: string[] = [];
    const result = await readProgress(body, (l) => seen.push(l.status ?? l.stream ?? l.error ?? ''));
    expect(result.error).toBe('manifest unknown');
    expect(seen).toEqual(['Pulling', 'Step 1/2\n', 'manifest unknown']);
  });

  it('keeps non-JSON lines as stream text and succeeds without an error line', async () => {
    const result = await readProgress(Readable.from(['not json\n{"status":"done"}']));
    expect(result.error).toBeUndefined();
    expect(result.lines).toEqual([{ stream: 'not json' }, { status: 'done' }]);
  });
});
