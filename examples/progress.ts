// Progress of one training epoch, for the examples that train. On a terminal: cli-progress's bar,
// redrawn in place on stderr (as before). When stderr is not a terminal (CI, nohup, Docker logs,
// a pipe) cli-progress draws nothing, so plain lines go to stdout instead, next to the epoch
// summaries, as tqdm does without a terminal:
//
//   epoch 1/3  40% 24000/60000  loss 0.5120  2,410 img/s
//
// A line is due each time another 10% of the epoch is done, but not sooner than `minSeconds`
// (5 s) after the previous line, so a fast epoch prints few lines and a slow one at most ten;
// the epoch's last line (100%) is always printed. TORCHNODE_PROGRESS_SECONDS overrides the
// 5 s (0: a line at every 10%).
import * as cliProgress from 'cli-progress';

export interface EpochProgressOptions {
  epoch: number;
  epochs: number;
  /** Batches in the epoch (the bar counts these). */
  batches: number;
  /** Images in the epoch (the lines count these). */
  images: number;
  /** Where plain lines go; process.stdout by default. */
  stream?: NodeJS.WritableStream;
  /** Where the bar is drawn, and whose isTTY picks the form; process.stderr by default. */
  barStream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Force the form: true for the bar, false for lines; by default barStream.isTTY. */
  tty?: boolean;
  /** Least time between two plain lines, in seconds. */
  minSeconds?: number;
  /** The clock, in milliseconds (tests pass their own). */
  now?: () => number;
}

export interface EpochProgress {
  /** After each batch: images seen so far this epoch, the running loss and throughput. */
  update(seen: number, loss: number, imagesPerSecond: number): void;
  /** At the end of the epoch. */
  stop(): void;
}

const DEFAULT_MIN_SECONDS = 5;

function minSecondsFromEnv(): number {
  const v = process.env.TORCHNODE_PROGRESS_SECONDS;
  if (v === undefined || v === '') return DEFAULT_MIN_SECONDS;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_MIN_SECONDS;
}

/** 2410.4 → "2,410". */
const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

export function progressLine(epoch: number, epochs: number, seen: number, images: number, loss: number, imagesPerSecond: number): string {
  const percent = images > 0 ? Math.floor((100 * seen) / images) : 100;
  return `epoch ${epoch}/${epochs}  ${percent}% ${seen}/${images}  loss ${loss.toFixed(4)}  ${thousands(imagesPerSecond)} img/s`;
}

export function epochProgress(o: EpochProgressOptions): EpochProgress {
  const barStream = o.barStream ?? process.stderr;
  const tty = o.tty ?? barStream.isTTY === true;
  return tty ? barProgress(o, barStream) : lineProgress(o, o.stream ?? process.stdout);
}

function barProgress(o: EpochProgressOptions, stream: NodeJS.WritableStream): EpochProgress {
  const bar = new cliProgress.SingleBar(
    {
      format: `epoch ${o.epoch}/${o.epochs} |{bar}| {value}/{total} batches | {rate} img/s | ETA {eta_formatted} | loss {loss}`,
      hideCursor: true,
      stream,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(o.batches, 0, { rate: '-', loss: '-' });
  return {
    update(_seen, loss, rate) {
      bar.increment({ rate: Math.round(rate), loss: loss.toFixed(4) });
    },
    stop() {
      bar.stop();
    },
  };
}

function lineProgress(o: EpochProgressOptions, stream: NodeJS.WritableStream): EpochProgress {
  const now = o.now ?? (() => performance.now());
  const minMs = 1000 * (o.minSeconds ?? minSecondsFromEnv());
  let lastAt = now();
  let lastTenth = 0; // the last 10% step a line was printed for
  let last: [number, number, number] | undefined;
  let printedSeen = -1;
  const print = (seen: number, loss: number, rate: number) => {
    stream.write(`${progressLine(o.epoch, o.epochs, seen, o.images, loss, rate)}\n`);
    printedSeen = seen;
  };
  return {
    update(seen, loss, rate) {
      last = [seen, loss, rate];
      const tenth = Math.floor((10 * seen) / o.images);
      if (tenth <= lastTenth || tenth >= 10) return; // 100% is stop()'s line
      const t = now();
      if (t - lastAt < minMs) return;
      lastAt = t;
      lastTenth = tenth;
      print(seen, loss, rate);
    },
    stop() {
      if (last && printedSeen !== last[0]) print(...last);
    },
  };
}
