/** Progress of a long import: a redrawn bar on a terminal, a plain line every few seconds otherwise. */
export interface ProgressSnapshot {
  label: string;
  items: number;
  bytesDone: number;
  bytesTotal: number;
  elapsedSeconds: number;
}

const PLAIN_INTERVAL_MS = 5_000;

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export function describeProgress(snapshot: ProgressSnapshot): { rate: number; etaSeconds: number; fraction: number } {
  const rate = snapshot.elapsedSeconds > 0 ? snapshot.items / snapshot.elapsedSeconds : 0;
  const fraction = snapshot.bytesTotal > 0 ? Math.min(1, snapshot.bytesDone / snapshot.bytesTotal) : 0;
  const etaSeconds = fraction > 0 ? (snapshot.elapsedSeconds / fraction) * (1 - fraction) : Number.NaN;
  return { rate, etaSeconds, fraction };
}

export function progressReporter(stream: NodeJS.WriteStream = process.stderr) {
  const tty = stream.isTTY === true;
  let lastPlain = 0;
  let drawn = false;
  return {
    update(snapshot: ProgressSnapshot): void {
      const { rate, etaSeconds, fraction } = describeProgress(snapshot);
      const text = `${snapshot.label}  ${snapshot.items} records  ${Math.round(rate)} records/s  ETA ${formatDuration(etaSeconds)}`;
      if (tty) {
        const width = 24;
        const filled = Math.round(fraction * width);
        stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(fraction * 100)}% ${text}\x1b[K`);
        drawn = true;
      } else if (Date.now() - lastPlain >= PLAIN_INTERVAL_MS) {
        lastPlain = Date.now();
        stream.write(`${Math.round(fraction * 100)}% ${text}\n`);
      }
    },
    done(): void {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
