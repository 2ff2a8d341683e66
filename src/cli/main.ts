/**
 * Entry point of the `skiff` binary (bin/skiff imports the built copy).
 * Exits explicitly: a stopped server may leave handles (timers, sockets in
 * TIME_WAIT) that would otherwise keep the process up.
 */
import { runCli } from './run.js';

const code = await runCli(process.argv.slice(2));
process.exit(code);
