/**
 * `skiff images import FILE.tar…` and `skiff images ls`: images for
 * air-gapped machines, through the node's containerd (like `k3s ctr images`).
 */
import { CliError, usageError, type CliIO } from './errors.js';
import { parseFlags, type FlagSpecs } from './flags.js';
import { resolveDataDir } from './data-dir.js';

const FLAGS: FlagSpecs = {
  help: { type: 'boolean', short: 'h' },
  'data-dir': { type: 'string', short: 'd' },
};

export const IMAGES_USAGE = `Usage: skiff images import [--data-dir DIR] FILE.tar...
       skiff images ls [--data-dir DIR]

Import docker-save or OCI image archives into the node's containerd, or list
its images. Archives in DIR/agent/images/ are imported at every agent start.
`;

export async function imagesCommand(argv: string[], deps: { io: CliIO; env?: NodeJS.ProcessEnv }): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') {
    deps.io.stdout(IMAGES_USAGE);
    return sub ? 0 : 2;
  }
  const { values, positionals } = parseFlags('images', rest, FLAGS, true);
  if (values.help) {
    deps.io.stdout(IMAGES_USAGE);
    return 0;
  }
  const dataDir = resolveDataDir(values['data-dir'] as string | undefined, deps.env);
  const images = await import('../kubelet/images/index.js');
  try {
    if (sub === 'import') {
      if (positionals.length === 0) throw usageError('images', 'import needs at least one archive');
      for (const name of await images.importImages(dataDir, positionals)) deps.io.stdout(`imported ${name}\n`);
      return 0;
    }
    if (sub === 'ls') {
      const rows = await images.listImages(dataDir);
      const w = Math.max(5, ...rows.map((r) => r.image.length));
      deps.io.stdout(`${'IMAGE'.padEnd(w)}  ${'TAG'.padEnd(12)}  ${'IMAGE ID'.padEnd(13)}  SIZE\n`);
      for (const r of rows) deps.io.stdout(`${r.image.padEnd(w)}  ${r.tag.padEnd(12)}  ${r.imageId.replace(/^sha256:/, '').slice(0, 13).padEnd(13)}  ${r.size}\n`);
      return 0;
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError((err as Error).message);
  }
  throw usageError('images', `unknown subcommand ${JSON.stringify(sub)}`);
}
