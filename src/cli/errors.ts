/**
 * A command's failure as the user sees it: one line on stderr after
 * `skiff: `, and an exit code (2 for misuse, like most Unix tools; 1 for
 * everything else).
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
  }
}

export const EXIT_USAGE = 2;

/** Misuse of a command: says where the help is. */
export function usageError(command: string, message: string): CliError {
  return new CliError(`${message} (see skiff ${command ? `${command} ` : ''}--help)`, EXIT_USAGE);
}

/** Where commands write; tests capture it. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processIO: CliIO = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
};
