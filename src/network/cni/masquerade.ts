/**
 * Outbound masquerade for a node's pods, owned by the agent instead of the
 * bridge plugin. With `ipMasq: true` the bridge plugin adds a chain and
 * three rules per pod at every ADD and removes them at every DEL; each of
 * those iptables runs reads the whole nat table (nft backend), so pod
 * start-up slowed as pods accumulated. One rule per node does the same job:
 * traffic from the pod range to anywhere but the cluster's pod range (and
 * multicast) leaves with the node's address.
 *
 *   -A POSTROUTING -s <podCIDR> -m comment --comment "skiff: masquerade <bridge>" -j SKIFF-MASQ-<bridge>
 *   -A SKIFF-MASQ-<bridge> -d <clusterCIDR> -j RETURN
 *   -A SKIFF-MASQ-<bridge> -d 224.0.0.0/4 -j RETURN
 *   -A SKIFF-MASQ-<bridge> -j MASQUERADE
 *
 * The chain is keyed by bridge name so several nodes (tests) on one machine
 * keep separate rules and each removes only its own.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface MasqueradeOptions {
  bridge: string;
  podCIDR: string;
  /** Pod traffic to this range keeps its source address (default 10.42.0.0/16). */
  clusterCIDR?: string;
  /** iptables binary (tests may point elsewhere). */
  iptables?: string;
}

export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';

/** The node's chain; bridge names are at most 15 characters, chain names 28. */
export function masqChain(bridge: string): string {
  return `SKIFF-MASQ-${bridge}`.slice(0, 28);
}

function comment(bridge: string): string {
  return `skiff: masquerade ${bridge}`;
}

/** The rules as iptables argument lists (table nat), in the order they are added. */
export function masqueradeRules(o: MasqueradeOptions): { chain: string; chainRules: string[][]; jump: string[] } {
  const chain = masqChain(o.bridge);
  return {
    chain,
    chainRules: [
      ['-d', o.clusterCIDR ?? DEFAULT_CLUSTER_CIDR, '-j', 'RETURN'],
      ['-d', '224.0.0.0/4', '-j', 'RETURN'],
      ['-j', 'MASQUERADE'],
    ],
    jump: ['-s', o.podCIDR, '-m', 'comment', '--comment', comment(o.bridge), '-j', chain],
  };
}

async function ipt(bin: string, args: string[]): Promise<boolean> {
  try {
    await run(bin, ['-w', '-t', 'nat', ...args]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Installs (or repairs) the node's masquerade rules; idempotent, so an agent
 * restart leaves one copy. The chain is rewritten, the POSTROUTING jump
 * added only when missing.
 */
export async function ensurePodMasquerade(o: MasqueradeOptions): Promise<void> {
  const bin = o.iptables ?? 'iptables';
  const { chain, chainRules, jump } = masqueradeRules(o);
  if (!(await ipt(bin, ['-N', chain]))) await ipt(bin, ['-F', chain]);
  for (const r of chainRules) {
    if (!(await ipt(bin, ['-A', chain, ...r]))) throw new Error(`iptables: cannot add ${r.join(' ')} to ${chain}`);
  }
  // A jump for an older pod range of this bridge would masquerade the wrong pods.
  await removeJumps(bin, o.bridge, o.podCIDR);
  if (!(await ipt(bin, ['-C', 'POSTROUTING', ...jump])) && !(await ipt(bin, ['-A', 'POSTROUTING', ...jump]))) {
    throw new Error(`iptables: cannot add the POSTROUTING jump to ${chain}`);
  }
}

/** POSTROUTING rules jumping to the bridge's chain, except the one for `keepCIDR`. */
async function removeJumps(bin: string, bridge: string, keepCIDR?: string): Promise<void> {
  const chain = masqChain(bridge);
  let listing = '';
  try {
    listing = (await run(bin, ['-w', '-t', 'nat', '-S', 'POSTROUTING'])).stdout;
  } catch {
    return;
  }
  for (const line of listing.split('\n')) {
    if (!line.startsWith('-A POSTROUTING ') || !line.endsWith(`-j ${chain}`)) continue;
    const args = splitRule(line.slice('-A POSTROUTING '.length));
    const src = args[args.indexOf('-s') + 1]?.replace(/\/32$/, '');
    if (keepCIDR && src === keepCIDR) continue;
    await ipt(bin, ['-D', 'POSTROUTING', ...args]);
  }
}

/** Splits an `iptables -S` rule into arguments (comments are double-quoted). */
export function splitRule(rule: string): string[] {
  return (rule.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? []).map((a) => (a.startsWith('"') ? (JSON.parse(a) as string) : a));
}

/** Removes the node's masquerade rules (killall, test clean-up); quiet when there are none. */
export async function removePodMasquerade(bridge: string, iptables = 'iptables'): Promise<void> {
  await removeJumps(iptables, bridge);
  const chain = masqChain(bridge);
  await ipt(iptables, ['-F', chain]);
  await ipt(iptables, ['-X', chain]);
}
