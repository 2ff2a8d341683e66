import { rmSync } from 'node:fs';
import { killAll, mountsUnder } from '/work/main/src/kubelet/index.js';
for (const d of process.argv.slice(2)) {
  await killAll({ dataDir: d });
  const left = mountsUnder(d);
  console.log(d, 'mounts left', left.length);
  if (!left.length) rmSync(d, { recursive: true, force: true });
}
