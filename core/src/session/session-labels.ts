import os from 'node:os';
import { CORE_VERSION, Label } from '../constants.js';

/** The labels of a session: its id, and who owns it (so a sweep can tell dead owners). */
export function sessionLabels(sessionId: string): Record<string, string> {
  return {
    [Label.Managed]: 'true',
    [Label.Lang]: 'node',
    [Label.Version]: CORE_VERSION,
    [Label.Session]: sessionId,
    [Label.SessionPid]: String(process.pid),
    [Label.SessionHost]: os.hostname(),
  };
}
