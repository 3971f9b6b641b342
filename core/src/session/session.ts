/**
 * A session groups everything one test process creates. Every resource carries its labels; when
 * the process ends — cleanly, by a signal or by SIGKILL — whoever watches the session (the engine,
 * or a reaper process for engines without the protocol) removes what is left after a grace period.
 */
export interface Session {
  readonly id: string;
  /** Who removes the session's leftovers when this process dies. */
  readonly mode: 'engine' | 'reaper' | 'none';
  /** Labels for every container, network, volume and image of the session. */
  readonly labels: Readonly<Record<string, string>>;
  /** Removes every resource of the session now (SIGINT/SIGTERM, explicit close). */
  reapNow(): Promise<void>;
  /** Ends the session: removes what is left and releases the engine connection or reaper. Idempotent. */
  close(): Promise<void>;
}
