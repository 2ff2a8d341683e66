/**
 * The `skiff` command: picks the subcommand and turns a CliError into its
 * one stderr line and exit code. A command is added by a row in COMMANDS.
 */
import { CliError, EXIT_USAGE, processIO, type CliIO } from './errors.js';
import { kubectlCommand } from './kubectl.js';
import { kubeconfigCommand, tokenCommand } from './print-files.js';
import { serverCommand, type StartServer } from './server.js';
import { agentCommand } from './agent.js';
import { imagesCommand } from './images.js';
import { killallCommand } from './killall.js';
import { skiffVersion } from './version.js';

export interface CliDeps {
  io: CliIO;
  env: NodeJS.ProcessEnv;
  /** For `skiff server` in tests; otherwise src/apiserver's. */
  startServer?: StartServer;
  signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
}

interface Command {
  summary: string;
  run(argv: string[], deps: CliDeps): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  server: { summary: 'Run the API server, controllers, scheduler and a node agent', run: serverCommand },
  agent: { summary: 'Run a node agent that joins a server', run: agentCommand },
  kubectl: { summary: "Run kubectl against this machine's server", run: kubectlCommand },
  kubeconfig: { summary: 'Print the admin kubeconfig', run: kubeconfigCommand },
  token: { summary: 'Print the node join token', run: tokenCommand },
  images: { summary: 'Manage container images (import for air-gapped use)', run: imagesCommand },
  killall: { summary: 'Stop everything skiff started on this machine', run: killallCommand },
};

export function topUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 3;
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`);
  return `skiff: a Kubernetes-compatible orchestrator

Usage: skiff <command> [flags]

Commands:
${rows.join('\n')}

Flags:
  -h, --help     show this help (skiff <command> --help for a command's)
      --version  print the version
`;
}

/** Runs `skiff ARGV`; resolves to the process exit code. Never throws. */
export async function runCli(argv: string[], partial: Partial<CliDeps> = {}): Promise<number> {
  const deps: CliDeps = { io: processIO, env: process.env, ...partial };
  const [first, ...rest] = argv;
  try {
    if (first === undefined) {
      deps.io.stderr(topUsage());
      return EXIT_USAGE;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
      deps.io.stdout(topUsage());
      return 0;
    }
    if (first === '--version' || first === 'version') {
      deps.io.stdout(`skiff version ${skiffVersion()}\n`);
      return 0;
    }
    const cmd = COMMANDS[first];
    if (!cmd) {
      const what = first.startsWith('-') ? `unknown flag ${first}` : `unknown command ${JSON.stringify(first)}`;
      throw new CliError(`${what} (see skiff --help)`, EXIT_USAGE);
    }
    return await cmd.run(rest, deps);
  } catch (err) {
    if (err instanceof CliError) {
      deps.io.stderr(`skiff: ${err.message}\n`);
      return err.exitCode;
    }
    deps.io.stderr(`skiff: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}
