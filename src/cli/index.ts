/** The skiff command line's public face. */
export { runCli, topUsage, type CliDeps } from './run.js';
export { CliError, type CliIO } from './errors.js';
export { defaultDataDir, resolveDataDir } from './data-dir.js';
export {
  DEFAULT_BIND_ADDRESS,
  DEFAULT_PORT,
  parseLogLevel,
  parseServerArgs,
  type LogLevel,
  type ParsedServerArgs,
  type RunningServer,
  type ServerOptions,
} from './server-options.js';
export { serverCommand, type StartServer } from './server.js';
export { skiffVersion } from './version.js';
