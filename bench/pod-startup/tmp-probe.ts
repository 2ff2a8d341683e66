import { startContainerd } from '../../src/kubelet/containerd/index.js';
import { writeCniConfig } from '../../src/network/cni/index.js';
import { killAll } from '../../src/kubelet/killall.js';
import { silentLogger } from '../../src/util/log.js';
import { mkdtempSync } from 'node:fs';
const dataDir = mkdtempSync('/tmp/skb/d-');
const h = await startContainerd({ dataDir, log: silentLogger() });
writeCniConfig({ confDir: h.paths.cniConfDir, ipamDataDir: dataDir + '/cni', podCIDR: '10.42.9.0/24', bridge: 'skb0' });
import { writeFileSync, readFileSync } from 'node:fs';
const f = h.paths.cniConfDir + '/10-skiff.conflist';
const c = JSON.parse(readFileSync(f, 'utf8'));
if (process.env.NOMASQ) c.plugins[0].ipMasq = false;
if (process.env.NOPORTMAP) c.plugins.pop();
writeFileSync(f, JSON.stringify(c));
await new Promise(r => setTimeout(r, 1500));
const mk = (i: number) => ({ linux: process.env.HOSTNET ? { securityContext: { namespaceOptions: { network: 'NODE' } } } : undefined, metadata: { name: 'p' + i, uid: 'u' + i, namespace: 'default', attempt: 0 }, hostname: 'p' + i, logDirectory: dataDir + '/logs', labels: { x: 'y' } });
try {
  for (const conc of [1]) {
    const t = Date.now();
    const times: number[] = [];
    const N = 10;
    let next = 0;
    await Promise.all(Array.from({ length: conc }, async () => {
      while (next < N) { const i = next++ + conc * 100; const s = Date.now(); await h.cri.runPodSandbox(mk(i) as any); times.push(Date.now() - s); }
    }));
    console.log('conc', conc, 'total', Date.now() - t, 'each', times.join(','));
  }
  const t2 = Date.now();
  for (let i = 0; i < 5; i++) await h.cri.listContainers({ labelSelector: { x: 'y' } });
  console.log('list x5', Date.now() - t2);
} finally {
  await h.stop();
  await killAll({ dataDir, bridge: 'skb0' });
}
