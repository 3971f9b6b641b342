import { createInterface } from 'node:readline/promises';

/**
 * docker's confirmation: the question (on stdout, as docker asks), then a line from stdin that
 * starts with y; the end of input means no.
 */
export async function confirm(
  question: string,
  output: NodeJS.WritableStream = process.stdout,
): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output });
  try {
    const answer = await Promise.race([
      rl.question(`${question} [y/N] `),
      new Promise<string>((r) => rl.once('close', () => r(''))),
    ]);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
