/**
 * One database cloned ahead of time per snapshot, so that `createDatabase()` hands it out at once
 * and clones the next one in the background. Only snapshots are pooled: they change only when
 * taken again (which discards their spares first); a live database would make stale spares.
 */
export class SpareDatabases {
  private readonly spares = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly clone: (name: string, template: string) => Promise<void>,
    private readonly drop: (name: string) => Promise<void>,
    private readonly newName: () => string,
  ) {}

  /** The spare of `template` (waiting for one being cloned), or `undefined` when there is none. */
  async take(template: string): Promise<string | undefined> {
    const spare = this.spares.get(template);
    this.spares.delete(template);
    return spare;
  }

  /** Starts cloning the next spare of `template`, unless one is there or on its way. */
  refill(template: string): void {
    if (this.spares.has(template)) return;
    const name = this.newName();
    // A failed clone only means no spare: the next createDatabase() clones while the caller waits.
    this.spares.set(
      template,
      this.clone(name, template).then(
        () => name,
        () => undefined,
      ),
    );
  }

  /** Drops the spare of `template` (before the template is replaced or dropped). */
  async discard(template: string): Promise<void> {
    const name = await this.take(template);
    if (name) await this.drop(name);
  }
}
