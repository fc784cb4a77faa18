/** What the JSON-printing benchmarks (bench/chaos, bench/soak) do first: stdout, flags, signals. */

/** stdout carries the JSON lines only: libraries that log with console.log (knex's "Acquire
 * connection error" while PostgreSQL is down) go to stderr. */
export function keepStdoutForJson(): void {
  console.log = (...a: unknown[]) => console.error(...a);
  console.info = console.log;
  console.warn = (...a: unknown[]) => console.error(...a);
}

/**
 * The parsed flags, or undefined after printing `name: why` and the usage to stderr (a refusal is
 * an error of `refusal`'s class; its empty message, --help, prints the usage alone).
 */
export function parseFlags<A>(
  name: string,
  parse: (argv: string[]) => A,
  refusal: new (...args: never[]) => Error,
  usage: string,
): A | undefined {
  try {
    return parse(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof refusal)) throw e;
    if (e.message) console.error(`${name}: ${e.message}`);
    console.error(usage);
    return undefined;
  }
}

/** Calls `fn` on the first SIGINT or SIGTERM (the run stops after what it is doing). */
export function onInterrupt(fn: () => void): void {
  process.once('SIGINT', fn);
  process.once('SIGTERM', fn);
}

/** Runs `main` and exits with its code (1, with the error on stderr, if it throws). */
export function runMain(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.error(`[${name}]`, e);
      process.exit(1);
    },
  );
}
