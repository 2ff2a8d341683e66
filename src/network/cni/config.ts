/**
 * The pod network of one node: a Linux bridge (default `skiff0`) that is
 * the pods' gateway, host-local IPAM handing out addresses of the node's
 * podCIDR (10.42.N.0/24), and portmap for hostPort. Masquerade is not the
 * bridge plugin's (`ipMasq` would add iptables rules at every pod ADD and
 * DEL): the agent installs one rule for the whole pod range
 * (masquerade.ts). containerd's CRI plugin reads the conflist from
 * `confDir` and runs the plugins (it adds the loopback network itself).
 * The IPAM state lives under the data dir, not /var/lib/cni, so nodes and
 * tests on one machine never share allocations.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CniOptions {
  /** containerd's CNI conf_dir. */
  confDir: string;
  /** host-local's allocation state. */
  ipamDataDir: string;
  podCIDR: string;
  bridge?: string;
  mtu?: number;
  networkName?: string;
}

export const CONFLIST_NAME = '10-skiff.conflist';

export function renderCniConflist(o: CniOptions): Record<string, unknown> {
  const gateway = gatewayOf(o.podCIDR);
  return {
    cniVersion: '1.0.0',
    name: o.networkName ?? 'skiff',
    plugins: [
      {
        type: 'bridge',
        bridge: o.bridge ?? 'skiff0',
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ...(o.mtu ? { mtu: o.mtu } : {}),
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: o.podCIDR, gateway }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: o.ipamDataDir,
        },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  };
}

/** The first usable address of an IPv4 CIDR (the bridge's address). */
export function gatewayOf(cidr: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new Error(`invalid IPv4 CIDR ${JSON.stringify(cidr)}`);
  const bits = Number(m[5]);
  if (bits > 30) throw new Error(`pod CIDR ${cidr} is too small`);
  const ip = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  const gw = ((ip & mask) + 1) >>> 0;
  return [gw >>> 24, (gw >>> 16) & 255, (gw >>> 8) & 255, gw & 255].join('.');
}

/** Writes the conflist atomically (containerd watches the directory) and removes any other configs there. */
export function writeCniConfig(o: CniOptions): string {
  mkdirSync(o.confDir, { recursive: true });
  mkdirSync(o.ipamDataDir, { recursive: true });
  // containerd loads the first config by name: only ours may be there.
  for (const f of readdirSync(o.confDir)) if (f !== CONFLIST_NAME && /\.(conf|conflist|json)$/.test(f)) rmSync(join(o.confDir, f), { force: true });
  const file = join(o.confDir, CONFLIST_NAME);
  const tmp = join(o.confDir, `.${CONFLIST_NAME}.tmp`);
  writeFileSync(tmp, JSON.stringify(renderCniConflist(o), null, 2));
  renameSync(tmp, file);
  return file;
}
