/**
 * The `kubectl-rolling_update` plugin: parses what `kubectl rolling-update`
 * took, and talks to the cluster through kubectl itself (with the global
 * flags the user gave), so contexts, namespaces and credentials behave as
 * they do for every other kubectl command.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { parseGoDuration } from '../cronjob/schedule.js';
import { addDeploymentKey, newControllerForImage, rollback, rollingUpdate, type RC, type RCApi } from './updater.js';

/** Global kubectl flags passed through to every kubectl call (value-taking ones). */
const globalValueFlags = new Set(['--kubeconfig', '--context', '--cluster', '--user', '--namespace', '-n', '--server', '-s', '--token', '--certificate-authority', '--client-certificate', '--client-key', '--request-timeout', '--as', '--as-group', '--tls-server-name']);
const globalBoolFlags = new Set(['--insecure-skip-tls-verify']);

export interface ParsedArgs {
  oldName: string;
  newName?: string;
  filename?: string;
  image?: string;
  container?: string;
  rollback: boolean;
  deploymentKey: string;
  updatePeriodMs: number;
  pollIntervalMs: number;
  timeoutMs: number;
  kubectlFlags: string[];
}

export const usage = `Perform a rolling update of the given ReplicationController.

Examples:
  kubectl rolling-update frontend-v1 -f frontend-v2.json
  kubectl rolling-update frontend --image=image:v2
  kubectl rolling-update frontend --rollback

Options:
  -f, --filename='': Filename or URL to file to use to create the new replication controller.
      --image='': Image to use for upgrading the replication controller.
      --container='': Container name which will have its image upgraded.
      --deployment-label-key='deployment': The key to use to differentiate between two different controllers.
      --rollback=false: If true, this is a request to abort an existing rollout that is partially rolled out.
      --update-period=1m0s: Time to wait between updating pods.
      --poll-interval=3s: Time delay between polling for replication controller status after the update.
      --timeout=5m0s: Max time to wait for a replication controller to update before giving up.

Usage:
  kubectl rolling-update OLD_CONTROLLER_NAME ([NEW_CONTROLLER_NAME] --image=NEW_CONTAINER_IMAGE | -f NEW_CONTROLLER_SPEC) [options]
`;

export function parseArgs(argv: string[]): ParsedArgs {
  const out: ParsedArgs = { oldName: '', rollback: false, deploymentKey: 'deployment', updatePeriodMs: 60_000, pollIntervalMs: 3_000, timeoutMs: 300_000, kubectlFlags: [] };
  const positional: string[] = [];
  const duration = (flag: string, v: string) => {
    const d = parseGoDuration(v);
    if (d === undefined) throw new Error(`invalid argument "${v}" for "${flag}" flag: time: invalid duration "${v}"`);
    return d;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const [flag, inline] = arg.startsWith('-') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i] ?? (() => { throw new Error(`flag needs an argument: ${flag}`); })();
    if (globalValueFlags.has(flag)) out.kubectlFlags.push(flag, value());
    else if (globalBoolFlags.has(flag)) out.kubectlFlags.push(inline !== undefined ? `${flag}=${inline}` : flag);
    else if (flag === '-f' || flag === '--filename') out.filename = value();
    else if (flag === '--image') out.image = value();
    else if (flag === '--container') out.container = value();
    else if (flag === '--deployment-label-key') out.deploymentKey = value();
    else if (flag === '--rollback') out.rollback = inline === undefined ? true : inline === 'true';
    else if (flag === '--update-period') out.updatePeriodMs = duration(flag, value());
    else if (flag === '--poll-interval') out.pollIntervalMs = duration(flag, value());
    else if (flag === '--timeout') out.timeoutMs = duration(flag, value());
    else if (flag === '--image-pull-policy' || flag === '--dry-run' || flag === '-o' || flag === '--output' || flag === '--validate') value();
    else if (flag.startsWith('-')) throw new Error(`unknown flag: ${flag}`);
    else positional.push(arg);
  }
  if (positional.length < 1) throw new Error('Must specify the controller to update');
  out.oldName = positional[0]!.replace(/^(replicationcontrollers?|rc)\//, '');
  out.newName = positional[1];
  if (!out.rollback && !out.filename && !out.image) throw new Error('Must specify --filename or --image for new controller');
  if (out.filename && out.image) throw new Error('--filename and --image can not both be specified');
  return out;
}

/** Runs kubectl with the user's global flags; rejects with its stderr on failure. */
function kubectlRunner(flags: string[]) {
  return (args: string[], input?: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.env.KUBECTL ?? 'kubectl', [...flags, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(Object.assign(new Error(stderr.trim() || `kubectl ${args.join(' ')} exited ${code}`), { notFound: /NotFound|not found/.test(stderr) }))));
      child.stdin.end(input ?? '');
    });
}

const selectorString = (s: Record<string, string>) =>
  Object.entries(s)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

export function kubectlApi(flags: string[], pollIntervalMs: number, timeoutMs: number): RCApi {
  const k = kubectlRunner(flags);
  const getRC = async (name: string): Promise<RC | undefined> => {
    try {
      return JSON.parse(await k(['get', 'replicationcontroller', name, '-o', 'json'])) as RC;
    } catch (e) {
      if ((e as { notFound?: boolean }).notFound) return undefined;
      throw e;
    }
  };
  return {
    getRC,
    createRC: async (rc) => JSON.parse(await k(['create', '-f', '-', '-o', 'json'], JSON.stringify(rc))) as RC,
    patchRC: async (name, patch) => JSON.parse(await k(['patch', 'replicationcontroller', name, '--type=merge', '-p', JSON.stringify(patch), '-o', 'json'])) as RC,
    async scaleAndWait(name, replicas) {
      await k(['scale', 'replicationcontroller', name, `--replicas=${replicas}`]);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const rc = await getRC(name);
        if (!rc) throw new Error(`replicationcontrollers "${name}" not found`);
        const observed = (rc.status?.observedGeneration ?? 0) >= (rc.metadata?.generation ?? 0);
        if (observed && (rc.status?.replicas ?? 0) === replicas) return rc;
        if (Date.now() > deadline) throw new Error(`timed out waiting for "${name}" to be synced`);
        await new Promise((r) => setTimeout(r, Math.min(pollIntervalMs, 1000)));
      }
    },
    async readyPods(selector, minReadySeconds) {
      const list = JSON.parse(await k(['get', 'pods', '-l', selectorString(selector), '-o', 'json'])) as { items: { metadata?: { deletionTimestamp?: string }; status?: { conditions?: { type: string; status: string; lastTransitionTime?: string }[] } }[] };
      const now = Date.now();
      return list.items.filter((p) => {
        if (p.metadata?.deletionTimestamp) return false;
        const c = p.status?.conditions?.find((x) => x.type === 'Ready');
        if (c?.status !== 'True') return false;
        return minReadySeconds <= 0 || (!!c.lastTransitionTime && Date.parse(c.lastTransitionTime) + minReadySeconds * 1000 <= now);
      }).length;
    },
    async labelPods(selector, key, value) {
      await k(['label', 'pods', '-l', selectorString(selector), `${key}=${value}`, '--overwrite']);
    },
    async deleteRC(name, orphan) {
      await k(['delete', 'replicationcontroller', name, ...(orphan ? ['--cascade=orphan'] : []), '--wait=false']);
    },
  };
}

function readControllerFile(path: string): RC {
  const text = path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  const docs = parseAllDocuments(text).map((d) => d.toJSON() as RC).filter(Boolean);
  const rc = docs.find((d) => d.kind === 'ReplicationController');
  if (!rc) throw new Error(`${path} contains a ${docs[0]?.kind ?? 'nothing'} not a ReplicationController`);
  return rc;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(usage);
    return 0;
  }
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\nSee 'kubectl rolling-update -h' for help and examples\n`);
    return 1;
  }
  const api = kubectlApi(args.kubectlFlags, args.pollIntervalMs, args.timeoutMs);
  const cfg = { out: (l: string) => process.stdout.write(l + '\n'), updatePeriodMs: args.updatePeriodMs, pollIntervalMs: args.pollIntervalMs, timeoutMs: args.timeoutMs };
  try {
    if (args.rollback) {
      const { from } = await rollback(api, args.oldName, cfg);
      process.stdout.write(`replicationcontroller/${from.metadata!.name} rolling updated to "${args.oldName}"\n`);
      return 0;
    }
    let old = await api.getRC(args.oldName);
    if (!old) throw new Error(`replicationcontrollers "${args.oldName}" not found`);
    if (args.image) {
      const containers = old.spec?.template?.spec?.containers ?? [];
      const target = args.container ? containers.find((c) => c.name === args.container) : containers[0];
      if (target?.image === args.image && !old.metadata?.annotations?.['kubectl.kubernetes.io/next-controller-id']) {
        throw new Error(`Specified --image must be distinct from existing container image`);
      }
      const next = args.newName ? { ...newControllerForImage(old, args.image, args.deploymentKey, args.container), metadata: { name: args.newName } } : newControllerForImage(old, args.image, args.deploymentKey, args.container);
      const pending = old.metadata?.annotations?.['kubectl.kubernetes.io/next-controller-id'];
      if (pending && pending !== next.metadata!.name) next.metadata!.name = pending;
      old = await addDeploymentKey(api, old, args.deploymentKey);
      const done = await rollingUpdate(api, { oldRc: old, newRc: next, cleanup: args.newName ? 'Delete' : 'Rename' }, cfg);
      process.stdout.write(args.newName ? `replicationcontroller/${args.oldName} rolling updated to "${done.metadata!.name}"\n` : `replicationcontroller/${args.oldName} rolling updated\n`);
      return 0;
    }
    const next = readControllerFile(args.filename!);
    const newName = next.metadata?.name;
    if (!newName) throw new Error('the new controller must have a name');
    if (newName === args.oldName) throw new Error(`${args.filename} must specify a matching key with non-equal value in Selector for ${args.oldName}`);
    const oldSel = old.spec?.selector ?? {};
    const newSel = next.spec?.selector ?? next.spec?.template?.metadata?.labels ?? {};
    if (!Object.entries(newSel).some(([k, v]) => oldSel[k] !== undefined && oldSel[k] !== v)) {
      throw new Error(`${args.filename} must specify a matching key with non-equal value in Selector for ${args.oldName}`);
    }
    next.metadata = { ...next.metadata, namespace: old.metadata?.namespace };
    await rollingUpdate(api, { oldRc: old, newRc: next, cleanup: 'Delete' }, cfg);
    process.stdout.write(`replicationcontroller/${args.oldName} rolling updated to "${newName}"\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 1;
  }
}
