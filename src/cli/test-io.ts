import type { CliIo } from './main.js';

/** A CliIo for tests: what the command printed, line by line (progress writes go to `out` too). */
export function captureIo(env: CliIo['env'] = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    env,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    write: (text) => out.push(text),
    tty: false,
  };
  return { io, out, err };
}
