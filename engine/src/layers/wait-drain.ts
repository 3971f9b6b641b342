/** A writable from Node or streamx: what waitDrain needs of it. */
export interface DrainableSink {
  on(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/** Resolves when `sink` drains or closes (a destroyed sink never drains), leaving no listener behind. */
export function waitDrain(sink: DrainableSink): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      sink.off('drain', done);
      sink.off('close', done);
      resolve();
    };
    sink.on('drain', done);
    sink.on('close', done);
  });
}
