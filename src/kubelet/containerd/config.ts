/**
 * containerd's configuration for a skiff node: everything under
 * `<data-dir>/agent/containerd/` so several nodes (or tests) can share a
 * machine, the CRI plugin pointed at the agent's CNI config and pause
 * image, and registry mirrors from `<data-dir>/registries.yaml` (k3s's
 * format) rendered as containerd `hosts.toml` directories.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface ContainerdPaths {
  /** `<data-dir>/agent/containerd` */
  base: string;
  root: string;
  state: string;
  socket: string;
  configFile: string;
  logFile: string;
  /** hosts.toml directories, one per registry host. */
  certsDir: string;
  /** Where the agent writes its CNI network config. */
  cniConfDir: string;
  /** Image archives imported at start (like k3s's agent/images). */
  imagesDir: string;
}

export function containerdPaths(dataDir: string): ContainerdPaths {
  const agent = join(dataDir, 'agent');
  const base = join(agent, 'containerd');
  return {
    base,
    root: join(base, 'root'),
    state: join(base, 'state'),
    socket: join(base, 'containerd.sock'),
    configFile: join(base, 'config.toml'),
    logFile: join(base, 'containerd.log'),
    certsDir: join(base, 'certs.d'),
    cniConfDir: join(agent, 'etc', 'cni', 'net.d'),
    imagesDir: join(agent, 'images'),
  };
}

export interface ContainerdConfigOptions {
  paths: ContainerdPaths;
  sandboxImage: string;
  cniBinDir: string;
  snapshotter: 'overlayfs' | 'native';
  /** Use systemd cgroups (only when the host runs systemd with cgroup v2); default cgroupfs. */
  systemdCgroup?: boolean;
  /**
   * Clamp OOM score adjustments to containerd's own: needed where the agent
   * lacks CAP_SYS_RESOURCE (some VMs and containers), since runc then cannot
   * lower a process's score and the CRI gives sandboxes -998.
   */
  restrictOomScoreAdj?: boolean;
}

/** TOML string literal (basic string with escapes). */
const q = (s: string) => JSON.stringify(s);

export function renderContainerdConfig(o: ContainerdConfigOptions): string {
  const { paths } = o;
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `# Written by skiff at every agent start; edits are overwritten.
version = 2
root = ${q(paths.root)}
state = ${q(paths.state)}
${o.restrictOomScoreAdj ? '' : 'oom_score = -999\n'}
[grpc]
  address = ${q(paths.socket)}

[ttrpc]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = ${q(join(paths.root, 'opt'))}

[${cri}]
  sandbox_image = ${q(o.sandboxImage)}
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  disable_apparmor = true
  tolerate_missing_hugetlb_controller = true
  disable_hugetlb_controller = true
  enable_unprivileged_ports = true
  enable_unprivileged_icmp = true
  restrict_oom_score_adj = ${o.restrictOomScoreAdj ? 'true' : 'false'}

[${cri}.containerd]
  snapshotter = ${q(o.snapshotter)}
  default_runtime_name = "runc"
  disable_snapshot_annotations = true

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${cri}.containerd.runtimes.runc.options]
  SystemdCgroup = ${o.systemdCgroup ? 'true' : 'false'}

[${cri}.cni]
  bin_dir = ${q(o.cniBinDir)}
  conf_dir = ${q(paths.cniConfDir)}
  max_conf_num = 1

[${cri}.registry]
  config_path = ${q(paths.certsDir)}
`;
}

/** k3s's registries.yaml. */
export interface RegistriesConfig {
  mirrors?: Record<string, { endpoint?: string[]; rewrite?: Record<string, string> }>;
  configs?: Record<
    string,
    {
      auth?: { username?: string; password?: string; auth?: string; identity_token?: string };
      tls?: { insecure_skip_verify?: boolean; ca_file?: string; cert_file?: string; key_file?: string };
    }
  >;
}

export function readRegistries(dataDir: string): RegistriesConfig {
  const file = join(dataDir, 'registries.yaml');
  if (!existsSync(file)) return {};
  const doc = parseYaml(readFileSync(file, 'utf8')) as RegistriesConfig | null;
  return doc ?? {};
}

/** The upstream server of a registry host (docker.io's API lives elsewhere). */
function upstream(host: string): string {
  if (host === 'docker.io') return 'https://registry-1.docker.io';
  return `https://${host}`;
}

function withScheme(endpoint: string): string {
  return /^[a-z]+:\/\//.test(endpoint) ? endpoint : `https://${endpoint}`;
}

function hostKey(endpoint: string): string {
  return withScheme(endpoint).replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
}

/**
 * One `hosts.toml` per mirrored registry: the mirror endpoints in order,
 * then the upstream (containerd falls back to `server`). Credentials for a
 * mirror come from `configs` keyed by the endpoint's host.
 */
export function renderHostsToml(registry: string, cfg: RegistriesConfig): string {
  const mirror = cfg.mirrors?.[registry];
  const lines = [`server = ${q(registry === '*' ? '' : upstream(registry))}`, ''];
  for (const ep of mirror?.endpoint ?? []) {
    const url = withScheme(ep);
    const c = cfg.configs?.[hostKey(ep)];
    lines.push(`[host.${q(url)}]`, '  capabilities = ["pull", "resolve"]');
    if (c?.tls?.insecure_skip_verify) lines.push('  skip_verify = true');
    if (c?.tls?.ca_file) lines.push(`  ca = ${q(c.tls.ca_file)}`);
    if (c?.tls?.cert_file && c.tls.key_file) lines.push(`  client = [[${q(c.tls.cert_file)}, ${q(c.tls.key_file)}]]`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Rewrites the hosts.toml tree from registries.yaml (removing stale hosts). */
export function writeRegistryHosts(paths: ContainerdPaths, cfg: RegistriesConfig): void {
  rmSync(paths.certsDir, { recursive: true, force: true });
  mkdirSync(paths.certsDir, { recursive: true });
  for (const registry of Object.keys(cfg.mirrors ?? {})) {
    // containerd names the fallback directory `_default`.
    const dir = join(paths.certsDir, registry === '*' ? '_default' : registry);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'hosts.toml'), renderHostsToml(registry, cfg));
  }
}

/** Credentials from registries.yaml for an image's registry host (used for PullImage auth). */
export function registryAuth(cfg: RegistriesConfig, host: string): { username?: string; password?: string; auth?: string } | undefined {
  const candidates = [host, ...(cfg.mirrors?.[host]?.endpoint ?? []).map(hostKey)];
  for (const h of candidates) {
    const a = cfg.configs?.[h]?.auth;
    if (a) return { username: a.username, password: a.password, auth: a.auth };
  }
  return undefined;
}
