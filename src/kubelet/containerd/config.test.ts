import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { containerdPaths, readRegistries, registryAuth, renderContainerdConfig, renderHostsToml, writeRegistryHosts } from './config.js';

it('renders a containerd config rooted in the data dir', () => {
  const paths = containerdPaths('/data');
  const toml = renderContainerdConfig({ paths, sandboxImage: 'skiff.local/pause:3.9', cniBinDir: '/usr/lib/cni', snapshotter: 'overlayfs', restrictOomScoreAdj: true });
  assert.match(toml, /^root = "\/data\/agent\/containerd\/root"$/m);
  assert.match(toml, /^state = "\/data\/agent\/containerd\/state"$/m);
  assert.match(toml, /address = "\/data\/agent\/containerd\/containerd.sock"/);
  assert.match(toml, /sandbox_image = "skiff.local\/pause:3.9"/);
  assert.match(toml, /conf_dir = "\/data\/agent\/etc\/cni\/net.d"/);
  assert.match(toml, /config_path = "\/data\/agent\/containerd\/certs.d"/);
  assert.match(toml, /restrict_oom_score_adj = true/);
  assert.doesNotMatch(toml, /oom_score = -999/);
  assert.match(renderContainerdConfig({ paths, sandboxImage: 'p', cniBinDir: '/c', snapshotter: 'native' }), /oom_score = -999[\s\S]*snapshotter = "native"/);
});

it('turns k3s registries.yaml mirrors into hosts.toml directories', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-reg-'));
  try {
    writeFileSync(
      join(dir, 'registries.yaml'),
      'mirrors:\n  docker.io:\n    endpoint: ["http://127.0.0.1:5000", "mirror.example.com"]\nconfigs:\n  mirror.example.com:\n    tls: {insecure_skip_verify: true}\n    auth: {username: u, password: p}\n',
    );
    const cfg = readRegistries(dir);
    const paths = containerdPaths(dir);
    writeRegistryHosts(paths, cfg);
    const hosts = readFileSync(join(paths.certsDir, 'docker.io', 'hosts.toml'), 'utf8');
    assert.equal(hosts, renderHostsToml('docker.io', cfg));
    assert.match(hosts, /^server = "https:\/\/registry-1.docker.io"$/m);
    assert.ok(hosts.indexOf('[host."http://127.0.0.1:5000"]') < hosts.indexOf('[host."https://mirror.example.com"]'));
    assert.match(hosts, /\[host."https:\/\/mirror.example.com"\]\n {2}capabilities = \["pull", "resolve"\]\n {2}skip_verify = true/);
    assert.deepEqual(registryAuth(cfg, 'docker.io'), { username: 'u', password: 'p', auth: undefined });
    assert.deepEqual(readRegistries(join(dir, 'none')), {});
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
