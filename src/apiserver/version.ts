/**
 * /version. skiff serves the Kubernetes 1.30 API (the kubernetes-types it
 * models), so it reports 1.30 with its own version as build metadata.
 */
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

export const kubernetesVersion = { major: '1', minor: '30', patch: '0' };

export function serverVersion() {
  return {
    major: kubernetesVersion.major,
    minor: kubernetesVersion.minor,
    gitVersion: `v${kubernetesVersion.major}.${kubernetesVersion.minor}.${kubernetesVersion.patch}+skiff-${pkg.version}`,
    gitCommit: 'skiff',
    gitTreeState: 'clean',
    buildDate: '2026-11-23T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'tsc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
