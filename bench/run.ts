import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// `npm run bench` runs every benchmark, one after another, each in a process
// of its own (so one's heap and sockets never weigh on the next);
// `npm run bench -- <name> [args]` runs one, with its own arguments.

const here = dirname(fileURLToPath(import.meta.url));
const names = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .map((file) => file.slice(0, -'.bench.ts'.length))
  .sort();

const [only, ...args] = process.argv.slice(2);
if (only !== undefined && !names.includes(only)) {
  console.error(`meshpact bench: no benchmark "${only}"; choose from ${names.join(', ')}`);
  process.exit(2);
}

const run = (name: string, extra: string[]) =>
  new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, `${name}.bench.ts`), ...extra],
      {
        stdio: 'inherit',
        env: { ...process.env, PACT_DO_NOT_TRACK: 'true' },
      },
    );
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      resolve(code ?? (signal ? 128 : 1));
    });
  });

const started = Date.now();
let failed = 0;
for (const name of only === undefined ? names : [only]) {
  console.log(`\n== ${name} ==`);
  const code = await run(name, only === undefined ? [] : args);
  if (code !== 0) {
    failed++;
    console.error(`meshpact bench: ${name} failed (exit ${code})`);
  }
}
console.log(`\nbench: ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exitCode = failed > 0 ? 1 : 0;
