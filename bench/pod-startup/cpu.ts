// CPU spent by a node's runtime stack, from /proc: containerd itself, what it
// ran and waited for (CNI plugins, shim launchers), the shims (with the runc
// processes they wait for), and this process (API server + agent).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidsMentioning } from '../../src/kubelet/index.js';
import type { TestNode } from '../../test/e2e/node-support.js';

/** CPU of a process in ms (clock ticks of 10 ms): its own, or with its waited-for children. */
export function cpuMs(pid: number, withChildren = true): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0)) * 10;
  } catch {
    return 0;
  }
}

export interface RuntimeCpu {
  containerd: number;
  /** CNI plugins and shim launchers: containerd's waited-for children. */
  containerdChildren: number;
  /** Shim daemons with the runc processes they ran. */
  shims: number;
  shimCount: number;
  /** This process: the API server and the agent. */
  self: number;
}

/** Starts counting; the returned function tells the CPU spent since. */
export function runtimeCpu(node: TestNode): () => RuntimeCpu {
  const paths = node.agent.containerd.paths;
  const cdPid = Number(readFileSync(join(paths.base, 'containerd.pid'), 'utf8'));
  const shims0 = new Map(pidsMentioning(paths.socket).map((p) => [p, cpuMs(p)]));
  const cd0 = cpuMs(cdPid);
  const cdSelf0 = cpuMs(cdPid, false);
  const me0 = process.cpuUsage();
  return () => {
    const shims = pidsMentioning(paths.socket).filter((p) => p !== cdPid);
    const me = process.cpuUsage(me0);
    const containerd = cpuMs(cdPid, false) - cdSelf0;
    return {
      containerd,
      containerdChildren: cpuMs(cdPid) - cd0 - containerd,
      shims: shims.reduce((a, p) => a + cpuMs(p) - (shims0.get(p) ?? 0), 0),
      shimCount: shims.length,
      self: (me.user + me.system) / 1000,
    };
  };
}
