/**
 * Which engine `@skiff/core` would use for tests, and why — printed by `skiff doctor`. Core is an
 * optional neighbour, not a dependency (it reaches the engine over HTTP only), so it is loaded by
 * name at run time when it is installed next to the CLI; its own explainer is the one truth.
 */
interface CoreExplainer {
  explainEngine(): Promise<unknown>;
  formatExplanation(explanation: unknown): string;
}

export async function explainTestEngine(): Promise<string | undefined> {
  const specifier = '@skiff/core';
  let core: Partial<CoreExplainer>;
  try {
    core = (await import(specifier)) as Partial<CoreExplainer>;
  } catch {
    return undefined;
  }
  if (typeof core.explainEngine !== 'function' || typeof core.formatExplanation !== 'function')
    return undefined;
  try {
    return core.formatExplanation(await core.explainEngine());
  } catch (err) {
    // The explainer throws when the engine it would choose does not answer: that is the answer.
    return err instanceof Error ? err.message : String(err);
  }
}
